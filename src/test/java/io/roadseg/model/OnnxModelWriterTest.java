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
        assertOnnxRuntimeMatchesTheReferenceForward(writeModel(ModelContract.defaultMetadata(ARCH, "random seed 7")),
                WEIGHTS, 11);
    }

    /** Runs the file through ONNX Runtime on a random batch and compares both outputs with the plain-Java forward. */
    private static void assertOnnxRuntimeMatchesTheReferenceForward(Path file, FcnWeights weights, long seed)
            throws Exception {
        float[] image = randomImage(seed);
        ReferenceForward.Outputs expected = new ReferenceForward(weights).run(image, BATCH);
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(image),
                     new long[] {BATCH, 3, ARCH.inputHeight(), ARCH.inputWidth()});
             OrtSession.Result result = session.run(Map.of(FcnArchitecture.INPUT, input))) {
            assertClose(FcnArchitecture.SEG_OUTPUT, expected.segLogits(), floats(result, FcnArchitecture.SEG_OUTPUT),
                    1e-4f);
            assertClose(FcnArchitecture.DEPTH_OUTPUT, expected.depth(), floats(result, FcnArchitecture.DEPTH_OUTPUT),
                    1e-4f);
        }
    }

    /**
     * A PReLU whose slopes are all 0 (a network trained with {@code train --relu}) is written as a Relu node, which
     * ONNX Runtime fuses into the convolution, without its slopes; the file still computes the same function and reads
     * back to the same weights.
     */
    @Test
    void preluWithAllSlopesZeroIsWrittenAsReluAndComputesAndReadsBackTheSame() throws Exception {
        Map<String, FcnWeights.Tensor> tensors = new java.util.LinkedHashMap<>(WEIGHTS.tensors());
        int zeroed = 0;
        int layers = 0;
        for (FcnLayer layer : ARCH.layers()) {
            if (layer instanceof FcnLayer.PRelu p && layers++ % 2 == 0) {
                FcnWeights.Tensor t = tensors.get(p.slopeName());
                tensors.put(p.slopeName(), new FcnWeights.Tensor(t.shape(), new float[t.values().length]));
                zeroed++;
            }
        }
        FcnWeights relu = FcnWeights.of(ARCH, tensors);
        Path file = dir.resolve("relu.onnx");
        OnnxModelWriter.write(relu, ModelContract.defaultMetadata(ARCH, "half the slopes 0"), file);
        String bytes = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
        // NodeProto.op_type is field 4, length-delimited: tag 0x22 ('"'), then the length
        assertEquals(layers - zeroed, bytes.split("\"\u0005PRelu", -1).length - 1, "PRelu nodes left");
        assertEquals(zeroed + countGateRelus(), bytes.split("\"\u0004Relu", -1).length - 1, "Relu nodes");
        assertTrue(zeroed > 10 && layers - zeroed > 10, zeroed + " of " + layers);

        assertOnnxRuntimeMatchesTheReferenceForward(file, relu, 13);
        FcnWeights back = OnnxWeightsReader.read(file, ARCH);
        for (String name : relu.names()) {
            assertArrayEquals(relu.tensor(name).values(), back.tensor(name).values(), name);
        }
    }

    /** The Relu nodes the architecture has of its own (the context gates'). */
    private static int countGateRelus() {
        int n = 0;
        for (FcnLayer layer : ARCH.layers()) {
            if (layer instanceof FcnLayer.Relu) {
                n++;
            }
        }
        return n;
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
