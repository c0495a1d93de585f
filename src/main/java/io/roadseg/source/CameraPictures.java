package io.roadseg.source;

import io.roadseg.ros.CameraMessages;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
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
final class CameraPictures implements AutoCloseable {
    private BytePointer input = new BytePointer(1L << 16);
    private final Mat decoded = new Mat();
    private final Mat converted = new Mat();
    private VideoPackets video;
    private String lastError;

    /** A raw encoding: its name, bytes per pixel in a row, OpenCV's conversion to BGR (-1: none). */
    private record RawEncoding(String name, int channels, int conversion) {
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
            new RawEncoding("nv21", 1, COLOR_YUV2BGR_NV21)};

    /** The raw encodings read, in words, for the message that refuses another. */
    static final String RAW_ENCODINGS = "rgb8, bgr8, mono8, rgba8, bgra8, bayer_rggb8, bayer_bggr8, bayer_gbrg8, "
            + "bayer_grbg8, yuv422 (uyvy), yuv422_yuy2 (yuyv), nv21 are";

    /**
     * The message's picture in BGR (reused: valid until the next call), at its own size; null where it gives none
     * ({@link #lastError} says why).
     */
    Mat decode(CameraMessages.Frame message) {
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
     * picture's): as it is, or resized into a Mat kept for it where a later picture's size differs.
     */
    void copyTo(Mat picture, java.nio.ByteBuffer bgr, int width, int height) {
        Mat src = picture;
        if (picture.cols() != width || picture.rows() != height) {
            if (scaledSize == null || scaled.cols() != width || scaled.rows() != height) {
                if (scaledSize != null) {
                    scaledSize.close();
                }
                scaled.create(height, width, CV_8UC3);
                scaledSize = new Size(width, height);
            }
            resize(picture, scaled, scaledSize);
            src = scaled;
        }
        int bytes = width * height * 3;
        bgr.put(0, src.data().capacity(bytes).asByteBuffer(), 0, bytes);
    }

    private final Mat scaled = new Mat();
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
        Mat picture = video.decode(message.array, message.dataOffset, message.dataLength);
        return picture != null ? picture : failed(video.lastError());
    }

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
        if (w <= 0 || h <= 0 || message.step < w * channels || (long) message.step * rows > message.dataLength) {
            return failed("image " + w + "x" + h + " step " + message.step + " does not fit its "
                    + message.dataLength + " bytes");
        }
        Mat target = conversion < 0 ? converted : decoded;
        int type = channels == 1 ? CV_8UC1 : channels == 2 ? CV_8UC2 : channels == 3 ? CV_8UC3 : CV_8UC4;
        if (target.rows() != rows || target.cols() != w || target.type() != type) {
            target.create(rows, w, type);
        }
        BytePointer data = target.data();
        int row = w * channels;
        for (int y = 0; y < rows; y++) {
            data.position((long) y * row).put(message.array, message.dataOffset + y * message.step, row);
        }
        data.position(0);
        if (conversion < 0) {
            return converted;
        }
        cvtColor(decoded, converted, conversion);
        return converted;
    }

    @Override
    public void close() {
        input.close();
        decoded.close();
        converted.close();
        scaled.close();
        if (scaledSize != null) {
            scaledSize.close();
        }
        if (video != null) {
            video.close();
            video = null;
        }
    }
}
