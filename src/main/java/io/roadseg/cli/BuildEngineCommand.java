package io.roadseg.cli;

import io.roadseg.engine.trt.TensorRtPlans;
import io.roadseg.engine.trt.TrtOptions;
import io.roadseg.engine.trt.TrtPrecision;
import io.roadseg.source.InstallPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code roadseg build-engine}: builds (or finds in the cache) the TensorRT plan of a model, ahead of the first
 * {@code --engine tensorrt} run. Options left out come from the {@code ROADSEG_TRT_*} environment, then the
 * defaults, exactly as the pipeline's implicit build reads them, so a plan built here is the one the pipeline finds.
 * All TensorRT work is delegated to {@link TensorRtPlans}; no TensorRT type appears here.
 *
 * <p>Threading: run once by picocli on the calling thread.
 */
@Command(name = "build-engine", mixinStandardHelpOptions = true,
        description = {"Build the TensorRT plan of an ONNX model (FP32, FP16 or INT8) and cache it for "
                + "'--engine tensorrt'.",
                "Needs an NVIDIA GPU with its driver, CUDA 13 and TensorRT 10.15 (or a -Ptensorrt-redist build). "
                        + "Options not given fall back to ROADSEG_TRT_PRECISION, ROADSEG_TRT_MAX_BATCH, "
                        + "ROADSEG_TRT_WORKSPACE_MB, ROADSEG_TRT_CALIBRATION, ROADSEG_TRT_CACHE_DIR, "
                        + "ROADSEG_TRT_ARGMAX, then to the defaults shown."},
        footer = {"", "Examples:",
                "  roadseg build-engine --precision fp16",
                "  roadseg build-engine --precision int8 --max-batch 4 \\",
                "      --workspace-mb 1024 --calibration calibration/frames",
                "  ROADSEG_TRT_PRECISION=int8 roadseg run recordings/town-drive \\",
                "      --engine tensorrt        # finds the INT8 plan built above"})
final class BuildEngineCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE", defaultValue = RunCommand.DEFAULT_MODEL,
            description = "ONNX model (default: ${DEFAULT-VALUE}).")
    Path model;

    @Option(names = "--precision", paramLabel = "fp32|fp16|int8",
            description = "Arithmetic of the plan (default: fp16).")
    String precision;

    @Option(names = "--max-batch", paramLabel = "N",
            description = "Largest batch the plan accepts; tuned for batch 1 (default: 4).")
    Integer maxBatch;

    @Option(names = "--workspace-mb", paramLabel = "MIB",
            description = "Limit of TensorRT's scratch memory, MiB (default: 1024).")
    Integer workspaceMb;

    @Option(names = "--calibration", paramLabel = "DIR|LIST",
            description = "INT8 calibration images: a folder searched for jpg/png, or a text file listing them "
                    + "(default: calibration). The calibration table is cached there.")
    Path calibration;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Where plans are cached (default: the model's folder, engines/ for the shipped model).")
    Path cacheDir;

    @Option(names = "--argmax", paramLabel = "gpu|host",
            description = "Where the class arg-max runs: appended to the network (gpu) or in the pipeline (host) "
                    + "(default: gpu).")
    String argmax;

    @Option(names = "--force", description = "Rebuild even when a matching plan is cached (a cached INT8 "
            + "calibration table is still reused; delete it to recalibrate).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        model = InstallPaths.resolve(model);
        TrtOptions options;
        try {
            options = TrtOptions.fromEnvironment();
        } catch (IllegalArgumentException e) {
            throw UserError.of(e);
        }
        try {
            if (precision != null) {
                options = options.withPrecision(TrtPrecision.parse(precision));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageError("--precision " + precision + ": expected fp32, fp16 or int8");
        }
        try {
            if (maxBatch != null) {
                options = options.withMaxBatch(maxBatch);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageError("--max-batch: " + e.getMessage());
        }
        try {
            if (workspaceMb != null) {
                options = options.withWorkspaceMb(workspaceMb);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageError("--workspace-mb: " + e.getMessage());
        }
        if (calibration != null) {
            options = options.withCalibration(calibration);
        }
        if (cacheDir != null) {
            options = options.withCacheDir(cacheDir);
        }
        if (argmax != null) {
            String a = argmax.toLowerCase(Locale.ROOT);
            if (!a.equals("gpu") && !a.equals("host")) {
                throw new UsageError("--argmax " + argmax + ": expected gpu or host");
            }
            options = options.withGpuArgmax(a.equals("gpu"));
        }
        // what can be checked without a GPU, before the GPU is looked for
        if (workspaceMb != null && (workspaceMb < 16 || workspaceMb > 1 << 20)) {
            throw new UsageError("--workspace-mb " + workspaceMb + ": must be 16 to 1048576 MiB");
        }
        if (!java.nio.file.Files.isRegularFile(model)) {
            throw new UsageError("-m " + model + ": " + (java.nio.file.Files.isDirectory(model) ? "is a folder, "
                    + "expected an .onnx file" : "no such model file"));
        }
        if (calibration != null && !java.nio.file.Files.exists(calibration)) {
            throw new UsageError("--calibration " + calibration + ": no such folder or list file");
        }
        OutputPaths paths = new OutputPaths().input("-m", model.toString());
        if (cacheDir != null) {
            paths.outputFolder("--cache-dir", cacheDir.toString());
        }
        TensorRtPlans.Prepared plan = TensorRtPlans.prepare(model, options, force, System.err::println);
        System.out.println("plan " + plan + " for " + plan.key());
        return 0;
    }
}
