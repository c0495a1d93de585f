package io.roadseg.ros;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The few ROS 2 message types roadseg reads and writes, with their {@code ros2msg} definitions as rosbag2 stores
 * them in MCAP schema records: the type's own definition, then each dependency after a line of 80 {@code =} and a
 * {@code MSG: package/Type} line.
 *
 * <p>Layouts (CDR, see {@link CdrWriter}):
 * <ul>
 *   <li>{@code std_msgs/Header}: {@code builtin_interfaces/Time stamp} (int32 sec, uint32 nanosec), string frame_id</li>
 *   <li>{@code sensor_msgs/msg/CompressedImage}: header, string format ({@code jpeg}, {@code png}), uint8[] data</li>
 *   <li>{@code sensor_msgs/msg/Image}: header, uint32 height, uint32 width, string encoding, uint8 is_bigendian,
 *       uint32 step, uint8[] data (encodings read: rgb8, bgr8, mono8, rgba8, bgra8, the
 *       8-bit Bayer mosaics, yuv422/uyvy, yuv422_yuy2/yuyv, nv21; written: mono8, 32FC1)</li>
 *   <li>{@code sensor_msgs/msg/CameraInfo}: header, height, width, distortion_model, float64[] d, float64[9] k,
 *       float64[9] r, float64[12] p, binning_x, binning_y, {@code sensor_msgs/RegionOfInterest} roi</li>
 *   <li>{@code diagnostic_msgs/msg/DiagnosticArray}: header, {@code DiagnosticStatus[]} status, each: byte level
 *       (0 OK, 1 WARN, 2 ERROR, 3 STALE), string name, message, hardware_id, {@code KeyValue[]} values (string key,
 *       string value)</li>
 * </ul>
 */
public final class RosMessages {
    public static final String COMPRESSED_IMAGE = "sensor_msgs/msg/CompressedImage";
    public static final String IMAGE = "sensor_msgs/msg/Image";
    public static final String CAMERA_INFO = "sensor_msgs/msg/CameraInfo";
    /** The ROS diagnostics message: what {@code /diagnostics} carries, what rqt_robot_monitor and Foxglove show. */
    public static final String DIAGNOSTIC_ARRAY = "diagnostic_msgs/msg/DiagnosticArray";
    /** {@code diagnostic_msgs/DiagnosticStatus} levels. */
    public static final int OK = 0;
    public static final int WARN = 1;
    public static final int ERROR = 2;
    public static final int STALE = 3;
    /** Foxglove's protobuf image message, read through the descriptor in the file's schema record. */
    public static final String FOXGLOVE_COMPRESSED_IMAGE = "foxglove.CompressedImage";
    /** Foxglove's camera intrinsics, CameraInfo's fields under other names (read in protobuf). */
    public static final String FOXGLOVE_CAMERA_CALIBRATION = "foxglove.CameraCalibration";

    /** Foxglove's raw pixels: sensor_msgs/Image's fields and encodings (read in protobuf). */
    public static final String FOXGLOVE_RAW_IMAGE = "foxglove.RawImage";
    /** Foxglove's video: one frame's packet per message (H.264/H.265 Annex B, VP9, AV1), read in protobuf. */
    public static final String FOXGLOVE_COMPRESSED_VIDEO = "foxglove.CompressedVideo";
    /** The ROS 2 twins of Foxglove's messages (foxglove_msgs), read in CDR: what foxglove_bridge and
     * foxglove_compressed_video_transport publish. */
    public static final String ROS_FOXGLOVE_COMPRESSED_IMAGE = "foxglove_msgs/msg/CompressedImage";
    public static final String ROS_FOXGLOVE_COMPRESSED_VIDEO = "foxglove_msgs/msg/CompressedVideo";
    /** ROS's {@code ffmpeg_image_transport}: one encoded packet per message, its encoder's name in {@code encoding}. */
    public static final String FFMPEG_PACKET = "ffmpeg_image_transport_msgs/msg/FFMPEGPacket";

    /** Camera image types a recording can be replayed from. */
    public static final List<String> CAMERA_TYPES = List.of(COMPRESSED_IMAGE, IMAGE, FOXGLOVE_COMPRESSED_IMAGE,
            FOXGLOVE_RAW_IMAGE, FOXGLOVE_COMPRESSED_VIDEO, ROS_FOXGLOVE_COMPRESSED_IMAGE, ROS_FOXGLOVE_COMPRESSED_VIDEO,
            FFMPEG_PACKET);

    private static final String TIME = "int32 sec\nuint32 nanosec\n";
    private static final String HEADER = "builtin_interfaces/Time stamp\nstring frame_id\n";
    private static final String ROI = "uint32 x_offset\nuint32 y_offset\nuint32 height\nuint32 width\nbool do_rectify\n";
    private static final String SEPARATOR = "=".repeat(80) + "\n";

    private RosMessages() {
    }

    /** Whether a channel's message encoding is one roadseg decodes ROS messages from: ROS 2's CDR or ROS 1's. */
    public static boolean rosEncoding(String messageEncoding) {
        return "cdr".equals(messageEncoding) || "ros1".equals(messageEncoding);
    }

    /**
     * A channel's message type by its ROS 2 name: a ROS 1 recording names it {@code pkg/Type}, ROS 2
     * {@code pkg/msg/Type}; other encodings' names as they are.
     */
    public static String ros2Name(String schemaName, String messageEncoding) {
        if ("ros1".equals(messageEncoding) && schemaName.indexOf('/') > 0
                && schemaName.indexOf('/') == schemaName.lastIndexOf('/')) {
            int slash = schemaName.indexOf('/');
            return schemaName.substring(0, slash) + "/msg" + schemaName.substring(slash);
        }
        return schemaName;
    }

    /** @return the {@code ros2msg} schema text of one of the types above, dependencies included */
    public static String definition(String type) {
        String headerDeps = dependency("std_msgs/Header", HEADER) + dependency("builtin_interfaces/Time", TIME);
        return switch (type) {
            case COMPRESSED_IMAGE -> "std_msgs/Header header\nstring format\nuint8[] data\n" + headerDeps;
            case IMAGE -> "std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\n"
                    + "uint32 step\nuint8[] data\n" + headerDeps;
            case CAMERA_INFO -> "std_msgs/Header header\nuint32 height\nuint32 width\nstring distortion_model\n"
                    + "float64[] d\nfloat64[9] k\nfloat64[9] r\nfloat64[12] p\nuint32 binning_x\nuint32 binning_y\n"
                    + "sensor_msgs/RegionOfInterest roi\n" + headerDeps
                    + dependency("sensor_msgs/RegionOfInterest", ROI);
            case DIAGNOSTIC_ARRAY -> "std_msgs/Header header\ndiagnostic_msgs/DiagnosticStatus[] status\n" + headerDeps
                    + dependency("diagnostic_msgs/DiagnosticStatus", "byte OK=0\nbyte WARN=1\nbyte ERROR=2\n"
                    + "byte STALE=3\nbyte level\nstring name\nstring message\nstring hardware_id\n"
                    + "diagnostic_msgs/KeyValue[] values\n")
                    + dependency("diagnostic_msgs/KeyValue", "string key\nstring value\n");
            case ROS_FOXGLOVE_COMPRESSED_VIDEO -> "builtin_interfaces/Time timestamp\nstring frame_id\nuint8[] data\n"
                    + "string format\n" + dependency("builtin_interfaces/Time", TIME);
            default -> throw new IllegalArgumentException("no ros2msg definition for " + type);
        };
    }

    public static byte[] definitionBytes(String type) {
        return definition(type).getBytes(StandardCharsets.UTF_8);
    }

    private static String dependency(String name, String text) {
        return SEPARATOR + "MSG: " + name + "\n" + text;
    }

    /**
     * rosbag2's {@code offered_qos_profiles} channel metadata for a plain publisher: reliable, volatile, keep last
     * 10, infinite deadline, lifespan and lease (the values rosbag2 itself writes for such a publisher).
     */
    public static String offeredQosProfiles() {
        String forever = "    sec: 2147483647\n    nsec: 4294967295\n";
        return "- history: 1\n  depth: 10\n  reliability: 1\n  durability: 2\n  deadline:\n" + forever
                + "  lifespan:\n" + forever + "  liveliness: 1\n  liveliness_lease_duration:\n" + forever
                + "  avoid_ros_namespace_conventions: false";
    }
}
