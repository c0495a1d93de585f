package io.roadseg.postprocess;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Metric depth from the geometry of a calibrated camera over a flat road, fused with the network's depth. A
 * monocular network's depth scale is only as right as the focal length and mounting it was trained for; a camera
 * whose height above the road and pitch are known measures the road itself: a road pixel at row {@code v} lies at
 * {@code Z = h / (y cos θ + sin θ)}, {@code y = (v − c_y) / f_y} (θ = downward pitch; Z along the optical axis).
 *
 * <p>Per frame, in place on the model-size maps:
 * <ol>
 *   <li>the network's depth is rescaled by the median of {@code Z_ground / Z_network} over the ground pixels (road
 *       and pavement below the horizon and within range) — ground-plane scale recovery, as monocular odometry
 *       recovers scale from the camera height;</li>
 *   <li>ground pixels take the ground-plane depth — unless the rescaled network puts one at under
 *       {@link #NOT_GROUND_BELOW} of it: then it is a vertical surface called ground (the back of the car ahead
 *       called road, a wall's foot called pavement), not the road behind it, and it is handled as the classes of the
 *       next item that do not stand as a run: the rescaled network depth, never nearer than the last contact below
 *       it in its column;</li>
 *   <li>objects standing on the ground (the run of non-ground, non-sky pixels right above the ground in a column:
 *       the car ahead, a pedestrian, a wall's foot) take the depth of the ground where they touch it, as a vertical
 *       surface would (the "stixel" model); pixels above that run keep the rescaled network depth, never nearer than
 *       the contact;</li>
 *   <li>nothing below the horizon is farther than the road its ray would meet (the row's ground depth): a hedge, a
 *       lawn or a wall the network puts too far is brought back to that bound;</li>
 *   <li>the sky is at the maximum depth — above the horizon; below it the camera cannot see sky, and a pixel
 *       classified so (sun-bleached concrete, a wet road mirroring the sky) is taken for road.</li>
 * </ol>
 * With too few ground pixels (fewer than {@value #MIN_GROUND_SHARE} of the frame) the frame is left to the network.
 *
 * <p>Threading: not thread-safe; one instance per stage thread. {@link #apply} allocates nothing.
 */
public final class GroundPlaneDepth {
    /**
     * How far (degrees) the per-frame pitch estimate may move from the calibrated pitch, as the pipeline uses it: 0,
     * the calibration's pitch. The estimator recovers a wrong pitch on synthetic frames (tested), but on the real
     * frames of {@code ../shared/data/depth} the network's road depth is not straight enough in 1/Z: with a 3° window
     * metric AbsRel went from 0.50 to 0.59 (KITTI 0.15 to 0.26), so it stays off until the depth decoder is better.
     * Measured again on 2026-11-27 with the better decoder of the weight-decay chain and the {@link #NOT_GROUND_BELOW}
     * check: a 1° window is level on all four fused figures (engines/roadseg.md), so still off.
     * {@code roadseg eval --depth … --pitch-window 3} measures it again.
     */
    public static final double PITCH_WINDOW_DEG = 0.0;
    /**
     * A ground pixel whose rescaled network depth is under this share of the flat ground's depth at its row is taken
     * for a vertical surface called ground, not for ground. The road's depth grows without bound towards the horizon
     * while a surface facing the camera keeps one depth, so a car's back called road is put far behind the car by the
     * plane; the network, which sees the car, is nearer by far more than its own error on the road (2026-11-27, on
     * the 31 real frames of {@code ../shared/data/depth}, fused metric AbsRel 0.314 → 0.284, RMSE 12.85 → 12.40 m,
     * median-scaled 0.326 → 0.293, δ<1.25 level, and better for each of three models tried; the same rule was not
     * adopted on 2026-11-26, when the network's own depth was too poor: engines/roadseg.md).
     */
    public static final float NOT_GROUND_BELOW = 0.5f;
    /** Smallest share of the frame that must be ground for the geometry to be trusted. */
    public static final double MIN_GROUND_SHARE = 0.01;

    private final int width;
    private final int height;
    private final boolean[] ground;
    private final boolean[] sky;
    private final boolean[] standing;
    private final float maxDepth;
    private final float[] groundDepthByRow;
    private static final double LOG_RATIO_MIN = -Math.log(64);
    private static final double BINS_PER_LOG = 500; // bins of 0.2 % in ratio
    private final int[] ratioHistogram = new int[(int) (2 * Math.log(64) * BINS_PER_LOG) + 1];

    /**
     * @param width        map width (the model's input width)
     * @param height       map height
     * @param fy           vertical focal length at this size, pixels
     * @param cy           principal point row at this size, pixels (pixel centres at integers)
     * @param cameraHeight camera centre above the road, metres
     * @param pitchDownDeg downward pitch of the optical axis, degrees
     * @param maxDepth     the model's maximum depth (the sky's depth, and the range of the geometry)
     * @param groundIds    class ids that are the road surface (e.g. road, pavement)
     * @param skyIds       class ids that are sky
     * @param standingIds  class ids of objects that stand on the road as near-vertical surfaces (vehicles, people,
     *                     poles, signs, fences): their run above the ground takes the contact depth; other classes
     *                     (buildings, trees, whose visible part is often far behind what they seem to touch) keep the
     *                     rescaled network depth, never nearer than the contact
     */
    public GroundPlaneDepth(int width, int height, double fy, double cy, double cameraHeight, double pitchDownDeg,
                            float maxDepth, int[] groundIds, int[] skyIds, int[] standingIds) {
        this(width, height, fy, cy, cameraHeight, pitchDownDeg, maxDepth, groundIds, skyIds, standingIds, 0);
    }

    /**
     * As above, estimating each frame's pitch from the network's road depth within {@code pitchWindowDeg} of the
     * calibrated one. The calibration's pitch is the mount's against the vehicle; the road's slope and the car's pitch
     * on its springs move the horizon by a degree or more, which at 20 m is 15 % of depth. The network's depth on the
     * road, whatever its scale, satisfies {@code 1/Z = (s/h)·(y cos θ + sin θ)}: a straight line in {@code y} whose
     * intercept over slope is {@code tan θ}, independent of the scale {@code s}; it is fitted by least squares
     * (twice, the second time without the points more than twice the mean residual off the first line).
     *
     * @param pitchWindowDeg how far the estimate may move from the calibrated pitch, degrees; 0 = use the calibration
     */
    public GroundPlaneDepth(int width, int height, double fy, double cy, double cameraHeight, double pitchDownDeg,
                            float maxDepth, int[] groundIds, int[] skyIds, int[] standingIds, double pitchWindowDeg) {
        if (width < 1 || height < 1 || !(fy > 0) || !(cameraHeight > 0) || !(maxDepth > 0)
                || !Double.isFinite(cy) || !Double.isFinite(pitchDownDeg)) {
            throw new IllegalArgumentException("ground plane: size " + width + "x" + height + ", fy " + fy
                    + ", camera height " + cameraHeight + " m and max depth must be positive; cy and pitch finite");
        }
        this.width = width;
        this.height = height;
        this.maxDepth = maxDepth;
        this.ground = mask(groundIds);
        this.sky = mask(skyIds);
        this.standing = mask(standingIds);
        this.groundDepthByRow = new float[height];
        this.fy = fy;
        this.cy = cy;
        this.cameraHeight = cameraHeight;
        this.calibratedPitch = Math.toRadians(pitchDownDeg);
        this.pitchWindow = Math.toRadians(Math.max(0, pitchWindowDeg));
        setPitch(calibratedPitch);
    }

    private final double fy;
    private final double cy;
    private final double cameraHeight;
    private final double calibratedPitch;
    private final double pitchWindow;
    private double pitch;

    private void setPitch(double radians) {
        pitch = radians;
        double cos = Math.cos(radians);
        double sin = Math.sin(radians);
        for (int v = 0; v < height; v++) {
            double y = (v - cy) / fy;
            double down = y * cos + sin;
            double z = down > 0 ? cameraHeight / down : Double.POSITIVE_INFINITY;
            groundDepthByRow[v] = z <= maxDepth ? (float) z : 0f;
        }
    }

    /** @return the pitch used for the last frame (the calibrated one, or the estimate), degrees down */
    public double pitchDownDeg() {
        return Math.toDegrees(pitch);
    }

    /**
     * Fits {@code 1/Z = a·y + b} to the ground pixels below the lowest horizon the window allows; sets the pitch to
     * {@code atan2(b, a)} clamped to the window, or keeps the calibrated one when the fit is not usable.
     */
    private void estimatePitch(ByteBuffer classIds, FloatBuffer depth) {
        double highest = Math.tan(calibratedPitch + pitchWindow); // rows above y = -highest may be sky
        int firstRow = (int) Math.max(0, Math.ceil(cy - fy * highest + 0.02 * fy)); // a margin below the horizon
        double a = Double.NaN;
        double b = Double.NaN;
        double meanResidual = Double.POSITIVE_INFINITY;
        for (int pass = 0; pass < 2; pass++) {
            double sy = 0;
            double si = 0;
            double syy = 0;
            double syi = 0;
            long n = 0;
            double residuals = 0;
            for (int v = firstRow; v < height; v++) {
                double y = (v - cy) / fy;
                for (int x = 0; x < width; x++) {
                    int i = v * width + x;
                    float d = depth.get(i);
                    if (!ground[classIds.get(i) & 0xff] || !(d > 0.5f) || d >= 0.95f * maxDepth) {
                        continue;
                    }
                    double inv = 1.0 / d;
                    if (pass == 1) {
                        double r = Math.abs(inv - (a * y + b));
                        if (r > 2 * meanResidual) {
                            continue;
                        }
                    }
                    sy += y;
                    si += inv;
                    syy += y * y;
                    syi += y * inv;
                    n++;
                }
            }
            double det = n * syy - sy * sy;
            if (n < MIN_GROUND_SHARE * width * height || !(det > 0)) {
                setPitch(calibratedPitch);
                return;
            }
            a = (n * syi - sy * si) / det;
            b = (si - a * sy) / n;
            if (!(a > 0)) {
                setPitch(calibratedPitch);
                return;
            }
            if (pass == 0) {
                long m = 0;
                for (int v = firstRow; v < height; v++) {
                    double y = (v - cy) / fy;
                    for (int x = 0; x < width; x++) {
                        int i = v * width + x;
                        float d = depth.get(i);
                        if (ground[classIds.get(i) & 0xff] && d > 0.5f && d < 0.95f * maxDepth) {
                            residuals += Math.abs(1.0 / d - (a * y + b));
                            m++;
                        }
                    }
                }
                meanResidual = residuals / Math.max(1, m);
            }
        }
        double estimate = Math.atan2(b, a);
        setPitch(Math.max(calibratedPitch - pitchWindow, Math.min(calibratedPitch + pitchWindow, estimate)));
    }

    private static boolean[] mask(int[] ids) {
        boolean[] m = new boolean[256];
        for (int id : ids) {
            m[id & 0xff] = true;
        }
        return m;
    }

    /** @return the ground-plane depth of row {@code v}, metres, or 0 above the horizon or beyond the range */
    public float groundDepth(int v) {
        return groundDepthByRow[v];
    }

    /**
     * Fuses in place.
     *
     * @param classIds per-pixel class ids, row-major {@code width x height}, from index 0 (absolute reads)
     * @param depth    the network's metric depth, replaced by the fused depth (absolute reads and writes)
     * @return the scale applied to the network's depth, or NaN when the frame had too little ground (depth untouched)
     */
    public double apply(ByteBuffer classIds, FloatBuffer depth) {
        if (pitchWindow > 0) {
            estimatePitch(classIds, depth);
        }
        // the median of ground / network over the ground pixels, from a histogram of log ratios (0.2 % bins over
        // 1/64..64): linear time and no allocation, where sorting 100k ratios per frame cost milliseconds
        Arrays.fill(ratioHistogram, 0);
        int n = 0;
        int pixels = width * height;
        for (int i = 0; i < pixels; i++) {
            float g = groundDepthByRow[i / width];
            float d = depth.get(i);
            if (g > 0 && d > 0 && ground[classIds.get(i) & 0xff]) {
                int bin = (int) ((Math.log(g / d) - LOG_RATIO_MIN) * BINS_PER_LOG);
                ratioHistogram[Math.max(0, Math.min(ratioHistogram.length - 1, bin))]++;
                n++;
            }
        }
        if (n < MIN_GROUND_SHARE * pixels) {
            return Double.NaN;
        }
        int bin = 0;
        for (int below = 0; bin < ratioHistogram.length; bin++) {
            below += ratioHistogram[bin];
            if (below > n / 2) {
                break;
            }
        }
        float scale = (float) Math.exp(LOG_RATIO_MIN + (bin + 0.5) / BINS_PER_LOG);
        for (int x = 0; x < width; x++) {
            float contact = 0f;
            boolean onContactRun = false;
            for (int v = height - 1; v >= 0; v--) {
                int i = v * width + x;
                int id = classIds.get(i) & 0xff;
                float g = groundDepthByRow[v];
                if (sky[id] && g == 0) {
                    depth.put(i, maxDepth);
                    onContactRun = false;
                } else if (g > 0 && (sky[id] || ground[id] && depth.get(i) * scale >= NOT_GROUND_BELOW * g)) {
                    // "sky" below the horizon is a bright road surface (sun-bleached concrete, a wet road mirroring
                    // the sky): the camera cannot see the sky there, so it is taken for the road it must be; ground
                    // the network sees far nearer than the plane is not ground (NOT_GROUND_BELOW): the else branch
                    depth.put(i, g);
                    contact = g;
                    onContactRun = true;
                } else {
                    float d = Math.min(maxDepth, depth.get(i) * scale);
                    if (contact > 0) {
                        d = onContactRun && standing[id] ? contact : Math.max(d, contact);
                    }
                    if (g > 0) {
                        d = Math.min(d, g); // a ray below the horizon meets the road at g: nothing it sees is farther
                    }
                    depth.put(i, d);
                    if (onContactRun && v > 0 && (classIds.get(i - width) & 0xff) != id) {
                        onContactRun = false; // the run of the object standing on the ground ends here
                    }
                }
            }
        }
        return scale;
    }

    /** @return the model's classes that stand on the road as near-vertical surfaces (CamVid names) */
    public static int[] standingIds(io.roadseg.engine.ModelInfo model) {
        return model.classIds("car", "pedestrian", "bicyclist", "pole", "sign", "fence");
    }
}
