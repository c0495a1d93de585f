package io.roadseg.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the weights back out of an ONNX file written by {@link OnnxModelWriter} — the project's checkpoint format —
 * with a minimal protobuf decoder (ModelProto.graph → GraphProto.initializer → TensorProto name, dims, raw_data).
 * The result is validated against the architecture by {@link FcnWeights#of}, so a file of another architecture is
 * refused naming the parameter that does not fit.
 *
 * <p>Threading: stateless.
 */
public final class OnnxWeightsReader {
    private OnnxWeightsReader() {
    }

    /** A roadseg ONNX file's weights and its metadata. */
    public record Model(FcnWeights weights, Map<String, String> metadata) {
        public Model {
            metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    public static FcnWeights read(Path file, FcnArchitecture architecture) throws IOException {
        return readModel(file, architecture).weights();
    }

    /** As {@link #read}, with the file's metadata (in file order). */
    public static Model readModel(Path file, FcnArchitecture architecture) throws IOException {
        Map<String, FcnWeights.Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        parse(file, tensors, metadata);
        String arch = metadata.get(ModelContract.ARCHITECTURE);
        if (arch == null) {
            throw new IOException("checkpoint " + file + ": " + (java.nio.file.Files.size(file) == 0 ? "an empty file"
                    : "no roadseg metadata") + ", not a model roadseg wrote (export-model writes one)");
        }
        if (!FcnArchitecture.NAME.equals(arch)) {
            throw new IOException("checkpoint " + file + ": architecture '" + arch + "', expected '"
                    + FcnArchitecture.NAME + "'");
        }
        Map<String, FcnWeights.Tensor> parameters = new LinkedHashMap<>();
        for (FcnArchitecture.Parameter p : architecture.parameters()) {
            FcnWeights.Tensor t = tensors.get(p.name());
            if (t == null && p.name().endsWith(FcnLayer.PRelu.SLOPE_SUFFIX)) {
                // OnnxModelWriter writes a PReLU whose slopes are all 0 as a Relu node, without its slopes
                t = new FcnWeights.Tensor(p.shape(), new float[p.size()]);
            }
            if (t != null) {
                parameters.put(p.name(), t);
            }
        }
        try {
            return new Model(FcnWeights.of(architecture, parameters), metadata);
        } catch (IllegalArgumentException e) {
            throw new IOException("checkpoint " + file + ": " + e.getMessage());
        }
    }

    /**
     * Any ONNX file's metadata (model-level {@code metadata_props}, in file order), its tensors not decoded.
     *
     * @throws IOException naming the file when it is not a readable ONNX file
     */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        parse(file, null, metadata);
        return metadata;
    }

    /** Reads the file's metadata and, unless {@code tensors} is null, its graph's initializers. */
    private static void parse(Path file, Map<String, FcnWeights.Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        ByteBuffer model = ByteBuffer.wrap(Files.readAllBytes(file));
        try {
            while (model.hasRemaining()) {
                long key = varint(model);
                int field = (int) (key >>> 3);
                int wire = (int) (key & 7);
                if (field == 7 && wire == 2 && tensors != null) {
                    graph(slice(model), tensors);
                } else if (field == 14 && wire == 2) {
                    ByteBuffer entry = slice(model);
                    String k = null;
                    String v = null;
                    while (entry.hasRemaining()) {
                        long ek = varint(entry);
                        if ((ek >>> 3) == 1) {
                            k = string(slice(entry));
                        } else if ((ek >>> 3) == 2) {
                            v = string(slice(entry));
                        } else {
                            skip(entry, (int) (ek & 7));
                        }
                    }
                    if (k != null) {
                        metadata.put(k, v);
                    }
                } else {
                    skip(model, wire);
                }
            }
        } catch (RuntimeException e) {
            // a protobuf field that runs past the end of the file: cut short, or not ONNX at all
            throw new IOException("checkpoint " + file + ": not a readable ONNX file (" + (e instanceof
                    IndexOutOfBoundsException || e instanceof java.nio.BufferUnderflowException
                    || String.valueOf(e.getMessage()).contains("newLimit") ? "a field runs past its end at "
                    + java.nio.file.Files.size(file) + " bytes: cut short, or not ONNX" : e.getMessage()) + ")");
        }
    }

    private static void graph(ByteBuffer graph, Map<String, FcnWeights.Tensor> out) {
        while (graph.hasRemaining()) {
            long key = varint(graph);
            if ((key >>> 3) == 5 && (key & 7) == 2) {
                tensor(slice(graph), out);
            } else {
                skip(graph, (int) (key & 7));
            }
        }
    }

    private static void tensor(ByteBuffer t, Map<String, FcnWeights.Tensor> out) {
        List<Long> dims = new ArrayList<>();
        String name = null;
        ByteBuffer raw = null;
        int type = 0;
        while (t.hasRemaining()) {
            long key = varint(t);
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            if (field == 1 && wire == 0) {
                dims.add(varint(t));
            } else if (field == 1 && wire == 2) {
                ByteBuffer packed = slice(t);
                while (packed.hasRemaining()) {
                    dims.add(varint(packed));
                }
            } else if (field == 2 && wire == 0) {
                type = (int) varint(t);
            } else if (field == 8 && wire == 2) {
                name = string(slice(t));
            } else if (field == 9 && wire == 2) {
                raw = slice(t);
            } else {
                skip(t, wire);
            }
        }
        if (name == null || raw == null || type != 1) {
            return; // not a float parameter (e.g. resize scales are also float but carry no parameter name match)
        }
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = Math.toIntExact(dims.get(i));
        }
        float[] values = new float[raw.remaining() / 4];
        raw.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        out.put(name, new FcnWeights.Tensor(shape, values));
    }

    private static long varint(ByteBuffer b) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int x = b.get() & 0xff;
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalStateException("varint too long");
    }

    private static ByteBuffer slice(ByteBuffer b) {
        int n = Math.toIntExact(varint(b));
        ByteBuffer s = b.slice().limit(n);
        b.position(b.position() + n);
        return s;
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void skip(ByteBuffer b, int wire) {
        switch (wire) {
            case 0 -> varint(b);
            case 1 -> b.position(b.position() + 8);
            case 2 -> slice(b);
            case 5 -> b.position(b.position() + 4);
            default -> throw new IllegalStateException("unsupported wire type " + wire);
        }
    }
}
