package io.roadseg.engine;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the runtime knows of a model: its tensor contract and the metadata it carries (the model is
 * self-describing; no side file). Immutable; safe to share between threads.
 *
 * @param file          the model file it was read from
 * @param inputWidth    input tensor width W of {@code [N,3,H,W]}
 * @param inputHeight   input tensor height H
 * @param classNames    class names, index = class id
 * @param classColors   one packed {@code 0xRRGGBB} colour per class
 * @param voidId        the label id that means "unlabelled" (not a model output class)
 * @param mean          per-channel mean, in the model's pixel order, applied to pixel/255
 * @param std           per-channel standard deviation
 * @param rgb           true when the model expects RGB channel order (false: BGR)
 * @param segmentation  whether segmentation comes as logits or class ids
 * @param maxDepth      the largest depth the model can output, metres
 * @param focalPx       focal length in pixels (at the input size) of the camera the model was trained for; NaN unknown
 * @param description   free text describing the weights (e.g. how they were trained)
 * @param metadata      all metadata properties of the file, as read
 */
public record ModelInfo(Path file, int inputWidth, int inputHeight, List<String> classNames, int[] classColors,
                        int voidId, float[] mean, float[] std, boolean rgb, SegmentationOutput segmentation,
                        float maxDepth, double focalPx, String description, Map<String, String> metadata) {

    public int classCount() {
        return classNames.size();
    }

    /** @return the ids of the named classes this model has, in the order given (absent names are left out) */
    public int[] classIds(String... names) {
        int[] found = new int[names.length];
        int n = 0;
        for (String name : names) {
            int i = classNames.indexOf(name);
            if (i >= 0) {
                found[n++] = i;
            }
        }
        return java.util.Arrays.copyOf(found, n);
    }

    /**
     * @return the softmax temperature that calibrates this model's confidence (its metadata's
     * {@code roadseg.confidence_temperature}, checked positive when the model was read), 1 where it has none
     */
    public float confidenceTemperature() {
        String t = metadata.get(io.roadseg.model.ModelContract.CONFIDENCE_TEMPERATURE);
        return t == null ? 1f : Float.parseFloat(t.trim());
    }

    /**
     * @return the per-frame contrast normalisation this model is run with, {@code {P, G}} (its metadata's
     * {@code roadseg.auto_contrast}, checked when the model was read), or null where it has none
     */
    public float[] autoContrast() {
        String t = metadata.get(io.roadseg.model.ModelContract.AUTO_CONTRAST);
        if (t == null) {
            return null;
        }
        String[] parts = t.split(",");
        return new float[] {Float.parseFloat(parts[0].trim()), Float.parseFloat(parts[1].trim())};
    }

    public int inputPixels() {
        return inputWidth * inputHeight;
    }

    /**
     * The focal-length rule: the factor this model's depth is multiplied by for a camera of focal length {@code fx}
     * pixels across {@code cameraWidth} pixels, seen at this input width — its focal length there over
     * {@link #focalPx} (a monocular network's metric depth holds for the focal length it was trained at).
     *
     * @return the factor; NaN when the model does not say its focal length or {@code fx} is NaN
     */
    public double depthScaleFor(double fx, int cameraWidth) {
        return fx * inputWidth / cameraWidth / focalPx;
    }

    @Override
    public String toString() {
        return file.getFileName() + " (" + inputWidth + "x" + inputHeight + ", " + classCount() + " classes, "
                + segmentation.name().toLowerCase() + ", depth ≤ " + maxDepth + " m, mean "
                + Arrays.toString(mean) + ", " + shortDescription() + ")";
    }

    /** Longest description shown whole in {@link #toString} (a banner line); {@code roadseg info} prints all of it. */
    static final int SHORT_DESCRIPTION = 160;

    /**
     * The description as a one-line banner shows it: whole up to {@value #SHORT_DESCRIPTION} characters, else cut at
     * a word with a pointer to the whole text (a weight average names every run it averages).
     */
    public String shortDescription() {
        if (description.length() <= SHORT_DESCRIPTION) {
            return description;
        }
        int cut = description.lastIndexOf(' ', SHORT_DESCRIPTION);
        return description.substring(0, cut > 0 ? cut : SHORT_DESCRIPTION) + " … (roadseg info "
                + file + " prints it whole)";
    }
}
