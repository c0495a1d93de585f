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

    private ModelMetadata() {
    }

    /**
     * @param classesFromShape number of classes the segmentation output's shape says (-1 when the model outputs ids)
     */
    public static ModelInfo read(Path file, Map<String, String> meta, int width, int height, int classesFromShape,
                                 SegmentationOutput segmentation) throws InferenceException {
        String format = meta.get(FORMAT);
        if (format == null) {
            throw new InferenceException("model " + file + ": not a roadseg model (no '" + FORMAT
                    + "' metadata; export it with 'roadseg export-model')");
        }
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
        if (input != null && !input.equals(width + "x" + height)) {
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
        int voidId = (int) floats(file, VOID_ID, meta.getOrDefault(VOID_ID, String.valueOf(names.size())), 1)[0];
        return new ModelInfo(file, width, height, names, colors, voidId, mean, std, order.equals("RGB"),
                segmentation, maxDepth, focal, meta.getOrDefault(WEIGHTS, "unknown weights"), Map.copyOf(meta));
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
