package io.roadseg.engine.trt;

import io.roadseg.TestData;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InferenceException;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.SegmentationOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrtModelContractTest {
    @TempDir
    Path dir;

    @Test
    void theOnnxReaderSeesTheGraphInterfaceTheExporterWrote() throws Exception {
        Path model = TestData.smallModel(dir);
        OnnxModelSummary s = OnnxModelSummary.read(model, Files.readAllBytes(model));
        assertEquals(1, s.inputs().size());
        assertEquals("image", s.inputs().get(0).name());
        assertEquals(OnnxModelSummary.FLOAT, s.inputs().get(0).elemType());
        assertArrayEquals(new long[]{-1, 3, -1, -1}, s.inputs().get(0).dims());
        assertEquals("[N,3,H,W]", s.inputs().get(0).shapeText());
        assertEquals(2, s.outputs().size());
        assertEquals("1", s.metadata().get("roadseg.format"));
    }

    @Test
    void theModelDescriptionMatchesTheCpuBackendsForTheSameFile() throws Exception {
        Path model = TestData.smallModel(dir);
        TrtModelContract c = TrtModelContract.of(model, OnnxModelSummary.read(model, Files.readAllBytes(model)),
                false);
        try (InferenceEngine cpu = InferenceEngines.open("cpu", model, EngineOptions.defaults(), line -> { })) {
            ModelInfo want = cpu.model();
            ModelInfo got = c.model();
            assertEquals(want.metadata(), got.metadata());
            assertEquals(want.classNames(), got.classNames());
            assertArrayEquals(want.classColors(), got.classColors());
            assertArrayEquals(want.mean(), got.mean());
            assertArrayEquals(want.std(), got.std());
            assertEquals(want.inputWidth(), got.inputWidth());
            assertEquals(want.inputHeight(), got.inputHeight());
            assertEquals(want.segmentation(), got.segmentation());
            assertEquals(want.maxDepth(), got.maxDepth());
            assertEquals(want.voidId(), got.voidId());
        }
        assertEquals("image", c.input());
        assertEquals("depth", c.depth());
        assertEquals("seg_logits", c.segmentation());
        assertEquals(11, c.classes());
        assertEquals(-1, c.fixedBatch());
        assertEquals("3x176x240", c.inputShape());
        assertFalse(c.appendsArgmax());
    }

    @Test
    void aFullyConvolutionalModelIsBuiltAtTheSizeTheCpuBackendWouldChoose() throws Exception {
        Path model = TestData.smallModel(dir);
        OnnxModelSummary s = OnnxModelSummary.read(model, Files.readAllBytes(model));
        TrtModelContract fitted = TrtModelContract.of(model, s, false, null,
                new io.roadseg.engine.InputSize(960, 540), null);
        assertEquals("3x144x256", fitted.inputShape(), "16:9 at the trained 240x176 pixel count");
        TrtModelContract asked = TrtModelContract.of(model, s, false, new io.roadseg.engine.InputSize(320, 96), null,
                null);
        assertEquals("3x96x320", asked.inputShape());
        InferenceException e = assertThrows(InferenceException.class, () -> TrtModelContract.of(model, s, false,
                new io.roadseg.engine.InputSize(330, 96), null, null));
        assertTrue(e.getMessage().contains("330x96 is not a multiple of the network's stride 16"), e.getMessage());
        // --input-size auto:480x352: the source's aspect at that pixel count, as the CPU backend fits it
        io.roadseg.engine.InputSize budget = new io.roadseg.engine.InputSize(480, 352);
        TrtModelContract larger = TrtModelContract.of(model, s, false, null,
                new io.roadseg.engine.InputSize(960, 540), budget);
        assertEquals("3x304x544", larger.inputShape());
        try (io.roadseg.engine.InferenceEngine cpu = io.roadseg.engine.InferenceEngines.open("cpu", model,
                new io.roadseg.engine.EngineOptions(1).withSourceSize(new io.roadseg.engine.InputSize(960, 540))
                        .withBudget(budget), m -> { })) {
            assertEquals(544, cpu.model().inputWidth());
            assertEquals(304, cpu.model().inputHeight());
        }
    }

    @Test
    void withTheArgmaxOnTheGpuTheEngineOutputsClassIds() throws Exception {
        Path model = TestData.smallModel(dir);
        TrtModelContract c = TrtModelContract.of(model, OnnxModelSummary.read(model, Files.readAllBytes(model)),
                true);
        assertEquals(SegmentationOutput.CLASS_IDS, c.model().segmentation());
        assertTrue(c.appendsArgmax());
        assertEquals("class_ids", c.engineSegmentation());
        assertEquals(11, c.model().classCount());
    }

    @Test
    void theShippedModelIsReadWithoutCopyingItsWeights() throws Exception {
        Path shipped = Path.of("engines/roadseg.onnx");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(shipped), "no shipped model here");
        TrtModelContract c = TrtModelContract.of(shipped, OnnxModelSummary.read(shipped,
                Files.readAllBytes(shipped)), true);
        assertEquals("3x352x480", c.inputShape());
    }

    @Test
    void bytesThatAreNotOnnxAreOneLineNamingTheFile() {
        Path bogus = dir.resolve("bogus.onnx");
        InferenceException e = assertThrows(InferenceException.class,
                () -> OnnxModelSummary.read(bogus, new byte[]{(byte) 0x0a, (byte) 0xff, (byte) 0xff, 1, 2}));
        assertTrue(e.getMessage().startsWith("model " + bogus + ": not a well-formed ONNX file"), e.getMessage());
        InferenceException noGraph = assertThrows(InferenceException.class,
                () -> OnnxModelSummary.read(bogus, new byte[]{8, 7}));
        assertEquals("model " + bogus + ": not an ONNX model (no graph)", noGraph.getMessage());
    }

    @Test
    void aModelWithoutDepthBreaksTheContractWithTheCpuBackendsMessage() throws Exception {
        Path model = TestData.smallModel(dir);
        OnnxModelSummary s = OnnxModelSummary.read(model, Files.readAllBytes(model));
        OnnxModelSummary noDepth = new OnnxModelSummary(s.metadata(), s.inputs(), s.outputs().stream()
                .filter(t -> !t.name().equals("depth")).toList());
        InferenceException e = assertThrows(InferenceException.class, () -> TrtModelContract.of(model, noDepth,
                true));
        assertEquals("model " + model + ": no depth output [N,1,176,240]", e.getMessage());
    }
}
