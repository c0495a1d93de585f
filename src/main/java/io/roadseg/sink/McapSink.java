package io.roadseg.sink;

import io.roadseg.mcap.McapFormat;
import io.roadseg.mcap.McapWriter;
import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.FrameSink;
import io.roadseg.ros.CdrWriter;
import io.roadseg.ros.RosMessages;
import io.roadseg.stats.AsciiText;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * Writes every processed frame's results to an MCAP file that ROS 2 ({@code ros2 bag play}) and Foxglove open:
 * profile {@code ros2}, schemas in {@code ros2msg} with their dependencies, CDR messages, channels with rosbag2's
 * {@code offered_qos_profiles}, chunked (zstd by default) with message and chunk indexes and a summary.
 *
 * <p>Topics (prefix {@code /roadseg}), every message stamped with the source frame's timestamp
 * ({@link FrameResult#stampNanos}) in its header and as its log and publish time:
 * <ul>
 *   <li>{@code /roadseg/annotated/compressed}: {@code sensor_msgs/msg/CompressedImage}, the annotated picture (overlay,
 *       depth panel, HUD) as JPEG</li>
 *   <li>{@code /roadseg/class_ids}: {@code sensor_msgs/msg/Image} {@code mono8}, one CamVid class id per pixel
 *       (255 = none), at the model's input size</li>
 *   <li>{@code /roadseg/depth}: {@code sensor_msgs/msg/Image} {@code 32FC1}, metres along the optical axis (REP 118),
 *       same size</li>
 *   <li>{@code /roadseg/camera_info}: {@code sensor_msgs/msg/CameraInfo} of those two images (the calibration given
 *       with {@code --calib} brought to the model's input size, else the focal length the model was trained at)</li>
 *   <li>{@code /roadseg/results}: the per-frame JSON ({@link FrameJson}), message encoding {@code json} with a JSON
 *       schema (ros2 bag play ignores this channel with a warning; Foxglove shows it)</li>
 * </ul>
 *
 * <p>The file is created (and an existing one replaced) only when the first frame arrives, and locked while it is
 * written. Chunks are written whole as they fill (see {@link McapWriter}); {@link #close()}, also reached on Ctrl-C and
 * SIGTERM, writes the summary and footer.
 *
 * <p>Per frame: one JPEG encode (OpenCV, into a buffer it allocates and this sink frees at once), copies into a
 * reused CDR buffer; nothing else is allocated. Threading: the pipeline's sink thread.
 */
public final class McapSink implements FrameSink {
    public static final String ANNOTATED_TOPIC = "/roadseg/annotated/compressed";
    public static final String CLASS_IDS_TOPIC = "/roadseg/class_ids";
    public static final String DEPTH_TOPIC = "/roadseg/depth";
    public static final String CAMERA_INFO_TOPIC = "/roadseg/camera_info";
    public static final String RESULTS_TOPIC = "/roadseg/results";

    /** Intrinsics of the class-id and depth images (pixel centres at integers, as ROS's K matrix). */
    public record Intrinsics(double fx, double fy, double cx, double cy) {
    }

    private final String target;
    private final Path path;
    private final McapFormat.Compression compression;
    private final int mapWidth;
    private final int mapHeight;
    private final Intrinsics intrinsics;
    private final byte[] frameId;
    private final FrameJson json;
    private final int jpegQuality;
    private final CdrWriter cdr;

    private FileChannel file;
    private McapWriter writer;
    private int annotatedChannel;
    private int classChannel;
    private int depthChannel;
    private int infoChannel;
    private int resultsChannel;
    private Mat annotated;
    private IntPointer jpegParams;
    private long frames;
    private boolean closed;

    /**
     * @param target      the output file's name as the user gave it
     * @param mapWidth    width of the class and depth maps (the model's input width)
     * @param intrinsics  camera intrinsics at the map size
     * @param frameId     the header frame id (the source's, or {@code camera})
     * @param compression chunk compression
     */
    public McapSink(String target, int mapWidth, int mapHeight, Intrinsics intrinsics, String frameId,
                    List<String> classNames, McapFormat.Compression compression) {
        this.target = target;
        this.path = Path.of(target);
        this.mapWidth = mapWidth;
        this.mapHeight = mapHeight;
        this.intrinsics = intrinsics;
        this.frameId = frameId.getBytes(StandardCharsets.UTF_8);
        this.json = new FrameJson(classNames);
        this.compression = compression;
        this.jpegQuality = 90;
        this.cdr = new CdrWriter(mapWidth * mapHeight * 4 + 4096);
    }

    private void open(FrameResult first) throws SinkException {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            file = OutputLock.open(path, target);
            file.truncate(0);
            writer = new McapWriter(new BufferedOutputStream(Channels.newOutputStream(file), 1 << 16), "ros2",
                    "roadseg", compression, McapWriter.DEFAULT_CHUNK_BYTES);
            Map<String, String> qos = Map.of("offered_qos_profiles", RosMessages.offeredQosProfiles());
            int compressed = writer.addSchema(RosMessages.COMPRESSED_IMAGE, "ros2msg",
                    RosMessages.definitionBytes(RosMessages.COMPRESSED_IMAGE));
            int image = writer.addSchema(RosMessages.IMAGE, "ros2msg", RosMessages.definitionBytes(RosMessages.IMAGE));
            int info = writer.addSchema(RosMessages.CAMERA_INFO, "ros2msg",
                    RosMessages.definitionBytes(RosMessages.CAMERA_INFO));
            int results = writer.addSchema("roadseg/FrameResult", "jsonschema",
                    RESULTS_SCHEMA.getBytes(StandardCharsets.UTF_8));
            annotatedChannel = writer.addChannel(compressed, ANNOTATED_TOPIC, "cdr", qos);
            classChannel = writer.addChannel(image, CLASS_IDS_TOPIC, "cdr", qos);
            depthChannel = writer.addChannel(image, DEPTH_TOPIC, "cdr", qos);
            infoChannel = writer.addChannel(info, CAMERA_INFO_TOPIC, "cdr", qos);
            resultsChannel = writer.addChannel(results, RESULTS_TOPIC, "json", Map.of());
        } catch (IOException e) {
            throw new SinkException("output " + target + ": cannot be opened for writing (" + e.getMessage() + ")");
        }
        annotated = new Mat(first.annotatedHeight(), first.annotatedWidth(), CV_8UC3);
        jpegParams = new IntPointer(IMWRITE_JPEG_QUALITY, jpegQuality);
    }

    @Override
    public void accept(FrameResult f) throws Exception {
        if (closed) {
            return;
        }
        if (writer == null) {
            open(f);
        }
        long stamp = f.stampNanos();
        try {
            // annotated picture, JPEG
            int bytes = f.annotatedWidth() * f.annotatedHeight() * 3;
            ByteBuffer src = f.annotatedBgr();
            annotated.data().capacity(bytes).asByteBuffer().put(0, src, 0, bytes);
            cdr.begin().header(stamp, frameId).string(JPEG, 0, JPEG.length);
            try (BytePointer jpeg = new BytePointer()) {
                if (!imencode(".jpg", annotated, jpeg, jpegParams)) {
                    throw new SinkException("output " + target + ": JPEG encoding failed");
                }
                int n = (int) jpeg.limit();
                int at = cdr.uint8SequenceInPlace(n);
                jpeg.position(0).get(cdr.array(), at, n);
            }
            writer.write(annotatedChannel, stamp, stamp, cdr.array(), 0, cdr.size());

            // class ids, mono8
            int pixels = mapWidth * mapHeight;
            imageHeader(stamp, MONO8, 1);
            int at = cdr.uint8SequenceInPlace(pixels);
            f.classIds().get(0, cdr.array(), at, pixels);
            writer.write(classChannel, stamp, stamp, cdr.array(), 0, cdr.size());

            // depth, 32FC1 little-endian metres
            imageHeader(stamp, FLOAT32, 4);
            at = cdr.uint8SequenceInPlace(4 * pixels);
            FloatBuffer depth = f.depth();
            byte[] a = cdr.array();
            for (int i = 0; i < pixels; i++) {
                int bits = Float.floatToRawIntBits(depth.get(i));
                a[at++] = (byte) bits;
                a[at++] = (byte) (bits >>> 8);
                a[at++] = (byte) (bits >>> 16);
                a[at++] = (byte) (bits >>> 24);
            }
            writer.write(depthChannel, stamp, stamp, cdr.array(), 0, cdr.size());

            // camera info
            cameraInfo(stamp);
            writer.write(infoChannel, stamp, stamp, cdr.array(), 0, cdr.size());

            // results JSON
            AsciiText text = json.encode(f, System.nanoTime());
            writer.write(resultsChannel, stamp, stamp, text.bytes(), 0, text.length());
        } catch (IOException e) {
            throw new SinkException("output " + target + ": write failed (" + e.getMessage() + ")");
        }
        frames++;
    }

    private static final byte[] JPEG = ascii("jpeg");
    private static final byte[] MONO8 = ascii("mono8");
    private static final byte[] FLOAT32 = ascii("32FC1");
    private static final byte[] PLUMB_BOB = ascii("plumb_bob");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private void imageHeader(long stamp, byte[] encoding, int bytesPerPixel) {
        cdr.begin().header(stamp, frameId).uint32(mapHeight).uint32(mapWidth).string(encoding, 0, encoding.length)
                .uint8(0)
                .uint32((long) mapWidth * bytesPerPixel);
    }

    private final double[] noDistortion = new double[5];
    private double[] k;
    private double[] r;
    private double[] p;

    private void cameraInfo(long stamp) {
        if (k == null) {
            Intrinsics i = intrinsics;
            k = new double[] {i.fx(), 0, i.cx(), 0, i.fy(), i.cy(), 0, 0, 1};
            r = new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
            p = new double[] {i.fx(), 0, i.cx(), 0, 0, i.fy(), i.cy(), 0, 0, 0, 1, 0};
        }
        cdr.begin().header(stamp, frameId).uint32(mapHeight).uint32(mapWidth).string(PLUMB_BOB, 0, PLUMB_BOB.length)
                .float64s(noDistortion, true).float64s(k, false).float64s(r, false).float64s(p, false)
                .uint32(0).uint32(0)
                .uint32(0).uint32(0).uint32(0).uint32(0).bool(false);
    }

    /** @return frames written */
    public long framesWritten() {
        return frames;
    }

    public Path target() {
        return path;
    }

    @Override
    public String describe() {
        return "mcap " + target + " (ros2: " + ANNOTATED_TOPIC + ", " + CLASS_IDS_TOPIC + ", " + DEPTH_TOPIC + ", "
                + CAMERA_INFO_TOPIC + ", " + RESULTS_TOPIC + "; " + (compression == McapFormat.Compression.NONE
                ? "uncompressed" : compression.id()) + " chunks)";
    }

    @Override
    public void close() throws SinkException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            if (writer != null) {
                writer.close();
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            try {
                if (file != null) {
                    file.close();
                }
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
            if (annotated != null) {
                annotated.close();
            }
            if (jpegParams != null) {
                jpegParams.close();
            }
        }
        if (failure != null) {
            throw new SinkException("output " + target + ": cannot be finalised (" + failure.getMessage() + ")");
        }
    }

    /** JSON schema of the results channel (draft 2020-12), as Foxglove reads it. */
    static final String RESULTS_SCHEMA = "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
            + "\"title\":\"roadseg frame result\",\"type\":\"object\",\"properties\":{"
            + "\"frame\":{\"type\":\"integer\"},\"t_us\":{\"type\":\"integer\"},\"stamp_ns\":{\"type\":\"integer\"},"
            + "\"dropped_before\":{\"type\":\"integer\"},\"latency_ms\":{\"type\":\"object\"},"
            + "\"class_share\":{\"type\":\"object\"},\"road_ahead_m\":{\"type\":[\"number\",\"null\"]}}}";
}
