package io.roadseg.source;

/**
 * The one rule for the curvature a vehicle drives from its motion, shared by every place that reads it (a
 * recording's odometry, {@link McapSource}; an embedder's readings, {@code pipeline.VehicleMotion}): its yaw rate
 * over its speed, positive turning right as everywhere in roadseg; none below {@value #MIN_SPEED_MPS} m/s, and a
 * reading stands for the frames up to {@value #STALE_MILLIS} ms after it.
 */
public final class VehicleCurvature {
    /** Speed below which a yaw rate says nothing of a path (a vehicle turning at a standstill), m/s. */
    public static final double MIN_SPEED_MPS = 1.0;
    /** How long a reading stands for the frames after it, milliseconds. */
    public static final long STALE_MILLIS = 500;

    private VehicleCurvature() {
    }

    /**
     * The curvature, 1/m, positive turning right, of a vehicle moving at {@code speedMps} (negative: reversing) while
     * turning right at {@code yawRateRight} rad/s; NaN below {@value #MIN_SPEED_MPS} m/s or for values that are not
     * finite.
     */
    public static double of(double speedMps, double yawRateRight) {
        double k = yawRateRight / speedMps;
        return Math.abs(speedMps) >= MIN_SPEED_MPS && Double.isFinite(k) ? k : Double.NaN;
    }

    /** Whether a reading taken at {@code readingNanos} still stands for a frame at {@code frameNanos} (one clock). */
    public static boolean stands(long readingNanos, long frameNanos) {
        return frameNanos - readingNanos <= STALE_MILLIS * 1_000_000;
    }
}
