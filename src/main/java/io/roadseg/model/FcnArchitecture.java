package io.roadseg.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The multi-decoder FCN {@code fcn-md-v1}: its hyper-parameters, its layer graph and its named parameters.
 * See the {@linkplain io.roadseg.model package documentation} for the diagram.
 *
 * <ul>
 *   <li>{@code DS(a→b, s, d)}: depthwise 3x3 conv (groups a, stride s, dilation d, padding d) + ReLU, then pointwise
 *       1x1 conv a→b + ReLU; residual ({@code x + DS(x)}) when a == b and s == 1.</li>
 *   <li>Encoder: e0 = conv3x3/2 3→c1 + ReLU; e1 = DS(c1→c2,/2) = skip4; e2 = DS(c2→c2); e3 = DS(c2→c3,/2) = skip8;
 *       e4 = DS(c3→c3); e5 = DS(c3→c4,/2); e6 = DS(c4→c4, dilation 2); e7 = DS(c4→c4, dilation 4).</li>
 *   <li>Two decoders, {@code seg.} and {@code depth.}, same structure, separate weights: d0 = up x2, concat skip8,
 *       conv1x1 (c4+c3)→c3 + ReLU, DS(c3→c3); d1 = up x2, concat skip4, conv1x1 (c3+c2)→c2 + ReLU, DS(c2→c2);
 *       head = conv1x1 c2→K; up x4 to the input size.</li>
 *   <li>Outputs: {@value #SEG_OUTPUT} [N,classes,H,W] raw logits; {@value #DEPTH_OUTPUT} [N,1,H,W] =
 *       maxDepth * sigmoid(depth head), metres.</li>
 * </ul>
 *
 * <p>Immutable and safe to share between threads; the {@code with…} methods return new instances.
 */
public final class FcnArchitecture {

    /** Name of the network, as written into the model's metadata. */
    public static final String NAME = "fcn-md-v1";
    /** Name of the graph input, float [N,3,H,W]. */
    public static final String INPUT = "image";
    /** Name of the segmentation output, float [N,classes,H,W], raw logits. */
    public static final String SEG_OUTPUT = "seg_logits";
    /** Name of the depth output, float [N,1,H,W], metres. */
    public static final String DEPTH_OUTPUT = "depth";
    /** Total downsampling of the encoder; input height and width must be multiples of it. */
    public static final int STRIDE = 16;
    /** Channels of the input image (RGB). */
    public static final int INPUT_CHANNELS = 3;

    private static final FcnArchitecture DEFAULTS = new FcnArchitecture(352, 480, 11, 16, 32, 64, 128, 80f);

    private final int inputHeight;
    private final int inputWidth;
    private final int classes;
    private final int c1;
    private final int c2;
    private final int c3;
    private final int c4;
    private final float maxDepth;
    private final List<FcnLayer> layers;
    private final List<Parameter> parameters;

    private FcnArchitecture(int inputHeight, int inputWidth, int classes, int c1, int c2, int c3, int c4,
                            float maxDepth) {
        requireMultipleOfStride("input height", inputHeight);
        requireMultipleOfStride("input width", inputWidth);
        if (classes < 1) {
            throw new IllegalArgumentException("classes " + classes + " must be >= 1");
        }
        int[] widths = {c1, c2, c3, c4};
        for (int i = 0; i < widths.length; i++) {
            if (widths[i] < 1) {
                throw new IllegalArgumentException("channel width c" + (i + 1) + " " + widths[i] + " must be >= 1");
            }
        }
        if (!(maxDepth > 0) || Float.isInfinite(maxDepth)) {
            throw new IllegalArgumentException("max depth " + maxDepth + " must be a finite number > 0 (metres)");
        }
        this.inputHeight = inputHeight;
        this.inputWidth = inputWidth;
        this.classes = classes;
        this.c1 = c1;
        this.c2 = c2;
        this.c3 = c3;
        this.c4 = c4;
        this.maxDepth = maxDepth;
        this.layers = Collections.unmodifiableList(buildLayers());
        this.parameters = Collections.unmodifiableList(listParameters(layers));
    }

    private static void requireMultipleOfStride(String what, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException(what + " " + size + " must be positive and a multiple of " + STRIDE);
        }
        if (size % STRIDE != 0) {
            throw new IllegalArgumentException(what + " " + size + " must be a multiple of " + STRIDE);
        }
    }

    /**
     * @return the defaults: input 352x480 (height x width), 11 classes, channel widths 16/32/64/128, max depth 80 m
     */
    public static FcnArchitecture defaults() {
        return DEFAULTS;
    }

    /**
     * @param inputHeight input height H in pixels, a positive multiple of 16
     * @param inputWidth  input width W in pixels, a positive multiple of 16
     * @param classes     segmentation classes K (void excluded), >= 1
     * @param c1          channel width at 1/2 resolution
     * @param c2          channel width at 1/4 resolution
     * @param c3          channel width at 1/8 resolution
     * @param c4          channel width at 1/16 resolution
     * @param maxDepth    depth that a saturated sigmoid maps to, metres, > 0
     * @return the architecture
     * @throws IllegalArgumentException stating the violated rule
     */
    public static FcnArchitecture of(int inputHeight, int inputWidth, int classes, int c1, int c2, int c3, int c4,
                                     float maxDepth) {
        return new FcnArchitecture(inputHeight, inputWidth, classes, c1, c2, c3, c4, maxDepth);
    }

    /**
     * @param height input height H, a positive multiple of 16 (height first, as in NCHW)
     * @param width  input width W, a positive multiple of 16
     * @return a copy with this input size
     */
    public FcnArchitecture withInputSize(int height, int width) {
        return new FcnArchitecture(height, width, classes, c1, c2, c3, c4, maxDepth);
    }

    /**
     * @param classes segmentation classes, {@code >= 1}
     * @return a copy with that many classes
     */
    public FcnArchitecture withClasses(int classes) {
        return new FcnArchitecture(inputHeight, inputWidth, classes, c1, c2, c3, c4, maxDepth);
    }

    /**
     * @param c1 channel width at 1/2 resolution
     * @param c2 channel width at 1/4 resolution
     * @param c3 channel width at 1/8 resolution
     * @param c4 channel width at 1/16 resolution
     * @return a copy with these widths
     */
    public FcnArchitecture withChannels(int c1, int c2, int c3, int c4) {
        return new FcnArchitecture(inputHeight, inputWidth, classes, c1, c2, c3, c4, maxDepth);
    }

    /**
     * @param maxDepth metres, finite and {@code > 0}
     * @return a copy with this maximum depth
     */
    public FcnArchitecture withMaxDepth(float maxDepth) {
        return new FcnArchitecture(inputHeight, inputWidth, classes, c1, c2, c3, c4, maxDepth);
    }

    /** @return input height H in pixels, a multiple of 16 */
    public int inputHeight() {
        return inputHeight;
    }

    /** @return input width W in pixels, a multiple of 16 */
    public int inputWidth() {
        return inputWidth;
    }

    /** @return segmentation classes K, the channels of {@link #SEG_OUTPUT} */
    public int classes() {
        return classes;
    }

    /** @return channel widths {c1, c2, c3, c4} at 1/2, 1/4, 1/8, 1/16 resolution */
    public int[] channels() {
        return new int[] {c1, c2, c3, c4};
    }

    /** @return metres that the depth output approaches as the sigmoid saturates */
    public float maxDepth() {
        return maxDepth;
    }

    /**
     * @return every operation in execution order (each reads only {@link #INPUT} or earlier outputs); the last ones
     *     write {@link #SEG_OUTPUT} and {@link #DEPTH_OUTPUT}
     */
    public List<FcnLayer> layers() {
        return layers;
    }

    /** @return every learned parameter with its shape, in layer order (weight before bias) */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** @return the number of learned scalars */
    public long parameterCount() {
        long count = 0;
        for (Parameter p : parameters) {
            count += p.size();
        }
        return count;
    }

    /**
     * Multiply-accumulates of all convolutions for one image at the input size (bias adds, activations, additions
     * and resizes are not counted). FLOPs, as usually quoted on model cards, are twice this.
     *
     * @return multiply-accumulates per image
     */
    public long multiplyAccumulates() {
        Map<String, int[]> shapes = activationShapes();
        long macs = 0;
        for (FcnLayer layer : layers) {
            if (layer instanceof FcnLayer.Conv conv) {
                int[] out = shapes.get(conv.output());
                long perOutput = (long) (conv.inChannels() / conv.groups()) * conv.kernel() * conv.kernel();
                macs += perOutput * out[0] * out[1] * out[2];
            }
        }
        return macs;
    }

    /**
     * @return a new map: the shape {@code [channels, height, width]} of every activation (batch left out), keyed
     *     by name, including {@link #INPUT}
     * @throws IllegalStateException if the layer graph is inconsistent (a bug in this class)
     */
    public Map<String, int[]> activationShapes() {
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(INPUT, new int[] {INPUT_CHANNELS, inputHeight, inputWidth});
        for (FcnLayer layer : layers) {
            int[] in = shapes.get(layer.inputs().get(0));
            if (in == null) {
                throw new IllegalStateException("layer " + layer.output() + " reads unknown activation "
                        + layer.inputs().get(0));
            }
            int[] out;
            if (layer instanceof FcnLayer.Conv conv) {
                if (in[0] != conv.inChannels()) {
                    throw new IllegalStateException("conv " + conv.name() + " expects " + conv.inChannels()
                            + " channels, input " + conv.input() + " has " + in[0]);
                }
                out = new int[] {conv.outChannels(), conv.outputSize(in[1]), conv.outputSize(in[2])};
            } else if (layer instanceof FcnLayer.Concat concat) {
                int[] second = shapes.get(concat.second());
                if (second[1] != in[1] || second[2] != in[2]) {
                    throw new IllegalStateException("concat " + concat.output() + ": " + Arrays.toString(in)
                            + " and " + Arrays.toString(second) + " differ in size");
                }
                out = new int[] {in[0] + second[0], in[1], in[2]};
            } else if (layer instanceof FcnLayer.Add add) {
                int[] right = shapes.get(add.right());
                if (!Arrays.equals(in, right)) {
                    throw new IllegalStateException("add " + add.output() + ": " + Arrays.toString(in) + " and "
                            + Arrays.toString(right) + " differ");
                }
                out = in.clone();
            } else if (layer instanceof FcnLayer.Upsample up) {
                out = new int[] {in[0], in[1] * up.factor(), in[2] * up.factor()};
            } else {
                out = in.clone();
            }
            shapes.put(layer.output(), out);
        }
        return shapes;
    }

    // ---- the graph ------------------------------------------------------------------------------------------------

    private List<FcnLayer> buildLayers() {
        List<FcnLayer> g = new ArrayList<>();
        g.add(new FcnLayer.Conv("enc.e0.conv", INPUT, INPUT_CHANNELS, c1, 3, 2, 1, 1, 1));
        g.add(new FcnLayer.Relu("enc.e0.conv", "enc.e0"));
        String skip4 = separable(g, "enc.e1", "enc.e0", c1, c2, 2, 1);
        String x = separable(g, "enc.e2", skip4, c2, c2, 1, 1);
        String skip8 = separable(g, "enc.e3", x, c2, c3, 2, 1);
        x = separable(g, "enc.e4", skip8, c3, c3, 1, 1);
        x = separable(g, "enc.e5", x, c3, c4, 2, 1);
        x = separable(g, "enc.e6", x, c4, c4, 1, 2);
        String encoded = separable(g, "enc.e7", x, c4, c4, 1, 4);

        String segHead = decoder(g, "seg", encoded, skip8, skip4, classes);
        g.add(new FcnLayer.Upsample(segHead, SEG_OUTPUT, 4));

        String depthHead = decoder(g, "depth", encoded, skip8, skip4, 1);
        g.add(new FcnLayer.Upsample(depthHead, "depth.up", 4));
        g.add(new FcnLayer.Sigmoid("depth.up", "depth.sigmoid"));
        g.add(new FcnLayer.Scale("depth.sigmoid", DEPTH_OUTPUT, maxDepth));
        return g;
    }

    /** Appends d0, d1 and the head of one decoder; returns the head's output (at 1/4 resolution). */
    private String decoder(List<FcnLayer> g, String prefix, String encoded, String skip8, String skip4, int outputs) {
        String x = fuse(g, prefix + ".d0", encoded, skip8, c4 + c3, c3);
        x = separable(g, prefix + ".d0", x, c3, c3, 1, 1);
        x = fuse(g, prefix + ".d1", x, skip4, c3 + c2, c2);
        x = separable(g, prefix + ".d1", x, c2, c2, 1, 1);
        g.add(new FcnLayer.Conv(prefix + ".head", x, c2, outputs, 1, 1, 0, 1, 1));
        return prefix + ".head";
    }

    /** Upsample x2, concat the skip, conv1x1 + ReLU; parameters {@code prefix.fuse.*}. */
    private static String fuse(List<FcnLayer> g, String prefix, String x, String skip, int in, int out) {
        g.add(new FcnLayer.Upsample(x, prefix + ".up", 2));
        g.add(new FcnLayer.Concat(prefix + ".up", skip, prefix + ".cat"));
        g.add(new FcnLayer.Conv(prefix + ".fuse", prefix + ".cat", in, out, 1, 1, 0, 1, 1));
        g.add(new FcnLayer.Relu(prefix + ".fuse", prefix + ".fused"));
        return prefix + ".fused";
    }

    /** DS block; parameters {@code prefix.dw.*} and {@code prefix.pw.*}; returns the block's output name. */
    private static String separable(List<FcnLayer> g, String prefix, String x, int in, int out, int stride,
                                    int dilation) {
        g.add(new FcnLayer.Conv(prefix + ".dw", x, in, in, 3, stride, dilation, dilation, in));
        g.add(new FcnLayer.Relu(prefix + ".dw", prefix + ".dw.relu"));
        g.add(new FcnLayer.Conv(prefix + ".pw", prefix + ".dw.relu", in, out, 1, 1, 0, 1, 1));
        if (in == out && stride == 1) {
            g.add(new FcnLayer.Relu(prefix + ".pw", prefix + ".pw.relu"));
            g.add(new FcnLayer.Add(x, prefix + ".pw.relu", prefix));
        } else {
            g.add(new FcnLayer.Relu(prefix + ".pw", prefix));
        }
        return prefix;
    }

    private static List<Parameter> listParameters(List<FcnLayer> layers) {
        List<Parameter> params = new ArrayList<>();
        for (FcnLayer layer : layers) {
            if (layer instanceof FcnLayer.Conv conv) {
                params.add(new Parameter(conv.weightName(), conv.weightShape()));
                params.add(new Parameter(conv.biasName(), new int[] {conv.outChannels()}));
            }
        }
        return params;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FcnArchitecture a && inputHeight == a.inputHeight && inputWidth == a.inputWidth
                && classes == a.classes && c1 == a.c1 && c2 == a.c2 && c3 == a.c3 && c4 == a.c4
                && Float.compare(maxDepth, a.maxDepth) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputHeight, inputWidth, classes, c1, c2, c3, c4, maxDepth);
    }

    @Override
    public String toString() {
        return NAME + "[input " + inputWidth + "x" + inputHeight + ", classes " + classes + ", channels " + c1 + "/"
                + c2 + "/" + c3 + "/" + c4 + ", max depth " + maxDepth + " m]";
    }

    /**
     * A learned parameter: its name (e.g. {@code "enc.e1.dw.weight"}) and shape (a conv weight is
     * {@code [out, in / groups, k, k]}, a bias {@code [out]}). Immutable; the shape is copied in and out.
     *
     * @param name  parameter name
     * @param shape dimensions, outermost first
     */
    public record Parameter(String name, int[] shape) {
        public Parameter {
            Objects.requireNonNull(name, "name");
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** @return the number of scalars, the product of the dimensions */
        public int size() {
            int size = 1;
            for (int d : shape) {
                size = Math.multiplyExact(size, d);
            }
            return size;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Parameter p && name.equals(p.name) && Arrays.equals(shape, p.shape);
        }

        @Override
        public int hashCode() {
            return 31 * name.hashCode() + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }
}
