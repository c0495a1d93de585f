package io.roadseg.model;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InferenceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tiny hand-made ONNX graphs (image [N,3,32,32] → 1x1 convolutions) that break the model contract in one way each:
 * the CPU engine refuses them with a message naming the offending output and its shape.
 */
class ContractViolationTest {
    private static final int SIDE = 32;

    @TempDir
    Path dir;

    /** One output of the hand-made graph: a 1x1 convolution of the image with the given channels and stride. */
    private record Out(String name, int channels, int stride) {
        int side() {
            return SIDE / stride;
        }
    }

    /** Writes image [N,3,32,32] → one Conv per output, with the roadseg metadata of a 32x32, 11-class model. */
    private Path model(String fileName, Out... outputs) throws Exception {
        ProtoWriter graph = new ProtoWriter();
        for (Out o : outputs) {
            ProtoWriter node = new ProtoWriter()
                    .string(1, "image").string(1, o.name + ".w").string(1, o.name + ".b")
                    .string(2, o.name).string(3, o.name).string(4, "Conv");
            node.message(5, ints("kernel_shape", 1, 1));
            node.message(5, ints("strides", o.stride, o.stride));
            graph.message(1, node);
        }
        graph.string(2, "contract-violation");
        for (Out o : outputs) {
            graph.message(5, floatTensor(o.name + ".w", new int[]{o.channels, 3, 1, 1}, 0.1f));
            graph.message(5, floatTensor(o.name + ".b", new int[]{o.channels}, 0.5f));
        }
        graph.message(11, valueInfo("image", 3, SIDE));
        for (Out o : outputs) {
            graph.message(12, valueInfo(o.name, o.channels, o.side()));
        }
        return write(fileName, graph, "hand-made contract test");
    }

    /** Writes the graph as an opset-17 model with the roadseg metadata of a 32x32, 11-class model. */
    private Path write(String fileName, ProtoWriter graph, String description) throws Exception {
        ProtoWriter model = new ProtoWriter().int64(1, 8).string(2, "roadseg-test");
        model.message(7, graph);
        model.message(8, new ProtoWriter().string(1, "").int64(2, 17));
        Map<String, String> meta = ModelContract.defaultMetadata(
                FcnArchitecture.defaults().withInputSize(SIDE, SIDE), description);
        for (Map.Entry<String, String> e : meta.entrySet()) {
            model.message(14, new ProtoWriter().string(1, e.getKey()).string(2, e.getValue()));
        }
        return Files.write(dir.resolve(fileName), model.toByteArray());
    }

    /**
     * A model that keeps the contract with class ids instead of logits: image → 1x1 Conv (11 channels) → ArgMax over
     * the channels (int64 [N,32,32], "class_ids"), and image → 1x1 Conv → "depth".
     */
    private Path classIdModel(String fileName) throws Exception {
        ProtoWriter graph = new ProtoWriter();
        for (Out o : new Out[]{new Out("scores", 11, 1), new Out("depth", 1, 1)}) {
            ProtoWriter node = new ProtoWriter()
                    .string(1, "image").string(1, o.name + ".w").string(1, o.name + ".b")
                    .string(2, o.name).string(3, o.name).string(4, "Conv");
            node.message(5, ints("kernel_shape", 1, 1));
            graph.message(1, node);
        }
        ProtoWriter argmax = new ProtoWriter().string(1, "scores").string(2, "class_ids").string(3, "argmax")
                .string(4, "ArgMax");
        argmax.message(5, new ProtoWriter().string(1, "axis").int64(3, 1).int64(20, 2));
        argmax.message(5, new ProtoWriter().string(1, "keepdims").int64(3, 0).int64(20, 2));
        graph.message(1, argmax);
        graph.string(2, "class-ids");
        graph.message(5, floatTensor("scores.w", new int[]{11, 3, 1, 1}, 0.1f));
        graph.message(5, floatTensor("scores.b", new int[]{11}, 0.5f));
        graph.message(5, floatTensor("depth.w", new int[]{1, 3, 1, 1}, 0.1f));
        graph.message(5, floatTensor("depth.b", new int[]{1}, 0.5f));
        graph.message(11, valueInfo("image", 3, SIDE));
        ProtoWriter idShape = new ProtoWriter().message(1, new ProtoWriter().string(2, "N"))
                .message(1, new ProtoWriter().int64(1, SIDE)).message(1, new ProtoWriter().int64(1, SIDE));
        graph.message(12, new ProtoWriter().string(1, "class_ids").message(2, new ProtoWriter()
                .message(1, new ProtoWriter().int64(1, 7).message(2, idShape))));
        graph.message(12, valueInfo("depth", 1, SIDE));
        return write(fileName, graph, "hand-made class-id model");
    }

    private static ProtoWriter ints(String name, long... values) {
        ProtoWriter attr = new ProtoWriter().string(1, name);
        for (long v : values) {
            attr.int64(8, v);
        }
        return attr.int64(20, 7);
    }

    private static ProtoWriter floatTensor(String name, int[] shape, float value) {
        ProtoWriter t = new ProtoWriter();
        int n = 1;
        for (int d : shape) {
            t.int64(1, d);
            n *= d;
        }
        t.int64(2, 1).string(8, name);
        ByteBuffer raw = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            raw.putFloat(value);
        }
        return t.bytes(9, raw.array());
    }

    /** Float tensor [N, channels, side, side] with a symbolic batch. */
    private static ProtoWriter valueInfo(String name, int channels, int side) {
        ProtoWriter shape = new ProtoWriter().message(1, new ProtoWriter().string(2, "N"));
        for (int d : new int[]{channels, side, side}) {
            shape.message(1, new ProtoWriter().int64(1, d));
        }
        ProtoWriter tensorType = new ProtoWriter().int64(1, 1).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }

    private static InferenceEngine open(Path file) throws InferenceException {
        return InferenceEngines.open("cpu", file, new EngineOptions(1), line -> { });
    }

    private static void assertNamesOutputAndShape(String message, String output, int channels, int side) {
        assertTrue(message.contains("'" + output + "'"), "names output '" + output + "': " + message);
        Pattern shape = Pattern.compile("\\[(N|-1), ?" + channels + ", ?" + side + ", ?" + side + "]");
        assertTrue(shape.matcher(message).find(), "gives its shape [N," + channels + "," + side + "," + side
                + "]: " + message);
    }

    @Test
    void aHandMadeGraphThatKeepsTheContractOpens() throws Exception {
        Path file = model("good.onnx", new Out("seg_logits", 11, 1), new Out("depth", 1, 1));
        try (InferenceEngine engine = open(file)) {
            assertEquals(SIDE, engine.model().inputWidth());
            assertEquals(11, engine.model().classCount());
        }
    }

    @Test
    void aDepthOutputWithTwoChannelsIsRefusedNamingItAndItsShape() throws Exception {
        Path file = model("depth2.onnx", new Out("seg_logits", 11, 1), new Out("depth", 2, 1));
        InferenceException e = assertThrows(InferenceException.class, () -> open(file).close());
        assertTrue(e.getMessage().startsWith("model " + file + ": "), e.getMessage());
        assertNamesOutputAndShape(e.getMessage(), "depth", 2, SIDE);
    }

    @Test
    void aDepthOutputAtTheWrongSizeIsRefusedNamingItAndItsShape() throws Exception {
        Path file = model("depth16.onnx", new Out("seg_logits", 11, 1), new Out("depth", 1, 2));
        InferenceException e = assertThrows(InferenceException.class, () -> open(file).close());
        assertTrue(e.getMessage().startsWith("model " + file + ": "), e.getMessage());
        assertNamesOutputAndShape(e.getMessage(), "depth", 1, SIDE / 2);
    }

    @Test
    void aModelWithoutASegmentationOutputIsRefused() throws Exception {
        Path file = model("depth-only.onnx", new Out("depth", 1, 1));
        InferenceException e = assertThrows(InferenceException.class, () -> open(file).close());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("no segmentation output"),
                e.getMessage());
    }

    @Test
    void aModelThatOutputsClassIdsOpensButIsNotFlipAveraged() throws Exception {
        Path file = classIdModel("ids.onnx");
        try (InferenceEngine engine = open(file)) {
            assertEquals(io.roadseg.engine.SegmentationOutput.CLASS_IDS, engine.model().segmentation());
        }
        // there are no class scores to average: one line naming the file, before any frame is run
        InferenceException e = assertThrows(InferenceException.class, () -> InferenceEngines.open("cpu", file,
                new EngineOptions(1).withFlipAverage(true), line -> { }).close());
        assertEquals("model " + file + ": flip averaging needs a model that outputs logits (this one outputs class "
                + "ids)", e.getMessage());
    }
}
