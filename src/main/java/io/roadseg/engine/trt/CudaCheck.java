package io.roadseg.engine.trt;

import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The GPU check's CUDA-only mode: what the TensorRT backend does on the CUDA side, run without TensorRT, on a bare GPU
 * machine (driver and CUDA runtime only) from the slim bundle of {@code scripts/gpu-bundle.sh}.
 * <ol>
 *   <li>probes TensorRT exactly as {@code --engine auto} does and prints its one-line reason (on a machine without
 *       TensorRT: "not installed", which is the expected answer);</li>
 *   <li>per binding of the shipped model's shapes (input {@code 3xHxW}, logits {@code 11xHxW}, depth {@code HxW},
 *       floats): pinned host memory ({@code cudaMallocHost}), device buffers, a non-blocking stream and two events,
 *       as {@link TensorRtEngine} allocates them;</li>
 *   <li>async copies host→device and device→host on the stream, timed with the events over many rounds (p50, p99,
 *       GB/s), and the round trip checked value for value;</li>
 *   <li>frees everything in reverse order and checks that device memory returns to where it was.</li>
 * </ol>
 *
 * <p>Usage: {@code CudaCheck [--size WxH] [--rounds N]}; exit 0 when every step passed, 1 when one failed, 2 when CUDA
 * itself cannot run here.
 *
 * <p>Threading: a command-line tool; one thread.
 */
public final class CudaCheck {
    private final PrintStream out;
    private final List<String> failures = new ArrayList<>();

    private CudaCheck(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) {
        int width = 480;
        int height = 352;
        int rounds = 200;
        for (int i = 0; i + 1 < args.length; i += 2) {
            try {
                switch (args[i]) {
                    case "--size" -> {
                        String[] wh = args[i + 1].split("x");
                        width = Integer.parseInt(wh[0]);
                        height = Integer.parseInt(wh[1]);
                    }
                    case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                    default -> {
                        out.println("cuda-check: unknown option " + args[i] + " (known: --size WxH --rounds N)");
                        return 64;
                    }
                }
            } catch (RuntimeException e) {
                out.println("cuda-check: bad value for " + args[i] + ": " + args[i + 1]);
                return 64;
            }
        }
        if (width < 16 || height < 16 || rounds < 10) {
            out.println("cuda-check: --size at least 16x16 and --rounds at least 10");
            return 64;
        }
        return new CudaCheck(out).check(width, height, rounds);
    }

    private int check(int width, int height, int rounds) {
        String trt = TrtNatives.unavailableReason();
        out.println("tensorrt probe: " + (trt == null ? "available, TensorRT " + TrtNatives.tensorRtVersion()
                : trt));
        try {
            Loader.load(cudart.class);
        } catch (LinkageError | RuntimeException e) {
            out.println("cuda: " + TrtNatives.describeLoadFailure("CUDA runtime", e));
            return 2;
        }
        int[] count = new int[1];
        int rc = cudart.cudaGetDeviceCount(count);
        if (rc != cudart.cudaSuccess || count[0] == 0) {
            out.println("cuda: no usable device (" + (rc == cudart.cudaSuccess ? "0 devices" : TrtNatives.errorText(rc))
                    + ")");
            return 2;
        }
        int[] driver = new int[1];
        cudart.cudaDriverGetVersion(driver);
        try {
            out.println("cuda: " + count[0] + " device(s); device 0: " + TrtNatives.device() + ", driver API "
                    + driver[0] / 1000 + "." + driver[0] % 1000 / 10);
        } catch (Exception e) {
            out.println("cuda: " + e.getMessage());
            return 2;
        }
        long[] freeBefore = memory();
        long[] bytes = {4L * 3 * width * height, 4L * 11 * width * height, 4L * width * height};
        String[] names = {"input 3x" + height + "x" + width, "logits 11x" + height + "x" + width,
                "depth " + height + "x" + width};
        Pointer[] host = new Pointer[3];
        Pointer[] device = new Pointer[3];
        CUstream_st stream = new CUstream_st();
        CUevent_st start = new CUevent_st();
        CUevent_st end = new CUevent_st();
        boolean streamMade = false;
        boolean startMade = false;
        boolean endMade = false;
        try {
            for (int i = 0; i < 3; i++) {
                PointerPointer<Pointer> p = new PointerPointer<>(1);
                step("cudaMallocHost " + names[i], cudart.cudaMallocHost(p, bytes[i]));
                host[i] = p.get(0).capacity(bytes[i]);
                step("cudaMalloc " + names[i], cudart.cudaMalloc(p, bytes[i]));
                device[i] = p.get(0);
                p.close();
            }
            streamMade = step("cudaStreamCreateWithFlags non-blocking",
                    cudart.cudaStreamCreateWithFlags(stream, cudart.cudaStreamNonBlocking));
            startMade = step("cudaEventCreate start", cudart.cudaEventCreate(start));
            endMade = step("cudaEventCreate end", cudart.cudaEventCreate(end));
            if (!failures.isEmpty()) {
                return report();
            }
            for (int i = 0; i < 3; i++) {
                FloatPointer f = new FloatPointer(host[i]).capacity(bytes[i] / 4);
                for (long k = 0; k < bytes[i] / 4; k++) {
                    f.put(k, (float) (k % 9973) * 0.25f + i);
                }
            }
            // host → device (the input), device → host (the outputs), as one inference round does
            float[] up = time(rounds, stream, start, end, () -> cudart.cudaMemcpyAsync(device[0], host[0], bytes[0],
                    cudart.cudaMemcpyHostToDevice, stream));
            float[] down = time(rounds, stream, start, end, () -> {
                int a = cudart.cudaMemcpyAsync(host[1], device[1], bytes[1], cudart.cudaMemcpyDeviceToHost, stream);
                return a != cudart.cudaSuccess ? a
                        : cudart.cudaMemcpyAsync(host[2], device[2], bytes[2], cudart.cudaMemcpyDeviceToHost, stream);
            });
            print("host→device " + names[0], up, bytes[0]);
            print("device→host logits + depth", down, bytes[1] + bytes[2]);
            // the round trip: input up, device-to-device into the depth buffer's size, back down, compared
            float[] expected = new float[(int) (bytes[2] / 4)];
            new FloatPointer(host[0]).get(expected);
            step("cudaMemcpyAsync device→device", cudart.cudaMemcpyAsync(device[2], device[0], bytes[2],
                    cudart.cudaMemcpyDeviceToDevice, stream));
            step("cudaMemcpyAsync device→host", cudart.cudaMemcpyAsync(host[2], device[2], bytes[2],
                    cudart.cudaMemcpyDeviceToHost, stream));
            step("cudaStreamSynchronize", cudart.cudaStreamSynchronize(stream));
            float[] back = new float[expected.length];
            new FloatPointer(host[2]).get(back);
            boolean same = Arrays.equals(expected, back);
            out.println("round trip host→device→device→host of " + expected.length + " floats: "
                    + (same ? "identical" : "DIFFERENT"));
            if (!same) {
                failures.add("round trip changed the data");
            }
        } finally {
            if (endMade) {
                step("cudaEventDestroy end", cudart.cudaEventDestroy(end));
            }
            if (startMade) {
                step("cudaEventDestroy start", cudart.cudaEventDestroy(start));
            }
            if (streamMade) {
                step("cudaStreamDestroy", cudart.cudaStreamDestroy(stream));
            }
            for (int i = 2; i >= 0; i--) {
                if (device[i] != null) {
                    step("cudaFree " + names[i], cudart.cudaFree(device[i]));
                }
                if (host[i] != null) {
                    step("cudaFreeHost " + names[i], cudart.cudaFreeHost(host[i]));
                }
            }
        }
        long[] freeAfter = memory();
        long leaked = freeBefore[0] - freeAfter[0];
        out.printf(Locale.ROOT, "device memory free before %d MiB, after %d MiB (difference %d KiB)%n",
                freeBefore[0] >> 20, freeAfter[0] >> 20, leaked >> 10);
        if (leaked > (2L << 20)) {
            failures.add("device memory not returned: " + (leaked >> 10) + " KiB");
        }
        return report();
    }

    private int report() {
        if (failures.isEmpty()) {
            out.println("cuda-check: every step passed");
            return 0;
        }
        out.println("cuda-check: FAILED: " + String.join("; ", failures));
        return 1;
    }

    private boolean step(String what, int code) {
        if (code != cudart.cudaSuccess) {
            failures.add(what + ": " + TrtNatives.errorText(code));
            out.println(what + ": FAILED " + TrtNatives.errorText(code));
            return false;
        }
        return true;
    }

    private long[] memory() {
        try (org.bytedeco.javacpp.SizeTPointer free = new org.bytedeco.javacpp.SizeTPointer(1);
             org.bytedeco.javacpp.SizeTPointer total = new org.bytedeco.javacpp.SizeTPointer(1)) {
            cudart.cudaMemGetInfo(free, total);
            return new long[] {free.get(), total.get()};
        }
    }

    private interface Copy {
        int run();
    }

    /** Times {@code rounds} copies (after 10 warm-up ones) between two events on the stream; milliseconds each. */
    private float[] time(int rounds, CUstream_st stream, CUevent_st start, CUevent_st end, Copy copy) {
        float[] ms = new float[rounds];
        float[] elapsed = new float[1];
        for (int r = -10; r < rounds; r++) {
            cudart.cudaEventRecord(start, stream);
            int code = copy.run();
            cudart.cudaEventRecord(end, stream);
            int sync = cudart.cudaEventSynchronize(end);
            if (!step("async copy", code) || !step("cudaEventSynchronize", sync)) {
                return new float[] {Float.NaN};
            }
            cudart.cudaEventElapsedTime(elapsed, start, end);
            if (r >= 0) {
                ms[r] = elapsed[0];
            }
        }
        Arrays.sort(ms);
        return ms;
    }

    private void print(String what, float[] sortedMs, long bytes) {
        if (sortedMs.length == 1 && Float.isNaN(sortedMs[0])) {
            return;
        }
        float p50 = sortedMs[sortedMs.length / 2];
        float p99 = sortedMs[Math.min(sortedMs.length - 1, (int) Math.ceil(sortedMs.length * 0.99) - 1)];
        out.printf(Locale.ROOT, "%-32s %8.1f KiB  p50 %.3f ms  p99 %.3f ms  %.1f GB/s%n", what, bytes / 1024.0, p50,
                p99, bytes / (p50 / 1e3) / 1e9);
    }
}
