package io.roadseg.ros;

import java.util.HashMap;
import java.util.Map;

/**
 * Where a camera sits over the road, from a recording's static transforms ({@code tf2_msgs/msg/TFMessage} on
 * {@code /tf_static}, CDR or ROS 1's serialization; or Foxglove's {@code foxglove.FrameTransforms} /
 * {@code foxglove.FrameTransform} in protobuf, on any topic): the camera frame's height above the vehicle's ground
 * frame and the pitch and roll of its optical axis — what a calibration file's {@code mount_height_m},
 * {@code pitch_deg} and {@code roll_deg} say.
 *
 * <p>Conventions (REP 103, REP 105): the ground frame is {@code base_footprint} (on the ground under the vehicle) or,
 * where a recording has none, {@code base_link} (which Autoware and many car stacks put on the ground at the rear
 * axle; a robot that raises it above the ground needs {@code --calib}); x forward, y left, z up. A camera frame whose
 * name says {@code optical} is an optical frame (z forward, x right, y down, as image messages are stamped); another is
 * a body frame (x forward, y left, z up) and is turned into its optical frame — unless its axes say otherwise: a
 * frame whose y axis points down and whose z axis does not point up is an optical frame whatever its name (datasets
 * converted to MCAP stamp images in their camera's optical frame under names such as {@code CAM_FRONT}: nuScenes',
 * through Foxglove's converter), where a body frame of an upright camera has z up.
 *
 * @param groundFrame  the ancestor the mount is measured from
 * @param cameraFrame  the camera's frame as stamped on its images
 * @param heightM      the camera's optical centre above the ground frame, metres
 * @param pitchDownDeg the optical axis below the horizontal, degrees
 * @param rollDeg      the picture's roll, degrees, clockwise positive (roadseg's calibration convention)
 * @param from         the topics the transforms on the camera's chain came from, for messages to people
 */
public record CameraMount(String groundFrame, String cameraFrame, double heightM, double pitchDownDeg,
                          double rollDeg, String from) {
    public static final String TF_MESSAGE = "tf2_msgs/msg/TFMessage";
    public static final String TF_STATIC = "/tf_static";
    /** The moving transforms' topic; older recordings publish their static transforms there too. */
    public static final String TF = "/tf";
    public static final String FOXGLOVE_FRAME_TRANSFORMS = "foxglove.FrameTransforms";
    public static final String FOXGLOVE_FRAME_TRANSFORM = "foxglove.FrameTransform";

    /** Whether a channel carries Foxglove's transforms (protobuf), on whatever topic a recording put them. */
    public static boolean isFoxgloveTransforms(String schemaName, String messageEncoding) {
        return "protobuf".equals(messageEncoding) && (FOXGLOVE_FRAME_TRANSFORMS.equals(schemaName)
                || FOXGLOVE_FRAME_TRANSFORM.equals(schemaName));
    }

    /** Whether a channel carries static transforms this class reads. */
    public static boolean isStaticTransforms(String topic, String schemaName, String messageEncoding) {
        return TF_STATIC.equals(topic) && RosMessages.rosEncoding(messageEncoding)
                && TF_MESSAGE.equals(RosMessages.ros2Name(schemaName, messageEncoding));
    }

    /**
     * Whether a channel is {@code /tf} in a type this class reads ({@code tf2_msgs/TFMessage}, or ROS 1's older
     * {@code tf/tfMessage}, the same fields): where a recording without {@code /tf_static} — a ROS 1 bag from before
     * tf2, a recorder that missed the latched topic — says where its camera sits.
     */
    public static boolean isTransforms(String topic, String schemaName, String messageEncoding) {
        if (!TF.equals(topic) || !RosMessages.rosEncoding(messageEncoding)) {
            return false;
        }
        String type = RosMessages.ros2Name(schemaName, messageEncoding);
        return TF_MESSAGE.equals(type) || "tf/msg/tfMessage".equals(type);
    }

    /** Static transforms, child frame to its parent, as {@code TFMessage}s give them. */
    public static final class Tree {
        private record Edge(String parent, double[] translation, double[] rotation, String topic) {
        }

        private final Map<String, Edge> parentOf = new HashMap<>();

        /** Adds every transform of one {@code TFMessage}; a later one for the same child replaces the earlier. */
        public void read(CdrReader cdr) throws CdrReader.CdrException {
            read(cdr, TF_STATIC);
        }

        /** {@link #read(CdrReader)} for a message of {@code topic} (named in the mount's {@code from}). */
        public void read(CdrReader cdr, String topic) throws CdrReader.CdrException {
            long n = cdr.uint32();
            if (n > 10_000) {
                throw new CdrReader.CdrException("TFMessage with " + n + " transforms");
            }
            for (long i = 0; i < n; i++) {
                cdr.stamp(true); // header.stamp
                String parent = strip(cdr.string());
                String child = strip(cdr.string());
                double[] t = {cdr.float64(), cdr.float64(), cdr.float64()};
                double[] q = {cdr.float64(), cdr.float64(), cdr.float64(), cdr.float64()}; // x, y, z, w
                parentOf.put(child, new Edge(parent, t, q, topic));
            }
        }

        /**
         * Adds the transforms of one {@code foxglove.FrameTransforms} (or the one {@code foxglove.FrameTransform})
         * read from {@code topic}: {@code parent_frame_id}, {@code child_frame_id}, {@code translation} (x, y, z),
         * {@code rotation} (x, y, z, w), by name.
         */
        public void read(com.google.protobuf.DynamicMessage m, String topic) {
            var list = m.getDescriptorForType().findFieldByName("transforms");
            if (list != null && list.isRepeated()
                    && list.getJavaType() == com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE) {
                for (int i = 0; i < m.getRepeatedFieldCount(list); i++) {
                    read((com.google.protobuf.DynamicMessage) m.getRepeatedField(list, i), topic);
                }
                return;
            }
            String parent = text(m, "parent_frame_id");
            String child = text(m, "child_frame_id");
            if (parent.isEmpty() || child.isEmpty()) {
                return;
            }
            double[] t = numbers(m, "translation", "x", "y", "z");
            double[] q = numbers(m, "rotation", "x", "y", "z", "w");
            parentOf.put(strip(child), new Edge(strip(parent), t, q, topic));
        }

        private static String text(com.google.protobuf.DynamicMessage m, String name) {
            var f = m.getDescriptorForType().findFieldByName(name);
            return f != null && !f.isRepeated() && m.getField(f) instanceof String s ? s : "";
        }

        /**
         * A sub-message's double fields by name (proto3 leaves zeros out: an absent one is 0); where the sub-message
         * itself is absent, none (a rotation's w 1: no turn).
         */
        private static double[] numbers(com.google.protobuf.DynamicMessage m, String name, String... fields) {
            double[] out = new double[fields.length];
            var f = m.getDescriptorForType().findFieldByName(name);
            if (f == null || f.isRepeated() || !m.hasField(f)
                    || !(m.getField(f) instanceof com.google.protobuf.DynamicMessage sub)) {
                if (fields.length == 4) {
                    out[3] = 1;
                }
                return out;
            }
            for (int i = 0; i < fields.length; i++) {
                var g = sub.getDescriptorForType().findFieldByName(fields[i]);
                if (g != null && !g.isRepeated() && sub.getField(g) instanceof Double v) {
                    out[i] = v;
                }
            }
            return out;
        }

        /** @return frames known */
        public int size() {
            return parentOf.size();
        }

        /**
         * The camera's mount over the nearest ground frame among its ancestors ({@code base_footprint}, else
         * {@code base_link}); null where the camera frame is not in the tree or has neither ancestor.
         */
        public CameraMount mount(String cameraFrame) {
            String camera = strip(cameraFrame);
            for (String ground : new String[] {"base_footprint", "base_link"}) {
                java.util.Set<String> topics = new java.util.TreeSet<>();
                double[][] pose = poseIn(camera, ground, topics);
                if (pose != null) {
                    CameraMount m = of(ground, camera, pose[0], pose[1]);
                    return new CameraMount(m.groundFrame, m.cameraFrame, m.heightM, m.pitchDownDeg, m.rollDeg,
                            topics.isEmpty() ? TF_STATIC : String.join(", ", topics));
                }
            }
            return null;
        }

        /**
         * The frame's pose in an ancestor: {rotation as a row-major 3×3 (frame axes to ancestor axes), position};
         * null where the ancestor is not on the frame's chain.
         */
        private double[][] poseIn(String frame, String ancestor, java.util.Set<String> topics) {
            double[] r = {1, 0, 0, 0, 1, 0, 0, 0, 1};
            double[] p = {0, 0, 0};
            String at = frame;
            for (int hops = 0; hops < 64 && !at.equals(ancestor); hops++) {
                Edge e = parentOf.get(at);
                if (e == null) {
                    return null;
                }
                topics.add(e.topic);
                double[] m = matrix(e.rotation);
                // x_parent = M · x_child + t: compose onto what the chain below has
                p = add(apply(m, p), e.translation);
                r = multiply(m, r);
                at = e.parent;
            }
            return at.equals(ancestor) ? new double[][] {r, p} : null;
        }
    }

    /** The mount of a camera frame whose pose in the ground frame is {@code r} (row-major) and {@code p}. */
    static CameraMount of(String ground, String camera, double[] r, double[] p) {
        // r's columns are the frame's axes in the ground frame: r[7] its y axis' upward part, r[8] its z axis'
        boolean opticalByAxes = r[7] < -0.5 && r[8] < 0.5;
        if (!camera.contains("optical") && !opticalByAxes) {
            // a body frame: the optical frame's x (right) is its -y, y (down) its -z, z (forward) its x
            r = multiply(r, new double[] {0, 0, 1, -1, 0, 0, 0, -1, 0});
        }
        // columns of r: the optical frame's axes in the ground frame
        double[] forward = {r[2], r[5], r[8]};
        double[] right = {r[0], r[3], r[6]};
        double pitchDown = Math.toDegrees(Math.atan2(-forward[2], Math.hypot(forward[0], forward[1])));
        // level, the picture's right axis is horizontal; rolled clockwise in the picture, it dips (z < 0)
        double[] down = {r[1], r[4], r[7]};
        double roll = Math.toDegrees(Math.atan2(-right[2], -down[2]));
        return new CameraMount(ground, camera, p[2], pitchDown, roll, TF_STATIC);
    }

    private static String strip(String frame) {
        return frame.startsWith("/") ? frame.substring(1) : frame; // tf1's leading slash
    }

    private static double[] matrix(double[] q) {
        double x = q[0];
        double y = q[1];
        double z = q[2];
        double w = q[3];
        double n = Math.sqrt(x * x + y * y + z * z + w * w);
        if (!(n > 0)) {
            return new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
        }
        x /= n;
        y /= n;
        z /= n;
        w /= n;
        return new double[] {
            1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
            2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
            2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)};
    }

    private static double[] multiply(double[] a, double[] b) {
        double[] c = new double[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                c[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
            }
        }
        return c;
    }

    private static double[] apply(double[] m, double[] v) {
        return new double[] {m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
            m[6] * v[0] + m[7] * v[1] + m[8] * v[2]};
    }

    private static double[] add(double[] a, double[] b) {
        return new double[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]};
    }
}
