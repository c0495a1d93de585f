package io.roadseg.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes an {@link FcnArchitecture} with its {@link FcnWeights} as an ONNX model, encoding the protobuf by hand (see
 * {@link ProtoWriter}): IR version {@value #IR_VERSION}, default-domain opset {@value #OPSET}, one node per
 * {@link FcnLayer} using only Conv, Relu, PRelu, Add, Concat, Resize, AveragePool, GlobalAveragePool, Sigmoid and
 * Mul. The graph input {@code image} is float {@code [N,3,H,W]} with symbolic batch {@code N}, height {@code H} and
 * width {@code W} (any multiples of {@link FcnArchitecture#STRIDE}: the network is fully convolutional); the outputs
 * are {@code seg_logits} {@code [N,K,H,W]} and {@code depth} {@code [N,1,H,W]}. Parameters are initializers stored as little-endian float32 {@code raw_data};
 * metadata goes to {@code metadata_props} (see {@link ModelContract}).
 *
 * <p>Stateless; safe to call from several threads, though two writes to the same path race (the last move wins,
 * each file is complete).
 */
public final class OnnxModelWriter {

    /** ONNX IR version written (ONNX 1.12, matching opset 17). */
    public static final long IR_VERSION = 8;
    /** Opset of the default ONNX domain. */
    public static final long OPSET = 17;
    /** {@code ModelProto.producer_name}. */
    public static final String PRODUCER_NAME = "roadseg";
    /** {@code GraphProto.name}. */
    public static final String GRAPH_NAME = "roadseg-" + FcnArchitecture.NAME;
    /** Symbolic name of the batch dimension. */
    public static final String BATCH_DIM = "N";
    /** Symbolic name of the height dimension. */
    public static final String HEIGHT_DIM = "H";
    /** Symbolic name of the width dimension. */
    public static final String WIDTH_DIM = "W";

    // onnx.proto field numbers
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_PRODUCER_VERSION = 3;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int MODEL_METADATA_PROPS = 14;
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_NAME_FIELD = 2;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTR_NAME = 1;
    private static final int ATTR_I = 3;
    private static final int ATTR_S = 4;
    private static final int ATTR_INTS = 8;
    private static final int ATTR_TYPE = 20;
    private static final int ATTR_TYPE_INT = 2;
    private static final int ATTR_TYPE_STRING = 3;
    private static final int ATTR_TYPE_INTS = 7;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int DATA_TYPE_FLOAT = 1;
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR_TYPE = 1;
    private static final int TENSOR_TYPE_ELEM_TYPE = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int DIM_PARAM = 2;

    private OnnxModelWriter() {
    }

    /**
     * Writes the model atomically: to a temporary file in the target's directory (created if missing), forced to
     * disk, then moved over {@code file}. Readers see the old file or the complete new one, never a partial one.
     *
     * @param weights  the network and its parameters
     * @param metadata written to {@code metadata_props} in iteration order, e.g.
     *                 {@link ModelContract#defaultMetadata}
     * @param file     destination, conventionally {@code *.onnx}
     * @throws IOException naming {@code file} if it cannot be written
     */
    public static void write(FcnWeights weights, Map<String, String> metadata, Path file) throws IOException {
        byte[] model = encode(weights, metadata);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            if (Files.getFileStore(temp).supportsFileAttributeView("posix")) {
                // createTempFile makes the file owner-only; a model is an ordinary shared artefact
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(model);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } catch (IOException e) {
            throw new IOException("writing ONNX model " + file + ": " + e, e);
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * Encodes the model in memory.
     *
     * @param weights  the network and its parameters
     * @param metadata written to {@code metadata_props} in iteration order; keys and values must not be null
     * @return the serialized {@code ModelProto}
     */
    public static byte[] encode(FcnWeights weights, Map<String, String> metadata) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(metadata, "metadata");
        ProtoWriter model = new ProtoWriter(weights.architecture().parameters().size() * 64
                + (int) Math.min(Integer.MAX_VALUE / 2, weights.architecture().parameterCount() * 4));
        model.int64(MODEL_IR_VERSION, IR_VERSION);
        model.string(MODEL_PRODUCER_NAME, PRODUCER_NAME);
        model.string(MODEL_PRODUCER_VERSION, producerVersion());
        model.message(MODEL_GRAPH, graph(weights));
        model.message(MODEL_OPSET_IMPORT, new ProtoWriter().string(OPSET_DOMAIN, "").int64(OPSET_VERSION, OPSET));
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = Objects.requireNonNull(e.getKey(), "metadata key");
            String value = Objects.requireNonNull(e.getValue(), () -> "metadata value of " + key);
            model.message(MODEL_METADATA_PROPS, new ProtoWriter().string(ENTRY_KEY, key).string(ENTRY_VALUE, value));
        }
        return model.toByteArray();
    }

    private static String producerVersion() {
        String version = OnnxModelWriter.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    private static ProtoWriter graph(FcnWeights weights) {
        FcnArchitecture arch = weights.architecture();
        ProtoWriter graph = new ProtoWriter();
        Map<String, ProtoWriter> constants = new LinkedHashMap<>();
        Set<String> unused = new HashSet<>();
        for (FcnLayer layer : arch.layers()) {
            if (layer instanceof FcnLayer.PRelu p && allZero(weights.tensor(p.slopeName()).values())) {
                // a PReLU with every slope 0 is a ReLU, which ONNX Runtime fuses into the convolution before it
                ProtoWriter node = new ProtoWriter();
                io(node, List.of(p.input()), p.output(), "Relu");
                graph.message(GRAPH_NODE, node);
                unused.add(p.slopeName());
            } else {
                graph.message(GRAPH_NODE, node(layer, constants));
            }
        }
        graph.string(GRAPH_NAME_FIELD, GRAPH_NAME);
        for (String name : weights.names()) {
            if (unused.contains(name)) {
                continue; // no node reads it; OnnxWeightsReader reads an absent slope as 0
            }
            FcnWeights.Tensor t = weights.tensor(name);
            graph.message(GRAPH_INITIALIZER, floatTensor(name, t.shape(), t.values()));
        }
        for (ProtoWriter constant : constants.values()) {
            graph.message(GRAPH_INITIALIZER, constant);
        }
        graph.message(GRAPH_INPUT, valueInfo(FcnArchitecture.INPUT, FcnArchitecture.INPUT_CHANNELS));
        graph.message(GRAPH_OUTPUT, valueInfo(FcnArchitecture.SEG_OUTPUT, arch.classes()));
        graph.message(GRAPH_OUTPUT, valueInfo(FcnArchitecture.DEPTH_OUTPUT, 1));
        return graph;
    }

    /** Encodes one layer as a NodeProto; constants it needs are added to {@code constants} once, by name. */
    private static ProtoWriter node(FcnLayer layer, Map<String, ProtoWriter> constants) {
        ProtoWriter node = new ProtoWriter();
        if (layer instanceof FcnLayer.Conv c) {
            io(node, List.of(c.input(), c.weightName(), c.biasName()), c.output(), "Conv");
            node.message(NODE_ATTRIBUTE, ints("dilations", c.dilation(), c.dilation()));
            node.message(NODE_ATTRIBUTE, integer("group", c.groups()));
            node.message(NODE_ATTRIBUTE, ints("kernel_shape", c.kernel(), c.kernel()));
            node.message(NODE_ATTRIBUTE, ints("pads", c.padding(), c.padding(), c.padding(), c.padding()));
            node.message(NODE_ATTRIBUTE, ints("strides", c.stride(), c.stride()));
        } else if (layer instanceof FcnLayer.Relu r) {
            io(node, r.inputs(), r.output(), "Relu");
        } else if (layer instanceof FcnLayer.Add a) {
            io(node, a.inputs(), a.output(), "Add");
        } else if (layer instanceof FcnLayer.Concat c) {
            io(node, c.inputs(), c.output(), "Concat");
            node.message(NODE_ATTRIBUTE, integer("axis", 1));
        } else if (layer instanceof FcnLayer.Upsample u) {
            String scales = "resize.x" + u.factor() + ".scales";
            constants.computeIfAbsent(scales, name -> floatTensor(name, new int[] {4},
                    new float[] {1f, 1f, u.factor(), u.factor()}));
            // Resize(X, roi, scales): roi is unused by half_pixel and left out with an empty name.
            io(node, List.of(u.input(), "", scales), u.output(), "Resize");
            node.message(NODE_ATTRIBUTE, string("coordinate_transformation_mode", "half_pixel"));
            node.message(NODE_ATTRIBUTE, string("mode", "linear"));
        } else if (layer instanceof FcnLayer.Sigmoid s) {
            io(node, s.inputs(), s.output(), "Sigmoid");
        } else if (layer instanceof FcnLayer.Scale s) {
            constants.computeIfAbsent(s.factorName(), name -> floatTensor(name, new int[0],
                    new float[] {s.factor()}));
            io(node, List.of(s.input(), s.factorName()), s.output(), "Mul");
        } else if (layer instanceof FcnLayer.PRelu p) {
            io(node, List.of(p.input(), p.slopeName()), p.output(), "PRelu");
        } else if (layer instanceof FcnLayer.GlobalAveragePool g) {
            io(node, g.inputs(), g.output(), "GlobalAveragePool");
        } else if (layer instanceof FcnLayer.ChannelGate g) {
            io(node, g.inputs(), g.output(), "Mul");
        } else if (layer instanceof FcnLayer.AveragePool a) {
            io(node, a.inputs(), a.output(), "AveragePool");
            node.message(NODE_ATTRIBUTE, ints("kernel_shape", a.factor(), a.factor()));
            node.message(NODE_ATTRIBUTE, ints("strides", a.factor(), a.factor()));
        } else {
            throw new IllegalStateException("ONNX export: no mapping for layer " + layer);
        }
        return node;
    }

    private static boolean allZero(float[] values) {
        for (float v : values) {
            if (v != 0f) {
                return false;
            }
        }
        return true;
    }

    private static void io(ProtoWriter node, List<String> inputs, String output, String opType) {
        for (String input : inputs) {
            node.string(NODE_INPUT, input);
        }
        node.string(NODE_OUTPUT, output);
        node.string(NODE_NAME, output);
        node.string(NODE_OP_TYPE, opType);
    }

    private static ProtoWriter ints(String name, long... values) {
        ProtoWriter attr = new ProtoWriter().string(ATTR_NAME, name);
        for (long v : values) {
            attr.int64(ATTR_INTS, v);
        }
        return attr.int64(ATTR_TYPE, ATTR_TYPE_INTS);
    }

    private static ProtoWriter integer(String name, long value) {
        return new ProtoWriter().string(ATTR_NAME, name).int64(ATTR_I, value).int64(ATTR_TYPE, ATTR_TYPE_INT);
    }

    private static ProtoWriter string(String name, String value) {
        return new ProtoWriter().string(ATTR_NAME, name).string(ATTR_S, value).int64(ATTR_TYPE, ATTR_TYPE_STRING);
    }

    private static ProtoWriter floatTensor(String name, int[] shape, float[] values) {
        ProtoWriter tensor = new ProtoWriter(values.length * 4 + 64);
        for (int d : shape) {
            tensor.int64(TENSOR_DIMS, d);
        }
        tensor.int64(TENSOR_DATA_TYPE, DATA_TYPE_FLOAT);
        tensor.string(TENSOR_NAME, name);
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        tensor.bytes(TENSOR_RAW_DATA, raw.array());
        return tensor;
    }

    /** A float tensor ValueInfoProto of shape [N, channels, H, W] with symbolic N, H and W. */
    private static ProtoWriter valueInfo(String name, int channels) {
        ProtoWriter shape = new ProtoWriter();
        shape.message(SHAPE_DIM, new ProtoWriter().string(DIM_PARAM, BATCH_DIM));
        shape.message(SHAPE_DIM, new ProtoWriter().int64(DIM_VALUE, channels));
        shape.message(SHAPE_DIM, new ProtoWriter().string(DIM_PARAM, HEIGHT_DIM));
        shape.message(SHAPE_DIM, new ProtoWriter().string(DIM_PARAM, WIDTH_DIM));
        ProtoWriter tensorType = new ProtoWriter().int64(TENSOR_TYPE_ELEM_TYPE, DATA_TYPE_FLOAT)
                .message(TENSOR_TYPE_SHAPE, shape);
        ProtoWriter type = new ProtoWriter().message(TYPE_TENSOR_TYPE, tensorType);
        return new ProtoWriter().string(VALUE_INFO_NAME, name).message(VALUE_INFO_TYPE, type);
    }
}
