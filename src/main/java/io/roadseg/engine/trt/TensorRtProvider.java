package io.roadseg.engine.trt;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.EngineProvider;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceException;

import java.nio.file.Path;

/**
 * {@code --engine tensorrt}: NVIDIA TensorRT on the GPU, ranked above the CPU backend so that {@code auto} prefers
 * it where it can run. Loading this class needs no native library; {@link #unavailableReason()} tries CUDA, TensorRT
 * and its ONNX parser once per process and names what is missing. The plan's precision and the other TensorRT
 * settings come from {@link TrtOptions#fromEnvironment()} ({@code ROADSEG_TRT_*}); {@link EngineOptions#threads()}
 * does not apply. With {@link EngineOptions#flipAverage()} the plan keeps its logits (the arg-max on the host), which
 * the flip average needs.
 *
 * <p>Threading: stateless (the probe's answer is cached process-wide); safe from any thread.
 */
public final class TensorRtProvider implements EngineProvider {
    /** Rank for {@code auto}: above the CPU backend's 0. */
    public static final int RANK = 100;

    @Override
    public String name() {
        return "tensorrt";
    }

    @Override
    public int rank() {
        return RANK;
    }

    @Override
    public String unavailableReason() {
        return TrtNatives.unavailableReason();
    }

    @Override
    public InferenceEngine open(Path model, EngineOptions options) throws InferenceException {
        TrtOptions trt;
        try {
            trt = TrtOptions.fromEnvironment();
        } catch (IllegalArgumentException e) {
            throw new InferenceException("engine tensorrt: " + e.getMessage(), e);
        }
        if (options.flipAverage()) {
            trt = trt.withGpuArgmax(false); // the flip average needs the class scores, not the arg-max's ids
        }
        return TensorRtEngine.open(model, trt, options.inputSize(), options.sourceSize(), options.budget(),
                System.err::println);
    }
}
