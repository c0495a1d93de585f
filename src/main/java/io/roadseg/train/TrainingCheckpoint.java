package io.roadseg.train;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnLayer;
import io.roadseg.model.FcnWeights;

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
import java.util.Arrays;
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
    /** Name prefix of trainable parameters. */
    static final String PARAM = "param/";
    /** Name prefix of BatchNorm running statistics. */
    static final String BUFFER = "buffer/";
    private static final String BN = ".bn.";
    /** Property: the network's channel widths ({@link FcnArchitecture#channelsText()}), where not the defaults'. */
    static final String CHANNELS = "channels";

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

    /**
     * The training form of exported weights, as {@link TorchFcn} starts from them: a BatchNorm convolution gets the
     * exported weight, {@code gamma = 1}, {@code beta = bias}, running mean 0 and variance {@code 1 - eps}, so its
     * eval-mode forward equals the exported model. No optimiser state.
     *
     * @return tensors {@code param/…} and {@code buffer/…} by the names {@link TorchFcn} uses
     */
    public static Map<String, Tensor> trainingForm(FcnWeights weights) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (FcnLayer layer : weights.architecture().layers()) {
            if (layer instanceof FcnLayer.Conv c) {
                out.put(PARAM + c.weightName(), tensor(weights.tensor(c.weightName())));
                float[] bias = weights.values(c.biasName());
                if (c.batchNorm()) {
                    int n = c.outChannels();
                    float[] ones = new float[n];
                    float[] variance = new float[n];
                    Arrays.fill(ones, 1f);
                    Arrays.fill(variance, 1f - FcnArchitecture.BN_EPSILON);
                    out.put(PARAM + c.name() + BN + "weight", new Tensor(new long[] {n}, ones));
                    out.put(PARAM + c.name() + BN + "bias", new Tensor(new long[] {n}, bias.clone()));
                    out.put(BUFFER + c.name() + BN + "running_mean", new Tensor(new long[] {n}, new float[n]));
                    out.put(BUFFER + c.name() + BN + "running_var", new Tensor(new long[] {n}, variance));
                } else {
                    out.put(PARAM + c.biasName(), tensor(weights.tensor(c.biasName())));
                }
            } else if (layer instanceof FcnLayer.PRelu p) {
                out.put(PARAM + p.slopeName(), tensor(weights.tensor(p.slopeName())));
            }
        }
        return out;
    }

    /** @return a copy of an exported-form tensor as a checkpoint holds it (dimensions as longs) */
    static Tensor tensor(FcnWeights.Tensor t) {
        long[] shape = new long[t.shape().length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.shape()[i];
        }
        return new Tensor(shape, t.values().clone());
    }

    /**
     * The exported form of this checkpoint's network: each BatchNorm folded into its convolution with its running
     * statistics ({@link FcnWeights#foldBatchNorm}), as the eval-mode forward computes. Needs no libtorch: this is how
     * a checkpoint written by another trainer ({@code scripts/gpu_train.py}) becomes a model.
     *
     * @param architecture the network, at the input size the model is to declare
     * @throws IOException naming the first tensor that is missing, of the wrong size or not finite (the caller
     *                     names the file)
     */
    public FcnWeights weights(FcnArchitecture architecture) throws IOException {
        Map<String, FcnWeights.Tensor> out = new LinkedHashMap<>();
        try {
            for (FcnLayer layer : architecture.layers()) {
                if (layer instanceof FcnLayer.Conv c) {
                    FcnWeights.Tensor weight = exported(PARAM + c.weightName(), c.weightShape());
                    if (c.batchNorm()) {
                        int[] channel = {c.outChannels()};
                        FcnWeights.FoldedConv folded = FcnWeights.foldBatchNorm(weight, null,
                                exported(PARAM + c.name() + BN + "weight", channel).values(),
                                exported(PARAM + c.name() + BN + "bias", channel).values(),
                                exported(BUFFER + c.name() + BN + "running_mean", channel).values(),
                                exported(BUFFER + c.name() + BN + "running_var", channel).values(),
                                FcnArchitecture.BN_EPSILON);
                        out.put(c.weightName(), folded.weight());
                        out.put(c.biasName(), folded.bias());
                    } else {
                        out.put(c.weightName(), weight);
                        out.put(c.biasName(), exported(PARAM + c.biasName(), new int[] {c.outChannels()}));
                    }
                } else if (layer instanceof FcnLayer.PRelu p) {
                    out.put(p.slopeName(), exported(PARAM + p.slopeName(), new int[] {p.channels(), 1, 1}));
                }
            }
            return FcnWeights.of(architecture, out);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
    }

    private FcnWeights.Tensor exported(String name, int[] shape) throws IOException {
        Tensor t = tensors.get(name);
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        if (t == null || t.values().length != size) {
            throw new IOException("the checkpoint lacks " + name + (t == null ? "" : " of " + size
                    + " values (it has " + t.values().length + ")"));
        }
        for (float v : t.values()) {
            if (!Float.isFinite(v)) {
                throw new IOException(name + " holds a value that is not finite (" + v
                        + "); the run diverged");
            }
        }
        return new FcnWeights.Tensor(shape, t.values());
    }

    /**
     * The network this checkpoint holds: the defaults, with the channel widths of its {@value #CHANNELS} property
     * where it has one (runs of other widths: {@code roadseg train-bundle --channels}).
     *
     * @throws IllegalArgumentException if the checkpoint is of another architecture or the widths are malformed
     */
    public FcnArchitecture architecture() {
        String name = properties.get("architecture");
        if (!FcnArchitecture.NAME.equals(name)) {
            throw new IllegalArgumentException("checkpoint of architecture " + name + ", expected "
                    + FcnArchitecture.NAME);
        }
        return FcnArchitecture.withChannelsOrDefaults(properties.get(CHANNELS));
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
