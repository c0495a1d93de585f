package io.roadseg.engine.trt;

import io.roadseg.engine.InferenceException;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.bytedeco.tensorrt.nvinfer.IRuntime;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loading of the CUDA and TensorRT natives, and the few process-wide native facts and objects the backend shares: the
 * device, the library versions, the one {@link IRuntime}. The first {@link #unavailableReason()} probes once per
 * process and remembers the answer, because the JVM reports a failed native class initialisation in full only the
 * first time (later attempts say only "Could not initialize class").
 *
 * <p>Threading: all methods are safe from any thread ({@code synchronized} where state is created).
 */
final class TrtNatives {
    /** The TensorRT major version these JavaCPP presets were generated for. */
    static final int PRESET_MAJOR = 10;
    /**
     * The TensorRT minor version the presets' JNI wrappers were compiled against (10.15 headers): an older 10.x
     * library lacks calls they make ({@code setDeviceMemoryV2}, the typed {@code addTopK}), which would be undefined
     * behaviour rather than an error, so it is refused up front.
     */
    static final int PRESET_MINOR = 15;

    private static final Pattern MISSING_LIBRARY =
            Pattern.compile("(lib[A-Za-z0-9_+\\-]+\\.so[0-9.]*): cannot open shared object file");

    private static boolean probed;
    private static String reason;
    private static IRuntime runtime;

    private TrtNatives() {
    }

    /**
     * Null when CUDA, TensorRT and its ONNX parser load and a GPU is present; otherwise one line naming what is
     * missing: the driver ({@code libcuda}), the CUDA runtime ({@code libcudart}), TensorRT ({@code libnvinfer},
     * {@code libnvonnxparser}) or the GPU.
     */
    static synchronized String unavailableReason() {
        if (!probed) {
            reason = probe();
            probed = true;
        }
        return reason;
    }

    private static String probe() {
        try {
            Loader.load(cudart.class);
        } catch (LinkageError | RuntimeException e) {
            return describeLoadFailure("CUDA runtime", e);
        }
        try {
            Loader.load(nvinfer.class);
        } catch (LinkageError | RuntimeException e) {
            return describeLoadFailure("TensorRT", e);
        }
        try {
            Loader.load(nvonnxparser.class);
        } catch (LinkageError | RuntimeException e) {
            return describeLoadFailure("TensorRT ONNX parser", e);
        }
        int[] count = new int[1];
        int rc = cudart.cudaGetDeviceCount(count);
        if (rc == cudart.cudaErrorNoDevice || rc == cudart.cudaSuccess && count[0] == 0) {
            return "no NVIDIA GPU (CUDA found no device; check nvidia-smi and CUDA_VISIBLE_DEVICES)";
        }
        if (rc == cudart.cudaErrorInsufficientDriver) {
            return "the NVIDIA driver is too old for CUDA runtime " + cudaRuntimeVersion()
                    + " (cudaErrorInsufficientDriver); update the driver";
        }
        if (rc != cudart.cudaSuccess) {
            return "cudaGetDeviceCount failed: " + errorText(rc);
        }
        return versionProblem(nvinfer.getInferLibVersion(), nvonnxparser.getNvOnnxParserVersion());
    }

    /**
     * The version rule: libnvinfer and libnvonnxparser must both be TensorRT {@value #PRESET_MAJOR}.x, at least
     * {@value #PRESET_MAJOR}.{@value #PRESET_MINOR} (what the wrappers were compiled against).
     *
     * @param library the loaded libnvinfer's {@code getInferLibVersion()} (major·10000 + minor·100 + patch)
     * @param parser  the loaded parser's {@code getNvOnnxParserVersion()}, same encoding
     * @return null when both fit, else one line naming both versions and the one required
     */
    static String versionProblem(int library, int parser) {
        int needed = PRESET_MAJOR * 10000 + PRESET_MINOR * 100;
        boolean libraryOk = library / 10000 == PRESET_MAJOR && library >= needed;
        boolean parserOk = parser / 10000 == PRESET_MAJOR && parser >= needed;
        if (libraryOk && parserOk) {
            return null;
        }
        return "TensorRT " + versionText(library) + " (libnvinfer) with ONNX parser " + versionText(parser)
                + " is installed, but this build's wrappers need TensorRT " + PRESET_MAJOR + "." + PRESET_MINOR
                + " or a later " + PRESET_MAJOR + ".x for both";
    }

    /**
     * One line for a native library that does not load: names the missing shared object when the loader's message
     * (anywhere in the cause chain) says which, with what it is and how to get it.
     *
     * @param what the component being loaded, e.g. {@code TensorRT}
     */
    static String describeLoadFailure(String what, Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = failure; t != null && messages.size() < 10; t = t.getCause()) {
            if (t.getMessage() != null) {
                messages.add(t.getMessage());
            }
        }
        for (String m : messages) {
            Matcher lib = MISSING_LIBRARY.matcher(m);
            if (lib.find()) {
                return missingLibrary(lib.group(1));
            }
        }
        for (String m : messages) {
            if (m.contains("Could not initialize class")) {
                return what + " natives failed to load earlier in this process (" + firstLine(m) + ")";
            }
        }
        String first = messages.isEmpty() ? failure.getClass().getSimpleName() : firstLine(messages.get(0));
        return what + " natives do not load: " + first;
    }

    private static String missingLibrary(String lib) {
        String l = lib.toLowerCase(Locale.ROOT);
        if (l.startsWith("libcuda.so")) {
            return "NVIDIA driver library " + lib + " not found (no NVIDIA driver installed on this machine)";
        }
        if (l.startsWith("libcudart")) {
            return "CUDA runtime library " + lib + " not found (install CUDA 13, or build with -Ptensorrt-redist)";
        }
        if (l.startsWith("libnvinfer")) {
            return "TensorRT library " + lib + " not found (install TensorRT 10.15, or build with -Ptensorrt-redist)";
        }
        if (l.startsWith("libnvonnxparser")) {
            return "TensorRT ONNX parser library " + lib + " not found (install TensorRT 10.15 with its ONNX parser, "
                    + "or build with -Ptensorrt-redist)";
        }
        return "native library " + lib + " not found (needed by CUDA/TensorRT; install it or build with "
                + "-Ptensorrt-redist)";
    }

    /** {@code cudaErrorXxx: description (code n)}. */
    static String errorText(int code) {
        String name;
        String text;
        try {
            BytePointer n = cudart.cudaGetErrorName(code);
            BytePointer s = cudart.cudaGetErrorString(code);
            name = n == null ? "cudaError" : n.getString();
            text = s == null ? "" : s.getString();
        } catch (LinkageError e) {
            return "CUDA error " + code;
        }
        return name + ": " + text + " (code " + code + ")";
    }

    /**
     * Throws when a CUDA runtime call failed.
     *
     * @param call    the CUDA function, e.g. {@code cudaMemcpyAsync}
     * @param subject what it was doing it to, e.g. {@code input of engines/roadseg.onnx, 2.0 MB}
     */
    static void check(int code, String call, String subject) throws InferenceException {
        if (code != cudart.cudaSuccess) {
            throw new InferenceException("engine tensorrt: " + call + " (" + subject + ") failed: " + errorText(code));
        }
    }

    /**
     * A TensorRT data type's name from its value. Enums built from a native value that the Java enum does not list
     * print as {@code null}; this names every listed one and shows the number otherwise.
     */
    static String dataTypeName(int value) {
        for (org.bytedeco.tensorrt.global.nvinfer.DataType t : org.bytedeco.tensorrt.global.nvinfer.DataType.values()) {
            if (t.value == value) {
                return t.name().substring(1); // kFLOAT → FLOAT
            }
        }
        return "DataType(" + value + ")";
    }

    private static org.bytedeco.tensorrt.nvinfer.IBuilder builder;

    /**
     * The process's one TensorRT builder, created on first use. A builder holds TensorRT's kernel library (hundreds
     * of MB on the GPU and host); the 1.5.13 presets cannot delete one (javacpp-presets#1699), so creating one per
     * build — the GPU check builds several plans in one process — would pile them up.
     *
     * @return the builder, or null when TensorRT cannot create one (the logger has its errors)
     */
    static synchronized org.bytedeco.tensorrt.nvinfer.IBuilder builder(TrtLogger logger) {
        if (builder == null || builder.isNull()) {
            builder = nvinfer.createInferBuilder(logger);
        }
        return builder;
    }

    /** Version of the loaded libnvinfer, {@code major.minor.patch}. */
    static String tensorRtVersion() {
        return versionText(nvinfer.getInferLibVersion());
    }

    static String versionText(int v) {
        return v / 10000 + "." + v / 100 % 100 + "." + v % 100;
    }

    static String cudaRuntimeVersion() {
        int[] v = new int[1];
        return cudart.cudaRuntimeGetVersion(v) == cudart.cudaSuccess ? v[0] / 1000 + "." + v[0] % 1000 / 10 : "?";
    }

    /** The current CUDA device, as the plan cache and the logs name it. */
    record Device(int index, String name, String computeCapability, long memoryBytes, String driver,
                  String runtime) {
        @Override
        public String toString() {
            return name + " (sm " + computeCapability + ", " + memoryBytes / (1L << 20) + " MiB, driver CUDA " + driver
                    + ", runtime " + runtime + ")";
        }
    }

    static Device device() throws InferenceException {
        int[] index = new int[1];
        check(cudart.cudaGetDevice(index), "cudaGetDevice", "current device");
        try (cudaDeviceProp p = new cudaDeviceProp()) {
            check(cudart.cudaGetDeviceProperties(p, index[0]), "cudaGetDeviceProperties", "device " + index[0]);
            int[] drv = new int[1];
            cudart.cudaDriverGetVersion(drv);
            return new Device(index[0], p.name().getString().trim(), p.major() + "." + p.minor(), p.totalGlobalMem(),
                    drv[0] / 1000 + "." + drv[0] % 1000 / 10, cudaRuntimeVersion());
        }
    }

    /**
     * The process's TensorRT runtime, created on first use. One for the process: with the 1.5.13 presets a
     * TensorRT object returned by TensorRT cannot be deleted from Java (javacpp-presets#1699), so sharing one runtime
     * bounds what stays allocated.
     */
    static synchronized IRuntime runtime() throws InferenceException {
        if (runtime == null) {
            IRuntime r = nvinfer.createInferRuntime(TrtLogger.get());
            if (r == null || r.isNull()) {
                throw new InferenceException("engine tensorrt: createInferRuntime failed"
                        + TrtLogger.get().recentErrors());
            }
            runtime = r;
        }
        return runtime;
    }

    static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
