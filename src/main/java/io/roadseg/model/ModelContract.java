package io.roadseg.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a roadseg ONNX model says about itself: the {@code metadata_props} keys the runtime reads, their formats, and
 * the CamVid classes used by default. A model carrying these needs no side file.
 *
 * <table>
 *   <caption>Metadata keys</caption>
 *   <tr><th>key</th><th>format</th><th>example</th></tr>
 *   <tr><td>{@value #FORMAT}</td><td>contract version</td><td>{@code 1}</td></tr>
 *   <tr><td>{@value #ARCHITECTURE}</td><td>network name</td><td>{@code fcn-md-v1}</td></tr>
 *   <tr><td>{@value #CLASSES}</td><td>comma-separated class names, index = class id</td><td>{@code sky,building,…}</td></tr>
 *   <tr><td>{@value #COLORS}</td><td>comma-separated {@code #rrggbb}, one per class</td><td>{@code #808080,…}</td></tr>
 *   <tr><td>{@value #VOID_ID}</td><td>label id of "no class" in ground truth (= number of classes)</td><td>{@code 11}</td></tr>
 *   <tr><td>{@value #INPUT}</td><td>{@code WxH} in pixels</td><td>{@code 480x352}</td></tr>
 *   <tr><td>{@value #PIXEL_ORDER}</td><td>channel order of the input</td><td>{@code RGB}</td></tr>
 *   <tr><td>{@value #MEAN}, {@value #STD}</td><td>per channel; input = (pixel / 255 - mean) / std</td>
 *       <td>{@code 0.485,0.456,0.406}</td></tr>
 *   <tr><td>{@value #DEPTH_UNITS}</td><td>unit of the depth output</td><td>{@code m}</td></tr>
 *   <tr><td>{@value #MAX_DEPTH}</td><td>depth at sigmoid saturation</td><td>{@code 80}</td></tr>
 *   <tr><td>{@value #FOCAL_PX}</td><td>training focal length in pixels at the input size</td><td>{@code 380}</td></tr>
 *   <tr><td>{@value #INPUT_STRIDE}</td><td>any input height and width that are multiples of this run</td><td>{@code 16}</td></tr>
 *   <tr><td>{@value #WEIGHTS}</td><td>free text: where the weights came from</td><td>{@code random seed 1}</td></tr>
 *   <tr><td>{@value #TRAINING_DATA}, {@value #HELD_OUT}</td><td>free text: data trained on; data held out and its score</td><td></td></tr>
 * </table>
 *
 * <p>Constants and pure functions only; safe to use from any thread.
 */
public final class ModelContract {

    /** Key: contract version, {@value #FORMAT_VERSION}. */
    public static final String FORMAT = "roadseg.format";
    /** Key: network name, e.g. {@value FcnArchitecture#NAME}. */
    public static final String ARCHITECTURE = "roadseg.architecture";
    /** Key: comma-separated class names; position = class id. */
    public static final String CLASSES = "roadseg.classes";
    /** Key: comma-separated {@code #rrggbb} colors, one per class. */
    public static final String COLORS = "roadseg.colors";
    /** Key: id of the void ("no class") label in ground truth. */
    public static final String VOID_ID = "roadseg.void_id";
    /** Key: input size {@code WxH}. */
    public static final String INPUT = "roadseg.input";
    /** Key: channel order of the input, {@value #PIXEL_ORDER_RGB}. */
    public static final String PIXEL_ORDER = "roadseg.pixel_order";
    /** Key: per-channel mean of the normalization, comma-separated. */
    public static final String MEAN = "roadseg.mean";
    /** Key: per-channel standard deviation of the normalization, comma-separated. */
    public static final String STD = "roadseg.std";
    /** Key: unit of the depth output, {@value #DEPTH_UNITS_METRES}. */
    public static final String DEPTH_UNITS = "roadseg.depth_units";
    /** Key: maximum depth in depth units. */
    public static final String MAX_DEPTH = "roadseg.max_depth";
    /** Key: focal length in pixels at the input size that the depth decoder was trained at. */
    public static final String FOCAL_PX = "roadseg.focal_px";
    /** Key: free-text provenance of the weights. */
    public static final String WEIGHTS = "roadseg.weights";
    /** Key: free text, what the weights were trained on (data sets, splits, sequences left out). */
    public static final String TRAINING_DATA = "roadseg.training_data";
    /** Key: free text, the data held out for choosing settings and its score. */
    public static final String HELD_OUT = "roadseg.held_out";
    /**
     * Key: the network is fully convolutional and takes any input height and width that are multiples of this
     * stride (the ONNX input has symbolic H and W); {@link #INPUT} is then the size it was trained and measured at.
     */
    public static final String INPUT_STRIDE = "roadseg.input_stride";
    /**
     * Key: the segmentation loss's class weights, comma-separated in class order (what a logit adjustment undoes);
     * optional.
     */
    public static final String CLASS_WEIGHTS = "roadseg.class_weights";
    /** Key: free text, the logit adjustment baked into the segmentation head's bias, if any (optional). */
    public static final String LOGIT_ADJUSTMENT = "roadseg.logit_adjustment";

    /**
     * Key: the softmax temperature that makes the segmentation's confidence (the probability of the predicted class)
     * a calibrated probability, fitted on a sequence the network never saw ({@code roadseg eval --camvid …
     * --fit-temperature}); optional, 1 (the logits as they are) when absent.
     */
    public static final String CONFIDENCE_TEMPERATURE = "roadseg.confidence_temperature";

    /**
     * Key: per-frame contrast normalisation before the network, {@code P,G}: the frame's bytes are stretched so that
     * their {@code P} and {@code 1 − P} quantiles span 0–255, with a gain of at most {@code G} (never a gain under 1);
     * optional, none when absent ({@code io.roadseg.preprocess.Preprocessor}; {@code export-model --auto-contrast}).
     */
    public static final String AUTO_CONTRAST = "roadseg.auto_contrast";

    /**
     * Key: the {@link FcnArchitecture}'s channel widths at 1/2, 1/4, 1/8 and 1/16 resolution, e.g. {@code 16,32,96,192};
     * optional, models without it have the defaults. The runtime does not need it (it runs the ONNX graph); the
     * tools that read the weights back do ({@link #architecture}).
     */
    public static final String CHANNELS = "roadseg.channels";

    /** The contract version this class writes. */
    public static final String FORMAT_VERSION = "1";
    /** The only pixel order written so far. */
    public static final String PIXEL_ORDER_RGB = "RGB";
    /** Depth in metres. */
    public static final String DEPTH_UNITS_METRES = "m";
    /** ImageNet mean, as written under {@link #MEAN}. */
    public static final String IMAGENET_MEAN = "0.485,0.456,0.406";
    /** ImageNet standard deviation, as written under {@link #STD}. */
    public static final String IMAGENET_STD = "0.229,0.224,0.225";
    /** Focal length in pixels at the default input size, until training fixes its own. */
    public static final double DEFAULT_FOCAL_PX = 380.0;

    /** CamVid's 11 classes in id order, with their conventional colors. */
    public static final List<SceneClass> CAMVID_CLASSES = List.of(
            new SceneClass("sky", 0x808080),
            new SceneClass("building", 0x800000),
            new SceneClass("pole", 0xc0c080),
            new SceneClass("road", 0x804080),
            new SceneClass("pavement", 0x3c28de),
            new SceneClass("tree", 0x808000),
            new SceneClass("sign", 0xc08080),
            new SceneClass("fence", 0x404080),
            new SceneClass("car", 0x400080),
            new SceneClass("pedestrian", 0x404000),
            new SceneClass("bicyclist", 0x0080c0));

    private ModelContract() {
    }

    /** @return a new array {0.485, 0.456, 0.406}, the ImageNet mean of {@link #IMAGENET_MEAN} */
    public static float[] imagenetMean() {
        return new float[] {0.485f, 0.456f, 0.406f};
    }

    /** @return a new array {0.229, 0.224, 0.225}, the ImageNet standard deviation of {@link #IMAGENET_STD} */
    public static float[] imagenetStd() {
        return new float[] {0.229f, 0.224f, 0.225f};
    }

    /**
     * Metadata for a model with the CamVid classes and the {@linkplain #DEFAULT_FOCAL_PX default focal length}.
     *
     * @param architecture        the network; must have 11 classes
     * @param weightsDescription  provenance written under {@link #WEIGHTS}, e.g. {@code "random seed 1"}
     * @return a new, mutable map in key order; the caller may add keys
     * @throws IllegalArgumentException if the architecture does not have 11 classes
     */
    public static Map<String, String> defaultMetadata(FcnArchitecture architecture, String weightsDescription) {
        return metadata(architecture, CAMVID_CLASSES, DEFAULT_FOCAL_PX, weightsDescription);
    }

    /**
     * @param architecture       the network
     * @param classes            one entry per output class, in id order
     * @param focalPx            training focal length in pixels at the input size, {@code > 0}
     * @param weightsDescription provenance written under {@link #WEIGHTS}
     * @return a new, mutable map in key order; the caller may add keys
     * @throws IllegalArgumentException if the class count differs from the architecture's or the focal length is
     *                                  not positive
     */
    public static Map<String, String> metadata(FcnArchitecture architecture, List<SceneClass> classes,
                                               double focalPx, String weightsDescription) {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(weightsDescription, "weightsDescription");
        if (classes.size() != architecture.classes()) {
            throw new IllegalArgumentException("metadata for " + architecture + ": " + classes.size()
                    + " class names given, the architecture has " + architecture.classes() + " classes");
        }
        if (!(focalPx > 0) || Double.isInfinite(focalPx)) {
            throw new IllegalArgumentException("metadata: focal length " + focalPx + " px must be finite and > 0");
        }
        List<String> names = new ArrayList<>();
        List<String> colors = new ArrayList<>();
        for (SceneClass c : classes) {
            names.add(c.name());
            colors.add(c.hexColor());
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FORMAT, FORMAT_VERSION);
        m.put(ARCHITECTURE, FcnArchitecture.NAME);
        m.put(CLASSES, String.join(",", names));
        m.put(COLORS, String.join(",", colors));
        m.put(VOID_ID, Integer.toString(classes.size()));
        m.put(INPUT, architecture.inputWidth() + "x" + architecture.inputHeight());
        m.put(INPUT_STRIDE, Integer.toString(FcnArchitecture.STRIDE));
        m.put(PIXEL_ORDER, PIXEL_ORDER_RGB);
        m.put(MEAN, IMAGENET_MEAN);
        m.put(STD, IMAGENET_STD);
        m.put(DEPTH_UNITS, DEPTH_UNITS_METRES);
        m.put(MAX_DEPTH, number(architecture.maxDepth()));
        m.put(FOCAL_PX, number(focalPx));
        m.put(CHANNELS, architecture.channelsText());
        m.put(WEIGHTS, weightsDescription);
        return m;
    }

    /**
     * The architecture a roadseg model's weights have: the defaults with the channel widths of {@link #CHANNELS},
     * where the metadata records them.
     *
     * @throws IllegalArgumentException if {@link #CHANNELS} is malformed
     */
    public static FcnArchitecture architecture(Map<String, String> metadata) {
        return FcnArchitecture.withChannelsOrDefaults(metadata.get(CHANNELS));
    }

    /**
     * Reads the classes back from a model's metadata.
     *
     * @param metadata a model's custom metadata
     * @return the classes in id order
     * @throws IllegalArgumentException if {@link #CLASSES} or {@link #COLORS} is missing, their counts differ, or a
     *                                  color is not {@code #rrggbb}
     */
    public static List<SceneClass> sceneClasses(Map<String, String> metadata) {
        String names = metadata.get(CLASSES);
        String colors = metadata.get(COLORS);
        if (names == null || colors == null) {
            throw new IllegalArgumentException("model metadata lacks " + (names == null ? CLASSES : COLORS)
                    + "; it was not written by the roadseg exporter (keys present: " + metadata.keySet() + ")");
        }
        String[] n = names.split(",", -1);
        String[] c = colors.split(",", -1);
        if (n.length != c.length) {
            throw new IllegalArgumentException("model metadata: " + CLASSES + " has " + n.length + " entries but "
                    + COLORS + " has " + c.length);
        }
        List<SceneClass> classes = new ArrayList<>(n.length);
        for (int i = 0; i < n.length; i++) {
            classes.add(new SceneClass(n[i].trim(), SceneClass.parseHexColor(c[i].trim())));
        }
        return List.copyOf(classes);
    }

    /** Integral values without a fraction ({@code 80}), others in the shortest round-tripping form. */
    private static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return value == (float) value ? Float.toString((float) value) : Double.toString(value);
    }

    /**
     * One segmentation class: its name and display color. Immutable.
     *
     * @param name non-empty, without commas (the metadata is comma-separated)
     * @param rgb  color as {@code 0xRRGGBB}
     */
    public record SceneClass(String name, int rgb) {
        public SceneClass {
            Objects.requireNonNull(name, "name");
            if (name.isBlank() || name.contains(",")) {
                throw new IllegalArgumentException("class name '" + name + "' must be non-blank and contain no comma");
            }
            if ((rgb & ~0xFFFFFF) != 0) {
                throw new IllegalArgumentException("class " + name + ": color 0x" + Integer.toHexString(rgb)
                        + " must be 0xRRGGBB (24 bits)");
            }
        }

        /** @return the color as {@code #rrggbb}, lower case */
        public String hexColor() {
            return String.format(Locale.ROOT, "#%06x", rgb);
        }

        /**
         * @param text {@code #rrggbb} (either case)
         * @return {@code 0xRRGGBB}
         * @throws IllegalArgumentException if {@code text} is not {@code #} followed by six hex digits
         */
        public static int parseHexColor(String text) {
            if (text.length() != 7 || text.charAt(0) != '#') {
                throw new IllegalArgumentException("color '" + text + "' must be #rrggbb");
            }
            int rgb = 0;
            for (int i = 1; i < 7; i++) {
                int digit = Character.digit(text.charAt(i), 16);
                if (digit < 0) {
                    throw new IllegalArgumentException("color '" + text + "' must be #rrggbb (hex digits)");
                }
                rgb = rgb << 4 | digit;
            }
            return rgb;
        }
    }
}
