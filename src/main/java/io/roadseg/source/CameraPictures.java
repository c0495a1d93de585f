package io.roadseg.source;

import io.roadseg.ros.CameraMessages;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC;
import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.bytedeco.opencv.global.opencv_core.minMaxLoc;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGRA2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BayerBG2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BayerGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BayerGR2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BayerRG2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGBA2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_YUV2BGR_NV21;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_YUV2BGR_UYVY;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_YUV2BGR_YUY2;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * One camera topic's messages ({@link CameraMessages.Frame}) to BGR pictures, whatever carries them: an encoded
 * picture (JPEG, PNG: OpenCV), raw pixels in {@code sensor_msgs/image_encodings}' names (colour, 8-bit Bayer mosaics,
 * YUV), or one frame's packet of a video stream ({@link VideoPackets}, made for the stream's format at its first
 * packet). What a recording ({@link McapSource}) and a live connection read frames with alike.
 *
 * <p>Native memory: one growing input buffer, the decoded, converted and scaled {@code Mat}s and the video decoder,
 * reused and freed by {@link #close}.
 *
 * <p>Threading: one thread.
 */
public final class CameraPictures implements AutoCloseable {
    private BytePointer input = new BytePointer(1L << 16);
    private final Mat decoded = new Mat();
    private final Mat converted = new Mat();
    private VideoPackets video;
    private String lastError;

    /**
     * A raw encoding: its name, samples per pixel in a row, OpenCV's conversion to BGR (-1: none), and whether each
     * sample is 16 bits (else 8).
     */
    private record RawEncoding(String name, int channels, int conversion, boolean wide) {
        RawEncoding(String name, int channels, int conversion) {
            this(name, channels, conversion, false);
        }
    }

    private static final RawEncoding[] RAW = {
            new RawEncoding("bgr8", 3, -1), new RawEncoding("8UC3", 3, -1),
            new RawEncoding("rgb8", 3, COLOR_RGB2BGR),
            new RawEncoding("mono8", 1, COLOR_GRAY2BGR), new RawEncoding("8UC1", 1, COLOR_GRAY2BGR),
            new RawEncoding("bgra8", 4, COLOR_BGRA2BGR), new RawEncoding("8UC4", 4, COLOR_BGRA2BGR),
            new RawEncoding("rgba8", 4, COLOR_RGBA2BGR),
            // OpenCV names a mosaic by its second row's second and third pixels: ROS's rggb is its BayerBG
            new RawEncoding("bayer_rggb8", 1, COLOR_BayerBG2BGR), new RawEncoding("bayer_bggr8", 1, COLOR_BayerRG2BGR),
            new RawEncoding("bayer_gbrg8", 1, COLOR_BayerGR2BGR), new RawEncoding("bayer_grbg8", 1, COLOR_BayerGB2BGR),
            new RawEncoding("yuv422", 2, COLOR_YUV2BGR_UYVY), new RawEncoding("uyvy", 2, COLOR_YUV2BGR_UYVY),
            new RawEncoding("yuv422_yuy2", 2, COLOR_YUV2BGR_YUY2), new RawEncoding("yuyv", 2, COLOR_YUV2BGR_YUY2),
            new RawEncoding("nv21", 1, COLOR_YUV2BGR_NV21),
            // 16-bit samples (machine-vision and automotive cameras' 10-, 12- and 16-bit modes), scaled to 8 bits
            new RawEncoding("bgr16", 3, -1, true), new RawEncoding("rgb16", 3, COLOR_RGB2BGR, true),
            new RawEncoding("mono16", 1, COLOR_GRAY2BGR, true),
            new RawEncoding("bgra16", 4, COLOR_BGRA2BGR, true), new RawEncoding("rgba16", 4, COLOR_RGBA2BGR, true),
            new RawEncoding("bayer_rggb16", 1, COLOR_BayerBG2BGR, true),
            new RawEncoding("bayer_bggr16", 1, COLOR_BayerRG2BGR, true),
            new RawEncoding("bayer_gbrg16", 1, COLOR_BayerGR2BGR, true),
            new RawEncoding("bayer_grbg16", 1, COLOR_BayerGB2BGR, true)};

    /**
     * One camera message as its picture's format and size ("jpeg 640x480", "bayer_rggb16 1920x1200"), or why it gives
     * none; null where the channel is not a camera type roadseg reads. What {@code roadseg info} shows for a camera
     * topic's first message.
     */
    public static String describe(String schemaName, String schemaEncoding, byte[] schema, String messageEncoding,
                                  byte[] array, int offset, int length) {
        CameraMessages decoder;
        try {
            decoder = CameraMessages.forChannel(schemaName, schemaEncoding, schema, messageEncoding);
        } catch (CameraMessages.DecodeException | RuntimeException e) {
            return null;
        }
        if (decoder == null) {
            return null;
        }
        CameraMessages.Frame frame = new CameraMessages.Frame();
        try {
            decoder.decode(array, offset, length, frame);
        } catch (CameraMessages.DecodeException e) {
            return "does not decode (" + e.getMessage() + ")";
        }
        try (CameraPictures pictures = new CameraPictures()) {
            Mat m = pictures.decode(frame);
            return frame.format() + (m != null ? " " + m.cols() + "x" + m.rows()
                    : pictures.lastError() != null ? ", " + pictures.lastError()
                    : " (a video packet: the size comes with a keyframe)");
        }
    }

    CameraPictures() {
    }

    /** The raw encodings read, in words, for the message that refuses another. */
    static final String RAW_ENCODINGS = "rgb8, bgr8, mono8, rgba8, bgra8, bayer_rggb8, bayer_bggr8, bayer_gbrg8, "
            + "bayer_grbg8, yuv422 (uyvy), yuv422_yuy2 (yuyv), nv21, and the 16-bit rgb16, bgr16, mono16, rgba16, "
            + "bgra16, bayer_*16 are; 16UC1 and 32FC1 are depth images, not a camera's picture";

    /**
     * The message's picture in BGR (reused: valid until the next call), at its own size; null where it gives none
     * ({@link #lastError} says why).
     */
    Mat decode(CameraMessages.Frame message) {
        pending = false;
        pictureStamp = message.stampNanos;
        if (message.video) {
            return videoFrame(message);
        }
        if (message.compressed) {
            if (message.dataLength == 0) {
                return failed("empty image data");
            }
            if (input.capacity() < message.dataLength) {
                input.close();
                input = new BytePointer(Math.max(message.dataLength, 2 * input.capacity()));
            }
            input.position(0).put(message.array, message.dataOffset, message.dataLength);
            // the returned header says whether it decoded: on failure OpenCV leaves `decoded` as it was
            boolean ok;
            try (Mat buffer = new Mat(1, message.dataLength, CV_8UC1, input);
                 Mat result = imdecode(buffer, IMREAD_COLOR, decoded)) {
                ok = result != null && !result.empty();
            } catch (RuntimeException e) {
                return failed("image does not decode (" + e.getMessage() + ")");
            }
            if (!ok || decoded.empty()) {
                return failed("a " + message.format() + " image that OpenCV cannot decode");
            }
            return decoded;
        }
        return raw(message);
    }

    /**
     * The message's frame id ({@code header.frame_id}), the same {@code String} while it does not change: a new one
     * only when a message names another frame, none per frame.
     */
    String frameId(CameraMessages.Frame message) {
        int n = message.frameIdLength;
        boolean same = n == frameIdBytes.length;
        for (int i = 0; same && i < n; i++) {
            same = frameIdBytes[i] == message.array[message.frameIdOffset + i];
        }
        if (!same) {
            frameIdBytes = java.util.Arrays.copyOfRange(message.array, message.frameIdOffset,
                    message.frameIdOffset + n);
            frameId = new String(frameIdBytes, java.nio.charset.StandardCharsets.UTF_8);
        }
        return frameId;
    }

    private byte[] frameIdBytes = new byte[0];
    private String frameId = "";

    /**
     * Copies a picture of {@link #decode} into {@code bgr} at {@code width}×{@code height} (the source's size, the first
     * picture's): as it is, or resized where a later picture's size differs. OpenCV writes straight into the buffer,
     * through a {@code Mat} header kept for each buffer the source is handed (a ring's slots: made on a slot's first
     * frame, none after), so a frame costs no Java object.
     */
    void copyTo(Mat picture, java.nio.ByteBuffer bgr, int width, int height) {
        if (picture.type() != CV_8UC3) {
            throw new IllegalStateException("a decoded picture that is not 8-bit BGR"); // would detach the target
        }
        Mat target = target(bgr, width, height);
        if (picture.cols() != width || picture.rows() != height) {
            if (scaledSize == null || scaledSize.width() != width || scaledSize.height() != height) {
                if (scaledSize != null) {
                    scaledSize.close();
                }
                scaledSize = new Size(width, height);
            }
            resize(picture, target, scaledSize);
        } else {
            picture.copyTo(target);
        }
    }

    /** The {@code Mat} header over a buffer the pictures are copied into (its data the buffer's, never reallocated). */
    private Mat target(java.nio.ByteBuffer bgr, int width, int height) {
        Mat t = targets.get(bgr);
        if (t != null && t.cols() == width && t.rows() == height) {
            return t;
        }
        if (t != null || targets.size() >= MAX_TARGETS) { // a new size, or buffers not reused as a ring's are
            closeTargets();
        }
        if (bgr.capacity() < width * height * 3 || !bgr.isDirect()) {
            throw new IllegalArgumentException("a frame buffer of " + bgr.capacity() + " bytes" + (bgr.isDirect()
                    ? "" : ", not direct,") + " for a " + width + "x" + height + " BGR picture");
        }
        t = new Mat(height, width, CV_8UC3, new BytePointer(bgr.duplicate().clear()));
        targets.put(bgr, t);
        return t;
    }

    private void closeTargets() {
        for (Mat t : targets.values()) {
            t.close();
        }
        targets.clear();
    }

    /** More buffers than any ring has slots: a caller handing a new buffer each time, whose headers are let go. */
    private static final int MAX_TARGETS = 256;
    private final java.util.IdentityHashMap<java.nio.ByteBuffer, Mat> targets = new java.util.IdentityHashMap<>();
    private Size scaledSize;

    /** Why the last {@link #decode} gave no picture. */
    String lastError() {
        return lastError;
    }

    /** A replay looping back to its first message: a video stream from its first keyframe again. */
    void restart() {
        if (video != null) {
            video.restart();
        }
    }

    private Mat failed(String why) {
        lastError = why;
        return null;
    }

    /** A video topic's packet decoded to its frame (the decoder made for the stream's format at its first packet). */
    private Mat videoFrame(CameraMessages.Frame message) {
        if (video != null && !message.formatIs(video.format())) {
            return failed("a packet (" + message.format() + ") in a stream of " + video.format());
        }
        if (video == null) {
            try {
                video = new VideoPackets(message.format());
            } catch (SourceException e) {
                return failed(e.getMessage());
            }
        }
        videoStamps[(int) (video.nextKey() % VideoPackets.WINDOW)] = message.stampNanos;
        Mat picture = video.decode(message.array, message.dataOffset, message.dataLength);
        if (picture == null) {
            pending = video.pending();
            return failed(video.lastError());
        }
        pictureStamp = videoStamps[(int) (video.pictureKey() % VideoPackets.WINDOW)];
        return picture;
    }

    /**
     * At a video topic's end: the next picture its decoder still holds back (a stream with B-frames), stamped in
     * {@link #pictureStamp()}; null once none is left (and for pictures coded on their own).
     */
    Mat drain() {
        Mat picture = video == null ? null : video.drain();
        if (picture != null) {
            pictureStamp = videoStamps[(int) (video.pictureKey() % VideoPackets.WINDOW)];
        }
        return picture;
    }

    /**
     * Whether the last {@link #decode} gave no picture because a video decoder holds it back (B-frames: it comes with a
     * later packet, or from {@link #drain()}), not because the message is damaged.
     */
    boolean pending() {
        return pending;
    }

    /**
     * The header stamp of the message the last picture came from: the message decoded, or for a video stream with
     * B-frames the earlier packet whose picture came out.
     */
    long pictureStamp() {
        return pictureStamp;
    }

    /** A video topic's packets whose pictures never came (before its first keyframe, or lost in decoding). */
    long lostPackets() {
        return video == null ? 0 : video.lostPackets();
    }

    private final long[] videoStamps = new long[VideoPackets.WINDOW];
    private long pictureStamp;
    private boolean pending;

    /**
     * Raw {@code sensor_msgs/msg/Image} pixels to BGR: the colour encodings, 8-bit Bayer mosaics (industrial and
     * automotive cameras; demosaiced as ROS's {@code cv_bridge} does, with OpenCV's names for the patterns, which
     * count from the second row), and the YUV encodings a V4L2 camera driver publishes unconverted
     * ({@code usb_cam}'s {@code yuv422}/{@code uyvy} and {@code yuv422_yuy2}/{@code yuyv}; {@code nv21}).
     */
    private Mat raw(CameraMessages.Frame message) {
        int w = message.width;
        int h = message.height;
        RawEncoding encoding = null;
        for (RawEncoding e : RAW) {
            if (message.formatIs(e.name())) {
                encoding = e;
                break;
            }
        }
        if (encoding == null) {
            return failed("image encoding '" + message.format() + "' not supported (" + RAW_ENCODINGS + ")");
        }
        int channels = encoding.channels(); // bytes per pixel in a row of the message
        int conversion = encoding.conversion();
        int rows = h; // rows of the message
        if (conversion == COLOR_YUV2BGR_NV21) {
            if (w % 2 != 0 || h % 2 != 0) {
                return failed("nv21 image " + w + "x" + h + ": its sides must be even");
            }
            rows = h + h / 2; // the luma plane, then V and U interleaved at half resolution
        }
        int sampleBytes = encoding.wide() ? 2 : 1;
        if (w <= 0 || h <= 0 || message.step < w * channels * sampleBytes
                || (long) message.step * rows > message.dataLength) {
            return failed("image " + w + "x" + h + " step " + message.step + " does not fit its "
                    + message.dataLength + " bytes");
        }
        Mat target = conversion < 0 ? converted : decoded;
        int type = channels == 1 ? CV_8UC1 : channels == 2 ? CV_8UC2 : channels == 3 ? CV_8UC3 : CV_8UC4;
        if (target.rows() != rows || target.cols() != w || target.type() != type) {
            target.create(rows, w, type);
        }
        if (encoding.wide()) {
            widen(message, rows, w, channels, target);
        } else {
            BytePointer data = target.data();
            int row = w * channels;
            for (int y = 0; y < rows; y++) {
                data.position((long) y * row).put(message.array, message.dataOffset + y * message.step, row);
            }
            data.position(0);
        }
        if (conversion < 0) {
            return converted;
        }
        cvtColor(decoded, converted, conversion);
        return converted;
    }

    /**
     * 16-bit samples into {@code target}'s 8 bits. A camera's 10- or 12-bit mode is published in 16-bit encodings with
     * its values in the low bits (a 12-bit sensor's white is 4095, not 65535), so the scale is 255 over the largest
     * value the bits seen so far can hold: the highest bit set in any picture since the start (never below 8 bits),
     * which settles at the sensor's depth on its first bright picture and only grows. cv_bridge scales by 255/65535
     * always, which leaves a 12-bit camera's pictures at a sixteenth of their brightness.
     */
    private void widen(CameraMessages.Frame message, int rows, int w, int channels, Mat target) {
        if (wide.rows() != rows || wide.cols() != w || wide.channels() != channels) {
            wide.create(rows, w, CV_16UC(channels));
            if (wideSamples != null) {
                wideSamples.close();
            }
            wideSamples = new Mat(rows, w * channels, CV_16UC1, wide.data()); // its samples, one channel, for the max
        }
        BytePointer data = wide.data();
        int row = w * channels * 2;
        boolean swap = message.bigEndian; // OpenCV's 16-bit samples are this machine's order, little-endian
        if (swap && rowBuffer.length < row) {
            rowBuffer = new byte[row];
        }
        for (int y = 0; y < rows; y++) {
            int from = message.dataOffset + y * message.step;
            if (swap) {
                for (int i = 0; i < row; i += 2) {
                    rowBuffer[i] = message.array[from + i + 1];
                    rowBuffer[i + 1] = message.array[from + i];
                }
                data.position((long) y * row).put(rowBuffer, 0, row);
            } else {
                data.position((long) y * row).put(message.array, from, row);
            }
        }
        data.position(0);
        minMaxLoc(wideSamples, null, largest, null, null, null);
        int value = (int) largest.get();
        if (value > largestSeen) {
            largestSeen = value;
            significantBits = Math.max(8, 32 - Integer.numberOfLeadingZeros(value));
        }
        wide.convertTo(target, CV_8U, 255.0 / ((1 << significantBits) - 1), 0);
    }

    private final Mat wide = new Mat();
    private Mat wideSamples;
    private final DoublePointer largest = new DoublePointer(1);
    private byte[] rowBuffer = new byte[0];
    private int largestSeen;
    private int significantBits;

    /**
     * For 16-bit pictures, how they are scaled ("16-bit samples, 12 significant bits"); empty for 8-bit ones. Said
     * with the source's first picture.
     */
    String sampleNote() {
        return significantBits == 0 ? "" : ", 16-bit samples with " + significantBits + " significant bits (the "
                + "largest value so far " + largestSeen + ") scaled to 8";
    }

    @Override
    public void close() {
        input.close();
        decoded.close();
        converted.close();
        wide.close();
        if (wideSamples != null) {
            wideSamples.close();
        }
        largest.close();
        closeTargets();
        if (scaledSize != null) {
            scaledSize.close();
        }
        if (video != null) {
            video.close();
            video = null;
        }
    }
}
