package io.roadseg.engine.trt;

import io.roadseg.engine.InferenceException;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvinfer.ITopKLayer;
import org.bytedeco.tensorrt.nvonnxparser.IParser;
import org.bytedeco.tensorrt.nvonnxparser.IParserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.bytedeco.tensorrt.global.nvinfer.BuilderFlag;
import static org.bytedeco.tensorrt.global.nvinfer.MemoryPoolType;
import static org.bytedeco.tensorrt.global.nvinfer.OptProfileSelector;
import static org.bytedeco.tensorrt.global.nvinfer.TopKOperation;

/**
 * ONNX → serialized TensorRT plan: parse with TensorRT's ONNX parser, optionally append the arg-max over the classes,
 * set the precision flags, the optimization profile (batch 1..max, tuned for 1) and the workspace limit, calibrate
 * for INT8, build. Every failure is one line naming the model and, for the parser, the node and operator it rejects.
 *
 * <p>Ownership: every TensorRT object made here is closed before returning, in reverse order of creation, except the
 * builder, which is the process's one ({@link TrtNatives#builder}). With the 1.5.13 presets closing an object
 * TensorRT returned does not delete it (javacpp-presets#1699), so the config is detached from the calibrator before
 * the caller deletes the calibrator.
 *
 * <p>Threading: one build at a time per thread; TensorRT's builder is not shared.
 */
final class TrtPlanBuilder {
    private TrtPlanBuilder() {
    }

    /**
     * @param calibrator the INT8 calibrator, or null for FP32/FP16
     * @return the serialized plan
     */
    static byte[] build(Path file, byte[] onnx, TrtModelContract contract, TrtOptions options,
                        TrtCalibrator calibrator, Consumer<String> log) throws InferenceException {
        TrtLogger logger = TrtLogger.get();
        logger.clearErrors();
        List<Pointer> owned = new ArrayList<>();
        IBuilderConfig config = null;
        try {
            IBuilder builder = TrtNatives.builder(logger); // one per process, never closed here
            if (builder == null || builder.isNull()) {
                throw new InferenceException("engine tensorrt: createInferBuilder failed" + logger.recentErrors());
            }
            INetworkDefinition network = builder.createNetworkV2(0);
            owned.add(network);
            IParser parser = nvonnxparser.createParser(network, logger);
            if (parser == null || parser.isNull()) {
                throw new InferenceException("engine tensorrt: createParser failed" + logger.recentErrors());
            }
            owned.add(parser);
            BytePointer model = new BytePointer(onnx);
            owned.add(model);
            if (!parser.parse(model, onnx.length)) {
                throw new InferenceException(parserErrors(file, parser));
            }
            ITensor input = find(network, contract.input(), true);
            if (input == null) {
                throw new InferenceException("model " + file + ": TensorRT's network has no input '"
                        + contract.input() + "'");
            }
            long batchDim = input.getDimensions().d(0);
            int maxBatch = options.maxBatch();
            if (batchDim > 1) {
                throw new InferenceException("model " + file + ": input '" + contract.input() + "' has a fixed batch "
                        + "of " + batchDim + "; the TensorRT backend runs batches 1.." + maxBatch + " and needs a "
                        + "dynamic (N) or 1 batch dimension");
            }
            if (batchDim == 1 && maxBatch > 1) {
                log.accept("engine tensorrt: model " + file + " fixes the batch at 1; building for batch 1 only");
                maxBatch = 1;
            }
            if (contract.appendsArgmax()) {
                ITensor logits = find(network, contract.segmentation(), false);
                if (logits == null) {
                    throw new InferenceException("model " + file + ": TensorRT's network has no output '"
                            + contract.segmentation() + "'");
                }
                ITopKLayer argmax = network.addTopK(logits, TopKOperation.kMAX, 1, 1 << 1,
                        org.bytedeco.tensorrt.global.nvinfer.DataType.kINT32);
                if (argmax == null || argmax.isNull()) {
                    throw new InferenceException("engine tensorrt: cannot append the arg-max to '"
                            + contract.segmentation() + "' of " + file + logger.recentErrors());
                }
                argmax.setName("roadseg_argmax");
                ITensor ids = argmax.getOutput(1);
                ids.setName(TrtModelContract.CLASS_IDS);
                network.unmarkOutput(logits);
                network.markOutput(ids);
            }
            config = builder.createBuilderConfig();
            owned.add(config);
            config.setMemoryPoolLimit(MemoryPoolType.kWORKSPACE, (long) options.workspaceMb() << 20);
            configurePrecision(config, options.precision(), calibrator);
            IOptimizationProfile profile = builder.createOptimizationProfile();
            Dims64 one = dims(1, contract);
            Dims64 most = dims(maxBatch, contract);
            owned.add(one);
            owned.add(most);
            profile.setDimensions(contract.input(), OptProfileSelector.kMIN, one);
            profile.setDimensions(contract.input(), OptProfileSelector.kOPT, one);
            profile.setDimensions(contract.input(), OptProfileSelector.kMAX, most);
            if (config.addOptimizationProfile(profile) < 0) {
                throw new InferenceException("engine tensorrt: optimization profile for batch 1.." + maxBatch
                        + " rejected for " + file + logger.recentErrors());
            }
            if (calibrator != null) {
                owned.add(calibrationProfile(builder, config, calibrator, contract, file));
            }
            IHostMemory plan = builder.buildSerializedNetwork(network, config);
            if (calibrator != null && calibrator.failure() != null) {
                throw calibrator.failure();
            }
            if (plan == null || plan.isNull() || plan.size() == 0) {
                throw new InferenceException("engine tensorrt: TensorRT could not build a " + options.precision()
                        + " plan for " + file + logger.recentErrors());
            }
            owned.add(plan);
            byte[] bytes = new byte[Math.toIntExact(plan.size())];
            new BytePointer(plan.data()).get(bytes);
            return bytes;
        } finally {
            if (calibrator != null && config != null && !config.isNull()) {
                // the config outlives this call (the presets cannot delete it): it must not keep pointing at the
                // calibrator, whose native object the caller deletes next
                setCalibrator(config, null);
            }
            for (int i = owned.size() - 1; i >= 0; i--) {
                owned.get(i).close();
            }
        }
    }

    @SuppressWarnings("deprecation") // the implicit-quantization calibrator is deprecated in 10.x, not gone
    private static void setCalibrator(IBuilderConfig config, TrtCalibrator calibrator) {
        config.setInt8Calibrator(calibrator);
    }

    /** Implicit-quantization INT8 needs its own profile at the calibrator's batch size. */
    @SuppressWarnings("deprecation") // implicit-quantization INT8 is deprecated in TensorRT 10.x, not gone
    private static Dims64 calibrationProfile(IBuilder builder, IBuilderConfig config, TrtCalibrator calibrator,
                                             TrtModelContract contract, Path file) throws InferenceException {
        IOptimizationProfile calibration = builder.createOptimizationProfile();
        Dims64 c = dims(calibrator.batchSize(), contract);
        calibration.setDimensions(contract.input(), OptProfileSelector.kMIN, c);
        calibration.setDimensions(contract.input(), OptProfileSelector.kOPT, c);
        calibration.setDimensions(contract.input(), OptProfileSelector.kMAX, c);
        if (!config.setCalibrationProfile(calibration)) {
            throw new InferenceException("engine tensorrt: INT8 calibration profile (batch "
                    + calibrator.batchSize() + ") rejected for " + file + TrtLogger.get().recentErrors());
        }
        return c;
    }

    @SuppressWarnings("deprecation") // kINT8 and the implicit-quantization calibrator are deprecated in 10.x, not gone
    private static void configurePrecision(IBuilderConfig config, TrtPrecision precision, TrtCalibrator calibrator) {
        switch (precision) {
            case FP32 -> config.clearFlag(BuilderFlag.kTF32);
            case FP16 -> config.setFlag(BuilderFlag.kFP16);
            case INT8 -> {
                config.setFlag(BuilderFlag.kINT8);
                config.setFlag(BuilderFlag.kFP16);
                config.setInt8Calibrator(calibrator);
            }
        }
    }

    /** {@code model X: TensorRT's ONNX parser rejects node 'n' (op Resize): reason (and k more errors)}. */
    static String parserErrors(Path file, IParser parser) {
        int n = parser.getNbErrors();
        if (n == 0) {
            return "model " + file + ": TensorRT's ONNX parser rejects it" + TrtLogger.get().recentErrors();
        }
        IParserError e = parser.getError(0);
        String node = e.nodeName();
        String op = e.nodeOperator();
        String where = node != null && !node.isEmpty() ? "node '" + node + "'" : e.node() >= 0 ? "node #" + e.node()
                : "the graph";
        return "model " + file + ": TensorRT's ONNX parser rejects " + where
                + (op != null && !op.isEmpty() ? " (op " + op + ")" : "") + ": " + TrtNatives.firstLine(
                String.valueOf(e.desc())) + (n > 1 ? " (and " + (n - 1) + " more error" + (n > 2 ? "s" : "") + ")"
                : "");
    }

    private static ITensor find(INetworkDefinition network, String name, boolean input) {
        int n = input ? network.getNbInputs() : network.getNbOutputs();
        for (int i = 0; i < n; i++) {
            ITensor t = input ? network.getInput(i) : network.getOutput(i);
            if (name.equals(t.getName())) {
                return t;
            }
        }
        return null;
    }

    static Dims64 dims(long batch, TrtModelContract c) {
        Dims64 d = new Dims64();
        d.nbDims(4).d(0, batch).d(1, 3).d(2, c.height()).d(3, c.width());
        return d;
    }
}
