package io.roadseg.sink;

import io.roadseg.pipeline.FrameResult;
import io.roadseg.postprocess.ClassMaps;
import io.roadseg.preprocess.CameraIssue;
import io.roadseg.preprocess.CameraReading;
import io.roadseg.ros.CdrWriter;
import io.roadseg.ros.RosMessages;
import io.roadseg.stats.AsciiText;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * One frame's results as the messages a vehicle stack consumes, encoded once here and shared by the MCAP file
 * ({@link McapSink}) and the live Foxglove WebSocket server and client ({@link FoxgloveServerSink},
 * {@link FoxglovePublishSink}). Topics (prefix {@code /roadseg}), every message stamped with the source frame's
 * timestamp ({@link FrameResult#stampNanos}) and frame id:
 * <ol start="0">
 *   <li>{@code /roadseg/annotated/compressed}: {@code sensor_msgs/msg/CompressedImage}, the annotated picture (overlay,
 *       depth panel, HUD) as JPEG</li>
 *   <li>{@code /roadseg/class_ids}: {@code sensor_msgs/msg/Image} {@code mono8}, one CamVid class id per pixel
 *       (255 = none), at the model's input size</li>
 *   <li>{@code /roadseg/depth}: {@code sensor_msgs/msg/Image} {@code 32FC1}, metres along the optical axis (REP 118),
 *       same size</li>
 *   <li>{@code /roadseg/camera_info}: {@code sensor_msgs/msg/CameraInfo} of those two images</li>
 *   <li>{@code /roadseg/results}: the per-frame JSON ({@link FrameJson}), encoding {@code json}</li>
 *   <li>{@code /roadseg/confidence}: {@code sensor_msgs/msg/Image} {@code mono8}, the network's confidence in each
 *       pixel's class ({@link FrameResult#confidence}: 255·p, p the softmax probability of the class at the model's
 *       calibrating temperature), same size; not sent for a model that outputs class ids</li>
 *   <li>{@code /diagnostics}: {@code diagnostic_msgs/msg/DiagnosticArray}, two statuses per frame, as ROS's
 *       diagnostics tools and Foxglove's Diagnostics panel read them: {@value #CAMERA_STATUS} (the picture's
 *       {@link io.roadseg.preprocess.CameraIssue}s, ERROR for the {@code unusable()} ones — blocked, frozen, upside
 *       down or sideways —, WARN for the others, OK for none; its figures as values) and {@value #PERCEPTION_STATUS} (WARN when the frame's mean confidence is under
 *       {@link ClassMaps#LOW_CONFIDENCE_FRAME}; the mean, the uncertain share and the inference time as values);
 *       {@code hardware_id} is the frame id</li>
 * </ol>
 * All but the results are CDR with {@code ros2msg} schemas ({@link RosMessages}).
 *
 * <p>Each topic has its own reused buffer, so a viewer subscribed to one topic costs only that topic's encoding.
 * Per frame: the JPEG encode (OpenCV, into a buffer freed at once) and copies; nothing else is allocated.
 *
 * <p>Threading: one thread (the sink's).
 */
public final class ResultMessages implements AutoCloseable {
    public static final int ANNOTATED = 0;
    public static final int CLASS_IDS = 1;
    public static final int DEPTH = 2;
    public static final int CAMERA_INFO = 3;
    public static final int RESULTS = 4;
    public static final int CONFIDENCE = 5;
    public static final int DIAGNOSTICS = 6;
    public static final int COUNT = 7;

    public static final String ANNOTATED_TOPIC = "/roadseg/annotated/compressed";
    public static final String CLASS_IDS_TOPIC = "/roadseg/class_ids";
    public static final String DEPTH_TOPIC = "/roadseg/depth";
    public static final String CAMERA_INFO_TOPIC = "/roadseg/camera_info";
    public static final String RESULTS_TOPIC = "/roadseg/results";
    public static final String CONFIDENCE_TOPIC = "/roadseg/confidence";
    /** ROS's own diagnostics topic (not under {@code /roadseg}): where aggregators and monitors look. */
    public static final String DIAGNOSTICS_TOPIC = "/diagnostics";
    /** The names of the two statuses of each diagnostics message. */
    public static final String CAMERA_STATUS = "roadseg: camera";
    public static final String PERCEPTION_STATUS = "roadseg: perception";

    private static final String[] TOPICS = {ANNOTATED_TOPIC, CLASS_IDS_TOPIC, DEPTH_TOPIC, CAMERA_INFO_TOPIC,
            RESULTS_TOPIC, CONFIDENCE_TOPIC, DIAGNOSTICS_TOPIC};
    private static final String[] TYPES = {RosMessages.COMPRESSED_IMAGE, RosMessages.IMAGE, RosMessages.IMAGE,
            RosMessages.CAMERA_INFO, "roadseg/FrameResult", RosMessages.IMAGE, RosMessages.DIAGNOSTIC_ARRAY};

    /** Intrinsics of the class-id and depth images (pixel centres at integers, as ROS's K matrix). */
    public record Intrinsics(double fx, double fy, double cx, double cy) {
    }

    /** JSON schema of the results topic (draft 2020-12), as Foxglove reads it. */
    static final String RESULTS_SCHEMA = "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
            + "\"title\":\"roadseg frame result\",\"type\":\"object\",\"properties\":{"
            + "\"frame\":{\"type\":\"integer\"},\"t_us\":{\"type\":\"integer\"},\"stamp_ns\":{\"type\":\"integer\"},"
            + "\"dropped_before\":{\"type\":\"integer\"},\"latency_ms\":{\"type\":\"object\"},"
            + "\"class_share\":{\"type\":\"object\"},"
            + "\"confidence\":{\"type\":[\"object\",\"null\"],\"properties\":{\"mean\":{\"type\":\"number\"},"
            + "\"uncertain_share\":{\"type\":\"number\"}}},\"road_ahead_m\":{\"type\":[\"number\",\"null\"]},"
            + "\"nearest_ahead_m\":{\"type\":\"object\",\"additionalProperties\":{\"type\":[\"number\",\"null\"]}},"
            + "\"path\":{\"type\":[\"object\",\"null\"],\"properties\":{"
            + "\"curvature_per_m\":{\"type\":\"number\"}}},"
            + "\"lead\":{\"type\":[\"object\",\"null\"],\"properties\":{\"class\":{\"type\":\"string\"},"
            + "\"confidence\":{\"type\":[\"number\",\"null\"]},"
            + "\"distance_m\":{\"type\":\"number\"},\"lateral_m\":{\"type\":[\"number\",\"null\"]},"
            + "\"closing_mps\":{\"type\":[\"number\",\"null\"]},"
            + "\"ttc_s\":{\"type\":[\"number\",\"null\"]}}}}}";

    private static final byte[] JPEG = ascii("jpeg");
    private static final byte[] MONO8 = ascii("mono8");
    private static final byte[] FLOAT32 = ascii("32FC1");
    private static final byte[] PLUMB_BOB = ascii(io.roadseg.preprocess.Distortion.PLUMB_BOB);
    private static final byte[] CAMERA_NAME = ascii(CAMERA_STATUS);
    private static final byte[] PERCEPTION_NAME = ascii(PERCEPTION_STATUS);
    private static final byte[] OK_TEXT = ascii("ok");
    private static final byte[] NOT_MEASURED = ascii("not measured");
    private static final byte[] LOW_CONFIDENCE = ascii("low confidence: the network cannot read this frame");
    private static final byte[] NO_CONFIDENCE = ascii("no confidence (the engine outputs class ids)");
    private static final byte[] NOT_AVAILABLE = ascii("n/a");
    private static final byte[][] ISSUES = CameraIssue.names(CameraIssue::key);
    private static final byte[] COMMA = ascii(", ");
    private static final byte[][] CAMERA_KEYS = {ascii("brightness"), ascii("dark_end"), ascii("bright_end"),
            ascii("noise"), ascii("sharpness"), ascii("uniform_share"), ascii("unchanged_s"),
            ascii("soft_share"), ascii("smear_edge")};
    private static final byte[][] PERCEPTION_KEYS = {ascii("confidence_mean"), ascii("uncertain_share"),
            ascii("inference_ms")};

    private final int mapWidth;
    private final int mapHeight;
    private final byte[] frameId;
    private final FrameJson json;
    private final CdrWriter[] cdr = new CdrWriter[COUNT];
    private final double[] noDistortion = new double[5];
    private final double[] k;
    private final double[] r = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    private final double[] p;
    private Mat annotated;
    private final IntPointer jpegParams;
    /** Scratch for the diagnostics' texts. */
    private final AsciiText text = new AsciiText(128);

    /**
     * @param mapWidth   width of the class and depth maps (the model's input width)
     * @param intrinsics camera intrinsics at the map size
     * @param frameId    the header frame id (the source's, or {@code camera})
     */
    public ResultMessages(int mapWidth, int mapHeight, Intrinsics intrinsics, String frameId,
                          List<String> classNames) {
        this.mapWidth = mapWidth;
        this.mapHeight = mapHeight;
        this.frameId = frameId.getBytes(StandardCharsets.UTF_8);
        this.json = new FrameJson(classNames);
        cdr[ANNOTATED] = new CdrWriter(1 << 18);
        cdr[CLASS_IDS] = new CdrWriter(mapWidth * mapHeight + 256);
        cdr[DEPTH] = new CdrWriter(4 * mapWidth * mapHeight + 256);
        cdr[CAMERA_INFO] = new CdrWriter(1024);
        cdr[CONFIDENCE] = new CdrWriter(mapWidth * mapHeight + 256);
        cdr[DIAGNOSTICS] = new CdrWriter(1024);
        Intrinsics i = intrinsics;
        k = new double[] {i.fx(), 0, i.cx(), 0, i.fy(), i.cy(), 0, 0, 1};
        p = new double[] {i.fx(), 0, i.cx(), 0, 0, i.fy(), i.cy(), 0, 0, 0, 1, 0};
        jpegParams = new IntPointer(IMWRITE_JPEG_QUALITY, 90);
    }

    public static String topic(int message) {
        return TOPICS[message];
    }

    /** @return the schema name (the ROS type) of a topic */
    public static String schemaName(int message) {
        return TYPES[message];
    }

    /** @return {@code ros2msg} for the CDR topics, {@code jsonschema} for the results */
    public static String schemaEncoding(int message) {
        return message == RESULTS ? "jsonschema" : "ros2msg";
    }

    /** @return the schema text: the ros2msg definition with dependencies, or the JSON schema */
    public static String schema(int message) {
        return message == RESULTS ? RESULTS_SCHEMA : RosMessages.definition(TYPES[message]);
    }

    /** @return {@code cdr} or {@code json} */
    public static String messageEncoding(int message) {
        return message == RESULTS ? "json" : "cdr";
    }

    /**
     * Encodes one topic's message for frame {@code f}; the bytes are then {@code array(message)[0, length)}.
     *
     * @return the message's length in bytes; -1 where the frame has no such message (no confidence)
     */
    public int encode(int message, FrameResult f) throws SinkException {
        long stamp = f.stampNanos();
        switch (message) {
            case ANNOTATED -> {
                int bytes = f.annotatedWidth() * f.annotatedHeight() * 3;
                if (annotated == null || annotated.cols() != f.annotatedWidth()
                        || annotated.rows() != f.annotatedHeight()) {
                    if (annotated != null) {
                        annotated.close();
                    }
                    annotated = new Mat(f.annotatedHeight(), f.annotatedWidth(), CV_8UC3);
                }
                ByteBuffer src = f.annotatedBgr();
                annotated.data().capacity(bytes).asByteBuffer().put(0, src, 0, bytes);
                CdrWriter w = cdr[ANNOTATED].begin().header(stamp, frameId).string(JPEG, 0, JPEG.length);
                try (BytePointer jpeg = new BytePointer()) {
                    if (!imencode(".jpg", annotated, jpeg, jpegParams)) {
                        throw new SinkException("JPEG encoding of the annotated frame failed");
                    }
                    int n = (int) jpeg.limit();
                    int at = w.uint8SequenceInPlace(n);
                    jpeg.position(0).get(w.array(), at, n);
                }
                return w.size();
            }
            case CLASS_IDS -> {
                int pixels = mapWidth * mapHeight;
                CdrWriter w = imageHeader(cdr[CLASS_IDS], stamp, MONO8, 1);
                int at = w.uint8SequenceInPlace(pixels);
                f.classIds().get(0, w.array(), at, pixels);
                return w.size();
            }
            case DEPTH -> {
                int pixels = mapWidth * mapHeight;
                CdrWriter w = imageHeader(cdr[DEPTH], stamp, FLOAT32, 4);
                int at = w.uint8SequenceInPlace(4 * pixels);
                FloatBuffer depth = f.depth();
                byte[] a = w.array();
                for (int i = 0; i < pixels; i++) {
                    int bits = Float.floatToRawIntBits(depth.get(i));
                    a[at++] = (byte) bits;
                    a[at++] = (byte) (bits >>> 8);
                    a[at++] = (byte) (bits >>> 16);
                    a[at++] = (byte) (bits >>> 24);
                }
                return w.size();
            }
            case CAMERA_INFO -> {
                CdrWriter w = cdr[CAMERA_INFO].begin().header(stamp, frameId).uint32(mapHeight).uint32(mapWidth)
                        .string(PLUMB_BOB, 0, PLUMB_BOB.length).float64s(noDistortion, true).float64s(k, false)
                        .float64s(r, false).float64s(p, false).uint32(0).uint32(0)
                        .uint32(0).uint32(0).uint32(0).uint32(0).bool(false);
                return w.size();
            }
            case RESULTS -> {
                return json.encode(f, System.nanoTime()).length();
            }
            case CONFIDENCE -> {
                ByteBuffer confidence = f.confidence();
                if (confidence == null) {
                    return -1;
                }
                int pixels = mapWidth * mapHeight;
                CdrWriter w = imageHeader(cdr[CONFIDENCE], stamp, MONO8, 1);
                int at = w.uint8SequenceInPlace(pixels);
                confidence.get(0, w.array(), at, pixels);
                return w.size();
            }
            case DIAGNOSTICS -> {
                return diagnostics(cdr[DIAGNOSTICS].begin().header(stamp, frameId).uint32(2), f).size();
            }
            default -> throw new IllegalArgumentException("message " + message);
        }
    }

    /** The camera's and the perception's statuses of frame {@code f} (allocation-free). */
    private CdrWriter diagnostics(CdrWriter w, FrameResult f) {
        CameraReading c = f.camera();
        int issues = c == null ? 0 : c.issues();
        boolean measured = c != null && c.measured();
        int level = !measured ? RosMessages.STALE
                : CameraIssue.anyUnusable(issues) ? RosMessages.ERROR
                : issues != 0 ? RosMessages.WARN : RosMessages.OK;
        text.clear();
        if (!measured) {
            text.append(NOT_MEASURED);
        } else if (issues == 0) {
            text.append(OK_TEXT);
        } else {
            CameraIssue.append(text, issues, ISSUES, COMMA);
        }
        w.uint8(level).string(CAMERA_NAME, 0, CAMERA_NAME.length).string(text.bytes(), 0, text.length())
                .string(frameId, 0, frameId.length).uint32(measured ? CAMERA_KEYS.length : 0);
        if (measured) {
            keyValue(w, CAMERA_KEYS[0], c.brightness(), 1);
            keyValue(w, CAMERA_KEYS[1], c.darkEnd(), 0);
            keyValue(w, CAMERA_KEYS[2], c.brightEnd(), 0);
            keyValue(w, CAMERA_KEYS[3], c.noise(), 2);
            keyValue(w, CAMERA_KEYS[4], c.sharpness(), 2);
            keyValue(w, CAMERA_KEYS[5], c.uniformShare(), 3);
            keyValue(w, CAMERA_KEYS[6], c.unchangedSeconds(), 2);
            keyValue(w, CAMERA_KEYS[7], c.softShare(), 3);
            keyValue(w, CAMERA_KEYS[8], c.smearEdge(), 3);
        }
        float confidence = f.meanConfidence();
        boolean low = confidence < ClassMaps.LOW_CONFIDENCE_FRAME;
        byte[] message = Float.isNaN(confidence) ? NO_CONFIDENCE : low ? LOW_CONFIDENCE : OK_TEXT;
        w.uint8(low ? RosMessages.WARN : RosMessages.OK).string(PERCEPTION_NAME, 0, PERCEPTION_NAME.length)
                .string(message, 0, message.length).string(frameId, 0, frameId.length).uint32(PERCEPTION_KEYS.length);
        keyValue(w, PERCEPTION_KEYS[0], confidence, 3);
        keyValue(w, PERCEPTION_KEYS[1], f.uncertainShare(), 3);
        keyValue(w, PERCEPTION_KEYS[2], f.inferenceNanos() / 1e6, 2);
        return w;
    }

    private void keyValue(CdrWriter w, byte[] key, double value, int decimals) {
        w.string(key, 0, key.length);
        if (Double.isNaN(value)) {
            w.string(NOT_AVAILABLE, 0, NOT_AVAILABLE.length);
        } else {
            text.clear().append(value, decimals);
            w.string(text.bytes(), 0, text.length());
        }
    }

    /** @return the buffer the last {@link #encode} of {@code message} wrote (from index 0) */
    public byte[] array(int message) {
        return message == RESULTS ? json.text().bytes() : cdr[message].array();
    }

    private CdrWriter imageHeader(CdrWriter w, long stamp, byte[] encoding, int bytesPerPixel) {
        return w.begin().header(stamp, frameId).uint32(mapHeight).uint32(mapWidth)
                .string(encoding, 0, encoding.length).uint8(0).uint32((long) mapWidth * bytesPerPixel);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        if (annotated != null) {
            annotated.close();
            annotated = null;
        }
        jpegParams.close();
    }
}
