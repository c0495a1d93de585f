package io.roadseg.preprocess;

/**
 * One frame's picture as {@link CameraHealth} measured it: the figures and the {@link CameraIssue}s they amount to.
 * A mutable holder, one per ring slot, written by the preprocess stage and read by the sinks: valid, like the slot's
 * buffers, until the sink that received it returns.
 */
public final class CameraReading {
    int issues;
    float brightness = Float.NaN;
    float darkEnd = Float.NaN;
    float brightEnd = Float.NaN;
    float noise = Float.NaN;
    float sharpness = Float.NaN;
    float uniformShare = Float.NaN;
    float unchangedSeconds = Float.NaN;

    /** The issues found, a mask of {@link CameraIssue#bit()}s; 0 for a picture with none (or not measured). */
    public int issues() {
        return issues;
    }

    /** Mean brightness (luma, 0–255). */
    public float brightness() {
        return brightness;
    }

    /** The 2nd percentile of brightness: the picture's dark end. */
    public float darkEnd() {
        return darkEnd;
    }

    /** The 98th percentile of brightness: the picture's bright end. */
    public float brightEnd() {
        return brightEnd;
    }

    /** The contrast: {@link #brightEnd} − {@link #darkEnd}. */
    public float contrast() {
        return brightEnd - darkEnd;
    }

    /** The sensor noise's standard deviation in brightness levels at the model's input size (robust to edges). */
    public float noise() {
        return noise;
    }

    /**
     * The mean brightness gradient per 100 levels of {@link #contrast} over the picture's most textured quarter of
     * 16×16 tiles: low for a soft picture, not for one with few edges.
     */
    public float sharpness() {
        return sharpness;
    }

    /** Share of the picture's 16×16 tiles with no texture for its contrast, the sky's left out. */
    public float uniformShare() {
        return uniformShare;
    }

    /** Seconds (source time) the picture has been exactly as it is now. */
    public float unchangedSeconds() {
        return unchangedSeconds;
    }

    /** Whether the picture was measured. */
    public boolean measured() {
        return !Float.isNaN(brightness);
    }

    /** Adds an issue found after the picture's own check (the postprocess stage's {@code Orientation}). */
    public void add(CameraIssue issue) {
        issues |= issue.bit();
    }

    /** Forgets the figures (a frame not measured). */
    public void clear() {
        issues = 0;
        brightness = darkEnd = brightEnd = noise = sharpness = uniformShare = unchangedSeconds = Float.NaN;
    }
}
