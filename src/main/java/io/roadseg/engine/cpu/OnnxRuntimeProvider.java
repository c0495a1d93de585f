package io.roadseg.engine.cpu;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.EngineProvider;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceException;

import java.nio.file.Path;

/** {@code --engine cpu}: ONNX Runtime on the CPU; always available, lowest rank. Stateless. */
public final class OnnxRuntimeProvider implements EngineProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public String unavailableReason() {
        try {
            OrtNativeLibraries.install();
            ai.onnxruntime.OrtEnvironment.getEnvironment();
            return null;
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            return "ONNX Runtime native library does not load: " + e.getMessage();
        }
    }

    @Override
    public InferenceEngine open(Path model, EngineOptions options) throws InferenceException {
        return OnnxRuntimeEngine.open(model, options);
    }
}
