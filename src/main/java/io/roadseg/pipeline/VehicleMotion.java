package io.roadseg.pipeline;

import io.roadseg.source.VehicleCurvature;

/**
 * The vehicle's own motion, as its odometry or CAN bus gives it, for a path shaped by it
 * ({@link PipelineConfig.Path.Shape#VEHICLE}): the curvature it is driving now, its yaw rate over its speed. An
 * embedder's thread calls {@link #set} as readings arrive (any rate, any thread); the postprocess stage reads the
 * latest for each frame. A reading is used for the frames captured at most {@value VehicleCurvature#STALE_MILLIS} ms
 * after it; older, or none, and the path follows the road as read in the picture ({@link VehicleCurvature}: the rule
 * a recording's odometry is read by too).
 *
 * <p>Threading: {@link #set} from any one thread at a time; reads are lock-free and allocate nothing.
 */
public final class VehicleMotion {
    private volatile double curvature = Double.NaN;
    /** {@link System#nanoTime} of the last reading; written after {@link #curvature}, read before it. */
    private volatile long givenNanos;
    private volatile boolean given;

    /**
     * The vehicle's motion now.
     *
     * @param speedMps            forward speed, metres per second
     * @param yawRateRadPerSecond yaw rate, radians per second, positive turning right (clockwise seen from above, the
     *                            camera's convention here; ROS's REP 103 counts left turns positive: negate it)
     * @throws IllegalArgumentException on a value that is not finite
     */
    public void set(double speedMps, double yawRateRadPerSecond) {
        if (!Double.isFinite(speedMps) || !Double.isFinite(yawRateRadPerSecond)) {
            throw new IllegalArgumentException("vehicle motion must be finite, got speed " + speedMps
                    + " m/s, yaw rate " + yawRateRadPerSecond + " rad/s");
        }
        curvature = VehicleCurvature.of(speedMps, yawRateRadPerSecond);
        givenNanos = System.nanoTime();
        given = true;
    }

    /**
     * The curvature, 1/m, positive turning right, for a frame captured at {@code capturedNanos}
     * ({@link System#nanoTime}): the last reading's, NaN where there is none, it no longer stands then or the vehicle
     * was too slow ({@link VehicleCurvature}).
     */
    public double curvature(long capturedNanos) {
        if (!given) {
            return Double.NaN;
        }
        long at = givenNanos;
        double k = curvature;
        return VehicleCurvature.stands(at, capturedNanos) ? k : Double.NaN;
    }
}
