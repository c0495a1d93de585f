package io.roadseg.engine.trt;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * How to build (or find in the cache) a TensorRT plan. {@link io.roadseg.engine.EngineOptions} is backend-neutral
 * and carries only CPU threads, so the TensorRT-specific choices come from here: from {@code roadseg build-engine}'s
 * options, or — when the pipeline builds implicitly with {@code --engine tensorrt} — from system properties or
 * environment variables ({@link #fromEnvironment}), a system property winning over the variable:
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>system property</th><th>environment</th><th>default</th></tr>
 *   <tr><td>{@code roadseg.trt.precision}</td><td>{@code ROADSEG_TRT_PRECISION}</td><td>{@code fp16}</td></tr>
 *   <tr><td>{@code roadseg.trt.max_batch}</td><td>{@code ROADSEG_TRT_MAX_BATCH}</td><td>{@code 4}</td></tr>
 *   <tr><td>{@code roadseg.trt.workspace_mb}</td><td>{@code ROADSEG_TRT_WORKSPACE_MB}</td><td>{@code 1024}</td></tr>
 *   <tr><td>{@code roadseg.trt.calibration}</td><td>{@code ROADSEG_TRT_CALIBRATION}</td><td>{@code calibration}</td></tr>
 *   <tr><td>{@code roadseg.trt.cache_dir}</td><td>{@code ROADSEG_TRT_CACHE_DIR}</td><td>the model's folder</td></tr>
 *   <tr><td>{@code roadseg.trt.argmax}</td><td>{@code ROADSEG_TRT_ARGMAX}</td><td>{@code gpu}</td></tr>
 * </table>
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param precision   arithmetic of the plan
 * @param maxBatch    largest batch of the optimization profile (1..{@value #MAX_BATCH_LIMIT}); the profile is tuned
 *                    for batch 1, the pipeline's case
 * @param workspaceMb limit of TensorRT's scratch memory pool while building and running, MiB (≥ 16)
 * @param calibration INT8 calibration images: a folder searched recursively for jpg/png, or a text file listing
 *                    image paths (one per line, relative to the file); where the calibration table is cached too
 * @param cacheDir    where plans are cached; null means the model file's folder ({@code engines/} for the shipped
 *                    model)
 * @param gpuArgmax   append an arg-max over the classes to the network so the engine outputs int32 class ids rather
 *                    than logits (see {@code docs/tensorrt.md} for why this is the default)
 */
public record TrtOptions(TrtPrecision precision, int maxBatch, int workspaceMb, Path calibration, Path cacheDir,
                         boolean gpuArgmax) {
    /** Largest accepted {@link #maxBatch}. */
    public static final int MAX_BATCH_LIMIT = 256;

    public TrtOptions {
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(calibration, "calibration");
        if (maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) {
            throw new IllegalArgumentException("max batch must be in 1.." + MAX_BATCH_LIMIT + ", got " + maxBatch);
        }
        if (workspaceMb < 16) {
            throw new IllegalArgumentException("workspace must be ≥ 16 MiB, got " + workspaceMb);
        }
    }

    /** FP16, batch up to 4, 1 GiB workspace, calibration images under {@code calibration/}, GPU arg-max. */
    public static TrtOptions defaults() {
        return new TrtOptions(TrtPrecision.FP16, 4, 1024, Path.of("calibration"), null, true);
    }

    /** Settings from this JVM's system properties and environment. */
    public static TrtOptions fromEnvironment() {
        return fromEnvironment(System::getProperty, System.getenv());
    }

    /**
     * @param properties system-property lookup (null when absent)
     * @param env        environment variables
     * @throws IllegalArgumentException naming the property or variable and its bad value
     */
    public static TrtOptions fromEnvironment(UnaryOperator<String> properties, Map<String, String> env) {
        TrtOptions d = defaults();
        String precision = setting(properties, env, "precision");
        String maxBatch = setting(properties, env, "max_batch");
        String workspace = setting(properties, env, "workspace_mb");
        String calibration = setting(properties, env, "calibration");
        String cacheDir = setting(properties, env, "cache_dir");
        String argmax = setting(properties, env, "argmax");
        TrtPrecision p = d.precision;
        if (precision != null) {
            try {
                p = TrtPrecision.parse(precision);
            } catch (IllegalArgumentException e) {
                throw bad(properties, "precision", precision, "expected fp32, fp16 or int8");
            }
        }
        int batch = maxBatch == null ? d.maxBatch : integer(properties, "max_batch", maxBatch);
        int ws = workspace == null ? d.workspaceMb : integer(properties, "workspace_mb", workspace);
        boolean gpu = d.gpuArgmax;
        if (argmax != null) {
            String a = argmax.trim().toLowerCase(Locale.ROOT);
            if (!a.equals("gpu") && !a.equals("host")) {
                throw bad(properties, "argmax", argmax, "expected gpu or host");
            }
            gpu = a.equals("gpu");
        }
        try {
            return new TrtOptions(p, batch, ws, calibration == null || calibration.isBlank() ? d.calibration
                    : Path.of(calibration), cacheDir == null || cacheDir.isBlank() ? null : Path.of(cacheDir), gpu);
        } catch (IllegalArgumentException e) {
            String which = e.getMessage().startsWith("max batch") ? "max_batch" : "workspace_mb";
            throw bad(properties, which, which.equals("max_batch") ? maxBatch : workspace, e.getMessage());
        }
    }

    /** The folder plans for {@code model} are cached in. */
    public Path cacheDirFor(Path model) {
        if (cacheDir != null) {
            return cacheDir;
        }
        Path parent = model.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    public TrtOptions withPrecision(TrtPrecision p) {
        return new TrtOptions(p, maxBatch, workspaceMb, calibration, cacheDir, gpuArgmax);
    }

    public TrtOptions withMaxBatch(int n) {
        return new TrtOptions(precision, n, workspaceMb, calibration, cacheDir, gpuArgmax);
    }

    public TrtOptions withWorkspaceMb(int mb) {
        return new TrtOptions(precision, maxBatch, mb, calibration, cacheDir, gpuArgmax);
    }

    public TrtOptions withCalibration(Path p) {
        return new TrtOptions(precision, maxBatch, workspaceMb, p, cacheDir, gpuArgmax);
    }

    public TrtOptions withCacheDir(Path p) {
        return new TrtOptions(precision, maxBatch, workspaceMb, calibration, p, gpuArgmax);
    }

    public TrtOptions withGpuArgmax(boolean on) {
        return new TrtOptions(precision, maxBatch, workspaceMb, calibration, cacheDir, on);
    }

    /** One line for logs. */
    @Override
    public String toString() {
        return precision.label() + ", max batch " + maxBatch + ", workspace " + workspaceMb + " MiB, arg-max on "
                + (gpuArgmax ? "GPU" : "host") + (precision == TrtPrecision.INT8 ? ", calibration " + calibration : "");
    }

    static String propertyName(String setting) {
        return "roadseg.trt." + setting;
    }

    static String variableName(String setting) {
        return "ROADSEG_TRT_" + setting.toUpperCase(Locale.ROOT);
    }

    private static String setting(UnaryOperator<String> properties, Map<String, String> env, String name) {
        String v = properties.apply(propertyName(name));
        return v != null ? v : env.get(variableName(name));
    }

    private static int integer(UnaryOperator<String> properties, String name, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw bad(properties, name, text, "expected a whole number");
        }
    }

    private static IllegalArgumentException bad(UnaryOperator<String> properties, String name, String value,
                                                String rule) {
        String source = properties.apply(propertyName(name)) != null ? "-D" + propertyName(name)
                : variableName(name);
        return new IllegalArgumentException(source + "=" + value + ": " + rule);
    }
}
