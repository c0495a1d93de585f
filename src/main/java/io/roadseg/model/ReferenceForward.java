package io.roadseg.model;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The FCN's forward pass in plain Java: NCHW float arrays, one obvious loop nest per operation, sums accumulated in
 * double. It is the specification that exported models and trained networks are checked against; it is slow on
 * purpose (clarity over speed) and is not meant for the frame pipeline.
 *
 * <p>Immutable; {@link #run} allocates everything it uses, so one instance may be used from several threads at once.
 */
public final class ReferenceForward {

    private final FcnWeights weights;

    /** @param weights the network and its parameters */
    public ReferenceForward(FcnWeights weights) {
        this.weights = Objects.requireNonNull(weights, "weights");
    }

    /**
     * Runs the network on a batch.
     *
     * @param image  normalized input, NCHW, {@code batch * 3 * H * W} floats (H, W from the architecture)
     * @param batch  number of images, {@code >= 1}
     * @return both outputs, freshly allocated and owned by the caller
     * @throws IllegalArgumentException if {@code image} does not hold {@code batch} images of the input size
     */
    public Outputs run(float[] image, int batch) {
        FcnArchitecture arch = weights.architecture();
        int h = arch.inputHeight();
        int w = arch.inputWidth();
        long expected = (long) batch * FcnArchitecture.INPUT_CHANNELS * h * w;
        if (batch < 1 || image.length != expected) {
            throw new IllegalArgumentException("reference forward: image has " + image.length + " floats, expected "
                    + "batch " + batch + " x 3 x " + h + " x " + w + " = " + expected + " (NCHW)");
        }
        Map<String, Activation> activations = new HashMap<>();
        activations.put(FcnArchitecture.INPUT,
                new Activation(batch, FcnArchitecture.INPUT_CHANNELS, h, w, image.clone()));
        for (FcnLayer layer : arch.layers()) {
            activations.put(layer.output(), apply(layer, activations));
        }
        return new Outputs(batch, activations.get(FcnArchitecture.SEG_OUTPUT).data,
                activations.get(FcnArchitecture.DEPTH_OUTPUT).data);
    }

    private Activation apply(FcnLayer layer, Map<String, Activation> activations) {
        Activation x = activations.get(layer.inputs().get(0));
        if (layer instanceof FcnLayer.Conv c) {
            return conv(x, weights.values(c.weightName()), weights.values(c.biasName()), c.outChannels(), c.kernel(),
                    c.stride(), c.padding(), c.dilation(), c.groups());
        } else if (layer instanceof FcnLayer.Relu) {
            return relu(x);
        } else if (layer instanceof FcnLayer.Add a) {
            return add(x, activations.get(a.right()));
        } else if (layer instanceof FcnLayer.Concat c) {
            return concat(x, activations.get(c.second()));
        } else if (layer instanceof FcnLayer.Upsample u) {
            return upsampleBilinear(x, u.factor());
        } else if (layer instanceof FcnLayer.Sigmoid) {
            return sigmoid(x);
        } else if (layer instanceof FcnLayer.Scale s) {
            return scale(x, s.factor());
        } else if (layer instanceof FcnLayer.PRelu p) {
            return prelu(x, weights.values(p.slopeName()));
        } else if (layer instanceof FcnLayer.GlobalAveragePool) {
            return globalAveragePool(x);
        } else if (layer instanceof FcnLayer.ChannelGate g) {
            return channelGate(x, activations.get(g.gate()));
        } else if (layer instanceof FcnLayer.AveragePool a) {
            return averagePool(x, a.factor());
        }
        throw new IllegalStateException("reference forward: no implementation for " + layer);
    }

    // ---- operations -----------------------------------------------------------------------------------------------

    /**
     * Grouped, strided, dilated 2-D convolution with zero padding, PyTorch/ONNX semantics.
     * Weight layout {@code [outChannels, inChannels / groups, k, k]}.
     */
    static Activation conv(Activation x, float[] weight, float[] bias, int outChannels, int k, int stride,
                           int padding, int dilation, int groups) {
        int inPerGroup = x.c / groups;
        int outPerGroup = outChannels / groups;
        int outH = (x.h + 2 * padding - dilation * (k - 1) - 1) / stride + 1;
        int outW = (x.w + 2 * padding - dilation * (k - 1) - 1) / stride + 1;
        Activation y = new Activation(x.n, outChannels, outH, outW);
        for (int n = 0; n < x.n; n++) {
            for (int oc = 0; oc < outChannels; oc++) {
                int group = oc / outPerGroup;
                for (int oy = 0; oy < outH; oy++) {
                    for (int ox = 0; ox < outW; ox++) {
                        double sum = bias[oc];
                        for (int icg = 0; icg < inPerGroup; icg++) {
                            int ic = group * inPerGroup + icg;
                            for (int ky = 0; ky < k; ky++) {
                                int iy = oy * stride - padding + ky * dilation;
                                if (iy < 0 || iy >= x.h) {
                                    continue;
                                }
                                for (int kx = 0; kx < k; kx++) {
                                    int ix = ox * stride - padding + kx * dilation;
                                    if (ix < 0 || ix >= x.w) {
                                        continue;
                                    }
                                    sum += (double) weight[((oc * inPerGroup + icg) * k + ky) * k + kx]
                                            * x.get(n, ic, iy, ix);
                                }
                            }
                        }
                        y.set(n, oc, oy, ox, (float) sum);
                    }
                }
            }
        }
        return y;
    }

    static Activation relu(Activation x) {
        Activation y = new Activation(x.n, x.c, x.h, x.w);
        for (int i = 0; i < x.data.length; i++) {
            y.data[i] = Math.max(x.data[i], 0f);
        }
        return y;
    }

    static Activation add(Activation a, Activation b) {
        Activation y = new Activation(a.n, a.c, a.h, a.w);
        for (int i = 0; i < a.data.length; i++) {
            y.data[i] = a.data[i] + b.data[i];
        }
        return y;
    }

    /** Channel concatenation: {@code first}'s channels, then {@code second}'s. */
    static Activation concat(Activation first, Activation second) {
        Activation y = new Activation(first.n, first.c + second.c, first.h, first.w);
        for (int n = 0; n < first.n; n++) {
            for (int c = 0; c < y.c; c++) {
                for (int iy = 0; iy < y.h; iy++) {
                    for (int ix = 0; ix < y.w; ix++) {
                        float v = c < first.c ? first.get(n, c, iy, ix) : second.get(n, c - first.c, iy, ix);
                        y.set(n, c, iy, ix, v);
                    }
                }
            }
        }
        return y;
    }

    /**
     * Bilinear upsampling by {@code factor}, half-pixel centres: output {@code x} samples source
     * {@code (x + 0.5) / factor - 0.5}, clamped below at 0; the upper neighbour is clamped at {@code size - 1}.
     */
    static Activation upsampleBilinear(Activation x, int factor) {
        Activation y = new Activation(x.n, x.c, x.h * factor, x.w * factor);
        for (int n = 0; n < x.n; n++) {
            for (int c = 0; c < x.c; c++) {
                for (int oy = 0; oy < y.h; oy++) {
                    double sy = Math.max((oy + 0.5) / factor - 0.5, 0.0);
                    int y0 = Math.min((int) sy, x.h - 1);
                    int y1 = Math.min(y0 + 1, x.h - 1);
                    double ly = sy - y0;
                    for (int ox = 0; ox < y.w; ox++) {
                        double sx = Math.max((ox + 0.5) / factor - 0.5, 0.0);
                        int x0 = Math.min((int) sx, x.w - 1);
                        int x1 = Math.min(x0 + 1, x.w - 1);
                        double lx = sx - x0;
                        double top = (1 - lx) * x.get(n, c, y0, x0) + lx * x.get(n, c, y0, x1);
                        double bottom = (1 - lx) * x.get(n, c, y1, x0) + lx * x.get(n, c, y1, x1);
                        y.set(n, c, oy, ox, (float) ((1 - ly) * top + ly * bottom));
                    }
                }
            }
        }
        return y;
    }

    static Activation sigmoid(Activation x) {
        Activation y = new Activation(x.n, x.c, x.h, x.w);
        for (int i = 0; i < x.data.length; i++) {
            y.data[i] = (float) (1.0 / (1.0 + Math.exp(-x.data[i])));
        }
        return y;
    }

    static Activation scale(Activation x, float factor) {
        Activation y = new Activation(x.n, x.c, x.h, x.w);
        for (int i = 0; i < x.data.length; i++) {
            y.data[i] = x.data[i] * factor;
        }
        return y;
    }

    /** Per-channel PReLU: {@code x >= 0 ? x : slope[c] * x}. */
    static Activation prelu(Activation x, float[] slope) {
        Activation y = new Activation(x.n, x.c, x.h, x.w);
        int plane = x.h * x.w;
        for (int i = 0; i < x.data.length; i++) {
            float v = x.data[i];
            y.data[i] = v >= 0 ? v : slope[(i / plane) % x.c] * v;
        }
        return y;
    }

    /** Mean over each channel's plane, {@code [N,C,H,W] → [N,C,1,1]}. */
    static Activation globalAveragePool(Activation x) {
        Activation y = new Activation(x.n, x.c, 1, 1);
        int plane = x.h * x.w;
        for (int nc = 0; nc < x.n * x.c; nc++) {
            double sum = 0;
            for (int i = 0; i < plane; i++) {
                sum += x.data[nc * plane + i];
            }
            y.data[nc] = (float) (sum / plane);
        }
        return y;
    }

    /** {@code x [N,C,H,W] * gate [N,C,1,1]}. */
    static Activation channelGate(Activation x, Activation gate) {
        Activation y = new Activation(x.n, x.c, x.h, x.w);
        int plane = x.h * x.w;
        for (int i = 0; i < x.data.length; i++) {
            y.data[i] = x.data[i] * gate.data[i / plane];
        }
        return y;
    }

    /** Average over non-overlapping {@code factor x factor} windows. */
    static Activation averagePool(Activation x, int factor) {
        Activation y = new Activation(x.n, x.c, x.h / factor, x.w / factor);
        for (int n = 0; n < x.n; n++) {
            for (int c = 0; c < x.c; c++) {
                for (int oy = 0; oy < y.h; oy++) {
                    for (int ox = 0; ox < y.w; ox++) {
                        double sum = 0;
                        for (int ky = 0; ky < factor; ky++) {
                            for (int kx = 0; kx < factor; kx++) {
                                sum += x.get(n, c, oy * factor + ky, ox * factor + kx);
                            }
                        }
                        y.set(n, c, oy, ox, (float) (sum / (factor * factor)));
                    }
                }
            }
        }
        return y;
    }

    /** An NCHW float activation; package-private working type of the reference forward and its tests. */
    static final class Activation {
        final int n;
        final int c;
        final int h;
        final int w;
        final float[] data;

        Activation(int n, int c, int h, int w) {
            this(n, c, h, w, new float[n * c * h * w]);
        }

        Activation(int n, int c, int h, int w, float[] data) {
            if (data.length != n * c * h * w) {
                throw new IllegalArgumentException("activation [" + n + "," + c + "," + h + "," + w + "] needs "
                        + n * c * h * w + " floats, got " + data.length);
            }
            this.n = n;
            this.c = c;
            this.h = h;
            this.w = w;
            this.data = data;
        }

        float get(int in, int ic, int iy, int ix) {
            return data[((in * c + ic) * h + iy) * w + ix];
        }

        void set(int in, int ic, int iy, int ix, float v) {
            data[((in * c + ic) * h + iy) * w + ix] = v;
        }
    }

    /**
     * Both outputs of one batch, NCHW. The arrays belong to the caller.
     *
     * @param batch     number of images N
     * @param segLogits {@code [N, classes, H, W]} raw logits
     * @param depth     {@code [N, 1, H, W]} metres
     */
    public record Outputs(int batch, float[] segLogits, float[] depth) {
        @Override
        public String toString() {
            return "Outputs[batch " + batch + ", seg_logits " + segLogits.length + " floats, depth " + depth.length
                    + " floats]";
        }
    }
}
