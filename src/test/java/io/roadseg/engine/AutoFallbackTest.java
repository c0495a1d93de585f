package io.roadseg.engine;

import io.roadseg.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --engine auto} never lets a backend that is present but fails (as TensorRT does on a parser, build or
 * out-of-memory error) turn a working CPU run into a failure; a backend named explicitly still fails loudly.
 */
class AutoFallbackTest {
    @TempDir
    Path dir;

    /** A backend that reports itself available and then fails to open any model, as a broken GPU setup would. */
    private static final class BrokenGpuProvider implements EngineProvider {
        private final RuntimeException runtime;

        BrokenGpuProvider(RuntimeException runtime) {
            this.runtime = runtime;
        }

        @Override
        public String name() {
            return "broken-gpu";
        }

        @Override
        public int rank() {
            return 1000;
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public InferenceEngine open(Path model, EngineOptions options) throws InferenceException {
            if (runtime != null) {
                throw runtime;
            }
            throw new InferenceException("engine broken-gpu: out of device memory building the plan");
        }
    }

    private static List<EngineProvider> withBroken(RuntimeException runtime) {
        List<EngineProvider> all = new ArrayList<>();
        all.add(new BrokenGpuProvider(runtime));
        all.addAll(InferenceEngines.providers());
        return all;
    }

    @Test
    void autoFallsBackToTheCpuWhenTheBestBackendFailsToOpenAndSaysWhy() throws Exception {
        Path model = TestData.smallModel(dir);
        List<String> log = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngines.open("auto", model, new EngineOptions(1), log::add,
                withBroken(null))) {
            assertEquals("cpu", engine.backend());
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("broken-gpu failed to open") && l.contains("out of device "
                + "memory")), log.toString());
    }

    @Test
    void aRuntimeFailureInsideTheBackendIsAlsoPassedOver() throws Exception {
        Path model = TestData.smallModel(dir);
        try (InferenceEngine engine = InferenceEngines.open("auto", model, new EngineOptions(1), l -> { },
                withBroken(new IllegalStateException("native call failed")))) {
            assertEquals("cpu", engine.backend());
        }
    }

    @Test
    void aBackendNamedExplicitlyFailsLoudly() throws Exception {
        Path model = TestData.smallModel(dir);
        InferenceException e = assertThrows(InferenceException.class, () -> InferenceEngines.open("broken-gpu",
                model, new EngineOptions(1), l -> { }, withBroken(null)));
        assertTrue(e.getMessage().contains("out of device memory"), e.getMessage());
    }

    @Test
    void whenNoBackendOpensTheModelTheLastReasonIsReported() throws Exception {
        Path junk = java.nio.file.Files.writeString(dir.resolve("junk.onnx"), "not a model");
        InferenceException e = assertThrows(InferenceException.class, () -> InferenceEngines.open("auto", junk,
                new EngineOptions(1), l -> { }, withBroken(null)));
        assertTrue(e.getMessage().contains("junk.onnx"), e.getMessage());
    }
}
