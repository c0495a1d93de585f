package io.roadseg.engine.trt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a serialized TensorRT plan depends on. A plan is reused only where every field is equal: a plan is
 * specific to the model's exact bytes, the GPU model and compute capability it was tuned on, the TensorRT version
 * that wrote it, the precision, the input shape and batch range, the outputs (logits or class ids) and — for INT8 —
 * the calibration table. Equal fields give an equal key and the same file name on every machine and run.
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param modelName         the model file's name without extension (names the cache file)
 * @param modelSha256       SHA-256 of the model file, 64 lower-case hex digits
 * @param gpuName           the device name CUDA reports, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param computeCapability {@code major.minor}, e.g. {@code 9.0}
 * @param tensorRtVersion   version of the loaded libnvinfer, e.g. {@code 10.15.1}
 * @param precision         the plan's arithmetic
 * @param inputShape        the input's per-frame shape {@code CxHxW}, e.g. {@code 3x352x480}
 * @param maxBatch          the largest batch of the optimization profile
 * @param outputs           {@code logits} or {@code class_ids} (arg-max on the GPU)
 * @param calibration       SHA-256 of the INT8 calibration table; empty for FP32 and FP16
 * @param recipe            version of the project's own plan-building code ({@link #RECIPE}): a plan built with
 *                          other flags, layers or profiles is not reused
 */
public record PlanCacheKey(String modelName, String modelSha256, String gpuName, String computeCapability,
                           String tensorRtVersion, TrtPrecision precision, String inputShape, int maxBatch,
                           String outputs, String calibration, String recipe) {
    /** Format of the sidecar written next to each plan. */
    static final String FORMAT = "1";
    /**
     * Version of {@link TrtPlanBuilder}'s recipe (precision flags, appended arg-max, optimization and calibration
     * profiles). Raise it whenever the builder changes what it builds. 2: typed TopK arg-max, INT8 calibration
     * batch fitted to a fixed model batch, symbolic H and W fixed at the chosen input size.
     */
    public static final String RECIPE = "2";

    /** A key for plans built by this build's recipe. */
    public PlanCacheKey(String modelName, String modelSha256, String gpuName, String computeCapability,
                        String tensorRtVersion, TrtPrecision precision, String inputShape, int maxBatch,
                        String outputs, String calibration) {
        this(modelName, modelSha256, gpuName, computeCapability, tensorRtVersion, precision, inputShape, maxBatch,
                outputs, calibration, RECIPE);
    }

    public PlanCacheKey {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(modelSha256, "modelSha256");
        Objects.requireNonNull(gpuName, "gpuName");
        Objects.requireNonNull(computeCapability, "computeCapability");
        Objects.requireNonNull(tensorRtVersion, "tensorRtVersion");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(inputShape, "inputShape");
        Objects.requireNonNull(outputs, "outputs");
        Objects.requireNonNull(calibration, "calibration");
        Objects.requireNonNull(recipe, "recipe");
        if (!modelSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("model SHA-256 must be 64 lower-case hex digits, got '" + modelSha256
                    + "'");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max batch must be ≥ 1, got " + maxBatch);
        }
        if (!outputs.equals("logits") && !outputs.equals("class_ids")) {
            throw new IllegalArgumentException("outputs must be 'logits' or 'class_ids', got '" + outputs + "'");
        }
        if (precision == TrtPrecision.INT8 == calibration.isEmpty()) {
            throw new IllegalArgumentException(precision == TrtPrecision.INT8
                    ? "an INT8 plan key needs the calibration table's SHA-256"
                    : "a " + precision + " plan key takes no calibration, got '" + calibration + "'");
        }
    }

    /** SHA-256 over every field, as hex: the identity of the plan. */
    public String digest() {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> e : fields().entrySet()) {
            text.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return sha256(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The plan's file name without extension: {@code <model>-<precision>-b<maxBatch>-<16 hex digits of digest>},
     * e.g. {@code roadseg-fp16-b4-0123456789abcdef}. Characters outside {@code [A-Za-z0-9._-]} in the model name
     * become {@code _}.
     */
    public String fileStem() {
        return modelName.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + precision.label() + "-b" + maxBatch + "-"
                + digest().substring(0, 16);
    }

    /** The same key for another calibration table (or none). */
    public PlanCacheKey withCalibration(String calibrationSha256) {
        return new PlanCacheKey(modelName, modelSha256, gpuName, computeCapability, tensorRtVersion, precision,
                inputShape, maxBatch, outputs, calibrationSha256, recipe);
    }

    /** True when {@code other} differs from this key in the calibration table at most. */
    public boolean equalsIgnoringCalibration(PlanCacheKey other) {
        Map<String, String> a = fields();
        Map<String, String> b = other.fields();
        a.remove("calibration.sha256");
        b.remove("calibration.sha256");
        return a.equals(b);
    }

    /** Field name → value, in declaration order; what the sidecar stores. */
    public Map<String, String> fields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model.name", modelName);
        m.put("model.sha256", modelSha256);
        m.put("gpu.name", gpuName);
        m.put("gpu.compute_capability", computeCapability);
        m.put("tensorrt.version", tensorRtVersion);
        m.put("precision", precision.label());
        m.put("input.shape", inputShape);
        m.put("max_batch", Integer.toString(maxBatch));
        m.put("outputs", outputs);
        m.put("calibration.sha256", calibration);
        m.put("builder.recipe", recipe);
        return m;
    }

    /**
     * Reads a key back from {@link #fields()}.
     *
     * @throws IllegalArgumentException naming the missing or malformed field
     */
    public static PlanCacheKey fromFields(Map<String, String> f) {
        try {
            return new PlanCacheKey(need(f, "model.name"), need(f, "model.sha256"), need(f, "gpu.name"),
                    need(f, "gpu.compute_capability"), need(f, "tensorrt.version"),
                    TrtPrecision.parse(need(f, "precision")), need(f, "input.shape"),
                    Integer.parseInt(need(f, "max_batch")), need(f, "outputs"), need(f, "calibration.sha256"),
                    f.getOrDefault("builder.recipe", "1")); // sidecars written before the recipe was keyed: 1
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("max_batch '" + f.get("max_batch") + "' is not a number");
        }
    }

    /**
     * What differs between this key and {@code other}, one {@code field 'this' vs 'other'} entry per field, in
     * declaration order; empty when equal.
     */
    public List<String> differences(PlanCacheKey other) {
        List<String> out = new ArrayList<>();
        Map<String, String> mine = fields();
        Map<String, String> theirs = other.fields();
        for (Map.Entry<String, String> e : mine.entrySet()) {
            String t = theirs.get(e.getKey());
            if (!e.getValue().equals(t)) {
                out.add(e.getKey() + " '" + t + "' (here '" + e.getValue() + "')");
            }
        }
        return out;
    }

    /** Lower-case hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    private static String need(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null) {
            throw new IllegalArgumentException("field '" + key + "' is missing");
        }
        return v;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %s on %s (sm %s), TensorRT %s, input %s, batch ≤ %d, %s",
                modelName, precision.label(), gpuName, computeCapability, tensorRtVersion, inputShape, maxBatch,
                outputs);
    }
}
