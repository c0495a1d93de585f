package io.roadseg.engine.trt;

import io.roadseg.engine.InferenceException;
import io.roadseg.preprocess.Preprocessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Finds the plan for a model in the cache or builds it: what {@code roadseg build-engine} runs, and what
 * {@code --engine tensorrt} does implicitly on first use. See {@link PlanCache} for when a cached plan is trusted and
 * {@link CalibrationBatches} for the INT8 calibration set.
 *
 * <p>Threading: stateless; a build uses the calling thread (and TensorRT's own).
 */
public final class TensorRtPlans {
    /** Images per INT8 calibration batch. */
    static final int CALIBRATION_BATCH = 8;
    /** Placeholder calibration of an INT8 key before its table is known. */
    private static final String CALIBRATION_PENDING = "pending";

    private TensorRtPlans() {
    }

    /**
     * What {@link #prepare} did. Immutable.
     *
     * @param key          the plan's cache key
     * @param file         where the plan is cached (it may not have been written: see {@code stored})
     * @param fromCache    true when the plan came from the cache, false when it was built now
     * @param stored       true when the plan is in the cache after this call
     * @param buildSeconds time spent building (0 from the cache)
     * @param bytes        size of the plan
     */
    public record Prepared(PlanCacheKey key, Path file, boolean fromCache, boolean stored, double buildSeconds,
                           int bytes) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s (%s, %.1f MB%s)", file, fromCache ? "cached"
                    : String.format(Locale.ROOT, "built in %.1f s", buildSeconds), bytes / 1e6,
                    stored ? "" : ", not cached");
        }
    }

    /** A plan in memory with what it was made from. */
    record Resolved(byte[] plan, PlanCacheKey key, TrtModelContract contract, TrtNatives.Device device,
                    boolean fromCache, boolean stored, double buildSeconds, PlanCache cache) {
        Prepared summary() {
            return new Prepared(key, cache.planFile(key), fromCache, stored, buildSeconds, plan.length);
        }
    }

    /**
     * Makes sure a plan for {@code model} with {@code options} exists in the cache (building it when absent or
     * when {@code rebuild}), and checks that TensorRT loads it.
     *
     * @param log receives progress and warnings, one line each
     * @throws InferenceException when TensorRT cannot run here, the model breaks the contract or cannot be parsed, the
     *                            calibration set is missing or unreadable, or the build fails
     */
    public static Prepared prepare(Path model, TrtOptions options, boolean rebuild, Consumer<String> log)
            throws InferenceException {
        requireAvailable();
        byte[] onnx = readModel(model);
        TrtModelContract contract = TrtModelContract.of(model, OnnxModelSummary.read(model, onnx),
                options.gpuArgmax());
        Resolved r = resolve(model, onnx, contract, options, rebuild, log);
        TensorRtEngine.Loaded loaded = TensorRtEngine.load(model, onnx, contract, options, r, log);
        loaded.release();
        return loaded.resolved().summary();
    }

    static void requireAvailable() throws InferenceException {
        String reason = TrtNatives.unavailableReason();
        if (reason != null) {
            throw new InferenceException("engine tensorrt cannot run here: " + reason);
        }
    }

    static byte[] readModel(Path model) throws InferenceException {
        if (!Files.isRegularFile(model)) {
            throw new InferenceException("model " + model + ": file not found");
        }
        try {
            return Files.readAllBytes(model);
        } catch (IOException e) {
            throw new InferenceException("model " + model + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    static Resolved resolve(Path model, byte[] onnx, TrtModelContract contract, TrtOptions options, boolean rebuild,
                            Consumer<String> log) throws InferenceException {
        TrtNatives.Device device = TrtNatives.device();
        String sha = PlanCacheKey.sha256(onnx);
        String name = model.getFileName().toString().replaceFirst("\\.onnx$", "");
        boolean int8 = options.precision() == TrtPrecision.INT8;
        PlanCacheKey base = new PlanCacheKey(name, sha, device.name(), device.computeCapability(),
                TrtNatives.tensorRtVersion(), options.precision(), contract.inputShape(), options.maxBatch(),
                contract.model().segmentation() == io.roadseg.engine.SegmentationOutput.CLASS_IDS ? "class_ids"
                        : "logits", int8 ? CALIBRATION_PENDING : "");
        PlanCache cache = new PlanCache(options.cacheDirFor(model), log);
        if (!int8) {
            if (!rebuild) {
                Optional<byte[]> hit = cache.lookup(base);
                if (hit.isPresent()) {
                    return new Resolved(hit.get(), base, contract, device, true, true, 0, cache);
                }
            }
            long t0 = System.nanoTime();
            announce(model, options, device, cache, log);
            byte[] plan = TrtPlanBuilder.build(model, onnx, contract, options, null, log);
            return stored(plan, base, contract, device, (System.nanoTime() - t0) / 1e9, cache, log);
        }
        Path source = options.calibration();
        if (!Files.exists(source)) {
            if (!rebuild) {
                Optional<Map.Entry<PlanCacheKey, byte[]>> any = cache.lookupAnyCalibration(base);
                if (any.isPresent()) {
                    log.accept("engine tensorrt: calibration images " + source + " not present; using the INT8 plan "
                            + cache.planFile(any.get().getKey()) + " calibrated earlier");
                    return new Resolved(any.get().getValue(), any.get().getKey(), contract, device, true, true, 0,
                            cache);
                }
            }
            try {
                CalibrationBatches.list(source);
            } catch (InferenceException e) {
                throw new InferenceException(e.getMessage() + "; and no INT8 plan for this model and GPU is cached in "
                        + cache.dir(), e);
            }
        }
        try (Preprocessor pre = new Preprocessor(contract.model());
             CalibrationBatches batches = new CalibrationBatches(source, pre,
                     calibrationBatch(contract.fixedBatch()))) {
            String fingerprint = batches.fingerprint();
            Path table = batches.tableFile(name, sha, fingerprint);
            if (!rebuild && Files.isRegularFile(table)) {
                try {
                    PlanCacheKey key = base.withCalibration(PlanCacheKey.sha256(Files.readAllBytes(table)));
                    Optional<byte[]> hit = cache.lookup(key);
                    if (hit.isPresent()) {
                        return new Resolved(hit.get(), key, contract, device, true, true, 0, cache);
                    }
                } catch (IOException e) {
                    log.accept("warning: INT8 calibration table " + table + ": unreadable (" + e.getMessage()
                            + ")");
                }
            }
            long t0 = System.nanoTime();
            announce(model, options, device, cache, log);
            log.accept("engine tensorrt: INT8 calibration on " + batches.images().size() + " images from " + source
                    + " (" + batches.batchCount() + " batches of " + batches.batchSize() + ")");
            byte[] plan;
            String tableSha;
            try (TrtCalibrator calibrator = new TrtCalibrator(batches, contract.input(), table, log)) {
                plan = TrtPlanBuilder.build(model, onnx, contract, options, calibrator, log);
                byte[] t = calibrator.table();
                tableSha = t != null ? PlanCacheKey.sha256(t) : fingerprint;
            }
            return stored(plan, base.withCalibration(tableSha), contract, device, (System.nanoTime() - t0) / 1e9,
                    cache, log);
        }
    }

    /**
     * The INT8 calibration batch: {@value #CALIBRATION_BATCH} images, but never more than the model's input takes —
     * a model that fixes its batch at 1 (or any size) is calibrated in batches of that size, since TensorRT's
     * calibration profile must fit the network's input. A dynamic batch is calibrated at its own profile of
     * {@value #CALIBRATION_BATCH}.
     *
     * @param fixedBatch the model's fixed batch size, or -1 when its batch is dynamic
     */
    static int calibrationBatch(long fixedBatch) {
        return fixedBatch > 0 ? (int) fixedBatch : CALIBRATION_BATCH;
    }

    private static void announce(Path model, TrtOptions options, TrtNatives.Device device, PlanCache cache,
                                 Consumer<String> log) {
        log.accept("engine tensorrt: building a " + options.precision() + " plan for " + model + " on " + device.name()
                + " (TensorRT " + TrtNatives.tensorRtVersion() + ", batch 1.." + options.maxBatch() + ", workspace "
                + options.workspaceMb() + " MiB, cache " + cache.dir() + "); done once per model, GPU and setting");
    }

    private static Resolved stored(byte[] plan, PlanCacheKey key, TrtModelContract contract,
                                   TrtNatives.Device device, double seconds, PlanCache cache, Consumer<String> log) {
        boolean ok = cache.store(key, plan);
        log.accept(String.format(Locale.ROOT, "engine tensorrt: built in %.1f s, %.1f MB%s", seconds,
                plan.length / 1e6, ok ? ", cached as " + cache.planFile(key) : ""));
        return new Resolved(plan, key, contract, device, false, ok, seconds, cache);
    }
}
