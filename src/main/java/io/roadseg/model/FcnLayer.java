package io.roadseg.model;

import java.util.List;
import java.util.Objects;

/**
 * One operation of the FCN's layer graph, as listed by {@link FcnArchitecture#layers()}: it reads named activations
 * (NCHW, batch first) and writes one named activation. The same list drives the {@link ReferenceForward Java forward},
 * the {@link OnnxModelWriter ONNX export} and, later, the trainer, so the network is written down only once.
 *
 * <p>Layers are immutable values and safe to share between threads.
 */
public sealed interface FcnLayer {

    /** @return the names of the activations this layer reads, in operand order */
    List<String> inputs();

    /** @return the name of the activation this layer writes; also the ONNX node's name */
    String output();

    /**
     * 2-D convolution with bias, square kernel, symmetric zero padding. Its parameters are {@code name + ".weight"}
     * shaped {@code [outChannels, inChannels / groups, kernel, kernel]} and {@code name + ".bias"} shaped
     * {@code [outChannels]}.
     *
     * @param name        parameter prefix, e.g. {@code "enc.e1.dw"}; also the output activation's name
     * @param input       activation read
     * @param inChannels  channels of {@code input}
     * @param outChannels channels written
     * @param kernel      kernel height and width
     * @param stride      stride in both directions
     * @param padding     zero padding on every side
     * @param dilation    dilation in both directions
     * @param groups      channel groups: 1 for a dense conv, {@code inChannels} for a depthwise one
     * @param batchNorm   whether a BatchNorm follows in training ({@code name.bn.*}, with running statistics); the
     *                    exported weights have it folded into {@code weight} and {@code bias}, so inference and the
     *                    ONNX graph see a plain convolution
     */
    record Conv(String name, String input, int inChannels, int outChannels, int kernel, int stride, int padding,
                int dilation, int groups, boolean batchNorm) implements FcnLayer {

        /** A convolution without BatchNorm. */
        public Conv(String name, String input, int inChannels, int outChannels, int kernel, int stride, int padding,
                    int dilation, int groups) {
            this(name, input, inChannels, outChannels, kernel, stride, padding, dilation, groups, false);
        }

        public Conv {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
            if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || padding < 0 || dilation < 1
                    || groups < 1) {
                throw new IllegalArgumentException("conv " + name + ": channels, kernel, stride, dilation and groups"
                        + " must be >= 1 and padding >= 0");
            }
            if (inChannels % groups != 0 || outChannels % groups != 0) {
                throw new IllegalArgumentException("conv " + name + ": groups " + groups
                        + " must divide in channels " + inChannels + " and out channels " + outChannels);
            }
        }

        /** @return the weight parameter's name, {@code name + ".weight"} */
        public String weightName() {
            return name + ".weight";
        }

        /** @return the bias parameter's name, {@code name + ".bias"} */
        public String biasName() {
            return name + ".bias";
        }

        /** @return the weight shape {@code [outChannels, inChannels / groups, kernel, kernel]} */
        public int[] weightShape() {
            return new int[] {outChannels, inChannels / groups, kernel, kernel};
        }

        /** @return output size along one axis for an input of {@code size} along it */
        public int outputSize(int size) {
            return (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
        }

        @Override
        public List<String> inputs() {
            return List.of(input);
        }

        @Override
        public String output() {
            return name;
        }
    }

    /** Rectified linear unit, {@code max(x, 0)} element-wise. */
    record Relu(String input, String output) implements FcnLayer {
        @Override
        public List<String> inputs() {
            return List.of(input);
        }
    }

    /** Element-wise sum of two activations of the same shape (the residual connection). */
    record Add(String left, String right, String output) implements FcnLayer {
        @Override
        public List<String> inputs() {
            return List.of(left, right);
        }
    }

    /** Concatenation on the channel axis, {@code first}'s channels then {@code second}'s. */
    record Concat(String first, String second, String output) implements FcnLayer {
        @Override
        public List<String> inputs() {
            return List.of(first, second);
        }
    }

    /**
     * Bilinear upsampling by an integer factor: ONNX {@code Resize} mode {@code linear} with
     * {@code coordinate_transformation_mode = half_pixel}, which equals PyTorch
     * {@code interpolate(mode="bilinear", align_corners=False)}. Output pixel {@code x} samples source coordinate
     * {@code (x + 0.5) / factor - 0.5}, clamped to {@code [0, size - 1]}.
     */
    record Upsample(String input, String output, int factor) implements FcnLayer {
        public Upsample {
            if (factor < 1) {
                throw new IllegalArgumentException("upsample " + output + ": factor " + factor + " must be >= 1");
            }
        }

        @Override
        public List<String> inputs() {
            return List.of(input);
        }
    }

    /**
     * Parametric ReLU with one learned slope per channel: {@code x} where {@code x >= 0}, else {@code slope[c] * x}.
     * Its parameter is {@code name + ".slope"} shaped {@code [channels, 1, 1]} (ONNX {@code PRelu} broadcasting).
     *
     * @param name     parameter prefix and output activation
     * @param input    activation read
     * @param channels channels of {@code input}
     */
    record PRelu(String name, String input, int channels) implements FcnLayer {
        /** The suffix of every slope parameter's name. */
        public static final String SLOPE_SUFFIX = ".slope";

        public PRelu {
            Objects.requireNonNull(name, "name");
            if (channels < 1) {
                throw new IllegalArgumentException("prelu " + name + ": channels " + channels + " must be >= 1");
            }
        }

        /** @return the slope parameter's name, {@code name + ".slope"} */
        public String slopeName() {
            return name + SLOPE_SUFFIX;
        }

        @Override
        public List<String> inputs() {
            return List.of(input);
        }

        @Override
        public String output() {
            return name;
        }
    }

    /** Mean over height and width per channel: {@code [N,C,H,W] → [N,C,1,1]} (ONNX {@code GlobalAveragePool}). */
    record GlobalAveragePool(String input, String output) implements FcnLayer {
        @Override
        public List<String> inputs() {
            return List.of(input);
        }
    }

    /**
     * Element-wise product with per-channel broadcasting: {@code left [N,C,H,W] * gate [N,C,1,1]} — the squeeze-style
     * context gate.
     */
    record ChannelGate(String left, String gate, String output) implements FcnLayer {
        @Override
        public List<String> inputs() {
            return List.of(left, gate);
        }
    }

    /**
     * Average pooling with kernel and stride {@code factor}, no padding (sizes are multiples of the factor): the
     * input image brought down to a coarser level to be injected again there.
     */
    record AveragePool(String input, String output, int factor) implements FcnLayer {
        public AveragePool {
            if (factor < 1) {
                throw new IllegalArgumentException("average pool " + output + ": factor " + factor + " must be >= 1");
            }
        }

        @Override
        public List<String> inputs() {
            return List.of(input);
        }
    }

    /** Logistic sigmoid, {@code 1 / (1 + exp(-x))} element-wise. */
    record Sigmoid(String input, String output) implements FcnLayer {
        @Override
        public List<String> inputs() {
            return List.of(input);
        }
    }

    /** Multiplication by a constant; in ONNX a {@code Mul} with a scalar initializer named {@code output + ".factor"}. */
    record Scale(String input, String output, float factor) implements FcnLayer {
        /** @return the name of the scalar initializer holding {@link #factor()} in the ONNX graph */
        public String factorName() {
            return output + ".factor";
        }

        @Override
        public List<String> inputs() {
            return List.of(input);
        }
    }
}
