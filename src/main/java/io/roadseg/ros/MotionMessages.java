package io.roadseg.ros;

/**
 * The vehicle's motion from ROS 2 messages in CDR, as robotics recordings log it: {@code nav_msgs/msg/Odometry} and
 * {@code geometry_msgs/msg/TwistStamped}, their twist in the vehicle's body frame (REP 103: x forward, y left, z up;
 * a yaw rate positive turning left). What a path shaped by the vehicle follows is the curvature it drives, positive
 * turning right as everywhere in roadseg: {@code −angular.z / linear.x}.
 *
 * <p>Threading: stateless; the caller's {@link CdrReader} and output array.
 */
public final class MotionMessages {
    public static final String ODOMETRY = "nav_msgs/msg/Odometry";
    public static final String TWIST_STAMPED = "geometry_msgs/msg/TwistStamped";
    /** Speed below which a yaw rate says nothing of a path (a vehicle turning at a standstill), m/s. */
    public static final double MIN_SPEED_MPS = 1.0;
    /** Entries of {@code float64[36]} covariance matrices. */
    private static final int COVARIANCE = 36;

    private MotionMessages() {
    }

    /** Whether a channel of this schema and message encoding carries the vehicle's motion that this class reads. */
    public static boolean isMotion(String schemaName, String messageEncoding) {
        return "cdr".equals(messageEncoding) && (ODOMETRY.equals(schemaName) || TWIST_STAMPED.equals(schemaName));
    }

    /**
     * Reads one message's forward speed (m/s, {@code twist.linear.x}) and yaw rate (rad/s, {@code twist.angular.z},
     * REP 103: positive turning left) into {@code speedAndYawRate[0]} and {@code [1]}.
     *
     * @param cdr positioned at the message's start ({@link CdrReader#begin})
     * @throws CdrReader.CdrException when the message ends early
     */
    public static void read(CdrReader cdr, String schemaName, double[] speedAndYawRate) throws CdrReader.CdrException {
        cdr.int32();        // header.stamp.sec
        cdr.uint32();       // header.stamp.nanosec
        cdr.stringOffset(); // header.frame_id
        if (ODOMETRY.equals(schemaName)) {
            cdr.stringOffset(); // child_frame_id: the frame the twist is in, the vehicle's body
            for (int i = 0; i < 7 + COVARIANCE; i++) {
                cdr.float64(); // pose.pose (position, orientation), pose.covariance
            }
        }
        speedAndYawRate[0] = cdr.float64(); // twist.linear.x
        cdr.float64();
        cdr.float64();
        cdr.float64();
        cdr.float64();
        speedAndYawRate[1] = cdr.float64(); // twist.angular.z
    }

    /**
     * The curvature, 1/m, positive turning right, of a vehicle moving at {@code speedMps} with {@code yawRateLeft}
     * rad/s (REP 103, positive left); NaN below {@value #MIN_SPEED_MPS} m/s or for values that are not finite.
     */
    public static double curvature(double speedMps, double yawRateLeft) {
        double k = -yawRateLeft / speedMps;
        return Math.abs(speedMps) >= MIN_SPEED_MPS && Double.isFinite(k) ? k : Double.NaN;
    }
}
