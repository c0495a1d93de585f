package io.roadseg.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelWriterTest {

    private static final int BATCH = 2;
    private static final FcnArchitecture ARCH = FcnArchitecture.defaults().withInputSize(64, 96);
    private static final FcnWeights WEIGHTS = FcnWeights.random(ARCH, 7);

    private static OrtEnvironment env;

    @TempDir
    Path dir;

    @BeforeAll
    static void environment() {
        env = OrtEnvironment.getEnvironment();
    }

    private Path writeModel(Map<String, String> metadata) throws IOException {
        Path file = dir.resolve("model.onnx");
        OnnxModelWriter.write(WEIGHTS, metadata, file);
        return file;
    }

    private static float[] randomImage(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] image = new float[BATCH * 3 * ARCH.inputHeight() * ARCH.inputWidth()];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return image;
    }

    @Test
    void onnxRuntimeOutputsMatchTheReferenceForward() throws Exception {
        Path file = writeModel(ModelContract.defaultMetadata(ARCH, "random seed 7"));
        float[] image = randomImage(11);
        ReferenceForward.Outputs expected = new ReferenceForward(WEIGHTS).run(image, BATCH);

        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(image),
                     new long[] {BATCH, 3, ARCH.inputHeight(), ARCH.inputWidth()});
             OrtSession.Result result = session.run(Map.of(FcnArchitecture.INPUT, input))) {
            float[] seg = floats(result, FcnArchitecture.SEG_OUTPUT);
            float[] depth = floats(result, FcnArchitecture.DEPTH_OUTPUT);
            assertClose(FcnArchitecture.SEG_OUTPUT, expected.segLogits(), seg, 1e-4f);
            assertClose(FcnArchitecture.DEPTH_OUTPUT, expected.depth(), depth, 1e-4f);
        }
    }

    @Test
    void oneExportedFileRunsAtOtherSizesAndMatchesTheReferenceForwardAtEach() throws Exception {
        Path file = writeModel(ModelContract.defaultMetadata(ARCH, "random seed 7"));
        int[][] sizes = {{48, 112}, {80, 64}};
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            for (int[] hw : sizes) {
                FcnArchitecture at = ARCH.withInputSize(hw[0], hw[1]);
                SplittableRandom random = new SplittableRandom(hw[0]);
                float[] image = new float[3 * hw[0] * hw[1]];
                for (int i = 0; i < image.length; i++) {
                    image[i] = (float) (random.nextDouble() * 4 - 2);
                }
                ReferenceForward.Outputs expected = new ReferenceForward(FcnWeights.of(at, WEIGHTS.tensors()))
                        .run(image, 1);
                try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(image),
                        new long[] {1, 3, hw[0], hw[1]});
                     OrtSession.Result result = session.run(Map.of(FcnArchitecture.INPUT, input))) {
                    OnnxTensor seg = (OnnxTensor) result.get(FcnArchitecture.SEG_OUTPUT).orElseThrow();
                    OnnxTensor depth = (OnnxTensor) result.get(FcnArchitecture.DEPTH_OUTPUT).orElseThrow();
                    assertArrayEquals(new long[] {1, 11, hw[0], hw[1]}, seg.getInfo().getShape());
                    float[] s = new float[expected.segLogits().length];
                    seg.getFloatBuffer().get(s);
                    float[] d = new float[expected.depth().length];
                    depth.getFloatBuffer().get(d);
                    assertClose(FcnArchitecture.SEG_OUTPUT + " at " + hw[1] + "x" + hw[0], expected.segLogits(), s,
                            1e-4f);
                    assertClose(FcnArchitecture.DEPTH_OUTPUT + " at " + hw[1] + "x" + hw[0], expected.depth(), d,
                            1e-4f);
                }
            }
        }
    }

    @Test
    void declaresInputAndOutputsWithSymbolicBatchHeightAndWidth() throws Exception {
        Path file = writeModel(ModelContract.defaultMetadata(ARCH, "random seed 7"));
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            assertEquals(List.of(FcnArchitecture.INPUT), List.copyOf(session.getInputNames()));
            assertEquals(List.of(FcnArchitecture.SEG_OUTPUT, FcnArchitecture.DEPTH_OUTPUT),
                    List.copyOf(session.getOutputNames()));
            assertArrayEquals(new long[] {-1, 3, -1, -1}, shape(session.getInputInfo().get(FcnArchitecture.INPUT)
                    .getInfo()));
            assertArrayEquals(new long[] {-1, 11, -1, -1}, shape(session.getOutputInfo()
                    .get(FcnArchitecture.SEG_OUTPUT).getInfo()));
            assertArrayEquals(new long[] {-1, 1, -1, -1}, shape(session.getOutputInfo()
                    .get(FcnArchitecture.DEPTH_OUTPUT).getInfo()));
            TensorInfo input = (TensorInfo) session.getInputInfo().get(FcnArchitecture.INPUT).getInfo();
            assertEquals(OnnxModelWriter.BATCH_DIM, input.getDimensionNames()[0]);
            assertEquals(OnnxModelWriter.HEIGHT_DIM, input.getDimensionNames()[2]);
            assertEquals(OnnxModelWriter.WIDTH_DIM, input.getDimensionNames()[3]);
        }
    }

    @Test
    void metadataRoundTripsThroughOnnxRuntime() throws Exception {
        Map<String, String> metadata = ModelContract.defaultMetadata(ARCH, "random seed 7");
        Path file = writeModel(metadata);
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            assertEquals(metadata, session.getMetadata().getCustomMetadata());
            assertEquals(OnnxModelWriter.PRODUCER_NAME, session.getMetadata().getProducerName());
            assertEquals(OnnxModelWriter.GRAPH_NAME, session.getMetadata().getGraphName());
            assertEquals("96x64", session.getMetadata().getCustomMetadata().get(ModelContract.INPUT));
            assertEquals(ModelContract.CAMVID_CLASSES,
                    ModelContract.sceneClasses(session.getMetadata().getCustomMetadata()));
        }
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("models").resolve("model.onnx");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "stale");
        OnnxModelWriter.write(WEIGHTS, Map.of(ModelContract.WEIGHTS, "random seed 7"), file);
        assertArrayEquals(OnnxModelWriter.encode(WEIGHTS, Map.of(ModelContract.WEIGHTS, "random seed 7")),
                Files.readAllBytes(file));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList());
        }
    }

    private static float[] floats(OrtSession.Result result, String name) throws OrtException {
        OnnxTensor tensor = (OnnxTensor) result.get(name).orElseThrow(() -> new AssertionError("no output " + name));
        assertArrayEquals(new long[] {BATCH, name.equals(FcnArchitecture.DEPTH_OUTPUT) ? 1 : ARCH.classes(),
                ARCH.inputHeight(), ARCH.inputWidth()}, tensor.getInfo().getShape(), name + " shape");
        FloatBuffer buffer = tensor.getFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    private static long[] shape(ValueInfo info) {
        assertTrue(info instanceof TensorInfo, "expected a tensor, got " + info);
        return ((TensorInfo) info).getShape();
    }

    private static void assertClose(String name, float[] expected, float[] actual, float tolerance) {
        assertEquals(expected.length, actual.length, name + " length");
        float worst = 0;
        int worstAt = -1;
        // relative to the output's largest magnitude (at least 1): float32 sums through a deep stack of random,
        // unnormalised layers round relative to the activations' scale
        float magnitude = 1f;
        for (float v : expected) {
            magnitude = Math.max(magnitude, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            float diff = Math.abs(expected[i] - actual[i]) / magnitude;
            assertTrue(Float.isFinite(actual[i]), name + ": onnx runtime gave " + actual[i] + " at index " + i);
            if (diff > worst) {
                worst = diff;
                worstAt = i;
            }
        }
        assertTrue(worst <= tolerance, name + ": max diff relative to the largest output " + magnitude + ": " + worst + " at index " + worstAt + " (reference "
                + expected[Math.max(worstAt, 0)] + ", onnx runtime " + actual[Math.max(worstAt, 0)] + ") exceeds "
                + tolerance);
    }
}
