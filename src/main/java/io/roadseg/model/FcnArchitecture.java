package io.roadseg.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The multi-decoder FCN {@code fcn-md-v2}: its hyper-parameters, its layer graph and its named parameters.
 * See the {@linkplain io.roadseg.model package documentation} for the diagram.
 *
 * <p>Every convolution but the heads and the gate's is followed by BatchNorm in training (folded into the
 * convolution for export) and, where an activation follows, a PReLU.
 * <ul>
 *   <li>{@code CB(C, d)}, the context block (after CGNet and DABNet): 1x1 C→C/2; two depthwise 3x3 branches on the
 *       halves — local (dilation 1) and surrounding context (dilation d) — summed; 1x1 C/2→C; a squeeze-style global
 *       context gate (global average pool → 1x1 C→C/4 → ReLU → 1x1 C/4→C → sigmoid, multiplied per channel);
 *       residual {@code x + …} and PReLU.</li>
 *   <li>{@code down(a→b)}: depthwise 3x3 stride 2, then (optionally) the input image average-pooled to this level
 *       concatenated, then 1x1 to b.</li>
 *   <li>Encoder: stem = 3x3/2 conv 3→c1 (1/2); down(c1→c2) + image (1/4), {@value #BLOCKS_4} x CB(c2, 2) = skip4;
 *       down(c2→c3) + image (1/8), CB(c3, 2, 4, 2, 4) = skip8; down(c3→c4) (1/16), CB(c4, 2, 4, 8, 2, 4, 8).</li>
 *   <li>Two decoders, {@code seg.} and {@code depth.}, same structure, separate weights: 1x1 c4→c3/2 at 1/16; up
 *       x2, concat skip8, 1x1 → c3/2, separable block; up x2, concat skip4, 1x1 → 3·c2/4, separable block;
 *       head = 1x1 → K; up x4 to the input size.</li>
 *   <li>Outputs: {@value #SEG_OUTPUT} [N,classes,H,W] raw logits; {@value #DEPTH_OUTPUT} [N,1,H,W] =
 *       maxDepth * sigmoid(depth head), metres.</li>
 * </ul>
 *
 * <p>The graph has no fixed size: any H and W that are multiples of {@value #STRIDE} run (the exported ONNX file
 * has symbolic height and width); {@link #inputHeight()} and {@link #inputWidth()} are the size it is trained and
 * benchmarked at.
 *
 * <p>Immutable and safe to share between threads; the {@code with…} methods return new instances.
 */
public final class FcnArchitecture {

    /** Name of the network, as written into the model's metadata. */
    public static final String NAME = "fcn-md-v2";
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

    /** Momentum of the BatchNorms that follow convolutions in training (PyTorch's convention: weight of the new batch). */
    public static final double BN_MOMENTUM = 0.1;
    /** Epsilon of those BatchNorms; {@link FcnWeights#foldBatchNorm} folds them with it for export. */
    public static final float BN_EPSILON = 1e-5f;

    /** Context blocks at 1/4 resolution. */
    static final int BLOCKS_4 = 2;
    /** Dilations of the context blocks at 1/8 resolution. */
    private static final int[] DILATIONS_8 = {2, 4, 2, 4};
    /** The widest a stage may be: over five times the shipped network's widest (past it, a typo, not a design). */
    public static final int MAX_CHANNELS = 1024;

    /** Dilations of the context blocks at 1/16 resolution. */
    private static final int[] DILATIONS_16 = {2, 4, 8, 2, 4, 8};

    private static final FcnArchitecture DEFAULTS = new FcnArchitecture(352, 480, 11, 16, 32, 96, 192, 80f);

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
            if (widths[i] < 1 || widths[i] > MAX_CHANNELS) {
                throw new IllegalArgumentException("channel width c" + (i + 1) + " " + widths[i] + " must be 1 to "
                        + MAX_CHANNELS);
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
     * @return the defaults: input 352x480 (height x width), 11 classes, channel widths 16/32/96/192, max depth 80 m
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

    /** @return the channel widths as written in metadata and on the command line, e.g. {@code "16,32,96,192"} */
    public String channelsText() {
        return c1 + "," + c2 + "," + c3 + "," + c4;
    }

    /**
     * @param text four positive channel widths, comma-separated ({@link #channelsText()}'s form)
     * @return a copy with those widths
     * @throws IllegalArgumentException naming the text and the rule
     */
    public FcnArchitecture withChannels(String text) {
        String[] parts = text.split(",");
        if (parts.length != 4) {
            throw new IllegalArgumentException("channels '" + text + "': expected four widths C1,C2,C3,C4 (at 1/2,"
                    + " 1/4, 1/8 and 1/16 resolution), e.g. 16,32,96,192");
        }
        int[] c = new int[4];
        try {
            for (int i = 0; i < 4; i++) {
                c[i] = Integer.parseInt(parts[i].strip());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("channels '" + text + "': widths must be whole numbers");
        }
        return withChannels(c[0], c[1], c[2], c[3]);
    }

    /**
     * @param channelsText channel widths as {@link #channelsText()} writes them (a model's metadata, a run's
     *                     checkpoint), or null where they are not recorded
     * @return the defaults with those widths, or the defaults
     * @throws IllegalArgumentException if the text is malformed
     */
    public static FcnArchitecture withChannelsOrDefaults(String channelsText) {
        return channelsText == null ? DEFAULTS : DEFAULTS.withChannels(channelsText);
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
            } else if (layer instanceof FcnLayer.AveragePool pool) {
                out = new int[] {in[0], in[1] / pool.factor(), in[2] / pool.factor()};
            } else if (layer instanceof FcnLayer.GlobalAveragePool) {
                out = new int[] {in[0], 1, 1};
            } else if (layer instanceof FcnLayer.ChannelGate gate) {
                int[] g = shapes.get(gate.gate());
                if (g[0] != in[0] || g[1] != 1 || g[2] != 1) {
                    throw new IllegalStateException("gate " + gate.output() + ": " + Arrays.toString(g)
                            + " is not [" + in[0] + ",1,1]");
                }
                out = in.clone();
            } else if (layer instanceof FcnLayer.PRelu p && p.channels() != in[0]) {
                throw new IllegalStateException("prelu " + p.name() + " expects " + p.channels() + " channels, input "
                        + p.input() + " has " + in[0]);
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
        String x = convBnAct(g, "enc.stem", INPUT, INPUT_CHANNELS, c1, 3, 2, 1, 1);
        x = down(g, "enc.down4", x, c1, c2, 4);
        for (int i = 0; i < BLOCKS_4; i++) {
            x = contextBlock(g, "enc.s4.b" + i, x, c2, 2);
        }
        String skip4 = x;
        x = down(g, "enc.down8", x, c2, c3, 8);
        for (int i = 0; i < DILATIONS_8.length; i++) {
            x = contextBlock(g, "enc.s8.b" + i, x, c3, DILATIONS_8[i]);
        }
        String skip8 = x;
        x = down(g, "enc.down16", x, c3, c4, 0);
        for (int i = 0; i < DILATIONS_16.length; i++) {
            x = contextBlock(g, "enc.s16.b" + i, x, c4, DILATIONS_16[i]);
        }
        String encoded = x;

        String segHead = decoder(g, "seg", encoded, skip8, skip4, classes);
        g.add(new FcnLayer.Upsample(segHead, SEG_OUTPUT, 4));

        String depthHead = decoder(g, "depth", encoded, skip8, skip4, 1);
        g.add(new FcnLayer.Upsample(depthHead, "depth.up", 4));
        g.add(new FcnLayer.Sigmoid("depth.up", "depth.sigmoid"));
        g.add(new FcnLayer.Scale("depth.sigmoid", DEPTH_OUTPUT, maxDepth));
        return g;
    }

    /** Decoder widths at 1/8 and 1/4 resolution. */
    private int decoderWidth8() {
        return Math.max(1, c3 / 2);
    }

    private int decoderWidth4() {
        return Math.max(1, c2 * 3 / 4);
    }

    /** Appends one decoder; returns the head's output (at 1/4 resolution). */
    private String decoder(List<FcnLayer> g, String prefix, String encoded, String skip8, String skip4, int outputs) {
        int w8 = decoderWidth8();
        int w4 = decoderWidth4();
        String x = convBnAct(g, prefix + ".proj", encoded, c4, w8, 1, 1, 1, 1);
        x = fuse(g, prefix + ".d8", x, skip8, w8 + c3, w8);
        x = separable(g, prefix + ".d8.ds", x, w8);
        x = fuse(g, prefix + ".d4", x, skip4, w8 + c2, w4);
        x = separable(g, prefix + ".d4.ds", x, w4);
        g.add(new FcnLayer.Conv(prefix + ".head", x, w4, outputs, 1, 1, 0, 1, 1));
        return prefix + ".head";
    }

    /** Upsample x2, concat the skip, conv1x1 + BN + PReLU; parameters {@code prefix.fuse.*}. */
    private static String fuse(List<FcnLayer> g, String prefix, String x, String skip, int in, int out) {
        g.add(new FcnLayer.Upsample(x, prefix + ".up", 2));
        g.add(new FcnLayer.Concat(prefix + ".up", skip, prefix + ".cat"));
        return convBnAct(g, prefix + ".fuse", prefix + ".cat", in, out, 1, 1, 1, 1);
    }

    /** Residual depthwise-separable block: dw3x3 + BN + PReLU, pw + BN, x + …; returns the sum. */
    private static String separable(List<FcnLayer> g, String prefix, String x, int c) {
        String y = convBnAct(g, prefix + ".dw", x, c, c, 3, 1, 1, c);
        g.add(new FcnLayer.Conv(prefix + ".pw", y, c, c, 1, 1, 0, 1, 1, true));
        g.add(new FcnLayer.Add(x, prefix + ".pw", prefix));
        return prefix;
    }

    /**
     * Downsampling: depthwise 3x3 stride 2 + BN + PReLU; the input image pooled by {@code imageFactor} concatenated
     * (0 = none); 1x1 to {@code out} + BN + PReLU.
     */
    private static String down(List<FcnLayer> g, String prefix, String x, int in, int out, int imageFactor) {
        String y = convBnAct(g, prefix + ".dw", x, in, in, 3, 2, 1, in);
        int channels = in;
        if (imageFactor > 0) {
            String pooled = prefix + ".image";
            g.add(new FcnLayer.AveragePool(INPUT, pooled, imageFactor));
            g.add(new FcnLayer.Concat(y, pooled, prefix + ".cat"));
            y = prefix + ".cat";
            channels += INPUT_CHANNELS;
        }
        return convBnAct(g, prefix + ".pw", y, channels, out, 1, 1, 1, 1);
    }

    /** The context block {@code CB(c, dilation)}; returns its output. */
    private static String contextBlock(List<FcnLayer> g, String prefix, String x, int c, int dilation) {
        int half = Math.max(1, c / 2);
        String reduced = convBnAct(g, prefix + ".reduce", x, c, half, 1, 1, 1, 1);
        String local = convBnAct(g, prefix + ".local", reduced, half, half, 3, 1, 1, half);
        String context = convBnAct(g, prefix + ".context", reduced, half, half, 3, 1, dilation, half);
        g.add(new FcnLayer.Add(local, context, prefix + ".joint"));
        g.add(new FcnLayer.Conv(prefix + ".expand", prefix + ".joint", half, c, 1, 1, 0, 1, 1, true));
        int squeezed = Math.max(1, c / 4);
        g.add(new FcnLayer.GlobalAveragePool(prefix + ".expand", prefix + ".gate.pool"));
        g.add(new FcnLayer.Conv(prefix + ".gate.fc1", prefix + ".gate.pool", c, squeezed, 1, 1, 0, 1, 1));
        g.add(new FcnLayer.Relu(prefix + ".gate.fc1", prefix + ".gate.relu"));
        g.add(new FcnLayer.Conv(prefix + ".gate.fc2", prefix + ".gate.relu", squeezed, c, 1, 1, 0, 1, 1));
        g.add(new FcnLayer.Sigmoid(prefix + ".gate.fc2", prefix + ".gate"));
        g.add(new FcnLayer.ChannelGate(prefix + ".expand", prefix + ".gate", prefix + ".gated"));
        g.add(new FcnLayer.Add(x, prefix + ".gated", prefix + ".sum"));
        g.add(new FcnLayer.PRelu(prefix, prefix + ".sum", c));
        return prefix;
    }

    /** Conv (stride, padding = dilation for 3x3, groups) + BN + PReLU; returns the activation's name. */
    private static String convBnAct(List<FcnLayer> g, String name, String x, int in, int out, int kernel, int stride,
                                    int dilation, int groups) {
        int padding = kernel == 1 ? 0 : dilation;
        g.add(new FcnLayer.Conv(name, x, in, out, kernel, stride, padding, dilation, groups, true));
        g.add(new FcnLayer.PRelu(name + ".act", name, out));
        return name + ".act";
    }

    private static List<Parameter> listParameters(List<FcnLayer> layers) {
        List<Parameter> params = new ArrayList<>();
        for (FcnLayer layer : layers) {
            if (layer instanceof FcnLayer.Conv conv) {
                params.add(new Parameter(conv.weightName(), conv.weightShape()));
                params.add(new Parameter(conv.biasName(), new int[] {conv.outChannels()}));
            } else if (layer instanceof FcnLayer.PRelu p) {
                params.add(new Parameter(p.slopeName(), new int[] {p.channels(), 1, 1}));
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
