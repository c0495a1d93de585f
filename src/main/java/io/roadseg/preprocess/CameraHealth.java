package io.roadseg.preprocess;

import io.roadseg.postprocess.FloatSelect;
import io.roadseg.source.SourceInfo;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads from the picture alone whether the camera can be trusted: too dark, washed out, noisy, blurred, blocked or
 * frozen ({@link CameraIssue}). The network's own confidence falls for most of these, but not for all (heavy sensor
 * noise is read with confidence), and it cannot say <em>why</em>; a vehicle stack wants the reason.
 *
 * <p>Measured on the frame at the model's input size (what the network sees), as brightness (luma, 0–255):
 * <ul>
 *   <li>its 2nd and 98th percentiles ({@link CameraReading#darkEnd}, {@link CameraReading#brightEnd}) and mean;</li>
 *   <li>the noise: the median absolute response to Immerkær's 3×3 Laplacian difference mask (blind to flat
 *       gradients, and through the median to edges), as a standard deviation;</li>
 *   <li>the sharpness: the mean of {@code |∂x| + |∂y|} per 100 levels of contrast over the picture's most textured
 *       quarter of 16×16 tiles, as at {@link #REFERENCE_PIXELS} pixels ({@link #SHARPEST_TILES}: a blur softens
 *       every edge, while a picture with few edges — open sky and smooth road, a narrow view — keeps sharp
 *       ones);</li>
 *   <li>the uniform share: 16×16 tiles whose mean gradient (as at that size) is under {@link #UNIFORM_GRADIENT} per
 *       100 levels of contrast (a constant patch over the lens), leaving out the sky's ({@link #SKY_BRIGHTNESS});</li>
 *   <li>how long (source time) the picture has been unchanged: identical to the one before where frames are coded on
 *       their own, within a key frame's requantisation of the one that began the stretch in an inter-frame codec;</li>
 *   <li>per region of a {@link RegionGrid} (about 48), how steep its edges are for its contrast
 *       ({@link CameraReading#regionEdge}), from which the postprocess stage's
 *       {@link io.roadseg.postprocess.LensSmear} reads a smear over part of the lens with the sky's classes.</li>
 * </ul>
 * The thresholds were chosen on real frames (CamVid's three sequences, train and val, the dash-cam clip and stills, the KITTI and DDAD
 * frames of the real-depth set) and the shipped synthetic drive, which must raise nothing, and on degraded copies of
 * the clip and of CamVid 0006R0 ({@code scripts/degraded-inputs.py}), which should: {@code scripts/camera-health.sh}
 * measures both; the figures are in the README's <i>Camera health</i>.
 *
 * <p>One pass over the pixels for the brightness, one over the interior for noise, gradients and the regions'
 * histograms; no allocation.
 * Stateful (the previous picture, for {@link CameraIssue#FROZEN}): one instance per stream, frames in order, one
 * thread.
 */
public final class CameraHealth {
    /** {@link CameraIssue#DARK} when the 98th percentile of brightness is under this. */
    public static final int DARK_BRIGHT_END = 50;
    /** {@link CameraIssue#WASHED_OUT} when the 2nd percentile of brightness is over this. */
    public static final int WASHED_OUT_DARK_END = 120;
    /** {@link CameraIssue#NOISY} when the noise's standard deviation is over this (levels, at model size). */
    public static final float NOISY_SIGMA = 6f;
    /** {@link CameraIssue#BLURRED} when the sharpness (of the most textured quarter of tiles) is under this. */
    public static final float BLURRED_SHARPNESS = 4.5f;
    /**
     * The share of tiles, the most textured, whose gradients make the sharpness. Until 2026-11-28 it was the mean
     * over the whole picture, which a picture with few edges reads as soft: a 304×540 portrait crop of the real
     * dash-cam clip (half smooth sky, half smooth road, at full detail) read 1.2 and was called blurred in every
     * frame; over the most textured quarter the clip's narrower views read 6.26 at the least (the portrait 7.26),
     * real frames 5.78, against 3.76 at most for the clip blurred (README, <i>Camera health</i>).
     */
    static final float SHARPEST_TILES = 0.25f;
    /** A tile is uniform when its mean gradient is under this per 100 levels of contrast. */
    public static final float UNIFORM_GRADIENT = 0.3f;
    /** {@link CameraIssue#BLOCKED} when more than this share of tiles is uniform… */
    public static final float BLOCKED_UNIFORM_SHARE = 0.35f;
    /** …or the whole picture's contrast is under this (levels): nothing to see. */
    public static final int BLOCKED_CONTRAST = 24;
    /**
     * A textureless tile is the sky's, not a cover's, where it lies in the upper half of the picture, in the top
     * quarter of its contrast and at this brightness at the least (a daylit sky). Until 2026-11-28 every textureless
     * tile counted: a 304×540 portrait crop of the real dash-cam clip, half clear sky and half smooth road, had 60 % of
     * them and was blocked in every frame; without the sky's, 28.5 % at most (README, <i>Camera health</i>). Not
     * caught therefore: a bright, smooth cover over the upper half (snow, a white sheet); a dark one, or any over
     * the lower half, is.
     */
    public static final int SKY_BRIGHTNESS = 100;
    /**
     * {@link CameraIssue#FROZEN} once the picture has been identical for this long — where an identical picture means
     * a stuck camera: the vehicle is known to be moving, or every frame is coded on its own (raw, MJPEG, image files,
     * MCAP images), whose sensor noise changes every frame. A recording in an inter-frame codec (H.264, HEVC, VP9…)
     * of a vehicle standing still decodes to identical pictures (the encoder skips the unchanged blocks, noise and all:
     * measured with x264 at CRF 23–35 and sensor noise σ 1–2), so there, without the vehicle's motion, a stuck camera
     * cannot be told from a parked car, and only {@link CameraReading#unchangedSeconds} is reported.
     */
    public static final float FROZEN_AFTER_SECONDS = 1f;
    /**
     * Frames coded on their own: mean absolute brightness change from the previous picture under which the two count
     * as identical (a live sensor's noise alone changes more).
     */
    static final float UNCHANGED_BELOW = 0.05f;
    /**
     * An inter-frame codec: mean absolute change from the picture that began the stretch under which the camera's
     * picture counts as unchanged. A stuck picture re-encoded changes only at each key frame, by the requantisation
     * (1.2 levels, measured on the shipped drive re-encoded stuck); a moving vehicle's picture drifts from it by far
     * more within the second it takes to be called frozen (5–6 levels a frame at 10 m/s on that drive; a synthetic
     * crawl at 1–2 m/s leaves the band within 0.04–0.08 s; no real footage of a crawl here).
     */
    static final float RECODED_UNCHANGED_BELOW = 2f;

    /**
     * The pixel count gradients are measured at (the trained input's, 480×352): an edge spans more pixels of a finer
     * picture, so a gradient per pixel is scaled by {@code sqrt(width·height / REFERENCE_PIXELS)}, and the sharpness
     * and the uniform tiles read the same at any {@code --input-size} (CamVid at 640×480 unscaled: the whole
     * picture's mean gradient down to 2.08 against 2.94 at 480×352). The picture's size, not its width: a portrait
     * camera at the same pixel count sees as finely (scaled by its width, a 304×544 input read 0.63 of its gradients).
     */
    static final float REFERENCE_PIXELS = 480f * 352f;
    private static final int TILE_SHIFT = 4;
    /** The rows the noise and gradients are read on: every {@code ROW_STEP}th interior row. */
    private static final int ROW_STEP = 2;
    /** For Gaussian noise of deviation σ the mask's response has deviation 6σ (‖N‖₂ = 6), median |·| 0.6745·6σ. */
    private static final float MEDIAN_TO_SIGMA = 1f / (0.6745f * 6f);
    private static final int RESIDUAL_BINS = 1024;
    /**
     * A region's edges are read where its contrast (5th to 95th percentile of brightness) is this at the least: under
     * it, integer brightness alone puts a floor of 2 levels under the steepest gradients of a smooth region (a smear
     * over CamVid's road at 24 levels of contrast read 0.13, at 32 and more 0.12 at the most; README, <i>Camera
     * health</i>).
     */
    public static final int REGION_CONTRAST = 32;
    /** The share of a region's steepest gradients its edge steepness is read at: the 99th percentile. */
    static final double REGION_EDGE_QUANTILE = 0.99;
    /** A region's brightness histogram: 4 levels a bin. */
    private static final int REGION_LUMA_SHIFT = 2;
    private static final int REGION_LUMA_BINS = 256 >> REGION_LUMA_SHIFT;
    /** A region's gradient histogram: 2 levels a bin up to 254 ({@code |∂x| + |∂y|}, the last bin holds the rest). */
    private static final int REGION_GRADIENT_SHIFT = 1;
    private static final int REGION_GRADIENT_BINS = 128;

    private final int width;
    private final int height;
    private final boolean framesCodedApart;
    private final float pixelScale;
    private final byte[] pixels;
    private final byte[] luma;
    /** The picture the present one is compared with: the previous one, or the one that began an unchanged stretch. */
    private final byte[] reference;
    private boolean hasPrevious;
    private long unchangedSinceMicros;
    private final int[] histogram = new int[256];
    private final int[] residuals = new int[RESIDUAL_BINS];
    private final int tilesX;
    private final int tilesY;
    private final long[] tileGradient;
    /** Per tile, the pixels its gradient sums (sampled rows only). */
    private final int[] tilePixels;
    /** Per tile, the sum of those pixels' brightness. */
    private final long[] tileLuma;
    /** Per tile, its mean gradient per pixel; reordered when the sharpest are selected. */
    private final float[] tileDensity;
    /** The tile rows whose middle lies in the upper half of the picture, where the sky is. */
    private final int upperTileRows;
    private final int[] secondDifference;
    private final RegionGrid regions;
    /** Per region, its sampled pixels' brightness histogram ({@link #REGION_LUMA_BINS} bins a region). */
    private final int[] regionLuma;
    /** Per region, its sampled pixels' gradient histogram ({@link #REGION_GRADIENT_BINS} bins a region). */
    private final int[] regionGradient;

    /** A check of frames as a camera gives them, each on its own ({@link #framesCodedApart}). */
    public CameraHealth(int width, int height) {
        this(width, height, true);
    }

    /**
     * @param width            model input width, pixels
     * @param height           model input height
     * @param framesCodedApart whether each frame is coded on its own ({@link #framesCodedApart(String)}), so that
     *                         identical pictures mean a stuck camera even where the vehicle's motion is not known
     */
    public CameraHealth(int width, int height, boolean framesCodedApart) {
        this.framesCodedApart = framesCodedApart;
        this.pixelScale = (float) Math.sqrt(width * (double) height / REFERENCE_PIXELS);
        if (width < 3 || height < 3) {
            throw new IllegalArgumentException("picture too small for the camera check: " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        pixels = new byte[width * height * 3];
        luma = new byte[width * height];
        reference = new byte[width * height];
        tilesX = (width + (1 << TILE_SHIFT) - 1) >> TILE_SHIFT;
        tilesY = (height + (1 << TILE_SHIFT) - 1) >> TILE_SHIFT;
        tileGradient = new long[tilesX * tilesY];
        tilePixels = new int[tilesX * tilesY];
        tileLuma = new long[tilesX * tilesY];
        tileDensity = new float[tilesX * tilesY];
        int upper = 0;
        while (upper < tilesY && ((upper << TILE_SHIFT) + (1 << (TILE_SHIFT - 1))) * 2 < height) {
            upper++;
        }
        upperTileRows = upper;
        secondDifference = new int[width];
        regions = new RegionGrid(width, height);
        regionLuma = new int[regions.regions() * REGION_LUMA_BINS];
        regionGradient = new int[regions.regions() * REGION_GRADIENT_BINS];
        for (int y = 1; y < height - 1; y += ROW_STEP) {
            for (int x = 0; x < width - 1; x++) {
                tilePixels[(y >> TILE_SHIFT) * tilesX + (x >> TILE_SHIFT)]++;
            }
        }
    }

    /** Whether frames of a codec of this name are each coded on their own ({@link SourceInfo#codedApart}). */
    public static boolean framesCodedApart(String codec) {
        return SourceInfo.codedApart(codec);
    }

    /** {@link #measure(ByteBuffer, long, boolean, CameraReading)} where the vehicle's motion is not known. */
    public void measure(ByteBuffer bgr, long sourceMicros, CameraReading out) {
        measure(bgr, sourceMicros, false, out);
    }

    /**
     * Measures one picture.
     *
     * @param bgr          {@code width*height*3} packed BGR bytes from index 0 (the frame at the model's size)
     * @param sourceMicros the frame's time in the source (for {@link CameraIssue#FROZEN})
     * @param moving       whether the vehicle is known to be moving at this frame (its recorded or reported motion)
     * @param out          where the figures and issues go
     */
    public void measure(ByteBuffer bgr, long sourceMicros, boolean moving, CameraReading out) {
        int n = width * height;
        Arrays.fill(histogram, 0);
        long sum = 0;
        long change = 0;
        byte[] l = luma;
        byte[] p = reference;
        byte[] px = pixels;
        bgr.get(0, px, 0, px.length); // one bulk copy: array reads are cheaper than a direct buffer's
        for (int i = 0, b = 0; i < n; i++, b += 3) {
            int y = (29 * (px[b] & 0xff) + 150 * (px[b + 1] & 0xff) + 77 * (px[b + 2] & 0xff) + 128) >> 8;
            l[i] = (byte) y;
            histogram[y]++;
            sum += y;
            change += Math.abs(y - (p[i] & 0xff));
        }
        int darkEnd = quantile(histogram, n, 0.02);
        int brightEnd = quantile(histogram, n, 0.98);
        int contrast = brightEnd - darkEnd;

        // every other interior row: noise, gradients and tiles are statistics, and half the rows halve the cost
        Arrays.fill(residuals, 0);
        Arrays.fill(tileGradient, 0);
        Arrays.fill(tileLuma, 0);
        Arrays.fill(regionLuma, 0);
        Arrays.fill(regionGradient, 0);
        int[] rLuma = regionLuma;
        int[] rGradient = regionGradient;
        int w = width;
        int[] d2y = secondDifference;
        long[] tiles = tileGradient;
        long[] tileBrightness = tileLuma;
        for (int y = 1; y < height - 1; y += ROW_STEP) {
            int row = y * w;
            int tileRow = (y >> TILE_SHIFT) * tilesX;
            int regionRow = regions.rowStart(y);
            for (int x = 0; x < w; x++) {
                int i = row + x;
                d2y[x] = (l[i - w] & 0xff) - 2 * (l[i] & 0xff) + (l[i + w] & 0xff);
            }
            for (int x = 0; x < w - 1; x++) {
                int i = row + x;
                int c = l[i] & 0xff;
                int g = Math.abs((l[i + 1] & 0xff) - c) + Math.abs((l[i + w] & 0xff) - c);
                int t = tileRow + (x >> TILE_SHIFT);
                tiles[t] += g;
                tileBrightness[t] += c;
                int r = regionRow + regions.column(x);
                rLuma[r * REGION_LUMA_BINS + (c >> REGION_LUMA_SHIFT)]++;
                rGradient[r * REGION_GRADIENT_BINS + Math.min(g >> REGION_GRADIENT_SHIFT, REGION_GRADIENT_BINS - 1)]++;
            }
            // Immerkær's mask is the outer product of [1 −2 1] with itself: across the row's vertical differences
            for (int x = 1; x < w - 1; x++) {
                int r = d2y[x - 1] - 2 * d2y[x] + d2y[x + 1];
                residuals[Math.min(RESIDUAL_BINS - 1, Math.abs(r))]++;
            }
        }
        int rows = sampledRows();
        int interiorPixels = rows * (width - 2);
        float perContrast = 100f / Math.max(contrast, 1);
        int uniform = 0;
        float uniformBelow = UNIFORM_GRADIENT / perContrast;
        // the sky's brightness: in the top quarter of the contrast, and a daylit sky's at the least; a picture
        // without contrast has no sky to tell from a cover
        int skyFrom = Math.max(SKY_BRIGHTNESS, darkEnd + (3 * contrast + 3) / 4);
        int upperTiles = contrast < BLOCKED_CONTRAST ? 0 : upperTileRows * tilesX;
        int counted = 0;
        for (int t = 0; t < tileGradient.length; t++) {
            int tp = tilePixels[t];
            if (tp == 0) {
                continue; // a tile row without sampled rows (the picture's last rows)
            }
            float density = tileGradient[t] * pixelScale / tp;
            tileDensity[counted++] = density;
            // textureless, and not the sky's: a bright tile in the upper half is the sky, smooth as a cover is
            if (density < uniformBelow && !(t < upperTiles && tileBrightness[t] >= (long) skyFrom * tp)) {
                uniform++;
            }
        }
        int sharpest = Math.max(1, (int) (counted * SHARPEST_TILES));
        FloatSelect.kth(tileDensity, counted, counted - sharpest);
        double sharpSum = 0;
        for (int t = counted - sharpest; t < counted; t++) {
            sharpSum += tileDensity[t];
        }

        // unchanged since when: frames coded apart against the previous picture, a re-encoded video against the one
        // that began the stretch (its key frames move a stuck picture a little, once a key-frame interval)
        float meanChange = hasPrevious ? change / (float) n : Float.POSITIVE_INFINITY;
        boolean changed = !(meanChange < (framesCodedApart ? UNCHANGED_BELOW : RECODED_UNCHANGED_BELOW));
        if (changed) {
            unchangedSinceMicros = sourceMicros;
        }
        if (changed || framesCodedApart) {
            System.arraycopy(l, 0, p, 0, n);
        }
        hasPrevious = true;

        out.brightness = sum / (float) n;
        out.darkEnd = darkEnd;
        out.brightEnd = brightEnd;
        out.noise = medianBin(residuals, interiorPixels) * MEDIAN_TO_SIGMA;
        out.sharpness = (float) (sharpSum / sharpest) * perContrast;
        out.uniformShare = uniform / (float) counted;
        out.unchangedSeconds = Math.max(0, sourceMicros - unchangedSinceMicros) / 1e6f;
        regionEdges(out);
        // a picture without contrast shows nothing: it is dark where it is dark (night), else blocked, and neither
        // washed out, blurred nor frozen, which need a picture to be read from; a picture without texture in a large
        // share of its tiles is blocked whatever its brightness (a lens cap is dark and blocked)
        boolean dark = brightEnd < DARK_BRIGHT_END;
        boolean nothing = contrast < BLOCKED_CONTRAST;
        int issues = 0;
        if (dark) {
            issues |= CameraIssue.DARK.bit();
        }
        if (!nothing && darkEnd > WASHED_OUT_DARK_END) {
            issues |= CameraIssue.WASHED_OUT.bit();
        }
        if (out.noise > NOISY_SIGMA) {
            issues |= CameraIssue.NOISY.bit();
        }
        if (!nothing && out.sharpness < BLURRED_SHARPNESS) {
            issues |= CameraIssue.BLURRED.bit();
        }
        if ((nothing && !dark) || out.uniformShare > BLOCKED_UNIFORM_SHARE) {
            issues |= CameraIssue.BLOCKED.bit();
        }
        if (!nothing && out.unchangedSeconds >= FROZEN_AFTER_SECONDS && (moving || framesCodedApart)) {
            issues |= CameraIssue.FROZEN.bit();
        }
        out.issues = issues;
    }

    /**
     * Per region, how steep its steepest edges are for its contrast: the 99th percentile of {@code |∂x| + |∂y|} over
     * the region's 5th-to-95th-percentile brightness range, as at {@link #REFERENCE_PIXELS} pixels — about 1 for a
     * sharp step, {@code 1/(2.5σ)} for one blurred by a Gaussian of σ pixels; NaN where the contrast is under
     * {@link #REGION_CONTRAST} (nothing to read an edge from). A smear softens its regions' edges while the rest of
     * the picture keeps them ({@link io.roadseg.postprocess.LensSmear}).
     */
    private void regionEdges(CameraReading out) {
        out.regions(regions);
        out.softShare = out.smearEdge = Float.NaN; // read after the network (LensSmear), where there is one
        float[] edges = out.regionEdge;
        for (int r = 0, n = regions.regions(); r < n; r++) {
            int samples = 0;
            for (int b = r * REGION_LUMA_BINS, end = b + REGION_LUMA_BINS; b < end; b++) {
                samples += regionLuma[b];
            }
            if (samples == 0) {
                edges[r] = Float.NaN;
                continue;
            }
            float contrast = (binQuantile(regionLuma, r * REGION_LUMA_BINS, REGION_LUMA_BINS, samples, 0.95)
                    - binQuantile(regionLuma, r * REGION_LUMA_BINS, REGION_LUMA_BINS, samples, 0.05))
                    * (1 << REGION_LUMA_SHIFT);
            edges[r] = contrast < REGION_CONTRAST ? Float.NaN
                    : binQuantile(regionGradient, r * REGION_GRADIENT_BINS, REGION_GRADIENT_BINS, samples,
                    REGION_EDGE_QUANTILE) * (1 << REGION_GRADIENT_SHIFT) * pixelScale / contrast;
        }
    }

    /**
     * The {@code q} quantile of {@code n} values counted in {@code count} bins from {@code offset}, in bins,
     * interpolated within its bin (a bin's values spread evenly over it).
     */
    private static float binQuantile(int[] bins, int offset, int count, int n, double q) {
        double target = q * n;
        long seen = 0;
        for (int b = 0; b < count; b++) {
            int in = bins[offset + b];
            if (seen + in >= target && in > 0) {
                return (float) (b + (target - seen) / in);
            }
            seen += in;
        }
        return count;
    }

    private int sampledRows() {
        return (height - 2 + ROW_STEP - 1) / ROW_STEP;
    }

    /** Forgets the previous picture (a new stream, or a gap). */
    public void reset() {
        hasPrevious = false;
    }

    /** The smallest level whose cumulative count reaches share {@code q} of {@code n}. */
    private static int quantile(int[] histogram, int n, double q) {
        long target = (long) Math.ceil(q * n);
        long seen = 0;
        for (int v = 0; v < histogram.length; v++) {
            seen += histogram[v];
            if (seen >= target) {
                return v;
            }
        }
        return histogram.length - 1;
    }

    /** The median of {@code n} values counted in unit bins, interpolated within its bin. */
    private static float medianBin(int[] bins, int n) {
        double half = n / 2.0;
        long seen = 0;
        for (int v = 0; v < bins.length; v++) {
            if (seen + bins[v] >= half) {
                // values in bin v spread over [v - 0.5, v + 0.5): interpolate, so that a median of 0 or 1 level is
                // not a cliff (integer brightness rounds small noise to 0 or 1)
                return (float) Math.max(0, v - 0.5 + (half - seen) / Math.max(1, bins[v]));
            }
            seen += bins[v];
        }
        return bins.length - 1;
    }
}
