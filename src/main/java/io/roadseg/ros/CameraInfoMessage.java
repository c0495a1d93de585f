package io.roadseg.ros;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.roadseg.preprocess.Distortion;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A camera's intrinsics as a recording states them — {@code sensor_msgs/msg/CameraInfo} in CDR (fields as in
 * ros2/common_interfaces) or in ROS 1's serialization, or Foxglove's {@code foxglove.CameraCalibration} in protobuf
 * (the same fields under other names) — the part roadseg uses, <b>for the pictures of one image topic</b>, as ROS's
 * {@code image_geometry} ({@code PinholeCameraModel::fromCameraInfo}) reads the message for them:
 * <ul>
 *   <li>a <b>raw</b> picture (any topic but the next): K and the distortion;</li>
 *   <li>a <b>rectified</b> picture — a topic with a name part that begins {@code image_rect}
 *       ({@code image_proc}'s {@code image_rect} and {@code image_rect_color}, {@code stereo_image_proc}'s, RealSense's
 *       {@code image_rect_raw}, ZED's and Isaac ROS's, each also under {@code /compressed}): the message still
 *       describes the raw camera, so the picture's intrinsics are the projection P's left 3×3 and there is no lens
 *       left to undo (until 2026-11-28 roadseg took K and undid the lens a second time);</li>
 *   <li>either, with a region of interest and binning: the ROI (in the full sensor's pixels) moves the principal
 *       point by its offset and is the picture's size; binning divides both, x and y apart (0 counts as 1, an
 *       all-zero ROI as the whole picture).</li>
 * </ul>
 * Pixel centres at integers (ROS's and OpenCV's convention).
 *
 * @param topic           the topic it was read from
 * @param frameId         the camera's frame ({@code header.frame_id})
 * @param width           width of the pictures it describes (after ROI and binning), pixels (0: not given)
 * @param height          height of those pictures
 * @param fx              the pictures' focal length in x: {@code K[0]}, or {@code P[0]} for a rectified picture,
 *                        over the binning; pixels
 * @param fy              {@code K[4]} ({@code P[5]})
 * @param cx              {@code K[2]} ({@code P[2]}), less the ROI's offset, over the binning
 * @param cy              {@code K[5]} ({@code P[6]})
 * @param distortionModel {@code distortion_model}, e.g. {@code plumb_bob}; empty for a rectified picture
 * @param d               the distortion coefficients as given ({@code plumb_bob}: k1, k2, p1, p2, k3); none for a
 *                        rectified picture
 * @param readAs          how the message was brought to the pictures, in words, for the run's first lines; empty
 *                        where K and the lens were taken as they are
 */
public record CameraInfoMessage(String topic, String frameId, int width, int height, double fx, double fy, double cx, double cy,
                                String distortionModel, double[] d, String readAs) {
    public static final String CAMERA_INFO = "sensor_msgs/msg/CameraInfo";
    private static final Pattern RECTIFIED = Pattern.compile("(^|/)image_rect[^/]*(/|$)");

    /**
     * Whether a channel of this schema and message encoding carries camera intrinsics that this class reads: ROS 2's
     * {@code sensor_msgs/msg/CameraInfo} in CDR, Foxglove's {@code foxglove.CameraCalibration} in protobuf.
     */
    public static boolean isCameraInfo(String schemaName, String messageEncoding) {
        return RosMessages.rosEncoding(messageEncoding)
                && CAMERA_INFO.equals(RosMessages.ros2Name(schemaName, messageEncoding))
                || "protobuf".equals(messageEncoding) && RosMessages.FOXGLOVE_CAMERA_CALIBRATION.equals(schemaName);
    }

    /**
     * The protobuf type of a {@code foxglove.CameraCalibration} channel from its schema (resolved once, for
     * {@link #read(Descriptors.Descriptor, CdrReader, boolean, byte[], int, int, String, String)}); null for a ROS
     * CameraInfo channel.
     */
    public static Descriptors.Descriptor foxgloveType(String schemaName, byte[] schema)
            throws CameraMessages.DecodeException {
        return RosMessages.FOXGLOVE_CAMERA_CALIBRATION.equals(schemaName)
                ? CameraMessages.protobufType(schemaName, schema) : null;
    }

    /**
     * One message of a calibration channel, whichever it is: {@code foxglove.CameraCalibration} where
     * {@code foxglove} (its type, {@link #foxgloveType}) is given, else ROS's CameraInfo in CDR or, {@code ros1}, in
     * ROS 1's serialization — read for the pictures of {@code imageTopic}. What a recording and a live server read
     * alike.
     */
    public static CameraInfoMessage read(Descriptors.Descriptor foxglove, CdrReader cdr, boolean ros1, byte[] b,
                                         int offset, int length, String topic, String imageTopic)
            throws CameraMessages.DecodeException, CdrReader.CdrException {
        return foxglove != null ? readFoxglove(foxglove, b, offset, length, topic, imageTopic)
                : read(cdr.begin(b, offset, length, ros1), topic, imageTopic);
    }

    /**
     * Reads one {@code foxglove.CameraCalibration} (protobuf, by the field names of the schema {@code type}): ROS's
     * CameraInfo under other names — {@code width}, {@code height}, {@code distortion_model}, {@code D}, {@code K},
     * {@code P} — read for the pictures of {@code imageTopic} the same way (it has no binning or region of interest).
     *
     * @throws CameraMessages.DecodeException where the bytes do not parse as the type or a field roadseg needs has
     *                                        another type
     */
    public static CameraInfoMessage readFoxglove(Descriptors.Descriptor type, byte[] b, int offset,
                                                 int length, String topic, String imageTopic)
            throws CameraMessages.DecodeException {
        DynamicMessage m;
        try {
            m = DynamicMessage.parseFrom(type,
                    CodedInputStream.newInstance(b, offset, length));
        } catch (IOException e) {
            throw new CameraMessages.DecodeException(type.getFullName() + " does not parse (" + e.getMessage() + ")");
        }
        double[] k = doubles(m, "K", 9);
        double[] p = doubles(m, "P", 12);
        double[] d = doubles(m, "D", -1);
        return forPictures(topic, string(m, "frame_id"), whole(m, "width"), whole(m, "height"),
                string(m, "distortion_model"), d, k, p, new long[6], imageTopic);
    }

    private static Descriptors.FieldDescriptor fieldOf(DynamicMessage m,
                                                                         String name) {
        return m.getDescriptorForType().findFieldByName(name);
    }

    private static String string(DynamicMessage m, String name) throws CameraMessages.DecodeException {
        var f = fieldOf(m, name);
        if (f == null) {
            return "";
        }
        if (f.isRepeated() || !(m.getField(f) instanceof String v)) {
            throw new CameraMessages.DecodeException(m.getDescriptorForType().getFullName() + "." + name
                    + " is not a string");
        }
        return v;
    }

    private static long whole(DynamicMessage m, String name) throws CameraMessages.DecodeException {
        var f = fieldOf(m, name);
        if (f == null) {
            return 0;
        }
        if (f.isRepeated() || !(m.getField(f) instanceof Number v)) {
            throw new CameraMessages.DecodeException(m.getDescriptorForType().getFullName() + "." + name
                    + " is not a number");
        }
        // fixed32 comes back as a signed int: its unsigned value
        return v instanceof Integer i ? Integer.toUnsignedLong(i) : Math.max(0, v.longValue());
    }

    /** A repeated double field's values: {@code n} of them (missing ones 0), or all where {@code n} is -1. */
    private static double[] doubles(DynamicMessage m, String name, int n)
            throws CameraMessages.DecodeException {
        var f = fieldOf(m, name);
        if (f == null) {
            return new double[Math.max(n, 0)];
        }
        if (!f.isRepeated() || f.getJavaType() != Descriptors.FieldDescriptor.JavaType.DOUBLE) {
            throw new CameraMessages.DecodeException(m.getDescriptorForType().getFullName() + "." + name
                    + " is not a list of doubles");
        }
        int count = m.getRepeatedFieldCount(f);
        if (count > 64) {
            throw new CameraMessages.DecodeException(m.getDescriptorForType().getFullName() + "." + name + " has "
                    + count + " numbers");
        }
        double[] out = new double[n < 0 ? count : n];
        for (int i = 0; i < Math.min(count, out.length); i++) {
            out[i] = (Double) m.getRepeatedField(f, i);
        }
        return out;
    }

    /**
     * Of the calibration topics {@code infos}, the one of the camera topic: the one in its namespace (a driver
     * publishes {@code /cam/front/camera_info} beside {@code /cam/front/image_raw} and its {@code /compressed}), the
     * deepest if several; the only one where none is; -1 where there is none or several unrelated ones.
     */
    public static int choose(List<String> infos, String cameraTopic) {
        int best = -1;
        int bestDepth = -1;
        for (int i = 0; i < infos.size(); i++) {
            String t = infos.get(i);
            int slash = t.lastIndexOf('/');
            String namespace = slash < 0 ? "" : t.substring(0, slash + 1);
            if (cameraTopic.startsWith(namespace) && namespace.length() > bestDepth) {
                best = i;
                bestDepth = namespace.length();
            }
        }
        return best >= 0 ? best : infos.size() == 1 ? 0 : -1;
    }

    /**
     * Whether an image topic carries rectified pictures by ROS's naming: a part of its name begins {@code image_rect}
     * ({@code /cam/image_rect}, {@code /cam/image_rect_color/compressed}, {@code /camera/color/image_rect_raw}).
     */
    public static boolean rectifiedTopic(String imageTopic) {
        return imageTopic != null && RECTIFIED.matcher(imageTopic).find();
    }

    /**
     * Reads one message for the raw pictures of the camera (K and its lens).
     *
     * @see #read(CdrReader, String, String)
     */
    public static CameraInfoMessage read(CdrReader cdr, String topic) throws CdrReader.CdrException {
        return read(cdr, topic, null);
    }

    /**
     * Reads one message for the pictures of {@code imageTopic} (raw or rectified by its name; null: raw).
     *
     * @param cdr        positioned at the message's start ({@link CdrReader#begin})
     * @param topic      the channel's topic, kept with the reading
     * @param imageTopic the topic of the pictures it is read for
     * @throws CdrReader.CdrException when the message ends before K or a count is absurd
     */
    public static CameraInfoMessage read(CdrReader cdr, String topic, String imageTopic) throws CdrReader.CdrException {
        cdr.stamp(true);    // header.stamp
        String frameId = cdr.string(); // header.frame_id
        long height = cdr.uint32();
        long width = cdr.uint32();
        String model = cdr.string();
        long n = cdr.uint32();
        if (n > 64) {
            throw new CdrReader.CdrException("CameraInfo with " + n + " distortion coefficients");
        }
        double[] d = new double[(int) n];
        for (int i = 0; i < d.length; i++) {
            d[i] = cdr.float64();
        }
        double[] k = new double[9];
        for (int i = 0; i < k.length; i++) {
            k[i] = cdr.float64();
        }
        double[] p = new double[12];
        long[] binningAndRoi = new long[6]; // binning x, y; ROI x, y, height, width
        try {
            for (int i = 0; i < 9; i++) {
                cdr.float64(); // r: the rectifying rotation, a stereo pair's; roadseg keeps the camera's own axes
            }
            for (int i = 0; i < p.length; i++) {
                p[i] = cdr.float64();
            }
            for (int i = 0; i < binningAndRoi.length; i++) {
                binningAndRoi[i] = cdr.uint32();
            }
        } catch (CdrReader.CdrException cut) {
            // a message cut after K (not one ROS writes): the raw camera at full size, as before these were read
            Arrays.fill(p, 0);
            Arrays.fill(binningAndRoi, 0);
        }
        return forPictures(topic, frameId, width, height, model, d, k, p, binningAndRoi, imageTopic);
    }

    /** {@code image_geometry}'s reading of the message's fields for the pictures of {@code imageTopic}. */
    static CameraInfoMessage forPictures(String topic, String frameId, long width, long height, String model,
                                         double[] d, double[] k, double[] p, long[] binningAndRoi, String imageTopic) {
        List<String> readAs = new ArrayList<>();
        double fx = k[0], fy = k[4], cx = k[2], cy = k[5];
        if (rectifiedTopic(imageTopic)) {
            boolean projection = p[0] > 0 && p[5] > 0 && Double.isFinite(p[0]) && Double.isFinite(p[5]);
            if (projection) {
                fx = p[0];
                fy = p[5];
                cx = p[2];
                cy = p[6];
            }
            boolean lens = false;
            for (double c : d) {
                lens |= c != 0;
            }
            readAs.add(imageTopic + " is rectified (its name): " + (projection ? "the projection P's intrinsics"
                    : "K's intrinsics (P not given)") + (lens ? ", the " + model + " lens not undone again" : ""));
            model = "";
            d = new double[0];
        }
        long bx = Math.max(1, binningAndRoi[0]);
        long by = Math.max(1, binningAndRoi[1]);
        long roiX = binningAndRoi[2], roiY = binningAndRoi[3], roiHeight = binningAndRoi[4], roiWidth = binningAndRoi[5];
        if (roiX != 0 || roiY != 0 || roiHeight != 0 || roiWidth != 0) {
            cx -= roiX;
            cy -= roiY;
            width = roiWidth;
            height = roiHeight;
            readAs.add(String.format(Locale.ROOT, "the region %dx%d at (%d, %d) of the sensor", roiWidth,
                    roiHeight, roiX, roiY));
        }
        if (bx > 1 || by > 1) {
            fx /= bx;
            cx /= bx;
            fy /= by;
            cy /= by;
            width /= bx;
            height /= by;
            readAs.add("binned " + bx + "x" + by);
        }
        return new CameraInfoMessage(topic, frameId, (int) Math.min(width, Integer.MAX_VALUE),
                (int) Math.min(height, Integer.MAX_VALUE), fx, fy, cx, cy, model, d, String.join("; ", readAs));
    }

    /** Whether K is usable: positive focal lengths (an uncalibrated camera's CameraInfo is all zeros). */
    public boolean calibrated() {
        return fx > 0 && fy > 0 && Double.isFinite(fx) && Double.isFinite(fy) && Double.isFinite(cx)
                && Double.isFinite(cy);
    }

    /**
     * The lens's distortion, read as every calibration roadseg meets is ({@link Distortion}: {@code plumb_bob} and
     * {@code rational_polynomial} as OpenCV's vector, {@code equidistant} as {@code cv::fisheye}'s four).
     *
     * @throws IllegalArgumentException where roadseg cannot undo it (another model, or coefficients it does not
     *                                  take), saying why
     */
    public Distortion distortion() {
        return Distortion.of(distortionModel, d);
    }
}
