package io.roadseg.metrics;

import java.util.Arrays;

/**
 * The road plane that measured depths imply: a camera at height {@code h} over a flat road, pitched down by θ, sees
 * the road at row offset {@code y = (v − c_y) / f_y} at depth (along the optical axis) {@code Z = h / (y cos θ +
 * sin θ)}, so {@code 1/Z = a·y + b} with {@code a = cos θ / h} and {@code b = sin θ / h}: a straight line, fitted by
 * least squares to the points given, three times, each refit without the points more than twice the mean absolute
 * residual off the previous line (kerbs, cars and verges taken for road). Then {@code θ = atan2(b, a)} and
 * {@code h = cos θ / a}.
 *
 * <p>What it is for: checking a calibration's height and pitch against a depth sensor's view of the road (LiDAR,
 * stereo), as {@code roadseg eval --depth --calib-check} does. It assumes no roll: on a camera looking sideways the
 * vehicle's pitch is the camera's roll, which a row-only model cannot see.
 *
 * <p>Not thread-safe; reusable ({@link #clear}); grows its buffers as needed.
 */
public final class RoadPlaneFit {
    /** Fewest points (after trimming) for a fit. */
    public static final int MIN_POINTS = 50;

    /** A fitted road plane. */
    public record Plane(double heightM, double pitchDownDeg, int points) {
    }

    private double[] ys = new double[1024];
    private double[] inverse = new double[1024];
    private int n;

    /**
     * @param y     the point's row offset {@code (v − c_y) / f_y}
     * @param depth its measured depth along the optical axis, metres (ignored unless positive and finite)
     */
    public void add(double y, double depth) {
        if (!(depth > 0) || !Double.isFinite(depth) || !Double.isFinite(y)) {
            return;
        }
        if (n == ys.length) {
            ys = Arrays.copyOf(ys, 2 * n);
            inverse = Arrays.copyOf(inverse, 2 * n);
        }
        ys[n] = y;
        inverse[n] = 1.0 / depth;
        n++;
    }

    /** @return the points added since the last {@link #clear} */
    public int size() {
        return n;
    }

    public void clear() {
        n = 0;
    }

    /**
     * @return the plane, or null when fewer than {@value #MIN_POINTS} points remain or the line does not rise towards
     *     the bottom of the image (no road plane in front of the camera)
     */
    public Plane fit() {
        double a = Double.NaN;
        double b = Double.NaN;
        double threshold = Double.POSITIVE_INFINITY;
        int used = 0;
        for (int pass = 0; pass < 3; pass++) {
            double sy = 0;
            double si = 0;
            double syy = 0;
            double syi = 0;
            used = 0;
            for (int i = 0; i < n; i++) {
                if (pass > 0 && Math.abs(inverse[i] - (a * ys[i] + b)) > threshold) {
                    continue;
                }
                sy += ys[i];
                si += inverse[i];
                syy += ys[i] * ys[i];
                syi += ys[i] * inverse[i];
                used++;
            }
            double det = used * syy - sy * sy;
            if (used < MIN_POINTS || !(det > 0)) {
                return null;
            }
            a = (used * syi - sy * si) / det;
            b = (si - a * sy) / used;
            double residuals = 0;
            for (int i = 0; i < n; i++) {
                residuals += Math.abs(inverse[i] - (a * ys[i] + b));
            }
            threshold = Math.max(2 * residuals / n, 1e-9); // 1/m: an exact line keeps its points
        }
        if (!(a > 0)) {
            return null;
        }
        double theta = Math.atan2(b, a);
        return new Plane(Math.cos(theta) / a, Math.toDegrees(theta), used);
    }
}
