package io.roadseg.ros;

/**
 * The vehicle's motion from ROS 2 messages in CDR, as robotics recordings log it: {@code nav_msgs/msg/Odometry} and
 * {@code geometry_msgs/msg/TwistStamped}, their twist in the vehicle's body frame (REP 103: x forward, y left, z up;
 * a yaw rate positive turning left), read as roadseg counts it: a yaw rate positive turning right,
 * {@code −angular.z}, the curvature then {@code io.roadseg.source.VehicleCurvature}'s.
 *
 * <p>Threading: stateless; the caller's {@link CdrReader} and output array.
 */
public final class MotionMessages {
    public static final String ODOMETRY = "nav_msgs/msg/Odometry";
    public static final String TWIST_STAMPED = "geometry_msgs/msg/TwistStamped";
    /** Entries of {@code float64[36]} covariance matrices. */
    private static final int COVARIANCE = 36;

    private MotionMessages() {
    }

    /** Whether a channel of this schema and message encoding carries the vehicle's motion that this class reads. */
    public static boolean isMotion(String schemaName, String messageEncoding) {
        String name = RosMessages.ros2Name(schemaName, messageEncoding);
        return RosMessages.rosEncoding(messageEncoding) && (ODOMETRY.equals(name) || TWIST_STAMPED.equals(name));
    }

    /**
     * Reads one message's forward speed (m/s, {@code twist.linear.x}) and yaw rate turning right (rad/s,
     * {@code −twist.angular.z}: REP 103 counts left turns positive) into {@code speedAndYawRate[0]} and {@code [1]}.
     *
     * @param cdr        positioned at the message's start ({@link CdrReader#begin})
     * @param schemaName the message type's ROS 2 name ({@link RosMessages#ros2Name})
     * @throws CdrReader.CdrException when the message ends early
     */
    public static void read(CdrReader cdr, String schemaName, double[] speedAndYawRate) throws CdrReader.CdrException {
        cdr.stamp(true);    // header.stamp
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
        speedAndYawRate[1] = -cdr.float64(); // twist.angular.z, positive left
    }
}
