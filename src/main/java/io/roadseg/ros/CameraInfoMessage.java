package io.roadseg.ros;

import io.roadseg.preprocess.Distortion;

/**
 * A camera's intrinsics as a ROS 2 recording states them: {@code sensor_msgs/msg/CameraInfo} in CDR (fields as in
 * ros2/common_interfaces), the part roadseg uses — the image size the calibration is for, the pinhole matrix K and
 * the distortion model with its coefficients. Pixel centres at integers (ROS's and OpenCV's convention).
 *
 * @param topic           the topic it was read from
 * @param frameId         the camera's frame ({@code header.frame_id})
 * @param width           image width the calibration is for, pixels (0: not given)
 * @param height          image height
 * @param fx              {@code K[0]}, pixels
 * @param fy              {@code K[4]}
 * @param cx              {@code K[2]}
 * @param cy              {@code K[5]}
 * @param distortionModel {@code distortion_model}, e.g. {@code plumb_bob}
 * @param d               the distortion coefficients as given ({@code plumb_bob}: k1, k2, p1, p2, k3)
 */
public record CameraInfoMessage(String topic, String frameId, int width, int height, double fx, double fy, double cx, double cy,
                                String distortionModel, double[] d) {
    public static final String CAMERA_INFO = "sensor_msgs/msg/CameraInfo";

    /** Whether a channel of this schema and message encoding carries camera intrinsics that this class reads. */
    public static boolean isCameraInfo(String schemaName, String messageEncoding) {
        return "cdr".equals(messageEncoding) && CAMERA_INFO.equals(schemaName);
    }

    /**
     * Reads one message.
     *
     * @param cdr   positioned at the message's start ({@link CdrReader#begin})
     * @param topic the channel's topic, kept with the reading
     * @throws CdrReader.CdrException when the message ends early or a count is absurd
     */
    public static CameraInfoMessage read(CdrReader cdr, String topic) throws CdrReader.CdrException {
        cdr.int32();        // header.stamp.sec
        cdr.uint32();       // header.stamp.nanosec
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
        return new CameraInfoMessage(topic, frameId, (int) Math.min(width, Integer.MAX_VALUE),
                (int) Math.min(height, Integer.MAX_VALUE), k[0], k[4], k[2], k[5], model, d);
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
