package io.roadseg.engine.cpu;

import io.roadseg.TestData;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.EngineProvider;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InferenceException;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.SegmentationOutput;
import io.roadseg.engine.TensorBinding;
import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU backend (ONNX Runtime) through {@link InferenceEngines}: it opens roadseg models, refuses anything else
 * with a message naming the file and the problem, and runs one frame per binding into the binding's own buffers.
 */
class OnnxRuntimeEngineTest {
    private static final FcnArchitecture SMALL = FcnArchitecture.defaults().withInputSize(176, 240);

    @TempDir
    Path dir;

    private static InferenceEngine openCpu(Path model) throws InferenceException {
        return InferenceEngines.open("cpu", model, new EngineOptions(1), line -> { });
    }

    private static InferenceException refused(Path model) {
        return assertThrows(InferenceException.class, () -> openCpu(model).close());
    }

    @Test
    void aMissingModelIsFileNotFoundNamingIt() {
        Path missing = dir.resolve("absent.onnx");
        InferenceException e = refused(missing);
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("file not found"), e.getMessage());
    }

    @Test
    void randomBytesAreNotAnOnnxModel() throws Exception {
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        Path file = Files.write(dir.resolve("noise.onnx"), junk);
        InferenceException e = refused(file);
        assertTrue(e.getMessage().startsWith("model " + file + ":"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void anOnnxModelWithoutRoadsegMetadataIsNotARoadsegModel() throws Exception {
        Path file = dir.resolve("bare.onnx");
        OnnxModelWriter.write(FcnWeights.random(SMALL, 1), Map.of(), file);
        InferenceException e = refused(file);
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not a roadseg model"), e.getMessage());
    }

    @Test
    void metadataNamingFewerClassesThanTheOutputChannelsIsRefusedWithBothCounts() throws Exception {
        Map<String, String> meta = ModelContract.defaultMetadata(SMALL, "test");
        meta.put(ModelContract.CLASSES, "sky,building,pole,road,car");
        meta.put(ModelContract.COLORS, "#808080,#800000,#c0c080,#804080,#400080");
        Path file = dir.resolve("five.onnx");
        OnnxModelWriter.write(FcnWeights.random(SMALL, 1), meta, file);
        InferenceException e = refused(file);
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("11") && e.getMessage().contains("5"), e.getMessage());
    }

    @Test
    void anUnknownEngineNameListsTheAvailableOnes() throws Exception {
        Path model = TestData.smallModel(dir);
        InferenceException e = assertThrows(InferenceException.class,
                () -> InferenceEngines.open("nope", model, new EngineOptions(1), line -> { }));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("auto"), e.getMessage());
    }

    @Test
    void autoOpensTheCpuEngineWhereNothingBetterRunsAndSaysSoInOneLine() throws Exception {
        Path model = TestData.smallModel(dir);
        List<EngineProvider> others = InferenceEngines.providers().stream()
                .filter(p -> !p.name().equals("cpu")).toList();
        Assumptions.assumeTrue(others.stream().allMatch(p -> p.unavailableReason() != null),
                "another backend can run on this machine, so auto rightly prefers it");
        List<String> log = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngines.open("auto", model, new EngineOptions(1), log::add)) {
            assertEquals("cpu", engine.backend());
            assertEquals(1, log.size(), log.toString());
            assertTrue(log.get(0).startsWith("engine auto: cpu"), log.get(0));
            for (EngineProvider p : others) {
                assertTrue(log.get(0).contains(p.name() + ": "), "says why " + p.name() + " was passed over: "
                        + log.get(0));
            }
        }
    }

    @Test
    void aRoadsegModelDescribesItselfFromItsMetadata() throws Exception {
        try (InferenceEngine engine = openCpu(TestData.smallModel(dir))) {
            ModelInfo m = engine.model();
            assertEquals(240, m.inputWidth());
            assertEquals(176, m.inputHeight());
            assertEquals(11, m.classCount());
            assertEquals(11, m.voidId());
            assertTrue(m.classNames().contains("road"), m.classNames().toString());
            assertEquals(SegmentationOutput.LOGITS, m.segmentation());
            assertTrue(m.rgb());
            assertArrayEquals(ModelContract.imagenetMean(), m.mean(), 1e-6f);
            assertEquals(380.0, m.focalPx(), 1e-9);
            assertTrue(engine.describe().startsWith("cpu (ONNX Runtime"), engine.describe());
        }
    }

    @Test
    void aZeroInputGivesDepthWithinRangeAndFiniteLogits() throws Exception {
        try (InferenceEngine engine = openCpu(TestData.smallModel(dir));
             TensorBinding b = engine.allocate()) {
            ModelInfo m = engine.model();
            int hw = m.inputPixels();
            assertEquals(3 * hw, b.input.capacity());
            assertEquals(hw, b.depth.capacity());
            assertEquals(m.classCount() * hw, b.logits.capacity());
            assertNull(b.classIds);
            assertTrue(engine.infer(b) > 0, "the engine's own time is positive");
            for (int i = 0; i < hw; i++) {
                float d = b.depth.get(i);
                assertTrue(d > 0 && d < m.maxDepth(), "depth " + d + " at " + i);
            }
            for (int i = 0; i < b.logits.capacity(); i++) {
                assertTrue(Float.isFinite(b.logits.get(i)), "logit " + i);
            }
        }
    }

    @Test
    void twoBindingsAreIndependentBuffers() throws Exception {
        try (InferenceEngine engine = openCpu(TestData.smallModel(dir));
             TensorBinding a = engine.allocate();
             TensorBinding b = engine.allocate()) {
            assertNotSame(a.input, b.input);
            int n = a.input.capacity();
            for (int i = 0; i < n; i++) {
                b.input.put(i, 1.5f);
            }
            assertEquals(0f, a.input.get(n / 2), "writing b's input leaves a's untouched");

            engine.infer(a);
            float[] depthA = new float[a.depth.capacity()];
            a.depth.get(0, depthA);
            engine.infer(b);
            float[] depthAAfter = new float[a.depth.capacity()];
            a.depth.get(0, depthAAfter);
            assertArrayEquals(depthA, depthAAfter, "running b does not write a's outputs");
            float[] depthB = new float[b.depth.capacity()];
            b.depth.get(0, depthB);
            assertFalse(java.util.Arrays.equals(depthA, depthB), "b's outputs follow b's own input");
        }
    }

    @Test
    void closingTwiceIsHarmless() throws Exception {
        InferenceEngine engine = openCpu(TestData.smallModel(dir));
        TensorBinding b = engine.allocate();
        b.close();
        b.close();
        engine.close();
        engine.close();
    }
}
