package io.roadseg.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a training run needs to continue exactly where it stopped: the settings it was started with, the step
 * reached, and named float tensors — the network's trainable parameters, its BatchNorm running statistics and the
 * optimiser's moments. The data order is a function of (seed, step), so nothing else is needed.
 *
 * <p>File format ({@code .ckpt}, big-endian): the magic {@value #MAGIC}, a count of properties and that many
 * (key, value) UTF strings, a count of tensors and for each its name (UTF), rank, dimensions (ints) and values
 * (floats). Written to a temporary file and moved into place, so a crash leaves the previous checkpoint intact.
 *
 * <p>Immutable value; safe to share.
 *
 * @param properties settings and progress as text ({@code step}, {@code seed}, …), in insertion order
 * @param tensors    named tensors, in insertion order
 */
public record TrainingCheckpoint(Map<String, String> properties, Map<String, Tensor> tensors) {
    static final String MAGIC = "roadseg-training-checkpoint-1";

    public TrainingCheckpoint {
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** One named float tensor; the arrays are not copied. */
    public record Tensor(long[] shape, float[] values) {
        public Tensor {
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(values, "values");
        }
    }

    String property(String key) {
        String v = properties.get(key);
        if (v == null) {
            throw new IllegalArgumentException("training checkpoint lacks '" + key + "'");
        }
        return v;
    }

    public void write(Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(temp);
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 16))) {
                out.writeUTF(MAGIC);
                out.writeInt(properties.size());
                for (Map.Entry<String, String> e : properties.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeUTF(e.getValue());
                }
                out.writeInt(tensors.size());
                for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                    out.writeUTF(e.getKey());
                    long[] shape = e.getValue().shape();
                    out.writeInt(shape.length);
                    for (long d : shape) {
                        out.writeInt((int) d);
                    }
                    float[] v = e.getValue().values();
                    out.writeInt(v.length);
                    for (float f : v) {
                        out.writeFloat(f);
                    }
                }
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * @throws IOException naming the file: missing, not a checkpoint, or cut short
     */
    public static TrainingCheckpoint read(Path file) throws IOException {
        try (InputStream is = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(is, 1 << 16))) {
            String magic;
            try {
                magic = in.readUTF();
            } catch (IOException e) {
                magic = "";
            }
            if (!MAGIC.equals(magic)) {
                throw new IOException("training checkpoint " + file + ": not a roadseg training checkpoint"
                        + " (expected a .ckpt file written by roadseg train)");
            }
            Map<String, String> properties = new LinkedHashMap<>();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                properties.put(in.readUTF(), in.readUTF());
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.readInt()];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readInt();
                }
                float[] values = new float[in.readInt()];
                for (int k = 0; k < values.length; k++) {
                    values[k] = in.readFloat();
                }
                tensors.put(name, new Tensor(shape, values));
            }
            return new TrainingCheckpoint(properties, tensors);
        } catch (NoSuchFileException e) {
            throw new IOException("training checkpoint " + file + ": no such file");
        } catch (EOFException e) {
            throw new IOException("training checkpoint " + file + ": cut short (incomplete file)");
        }
    }
}
