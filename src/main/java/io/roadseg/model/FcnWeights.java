package io.roadseg.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The learned parameters of one {@link FcnArchitecture}: a float tensor per {@linkplain FcnArchitecture#parameters()
 * parameter}, in the architecture's order. Construction checks that every parameter is present, has the expected
 * shape, holds only finite values, and that nothing else is there.
 *
 * <p>Immutable and safe to share between threads: arrays are copied in, and every accessor returns a copy.
 */
public final class FcnWeights {

    /** Half-width of the uniform distribution that {@link #random} draws biases from. */
    public static final float RANDOM_BIAS_RANGE = 0.01f;
    /** Initial PReLU slope, as PyTorch's {@code nn.PReLU}. */
    public static final float PRELU_INITIAL_SLOPE = 0.25f;

    private final FcnArchitecture architecture;
    private final Map<String, Tensor> tensors;

    private FcnWeights(FcnArchitecture architecture, Map<String, Tensor> tensors) {
        this.architecture = architecture;
        this.tensors = tensors;
    }

    /**
     * @param architecture the network the tensors belong to
     * @param tensors      parameter name to tensor; iteration order does not matter
     * @return the weights, in the architecture's parameter order
     * @throws IllegalArgumentException naming the first parameter that is missing, unexpected, mis-shaped (with the
     *                                  found and expected shapes) or non-finite
     */
    public static FcnWeights of(FcnArchitecture architecture, Map<String, Tensor> tensors) {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(tensors, "tensors");
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (FcnArchitecture.Parameter p : architecture.parameters()) {
            Tensor t = tensors.get(p.name());
            if (t == null) {
                throw new IllegalArgumentException("weights for " + architecture + ": parameter " + p.name()
                        + " is missing (expected shape " + Arrays.toString(p.shape()) + ")");
            }
            if (!Arrays.equals(t.shape, p.shape())) {
                throw new IllegalArgumentException("weights for " + architecture + ": parameter " + p.name()
                        + " has shape " + Arrays.toString(t.shape) + ", expected " + Arrays.toString(p.shape()));
            }
            for (int i = 0; i < t.values.length; i++) {
                if (!Float.isFinite(t.values[i])) {
                    throw new IllegalArgumentException("weights for " + architecture + ": parameter " + p.name()
                            + " has non-finite value " + t.values[i] + " at index " + i);
                }
            }
            ordered.put(p.name(), t);
        }
        for (String name : tensors.keySet()) {
            if (!ordered.containsKey(name)) {
                throw new IllegalArgumentException("weights for " + architecture + ": unexpected parameter " + name
                        + "; the architecture has no such parameter");
            }
        }
        return new FcnWeights(architecture, Collections.unmodifiableMap(ordered));
    }

    /**
     * Random initial weights, bit-identical on every machine and JVM for the same architecture and seed: conv weights
     * He-normal (standard deviation {@code sqrt(2 / fanIn)}, {@code fanIn = in / groups * k * k}), biases uniform in
     * {@code ±RANDOM_BIAS_RANGE}, PReLU slopes {@value #PRELU_INITIAL_SLOPE}. Drawn in parameter order from one {@link SplittableRandom}; normal deviates by
     * Box–Muller with {@link StrictMath}.
     *
     * @param architecture the network
     * @param seed         random seed
     * @return the weights
     */
    public static FcnWeights random(FcnArchitecture architecture, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (FcnArchitecture.Parameter p : architecture.parameters()) {
            int[] shape = p.shape();
            float[] values = new float[p.size()];
            if (p.name().endsWith(".slope")) {
                java.util.Arrays.fill(values, PRELU_INITIAL_SLOPE);
            } else if (shape.length == 1) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) ((2 * random.nextDouble() - 1) * RANDOM_BIAS_RANGE);
                }
            } else {
                double fanIn = (double) values.length / shape[0];
                double std = StrictMath.sqrt(2.0 / fanIn);
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (std * standardNormal(random));
                }
            }
            tensors.put(p.name(), new Tensor(shape, values));
        }
        return of(architecture, tensors);
    }

    private static double standardNormal(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble(); // (0, 1], keeps log finite
        double u2 = random.nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    /**
     * Folds an inference-mode BatchNorm that follows a convolution into the convolution:
     * {@code w' = w * gamma / sqrt(var + eps)} per output channel and
     * {@code b' = (b - mean) * gamma / sqrt(var + eps) + beta}.
     *
     * @param weight   conv weight, shape {@code [out, ...]}
     * @param bias     conv bias of length {@code out}, or {@code null} for a conv without bias
     * @param gamma    BatchNorm scale, length {@code out}
     * @param beta     BatchNorm shift, length {@code out}
     * @param mean     BatchNorm running mean, length {@code out}
     * @param variance BatchNorm running variance, length {@code out}, each {@code >= 0}
     * @param epsilon  BatchNorm epsilon, {@code > 0} (PyTorch's default is 1e-5)
     * @return the folded weight (same shape) and bias (shape {@code [out]})
     * @throws IllegalArgumentException naming the argument whose length or value is wrong
     */
    public static FoldedConv foldBatchNorm(Tensor weight, float[] bias, float[] gamma, float[] beta, float[] mean,
                                           float[] variance, float epsilon) {
        Objects.requireNonNull(weight, "weight");
        int[] shape = weight.shape;
        if (shape.length == 0) {
            throw new IllegalArgumentException("fold BatchNorm: conv weight must have an output-channel axis,"
                    + " found a scalar");
        }
        int out = shape[0];
        requireLength("conv bias", bias == null ? new float[out] : bias, out);
        requireLength("gamma", gamma, out);
        requireLength("beta", beta, out);
        requireLength("running mean", mean, out);
        requireLength("running variance", variance, out);
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("fold BatchNorm: epsilon " + epsilon + " must be > 0");
        }
        int perChannel = weight.values.length / out;
        float[] w = new float[weight.values.length];
        float[] b = new float[out];
        for (int o = 0; o < out; o++) {
            if (!(variance[o] >= 0)) {
                throw new IllegalArgumentException("fold BatchNorm: running variance " + variance[o]
                        + " of channel " + o + " must be >= 0");
            }
            double scale = gamma[o] / Math.sqrt((double) variance[o] + epsilon);
            for (int i = 0; i < perChannel; i++) {
                w[o * perChannel + i] = (float) (weight.values[o * perChannel + i] * scale);
            }
            double convBias = bias == null ? 0 : bias[o];
            b[o] = (float) ((convBias - mean[o]) * scale + beta[o]);
        }
        return new FoldedConv(new Tensor(shape, w), new Tensor(new int[] {out}, b));
    }

    private static void requireLength(String what, float[] values, int out) {
        Objects.requireNonNull(values, what);
        if (values.length != out) {
            throw new IllegalArgumentException("fold BatchNorm: " + what + " has length " + values.length
                    + ", expected " + out + " (the conv's output channels)");
        }
    }

    /** @return the architecture these weights were checked against */
    public FcnArchitecture architecture() {
        return architecture;
    }

    /** @return parameter names in the architecture's order */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /**
     * @param name parameter name, e.g. {@code "seg.d0.pw.weight"}
     * @return the parameter's tensor (immutable)
     * @throws IllegalArgumentException if the architecture has no such parameter
     */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("weights for " + architecture + ": no parameter named " + name);
        }
        return t;
    }

    /** @return a copy of the named parameter's values, row-major; see {@link #tensor(String)} */
    public float[] values(String name) {
        return tensor(name).values();
    }

    /** @return a copy of the named parameter's shape; see {@link #tensor(String)} */
    public int[] shape(String name) {
        return tensor(name).shape();
    }

    /** @return every tensor by name, in the architecture's order; the map is unmodifiable */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FcnWeights w && architecture.equals(w.architecture) && tensors.equals(w.tensors);
    }

    @Override
    public int hashCode() {
        return 31 * architecture.hashCode() + tensors.hashCode();
    }

    @Override
    public String toString() {
        return "weights for " + architecture + " (" + architecture.parameterCount() + " values)";
    }

    /**
     * A float tensor, row-major. Immutable: shape and values are copied in and out; equality is by content.
     *
     * @param shape  dimensions, outermost first; their product is the number of values
     * @param values the scalars, row-major
     */
    public record Tensor(int[] shape, float[] values) {
        public Tensor {
            shape = shape.clone();
            values = values.clone();
            long size = 1;
            for (int d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape)
                            + " has a negative dimension");
                }
                size *= d;
            }
            if (size != values.length) {
                throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " holds " + size
                        + " values, but " + values.length + " were given");
            }
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public float[] values() {
            return values.clone();
        }

        /** @return the number of values */
        public int size() {
            return values.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Tensor" + Arrays.toString(shape);
        }
    }

    /**
     * A convolution's weight and bias after {@link #foldBatchNorm folding} a BatchNorm into it. Immutable.
     *
     * @param weight folded weight, same shape as the conv's
     * @param bias   folded bias, shape {@code [out]}
     */
    public record FoldedConv(Tensor weight, Tensor bias) {
    }
}
