package io.roadseg.engine.trt;

import io.roadseg.engine.InferenceException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the TensorRT backend needs to know of an ONNX file before TensorRT sees it: the {@code metadata_props}
 * (class names, normalisation, …) and the graph's inputs and outputs with their element types and shapes. TensorRT's
 * parser exposes neither the metadata nor the declared shapes, and ONNX Runtime types stay in {@code engine.cpu}, so
 * this reads the protobuf wire format directly (only the few fields named below; everything else is skipped by
 * length, so the weights are never copied).
 *
 * <pre>
 *   ModelProto.graph (7) ─ GraphProto.input (11) / output (12) / initializer (5, name only)
 *   ModelProto.metadata_props (14) ─ StringStringEntryProto key (1), value (2)
 *   ValueInfoProto name (1), type (2) ─ TypeProto.tensor_type (1) ─ elem_type (1), shape (2) ─ dim (1) ─ dim_value (1)
 * </pre>
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param metadata custom metadata in file order
 * @param inputs   graph inputs that are not initializers
 * @param outputs  graph outputs
 */
record OnnxModelSummary(Map<String, String> metadata, List<Tensor> inputs, List<Tensor> outputs) {

    /** ONNX {@code TensorProto.DataType} codes used by the roadseg contract. */
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT32 = 6;
    static final int INT64 = 7;

    /**
     * One declared graph input or output.
     *
     * @param name     tensor name
     * @param elemType ONNX element type code ({@link #FLOAT}, {@link #INT64}, …); 0 when not declared
     * @param dims     one entry per axis: its size, or -1 for a symbolic or unknown size
     */
    record Tensor(String name, int elemType, long[] dims) {
        /** Shape as text, e.g. {@code [N,3,352,480]} with {@code N} for any unknown size. */
        String shapeText() {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < dims.length; i++) {
                // symbolic dimensions: the batch first, then height and width of an NCHW tensor
                String symbol = i == 0 ? "N" : i == dims.length - 2 ? "H" : i == dims.length - 1 ? "W" : "?";
                b.append(i == 0 ? "" : ",").append(dims[i] < 0 ? symbol : Long.toString(dims[i]));
            }
            return b.append(']').toString();
        }

        String typeName() {
            return switch (elemType) {
                case FLOAT -> "FLOAT";
                case UINT8 -> "UINT8";
                case INT32 -> "INT32";
                case INT64 -> "INT64";
                case 10 -> "FLOAT16";
                case 0 -> "undeclared";
                default -> "type " + elemType;
            };
        }
    }

    /**
     * @param file  for error messages
     * @param bytes the whole ONNX file
     * @throws InferenceException when the bytes are not a well-formed protobuf message or hold no graph
     */
    static OnnxModelSummary read(Path file, byte[] bytes) throws InferenceException {
        try {
            Map<String, String> meta = new LinkedHashMap<>();
            Reader graph = null;
            Reader r = new Reader(bytes, 0, bytes.length);
            while (r.more()) {
                int key = (int) r.varint();
                int field = key >>> 3;
                if (field == 7 && (key & 7) == 2) {
                    graph = r.message();
                } else if (field == 14 && (key & 7) == 2) {
                    Reader e = r.message();
                    String k = null;
                    String v = "";
                    while (e.more()) {
                        int ek = (int) e.varint();
                        if (ek >>> 3 == 1 && (ek & 7) == 2) {
                            k = e.string();
                        } else if (ek >>> 3 == 2 && (ek & 7) == 2) {
                            v = e.string();
                        } else {
                            e.skip(ek);
                        }
                    }
                    if (k != null) {
                        meta.put(k, v);
                    }
                } else {
                    r.skip(key);
                }
            }
            if (graph == null) {
                throw new InferenceException("model " + file + ": not an ONNX model (no graph)");
            }
            List<Tensor> inputs = new ArrayList<>();
            List<Tensor> outputs = new ArrayList<>();
            Set<String> initializers = new HashSet<>();
            Reader g = graph;
            while (g.more()) {
                int key = (int) g.varint();
                int field = key >>> 3;
                if ((key & 7) == 2 && (field == 11 || field == 12)) {
                    (field == 11 ? inputs : outputs).add(valueInfo(g.message()));
                } else if ((key & 7) == 2 && field == 5) {
                    Reader t = g.message();
                    while (t.more()) {
                        int tk = (int) t.varint();
                        if (tk >>> 3 == 8 && (tk & 7) == 2) {
                            initializers.add(t.string());
                        } else {
                            t.skip(tk);
                        }
                    }
                } else {
                    g.skip(key);
                }
            }
            inputs.removeIf(t -> initializers.contains(t.name()));
            return new OnnxModelSummary(Map.copyOf(meta), List.copyOf(inputs), List.copyOf(outputs));
        } catch (IndexOutOfBoundsException | IllegalStateException e) {
            throw new InferenceException("model " + file + ": not a well-formed ONNX file (" + e.getMessage() + ")",
                    e);
        }
    }

    private static Tensor valueInfo(Reader v) {
        String name = "";
        int elemType = 0;
        List<Long> dims = new ArrayList<>();
        while (v.more()) {
            int key = (int) v.varint();
            if (key >>> 3 == 1 && (key & 7) == 2) {
                name = v.string();
            } else if (key >>> 3 == 2 && (key & 7) == 2) {
                Reader type = v.message();
                while (type.more()) {
                    int tk = (int) type.varint();
                    if (tk >>> 3 == 1 && (tk & 7) == 2) {
                        Reader tensor = type.message();
                        while (tensor.more()) {
                            int k = (int) tensor.varint();
                            if (k >>> 3 == 1 && (k & 7) == 0) {
                                elemType = (int) tensor.varint();
                            } else if (k >>> 3 == 2 && (k & 7) == 2) {
                                Reader shape = tensor.message();
                                while (shape.more()) {
                                    int sk = (int) shape.varint();
                                    if (sk >>> 3 == 1 && (sk & 7) == 2) {
                                        dims.add(dimension(shape.message()));
                                    } else {
                                        shape.skip(sk);
                                    }
                                }
                            } else {
                                tensor.skip(k);
                            }
                        }
                    } else {
                        type.skip(tk);
                    }
                }
            } else {
                v.skip(key);
            }
        }
        long[] d = new long[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims.get(i);
        }
        return new Tensor(name, elemType, d);
    }

    private static long dimension(Reader dim) {
        long value = -1;
        while (dim.more()) {
            int k = (int) dim.varint();
            if (k >>> 3 == 1 && (k & 7) == 0) {
                value = dim.varint();
            } else {
                dim.skip(k);
            }
        }
        return value > 0 ? value : -1;
    }

    /** Protobuf wire-format cursor over {@code [pos, end)} of a byte array. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;
        private final int end;

        Reader(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalStateException("truncated varint at byte " + pos);
                }
                byte b = buf[pos++];
                result |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return result;
                }
            }
            throw new IllegalStateException("varint longer than 10 bytes at byte " + pos);
        }

        private int length() {
            long n = varint();
            if (n < 0 || n > end - pos) {
                throw new IllegalStateException("field length " + n + " runs past the end at byte " + pos);
            }
            return (int) n;
        }

        String string() {
            int n = length();
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        Reader message() {
            int n = length();
            Reader r = new Reader(buf, pos, pos + n);
            pos += n;
            return r;
        }

        void skip(int key) {
            switch (key & 7) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IllegalStateException("unsupported wire type " + (key & 7) + " at byte " + pos);
            }
        }

        private void advance(int n) {
            if (n > end - pos) {
                throw new IllegalStateException("field runs past the end at byte " + pos);
            }
            pos += n;
        }
    }
}
