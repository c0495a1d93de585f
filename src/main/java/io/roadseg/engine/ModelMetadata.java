package io.roadseg.engine;

import io.roadseg.model.ModelContract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads {@link ModelInfo} from a model file's metadata properties (the {@link ModelContract} keys the project's
 * exporter writes) and its tensor shapes. Every error names the file and the key.
 *
 * <p>Threading: stateless.
 */
public final class ModelMetadata {
    public static final String FORMAT = ModelContract.FORMAT;
    public static final String CLASSES = ModelContract.CLASSES;
    public static final String COLORS = ModelContract.COLORS;
    public static final String VOID_ID = ModelContract.VOID_ID;
    public static final String INPUT = ModelContract.INPUT;
    public static final String PIXEL_ORDER = ModelContract.PIXEL_ORDER;
    public static final String MEAN = ModelContract.MEAN;
    public static final String STD = ModelContract.STD;
    public static final String DEPTH_UNITS = ModelContract.DEPTH_UNITS;
    public static final String MAX_DEPTH = ModelContract.MAX_DEPTH;
    public static final String FOCAL_PX = ModelContract.FOCAL_PX;
    public static final String WEIGHTS = ModelContract.WEIGHTS;
    public static final String INPUT_STRIDE = ModelContract.INPUT_STRIDE;
    public static final String CONFIDENCE_TEMPERATURE = ModelContract.CONFIDENCE_TEMPERATURE;
    public static final String AUTO_CONTRAST = ModelContract.AUTO_CONTRAST;

    private ModelMetadata() {
    }

    /**
     * @param classesFromShape number of classes the segmentation output's shape says (-1 when the model outputs ids)
     */
    public static ModelInfo read(Path file, Map<String, String> meta, int width, int height, int classesFromShape,
                                 SegmentationOutput segmentation) throws InferenceException {
        requireRoadsegModel(file, meta);
        String format = meta.get(FORMAT);
        if (!"1".equals(format)) {
            throw new InferenceException("model " + file + ": metadata " + FORMAT + "=" + format
                    + " is not supported (this build reads format 1)");
        }
        List<String> names = List.of(require(file, meta, CLASSES).split(","));
        if (classesFromShape >= 0 && classesFromShape != names.size()) {
            throw new InferenceException("model " + file + ": segmentation output has " + classesFromShape
                    + " channels but metadata " + CLASSES + " names " + names.size() + " classes");
        }
        String[] colorText = require(file, meta, COLORS).split(",");
        if (colorText.length != names.size()) {
            throw new InferenceException("model " + file + ": metadata " + COLORS + " has " + colorText.length
                    + " colours for " + names.size() + " classes");
        }
        int[] colors = new int[colorText.length];
        for (int i = 0; i < colors.length; i++) {
            String c = colorText[i].trim();
            if (!c.matches("#[0-9a-fA-F]{6}")) {
                throw new InferenceException("model " + file + ": metadata " + COLORS + " entry '" + c
                        + "' is not #rrggbb");
            }
            colors[i] = Integer.parseInt(c.substring(1), 16);
        }
        String input = meta.get(INPUT);
        if (input != null && !input.equals(width + "x" + height) && !meta.containsKey(INPUT_STRIDE)) {
            throw new InferenceException("model " + file + ": metadata " + INPUT + "=" + input
                    + " disagrees with the input tensor " + width + "x" + height);
        }
        String order = meta.getOrDefault(PIXEL_ORDER, "RGB");
        if (!order.equals("RGB") && !order.equals("BGR")) {
            throw new InferenceException("model " + file + ": metadata " + PIXEL_ORDER + "=" + order
                    + " must be RGB or BGR");
        }
        String units = meta.getOrDefault(DEPTH_UNITS, "m");
        if (!units.equals("m")) {
            throw new InferenceException("model " + file + ": metadata " + DEPTH_UNITS + "=" + units
                    + " is not supported (depth must be in metres, 'm')");
        }
        float[] mean = floats(file, MEAN, meta.getOrDefault(MEAN, "0,0,0"), 3);
        float[] std = floats(file, STD, meta.getOrDefault(STD, "1,1,1"), 3);
        for (float s : std) {
            if (!(s > 0)) {
                throw new InferenceException("model " + file + ": metadata " + STD + " must be positive, got " + s);
            }
        }
        float maxDepth = floats(file, MAX_DEPTH, meta.getOrDefault(MAX_DEPTH, "80"), 1)[0];
        double focal = meta.containsKey(FOCAL_PX) ? floats(file, FOCAL_PX, meta.get(FOCAL_PX), 1)[0] : Double.NaN;
        float temperature = floats(file, CONFIDENCE_TEMPERATURE, meta.getOrDefault(CONFIDENCE_TEMPERATURE, "1"),
                1)[0];
        if (!(temperature > 0) || Float.isInfinite(temperature)) {
            throw new InferenceException("model " + file + ": metadata " + CONFIDENCE_TEMPERATURE
                    + " must be a positive number, got " + meta.get(CONFIDENCE_TEMPERATURE));
        }
        if (meta.containsKey(AUTO_CONTRAST)) {
            float[] ac = floats(file, AUTO_CONTRAST, meta.get(AUTO_CONTRAST), 2);
            if (!(ac[0] > 0 && ac[0] < 0.2f) || !(ac[1] >= 1 && ac[1] <= 16)) {
                throw new InferenceException("model " + file + ": metadata " + AUTO_CONTRAST + "=" + meta.get(
                        AUTO_CONTRAST) + " must be P,G with P in (0, 0.2) and G in [1, 16]");
            }
        }
        int voidId = (int) floats(file, VOID_ID, meta.getOrDefault(VOID_ID, String.valueOf(names.size())), 1)[0];
        return new ModelInfo(file, width, height, names, colors, voidId, mean, std, order.equals("RGB"),
                segmentation, maxDepth, focal, meta.getOrDefault(WEIGHTS, "unknown weights"), Map.copyOf(meta));
    }

    /**
     * The size a model runs at: a model with a fixed input ({@code fixedWidth > 0}) runs at that size only; a fully
     * convolutional one (symbolic H and W) at {@code requested}, else at the {@link InputSize#forSource size fitted}
     * to the {@code source} frames with the pixel count of {@code budget} (null: of its metadata's {@link #INPUT}
     * size), else at {@code budget} fitted to its own aspect (a pixel count need not be a multiple of the stride),
     * else at its metadata's size.
     *
     * @throws InferenceException naming the file and the value: a requested size that is not a multiple of the
     *                            model's {@link #INPUT_STRIDE}, a fixed model asked for another size, a dynamic
     *                            model without a usable size
     */
    public static InputSize inputSize(Path file, Map<String, String> meta, int fixedWidth, int fixedHeight,
                                      InputSize requested, InputSize source, InputSize budget)
            throws InferenceException {
        if (fixedWidth > 0 && fixedHeight > 0) {
            if (requested != null && (requested.width() != fixedWidth || requested.height() != fixedHeight)) {
                throw new InferenceException("model " + file + ": its input is fixed at " + fixedWidth + "x"
                        + fixedHeight + "; it cannot run at " + requested + " (export it with symbolic H and W)");
            }
            return new InputSize(fixedWidth, fixedHeight);
        }
        int stride = (int) floats(file, INPUT_STRIDE, meta.getOrDefault(INPUT_STRIDE, "1"), 1)[0];
        if (stride < 1) {
            throw new InferenceException("model " + file + ": metadata " + INPUT_STRIDE + " must be >= 1");
        }
        InputSize size = requested != null ? requested : budget;
        if (size == null) {
            String text = meta.get(INPUT);
            if (text == null) {
                throw new InferenceException("model " + file + ": input has symbolic H and W and the metadata gives"
                        + " no '" + INPUT + "' size; give one (--input-size WxH)");
            }
            try {
                size = InputSize.parse(text, 1);
            } catch (IllegalArgumentException e) {
                throw new InferenceException("model " + file + ": metadata " + INPUT + "=" + text
                        + " is not WIDTHxHEIGHT");
            }
        }
        if (requested == null && source != null) {
            size = InputSize.forSource(source.width(), source.height(), size, stride);
        } else if (requested == null && budget != null) {
            // a pixel count, not a size: its own aspect in multiples of the stride
            size = InputSize.forSource(budget.width(), budget.height(), budget, stride);
        }
        if (size.width() > InputSize.MAX_SIDE || size.height() > InputSize.MAX_SIDE
                || (long) size.width() * size.height() > InputSize.MAX_PIXELS) {
            // the ring's per-slot buffers at such a size outgrow the JVM's memory (a small one is the caller's to
            // refuse: tests run networks of a few cells)
            throw new InferenceException("model " + file + ": input size " + size + " is larger than roadseg runs ("
                    + InputSize.MAX_SIDE + " a side, " + InputSize.MAX_PIXELS + " pixels; give --input-size)");
        }
        if (size.width() % stride != 0 || size.height() % stride != 0) {
            throw new InferenceException("model " + file + ": input size " + size + " is not a multiple of the "
                    + "network's stride " + stride + " (try " + (size.width() / stride * stride) + "x"
                    + (size.height() / stride * stride) + ")");
        }
        return size;
    }

    /** @throws InferenceException naming the file when its metadata does not make it a roadseg model */
    public static void requireRoadsegModel(Path file, Map<String, String> meta) throws InferenceException {
        if (meta.get(FORMAT) == null) {
            throw new InferenceException("model " + file + ": not a roadseg model (no '" + FORMAT
                    + "' metadata; export it with 'roadseg export-model')");
        }
    }

    private static String require(Path file, Map<String, String> meta, String key) throws InferenceException {
        String v = meta.get(key);
        if (v == null || v.isBlank()) {
            throw new InferenceException("model " + file + ": metadata '" + key + "' is missing");
        }
        return v;
    }

    private static float[] floats(Path file, String key, String text, int count) throws InferenceException {
        String[] parts = text.split(",");
        if (parts.length != count) {
            throw new InferenceException("model " + file + ": metadata " + key + "=" + text + " must have " + count
                    + " number" + (count == 1 ? "" : "s"));
        }
        float[] out = new float[count];
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            try {
                out[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                bad.add(parts[i]);
            }
        }
        if (!bad.isEmpty()) {
            throw new InferenceException("model " + file + ": metadata " + key + "=" + text + " is not numeric");
        }
        return out;
    }
}
