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
    /** The grid {@link #regionEdge} is laid on; null until a picture is measured. */
    RegionGrid regions;
    /** Per region, its edges' steepness for its contrast (NaN: too little contrast); see {@link #regionEdge(int)}. */
    final float[] regionEdge = new float[RegionGrid.MAX_REGIONS];
    float softShare = Float.NaN;
    float smearEdge = Float.NaN;

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

    /** The grid the picture's regions are read on; null while nothing was measured. */
    public RegionGrid regions() {
        return regions;
    }

    /**
     * How steep region {@code r}'s edges are for its contrast (the 99th percentile of {@code |∂x| + |∂y|} over its
     * 5th-to-95th-percentile brightness range, as at 480×352): about 1 for a sharp edge, 0.1 for one blurred by a
     * Gaussian of 4 pixels; NaN where its contrast is too low to tell ({@link CameraHealth#REGION_CONTRAST}).
     */
    public float regionEdge(int r) {
        return regionEdge[r];
    }

    /**
     * The share of the picture's regions whose edges stayed soft over the last second while the rest of the picture
     * kept its own ({@link io.roadseg.postprocess.LensSmear}; the sky's regions never count); NaN where not read.
     */
    public float softShare() {
        return softShare;
    }

    /**
     * The figure the smear check decides on: over the last second, the steepest edge of the third softest region
     * read (the sky's left out); under {@link io.roadseg.postprocess.LensSmear#SOFT_EDGE} three regions stayed soft:
     * {@link CameraIssue#SMEARED}. NaN where not read.
     */
    public float smearEdge() {
        return smearEdge;
    }

    /** Sets {@link #softShare} and {@link #smearEdge} (the postprocess stage's {@code LensSmear}). */
    public void smear(float share, float edge) {
        softShare = share;
        smearEdge = edge;
    }

    /** Lays the reading on {@code grid} (at most {@link RegionGrid#MAX_REGIONS} regions: no allocation). */
    void regions(RegionGrid grid) {
        regions = grid;
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
        brightness = darkEnd = brightEnd = noise = sharpness = uniformShare = unchangedSeconds = softShare = smearEdge
                = Float.NaN;
    }
}
