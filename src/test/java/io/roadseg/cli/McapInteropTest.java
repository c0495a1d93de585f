package io.roadseg.cli;

import io.roadseg.ros.Json;
import io.roadseg.NodeReference;
import io.roadseg.TestData;
import io.roadseg.mcap.McapReader;
import io.roadseg.ros.CdrReader;
import io.roadseg.ros.RosMessages;
import io.roadseg.sink.ResultMessages;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.McapSource;
import io.roadseg.source.SourceException;
import io.roadseg.source.SourceOptions;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MCAP in and out against the official implementations: fixtures written by {@code @mcap/core} (ROS 2 CDR and
 * Foxglove protobuf, zstd/lz4/none, with and without index) replayed by roadseg; what roadseg writes read back by
 * {@code @mcap/core} and decoded by {@code @foxglove/rosmsg2-serialization} against the schema text roadseg wrote.
 */
class McapInteropTest {
    static final int FRAMES = 12;
    static final long START = 1_700_000_000_123_000_000L;
    static final long PERIOD = 33_333_333L;

    @TempDir
    static Path shared;
    static Path jpegs;
    static Path raw;
    static int width;
    static int height;

    @TempDir
    Path dir;

    /**
     * A camera's chain of static transforms (fixture's --tf-static): base_footprint → base_link 0.3 m up → camera_link
     * 1.5 m ahead, 1.2 m up, pitched 3° down and rolled 2° (q = q_pitch(about y) ⊗ q_roll(about x), as x, y, z, w) →
     * the optical frame the images are stamped with (REP 103's rotation).
     */
    private static final String MOUNTED_CHAIN;

    static {
        double p = Math.toRadians(3) / 2;
        double r = Math.toRadians(2) / 2;
        String mount = String.format(java.util.Locale.ROOT, "%.12f:%.12f:%.12f:%.12f", Math.cos(p) * Math.sin(r),
                Math.cos(r) * Math.sin(p), -Math.sin(p) * Math.sin(r), Math.cos(p) * Math.cos(r));
        MOUNTED_CHAIN = "base_footprint:base_link:0:0:0.3:0:0:0:1;base_link:camera_link:1.5:0:1.2:" + mount
                + ";camera_link:camera_front_optical:0:0:0:-0.5:0.5:-0.5:0.5";
    }

    /** The first frames of the shipped recording as JPEG files and raw BGR files. */
    @BeforeAll
    static void frames() throws Exception {
        NodeReference.assume();
        RecordingFixtures.Frames f = RecordingFixtures.write(shared, FRAMES);
        jpegs = f.jpegs();
        raw = f.raw();
        width = f.width();
        height = f.height();
    }

    private Path fixture(String name, String... args) throws Exception {
        return RecordingFixtures.fixture(new RecordingFixtures.Frames(jpegs, raw, width, height), dir.resolve(name),
                START, PERIOD, args);
    }

    /** What OpenCV decodes frame i's file to (the source decodes the same bytes with the same codec). */
    private static byte[] expected(int i, boolean compressed) throws IOException {
        if (!compressed) {
            return Files.readAllBytes(raw.resolve(String.format("%03d.bgr", i)));
        }
        try (Mat m = imread(jpegs.resolve(String.format("%03d.jpg", i)).toString(), IMREAD_COLOR)) {
            byte[] b = new byte[width * height * 3];
            m.data().capacity(b.length).get(b);
            return b;
        }
    }

    @ParameterizedTest(name = "{0} {1} index={2}")
    @CsvSource({"ros2-compressed,zstd,yes", "ros2-compressed,lz4,no", "ros2-compressed,none,yes",
            "foxglove,zstd,yes", "foxglove,lz4,no", "ros2-image,zstd,no", "ros2-image,lz4,yes", "foxglove-raw,zstd,yes"})
    void replaysWhatTheReferenceWriterWrote(String encoding, String compression, String index) throws Exception {
        Path file = fixture("f.mcap", "--encoding", encoding, "--compression", compression, "--index", index);
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            assertTrue(s instanceof McapSource);
            assertTrue(s.info().framesCodedApart(), "picture messages are each coded on their own");
            assertEquals(width, s.info().width());
            assertEquals(height, s.info().height());
            assertEquals(FRAMES, s.info().frameCount());
            assertEquals(30.0, s.info().fps(), 0.01);
            ByteBuffer bgr = ByteBuffer.allocateDirect(s.info().frameBytes());
            byte[] got = new byte[s.info().frameBytes()];
            int n = 0;
            long pts;
            while ((pts = s.read(bgr)) != FrameSource.END_OF_STREAM) {
                assertEquals(n * PERIOD / 1000, pts, "presentation time of frame " + n);
                assertEquals(START + n * PERIOD, s.frameStampNanos(), "header stamp of frame " + n);
                assertEquals("camera_front", s.frameId());
                bgr.get(0, got);
                assertTrue(java.util.Arrays.equals(expected(n, !encoding.endsWith("-image")
                        && !encoding.endsWith("-raw")), got),
                        "pixels of frame " + n);
                n++;
            }
            assertEquals(FRAMES, n);
            assertEquals(0, s.corruptFrames());
        }
    }

    /**
     * A camera whose pictures change size during the recording (a driver reconfigured) replays at its first picture's
     * size, the later pictures scaled to it as OpenCV's resize does, written into each of a ring's buffers in turn.
     */
    @Test
    void picturesOfAnotherSizeAreScaledToTheFirstOnesSize() throws Exception {
        Path mixed = Files.createDirectories(dir.resolve("mixed"));
        int half = FRAMES / 2;
        for (int i = 0; i < FRAMES; i++) {
            Path from = jpegs.resolve(String.format("%03d.jpg", i));
            Path to = mixed.resolve(String.format("%03d.jpg", i));
            if (i < half) {
                Files.copy(from, to);
                continue;
            }
            try (Mat m = imread(from.toString(), IMREAD_COLOR); Mat small = new Mat();
                 org.bytedeco.opencv.opencv_core.Size size = new org.bytedeco.opencv.opencv_core.Size(width / 2,
                         height / 2 + 3)) {
                org.bytedeco.opencv.global.opencv_imgproc.resize(m, small, size);
                assertTrue(imwrite(to.toString(), small));
            }
        }
        Path file = RecordingFixtures.fixture(new RecordingFixtures.Frames(mixed, raw, width, height),
                dir.resolve("mixed.mcap"), START, PERIOD, "--encoding", "ros2-compressed");
        ByteBuffer[] ring = {ByteBuffer.allocateDirect(width * height * 3), ByteBuffer.allocateDirect(width * height
                * 3), ByteBuffer.allocateDirect(width * height * 3)};
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults());
             org.bytedeco.opencv.opencv_core.Size full = new org.bytedeco.opencv.opencv_core.Size(width, height)) {
            assertEquals(width, s.info().width());
            assertEquals(height, s.info().height());
            byte[] got = new byte[width * height * 3];
            byte[] want = new byte[width * height * 3];
            for (int i = 0; i < FRAMES; i++) {
                ByteBuffer slot = ring[i % ring.length];
                assertTrue(s.read(slot) != FrameSource.END_OF_STREAM);
                slot.get(0, got);
                try (Mat m = imread(mixed.resolve(String.format("%03d.jpg", i)).toString(), IMREAD_COLOR);
                     Mat scaled = new Mat()) {
                    assertEquals(i < half ? width : width / 2, m.cols());
                    org.bytedeco.opencv.global.opencv_imgproc.resize(m, scaled, full);
                    (i < half ? m : scaled).data().capacity(want.length).get(want);
                }
                assertTrue(java.util.Arrays.equals(want, got), "pixels of frame " + i);
            }
            assertEquals(FrameSource.END_OF_STREAM, s.read(ring[0]));
        }
    }

    @ParameterizedTest(name = "{0} at {1} m/s")
    @CsvSource({"odometry,10,zstd,yes", "twist,10,lz4,no", "odometry,0.5,none,yes"})
    void theVehiclesOdometryGivesEachFrameTheCurvatureItDrove(String motion, double speed, String compression,
                                                              String index) throws Exception {
        // the reference writer logs the motion twice per frame period, the first at each frame's own time, with a
        // yaw rate of 0.01 rad/s times the message's index (REP 103: positive turning left)
        Path file = fixture("odom.mcap", "--encoding", "ros2-compressed", "--compression", compression, "--index",
                index, "--motion", motion, "--speed", Double.toString(speed), "--yaw-step", "0.01");
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            assertTrue(s.info().codec().contains("vehicle motion from /odom ("
                    + (motion.equals("odometry") ? "nav_msgs/msg/Odometry" : "geometry_msgs/msg/TwistStamped")
                    + ")"), s.info().codec());
            assertTrue(Double.isNaN(s.vehicleCurvature()), "none before the first frame");
            ByteBuffer bgr = ByteBuffer.allocateDirect(s.info().frameBytes());
            int n = 0;
            while (s.read(bgr) != FrameSource.END_OF_STREAM) {
                if (speed < 1) {
                    assertTrue(Double.isNaN(s.vehicleCurvature()), "a yaw rate at 0.5 m/s says nothing of a path");
                } else {
                    // message 2n is the last at or before frame n: turning left, so a negative curvature
                    assertEquals(-0.01 * 2 * n / speed, s.vehicleCurvature(), 1e-12, "frame " + n);
                }
                n++;
            }
            assertEquals(FRAMES, n);
        }
    }

    @Test
    void ofSeveralMotionTopicsTheFirstByNameOrTheOneNamed() throws Exception {
        // the same motion on /odom and, with twice the yaw rate, on /odometry/filtered
        Path file = fixture("odoms.mcap", "--encoding", "ros2-compressed", "--compression", "zstd", "--index", "yes",
                "--motion", "odometry", "--speed", "10", "--yaw-step", "0.01", "--extra-motion-topic",
                "/odometry/filtered");
        for (String[] c : new String[][] {{null, "/odom", "1"}, {"/odometry/filtered", "/odometry/filtered", "2"}}) {
            try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults().withMotionTopic(c[0]))) {
                assertTrue(s.info().codec().contains("vehicle motion from " + c[1] + " "), s.info().codec());
                ByteBuffer bgr = ByteBuffer.allocateDirect(s.info().frameBytes());
                assertTrue(s.read(bgr) != FrameSource.END_OF_STREAM);
                assertTrue(s.read(bgr) != FrameSource.END_OF_STREAM);
                assertEquals(-0.002 * Integer.parseInt(c[2]), s.vehicleCurvature(), 1e-12, c[1]);
            }
        }
        SourceException e = assertThrows(SourceException.class, () -> FrameSources.open(file.toString(),
                SourceOptions.defaults().withMotionTopic("/camera/front/compressed")).close());
        assertTrue(e.getMessage().contains("topic /camera/front/compressed is sensor_msgs/msg/CompressedImage in cdr, "
                + "not vehicle motion (nav_msgs/msg/Odometry or geometry_msgs/msg/TwistStamped in cdr or ros1); vehicle-motion "
                + "topics: /odom (nav_msgs/msg/Odometry, 24 messages), /odometry/filtered"), e.getMessage());
        e = assertThrows(SourceException.class, () -> FrameSources.open(file.toString(),
                SourceOptions.defaults().withMotionTopic("/gps")).close());
        assertTrue(e.getMessage().contains("no topic /gps; vehicle-motion topics: /odom"), e.getMessage());
        Cli.Outcome info = Cli.run("info", file.toString());
        assertEquals(0, info.exit(), info.stderr());
        assertTrue(info.stdout().lines().anyMatch(l -> l.startsWith("  ~ /odometry/filtered ")), info.stdout());
        assertTrue(info.stdout().contains("--path vehicle --motion-topic TOPIC"), info.stdout());
        Cli.Outcome out = Cli.run("run", file.toString(), "-q", "--path", "vehicle", "--motion-topic", "/gps");
        assertEquals(1, out.exit());
        assertTrue(out.stderr().strip().lines().count() <= 2 && out.stderr().contains("no topic /gps"),
                out.stderr());
    }

    /**
     * A ROS 1 bag converted to MCAP ({@code mcap convert}; the ros1 profile, {@code ros1msg} schemas named
     * {@code pkg/Type}, messages in ROS 1's serialization written by {@code @foxglove/rosmsg-serialization}) replays as
     * its ROS 2 twin does: the pictures and their stamps, the camera's CameraInfo (upper-case D, K, P), its mount from
     * /tf_static (a Header with its sequence number) and the vehicle's motion from Odometry.
     */
    @Test
    void aRos1BagConvertedToMcapReplaysWithItsCameraMountAndMotion() throws Exception {
        double p = Math.toRadians(3) / 2;
        String pitch = String.format(java.util.Locale.ROOT, "0:%.12f:0:%.12f", Math.sin(p), Math.cos(p));
        String tf = "base_footprint:camera_link:1.5:0:1.2:" + pitch
                + ";camera_link:camera_front_optical:0:0:0:-0.5:0.5:-0.5:0.5";
        double fx = 0.6 * width;
        String k = fx + "," + fx + "," + (width / 2.0 - 0.5) + "," + (height / 2.0 - 0.5);
        Path file = fixture("ros1.mcap", "--ros1", "--encoding", "ros2-compressed", "--compression", "zstd", "--index",
                "yes", "--frame-id", "camera_front_optical", "--tf-static", tf, "--camera-info",
                k + ",-0.2,0.05,0.001,0,0.01", "--projection", 0.5 * width + "," + 0.5 * width + "," + (width / 2.0)
                        + "," + (height / 2.0), "--motion", "odometry", "--speed", "10", "--yaw-step", "0.01");
        McapReader.Schema schema;
        try (McapReader r = McapReader.open(file)) {
            McapReader.Channel camera = r.channels().values().stream()
                    .filter(c -> c.topic().equals("/camera/front/compressed")).findFirst().orElseThrow();
            assertEquals("ros1", camera.messageEncoding());
            schema = r.schemaOf(camera);
        }
        assertEquals("sensor_msgs/CompressedImage", schema.name());
        assertEquals("ros1msg", schema.encoding());
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            io.roadseg.ros.CameraInfoMessage c = s.recordedCamera();
            assertNotNull(c, s.info().codec());
            assertEquals(fx, c.fx());
            assertEquals("plumb_bob", c.distortionModel());
            assertEquals(0.01, c.distortion().coefficients()[4]);
            io.roadseg.ros.CameraMount m = s.recordedMount();
            assertNotNull(m, s.info().codec());
            assertEquals(1.2, m.heightM(), 1e-9);
            assertEquals(3.0, m.pitchDownDeg(), 1e-9);
            assertTrue(s.info().codec().contains("vehicle motion from /odom (nav_msgs/msg/Odometry)"), s.info().codec());
            ByteBuffer bgr = ByteBuffer.allocateDirect(s.info().frameBytes());
            byte[] got = new byte[s.info().frameBytes()];
            for (int n = 0; n < FRAMES; n++) {
                assertEquals(n * PERIOD / 1000, s.read(bgr));
                assertEquals(START + n * PERIOD, s.frameStampNanos(), "header stamp of frame " + n);
                assertEquals("camera_front_optical", s.frameId());
                bgr.get(0, got);
                assertTrue(java.util.Arrays.equals(expected(n, true), got), "pixels of frame " + n);
                if (n > 0) {
                    assertEquals(-0.01 * 2 * n / 10, s.vehicleCurvature(), 1e-12, "frame " + n);
                }
            }
            assertEquals(FrameSource.END_OF_STREAM, s.read(bgr));
        }
        // the raw pictures of a ROS 1 camera driver: sensor_msgs/Image, a Bayer mosaic
        try (FrameSource s = FrameSources.open(fixture("ros1-raw.mcap", "--ros1", "--encoding", "ros2-image",
                "--compression", "none", "--index", "no", "--pixel", "bayer_rggb8").toString(), SourceOptions.defaults())) {
            ByteBuffer bgr = ByteBuffer.allocateDirect(s.info().frameBytes());
            assertEquals(0, s.read(bgr));
            byte[] got = new byte[s.info().frameBytes()];
            bgr.get(0, got);
            byte[] truth = expected(0, false);
            double error = 0;
            for (int i = 0; i < got.length; i++) {
                error += Math.abs((got[i] & 0xff) - (truth[i] & 0xff));
            }
            assertTrue(error / got.length < 4, "mean error " + error / got.length);
        }
    }

    @Test
    void severalCameraTopicsAreListedAndOneIsChosenByName() throws Exception {
        Path file = fixture("two.mcap", "--encoding", "ros2-compressed", "--compression", "zstd", "--index", "yes",
                "--topic", "/camera/front/compressed", "--extra-topic", "/camera/rear/compressed");
        SourceException e = assertThrows(SourceException.class,
                () -> FrameSources.open(file.toString(), SourceOptions.defaults()).close());
        assertTrue(e.getMessage().contains("2 camera topics, choose one with --topic: /camera/front/compressed "
                + "(sensor_msgs/msg/CompressedImage, 12 messages), /camera/rear/compressed"), e.getMessage());
        e = assertThrows(SourceException.class, () -> FrameSources.open(file.toString(),
                SourceOptions.defaults().withTopic("/camera/left")).close());
        assertTrue(e.getMessage().contains("no topic /camera/left; camera topics: /camera/front/compressed"),
                e.getMessage());
        try (FrameSource s = FrameSources.open(file.toString(),
                SourceOptions.defaults().withTopic("/camera/rear/compressed"))) {
            assertEquals(FRAMES, s.info().frameCount());
            assertTrue(s.info().codec().contains("/camera/rear/compressed"), s.info().codec());
        }
        Cli.Outcome out = Cli.run("run", file.toString(), "-q");
        assertEquals(1, out.exit());
        assertTrue(out.stderr().strip().lines().count() <= 2 && out.stderr().contains("choose one with --topic"),
                out.stderr());
    }

    @Test
    void runWritesMcapThatTheReferenceReaderDecodes() throws Exception {
        Path in = fixture("in.mcap", "--encoding", "foxglove", "--compression", "lz4", "--index", "yes");
        Path out = dir.resolve("out.mcap");
        Cli.Outcome run = Cli.run("run", in.toString(), "--model", TestData.smallModel(dir).toString(),
                "--out", out.toString(), "-q");
        assertEquals(0, run.exit(), run.stderr());
        Object doc = Json.parse(NodeReference.run("read-mcap.mjs", out.toString()));
        assertEquals("indexed", Json.at(doc, "reader"));
        assertEquals("ros2", Json.at(doc, "profile"));
        assertEquals(null, Json.at(doc, "error"));
        List<Object> channels = Json.array(Json.at(doc, "channels"));
        assertEquals(7, channels.size());
        try (McapReader ours = McapReader.open(out)) {
            for (Object ch : channels) {
                Map<String, Object> c = Json.object(ch);
                String topic = (String) c.get("topic");
                assertEquals(FRAMES, ((Double) c.get("count")).intValue(), topic);
                assertEquals(null, c.get("decoderError"), topic);
                Map<String, Object> first = Json.object(Json.at(c, "messages", 0, "fields"));
                Map<String, Object> last = Json.object(Json.at(c, "messages", 3, "fields"));
                if (!topic.equals(ResultMessages.RESULTS_TOPIC)) {
                    assertEquals("ros2msg", c.get("schemaEncoding"));
                    assertTrue(Json.object(c.get("metadata")).containsKey("offered_qos_profiles"));
                    // the input frames' own header stamps and frame id carried through
                    assertEquals((double) (START / 1_000_000_000L), Json.at(first, "header", "stamp", "sec"));
                    assertEquals((double) (START % 1_000_000_000L), Json.at(first, "header", "stamp", "nanosec"));
                    long lastStamp = START + (FRAMES - 1) * PERIOD;
                    assertEquals((double) (lastStamp % 1_000_000_000L), Json.at(last, "header", "stamp", "nanosec"));
                    assertEquals("camera_front", Json.at(first, "header", "frame_id"));
                    assertEquals(String.valueOf(START), Json.at(c, "messages", 0, "logTime"));
                } else {
                    assertEquals(0.0, first.get("frame"));
                    assertEquals((double) START, (Double) first.get("stamp_ns"), 1e3);
                    assertEquals(11.0, last.get("frame"));
                }
                McapReader.Channel mine = ours.channels().values().stream()
                        .filter(x -> x.topic().equals(topic)).findFirst().orElseThrow();
                switch (topic) {
                    case ResultMessages.CLASS_IDS_TOPIC, ResultMessages.DEPTH_TOPIC, ResultMessages.CONFIDENCE_TOPIC -> {
                        boolean depth = topic.equals(ResultMessages.DEPTH_TOPIC);
                        assertEquals(depth ? "32FC1" : "mono8", first.get("encoding"));
                        double w = (Double) first.get("width");
                        double h = (Double) first.get("height");
                        assertEquals(w * (depth ? 4 : 1), first.get("step"));
                        assertEquals(w * h * (depth ? 4 : 1), Json.at(first, "data", "length"));
                        // the pixels the reference decoded are the pixels roadseg wrote
                        assertEquals(dataSum(ours, mine), (Double) Json.at(first, "data", "sum"), 0.0, topic);
                    }
                    case ResultMessages.CAMERA_INFO_TOPIC -> {
                        List<Object> k = Json.array(first.get("k"));
                        assertEquals(9, k.size());
                        assertTrue((Double) k.get(0) > 0, "focal length");
                        assertEquals(1.0, k.get(8));
                        assertEquals(12, Json.array(first.get("p")).size());
                        assertEquals("plumb_bob", first.get("distortion_model"));
                    }
                    case ResultMessages.DIAGNOSTICS_TOPIC -> {
                        // the camera's status and the perception's, as ROS's diagnostics tools read them: the
                        // synthetic drive's picture is sound, a random-weight network is unsure of it
                        assertEquals(RosMessages.DIAGNOSTIC_ARRAY, c.get("schemaName"));
                        Map<String, Object> camera = Json.object(Json.at(first, "status", 0));
                        assertEquals(ResultMessages.CAMERA_STATUS, camera.get("name"));
                        assertEquals((double) RosMessages.OK, camera.get("level"), String.valueOf(camera));
                        assertEquals("ok", camera.get("message"));
                        assertEquals("camera_front", camera.get("hardware_id"));
                        List<Object> values = Json.array(camera.get("values"));
                        assertEquals(List.of("brightness", "dark_end", "bright_end", "noise", "sharpness",
                                "uniform_share", "unchanged_s", "soft_share", "smear_edge"), values.stream()
                                .map(v -> Json.object(v).get("key")).toList());
                        double brightness = Double.parseDouble((String) Json.object(values.get(0)).get("value"));
                        assertTrue(brightness > 60 && brightness < 160, "brightness " + brightness);
                        Map<String, Object> perception = Json.object(Json.at(first, "status", 1));
                        assertEquals(ResultMessages.PERCEPTION_STATUS, perception.get("name"));
                        double confidence = Double.parseDouble((String) Json.at(perception, "values", 0, "value"));
                        assertEquals(confidence < 0.70 ? (double) RosMessages.WARN : (double) RosMessages.OK,
                                perception.get("level"), String.valueOf(perception));
                    }
                    case ResultMessages.ANNOTATED_TOPIC -> {
                        assertEquals("jpeg", first.get("format"));
                        assertEquals(List.of(255.0, 216.0, 255.0), Json.array(Json.at(first, "data", "first"))
                                .subList(0, 3));
                    }
                    default -> {
                    }
                }
            }
        }
        // and roadseg replays its own output
        try (FrameSource s = FrameSources.open(out.toString(),
                SourceOptions.defaults().withTopic(ResultMessages.ANNOTATED_TOPIC))) {
            assertEquals(FRAMES, s.info().frameCount());
        }
    }

    /** Sum (mod 2^32) of the first message's image bytes, decoded by the project's own reader and CDR decoder. */
    private static double dataSum(McapReader r, McapReader.Channel c) throws Exception {
        McapReader.Cursor cursor = r.messages(c.id());
        assertTrue(cursor.next());
        CdrReader cdr = new CdrReader().begin(cursor.payloadArray(), cursor.payloadOffset(), cursor.payloadLength());
        cdr.int32();
        cdr.uint32();
        cdr.string();
        cdr.uint32();
        cdr.uint32();
        cdr.string();
        cdr.uint8();
        cdr.uint32();
        int at = cdr.bytesOffset();
        long sum = 0;
        for (int i = 0; i < cdr.lastLength; i++) {
            sum += cursor.payloadArray()[at + i] & 0xff;
        }
        return sum % (1L << 32);
    }

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void noChildLeftRunning() {
        for (Process p : children) {
            p.destroyForcibly();
        }
    }

    /** Starts a looping run writing {@code out} in a child JVM; returns once the file holds a few chunks. */
    private Process writing(Path out) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                RoadsegCommand.class.getName(), "run", "recordings/town-drive/video.mp4", "--loop", "--model",
                TestData.smallModel(dir).toString(), "--out", out.toString(), "--mcap-compression", "lz4", "-q")
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        children.add(p); // a failed test must not leave a looping run behind
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!(Files.exists(out) && Files.size(out) > 12_000_000)) {
            assertTrue(p.isAlive(), "child ended early: " + Files.readString(dir.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "no MCAP after 60 s");
            Thread.sleep(50);
        }
        return p;
    }

    @Test
    void sigtermFinalisesTheFileWithItsSummary() throws Exception {
        Path out = dir.resolve("stopped.mcap");
        Process p = writing(out);
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child did not stop after SIGTERM");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("child.log")));
        try (McapReader r = McapReader.open(out)) {
            assertTrue(r.indexed(), "summary and footer written");
            assertEquals(null, r.truncation());
            int n = r.messageCount(0);
            assertTrue(n >= 5, n + " frames");
            for (int c = 1; c < 5; c++) {
                assertEquals(n, r.messageCount(c), "every topic has every frame");
            }
        }
        Object doc = Json.parse(NodeReference.run("read-mcap.mjs", out.toString()));
        assertEquals("indexed", Json.at(doc, "reader"));
    }

    @Test
    void aRecordingKilledMidWriteIsReadableUpToItsLastChunk() throws Exception {
        Path out = dir.resolve("killed.mcap");
        Process p = writing(out);
        p.destroyForcibly();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        int ours;
        try (McapReader r = McapReader.open(out)) {
            assertNotNull(r.truncation());
            ours = r.messageCount(0);
            assertTrue(ours >= 5, ours + " annotated frames");
            for (int c = 1; c < 5; c++) {
                assertTrue(Math.abs(r.messageCount(c) - ours) <= 1, "channels written frame by frame");
            }
        }
        Object doc = Json.parse(NodeReference.run("read-mcap.mjs", out.toString()));
        assertEquals("stream", Json.at(doc, "reader"));
        assertEquals((double) ours, Json.at(doc, "channels", 0, "count"));
        // roadseg replays it, finalises what it made and says the input was cut short
        Cli.Outcome replay = Cli.run("run", out.toString(), "--topic", ResultMessages.ANNOTATED_TOPIC, "--model",
                TestData.smallModel(dir).toString(), "--results", dir.resolve("r.jsonl").toString(), "-q");
        assertEquals(1, replay.exit(), replay.stderr());
        assertTrue(replay.stderr().contains("MCAP file cut short"), replay.stderr());
        assertEquals(ours, Files.readAllLines(dir.resolve("r.jsonl")).size());
    }

    @Test
    void pacedReplayFollowsTheRecordedTimestamps() throws Exception {
        // 12 frames 33.3 ms apart: paced, the last one is due 367 ms after the first
        Path file = fixture("p.mcap", "--encoding", "ros2-compressed", "--compression", "zstd", "--index", "yes");
        long t0 = System.nanoTime();
        Cli.Outcome out = Cli.run("run", file.toString(), "--pace", "--model", TestData.smallModel(dir).toString(),
                "--results", dir.resolve("p.jsonl").toString(), "-q");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, out.exit(), out.stderr());
        List<String> lines = Files.readAllLines(dir.resolve("p.jsonl"));
        assertEquals(FRAMES, lines.size());
        assertTrue(seconds > 0.36, "paced replay took " + seconds + " s");
        assertTrue(lines.get(FRAMES - 1).contains("\"t_us\":" + (FRAMES - 1) * PERIOD / 1000 + ","), lines.get(11));
        assertTrue(lines.get(0).contains("\"stamp_ns\":" + START + ","), lines.get(0));
    }

    /**
     * An MCAP file written by roadseg's own writer: the JPEG frames, the third replaced by bytes no codec reads (a
     * JPEG cut short still decodes, grey where data is missing, as OpenCV does), or raw 16-bit images.
     */
    private Path ownFile(String name, boolean damagedThird, boolean sixteenBit) throws Exception {
        Path file = dir.resolve(name);
        try (java.io.OutputStream out = Files.newOutputStream(file);
             io.roadseg.mcap.McapWriter w = new io.roadseg.mcap.McapWriter(out, "ros2", "test",
                     io.roadseg.mcap.McapFormat.Compression.ZSTD, 1 << 20)) {
            String type = sixteenBit ? io.roadseg.ros.RosMessages.IMAGE : io.roadseg.ros.RosMessages.COMPRESSED_IMAGE;
            int schema = w.addSchema(type, "ros2msg", io.roadseg.ros.RosMessages.definitionBytes(type));
            int channel = w.addChannel(schema, "/cam", "cdr", Map.of());
            io.roadseg.ros.CdrWriter cdr = new io.roadseg.ros.CdrWriter(1 << 20);
            byte[] frameId = "cam".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 6; i++) {
                long t = START + i * PERIOD;
                cdr.begin().header(t, frameId);
                if (sixteenBit) {
                    byte[] pixels = new byte[8 * 6 * 2];
                    cdr.uint32(6).uint32(8).string("16UC1").uint8(0).uint32(16).uint8Sequence(pixels, 0,
                            pixels.length);
                } else {
                    byte[] jpeg = Files.readAllBytes(jpegs.resolve(String.format("%03d.jpg", i)));
                    if (damagedThird && i == 2) {
                        jpeg = "not an image at all, just bytes".getBytes(StandardCharsets.US_ASCII);
                    }
                    cdr.string("jpeg").uint8Sequence(jpeg, 0, jpeg.length);
                }
                w.write(channel, t, t, cdr.array(), 0, cdr.size());
            }
        }
        return file;
    }

    /**
     * A video topic — {@code foxglove.CompressedVideo} in protobuf or its ROS 2 twin {@code foxglove_msgs} in CDR
     * (schemas as Foxglove's generator writes them), {@code ffmpeg_image_transport}'s {@code FFMPEGPacket} (its
     * encoder named), a {@code CompressedImage} whose format is {@code h264} — one H.264 frame's packet per message,
     * as a recorder keeps a camera's stream — replays frame by frame with each message's time, the pictures exactly those FFmpeg decodes
     * from the same stream in a file; packets before the first keyframe are counted damaged, not shown.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"foxglove-video,h264", "ros2-foxglove-video,h264", "ros2-ffmpeg-packet,libx264",
            "ros2-compressed,h264"})
    void aVideoTopicIsDecodedFrameByFrame(String encoding, String format) throws Exception {
        // the stream's packets (Annex B in MPEG-TS), one file each, and the pictures FFmpeg decodes from the file
        Path packets = dir.resolve("packets");
        List<byte[]> truth = RecordingFixtures.h264(new RecordingFixtures.Frames(jpegs, raw, width, height), dir,
                packets, 5);
        assertEquals(FRAMES, truth.size());
        Path file = fixture(encoding + ".mcap", "--encoding", encoding, "--packets", packets.toString(),
                "--video-format", format,
                "--compression", "zstd", "--index", "yes");
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            assertEquals(width, s.info().width());
            assertEquals(height, s.info().height());
            assertFalse(s.info().framesCodedApart(), "a video stream's frames are coded from each other");
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            byte[] got = new byte[s.info().frameBytes()];
            int n = 0;
            long pts;
            while ((pts = s.read(b)) != FrameSource.END_OF_STREAM) {
                assertEquals(n * PERIOD / 1000, pts, "time of frame " + n);
                assertEquals(START + n * PERIOD, s.frameStampNanos());
                assertEquals("camera_front", s.frameId());
                b.get(0, got);
                double diff = 0;
                long zeros = 0;
                for (int i = 0; i < got.length; i++) {
                    diff += Math.abs((got[i] & 0xff) - (truth.get(n)[i] & 0xff));
                    zeros += got[i] == 0 ? 1 : 0;
                }
                assertTrue(java.util.Arrays.equals(truth.get(n), got), "pixels of frame " + n + ": mean diff "
                        + diff / got.length + ", zeros " + zeros);
                n++;
            }
            assertEquals(FRAMES, n);
            assertEquals(0, s.corruptFrames());
        }
        // replayed in a loop through the whole pipeline: the decoder starts again at the first keyframe
        Path results = dir.resolve(encoding + ".jsonl");
        Cli.Outcome run = Cli.run("run", file.toString(), "--loop", "--frames", "30", "--results", results.toString(),
                "-q");
        assertEquals(0, run.exit(), run.stderr());
        assertEquals(30, Files.readAllLines(results).size());
        assertFalse(run.stderr().contains("damaged"), "no packet lost its picture across the loop: " + run.stderr());
        // a recording that starts mid-stream: the frames before the next keyframe are damaged, the rest replay
        Files.delete(packets.resolve("000.h264"));
        Path late = fixture(encoding + "-late.mcap", "--encoding", encoding, "--packets", packets.toString(),
                "--video-format", format,
                "--compression", "none", "--index", "yes");
        try (FrameSource s = FrameSources.open(late.toString(), SourceOptions.defaults())) {
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            byte[] got = new byte[s.info().frameBytes()];
            int n = 0;
            while (s.read(b) != FrameSource.END_OF_STREAM) {
                b.get(0, got);
                assertTrue(java.util.Arrays.equals(truth.get(5 + n), got), "pixels of frame " + (5 + n));
                n++;
            }
            assertEquals(FRAMES - 5, n);
            assertEquals(4, s.corruptFrames());
        }
    }

    /** Debian's {@code ffmpeg} (with libx264): the encoder of the B-frame test's stream, as robots record it. */
    static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");

    private static String tool(Path workDir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + out);
        return out;
    }

    /**
     * A video topic with B-frames, as {@code ffmpeg_image_transport}'s default encoder (libx264, its default settings)
     * records a camera: its packets in decode order, each message stamped with the capture time of the picture it
     * codes. Every picture replays in display order with its own message's stamp — the first not taken for damaged,
     * the last ones the decoder holds back for reordering not lost at the end — and the pixels are those FFmpeg
     * decodes from the same stream in a file. The stream is Debian's {@code ffmpeg}'s (libx264, two B-frames); the
     * display order of each packet its pts as {@code ffprobe} reads it.
     */
    @Test
    void aVideoTopicWithBFramesGivesEveryPictureWithItsOwnStamp() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(FFMPEG),
                "Debian's ffmpeg (libx264) is not installed (.ci/run installs it where it can)");
        Path all = dir.resolve("all.bgr");
        try (java.io.OutputStream o = Files.newOutputStream(all)) {
            for (int i = 0; i < FRAMES; i++) {
                o.write(expected(i, false));
            }
        }
        tool(dir, FFMPEG.toString(), "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s",
                width + "x" + height, "-r", "30", "-i", all.toString(), "-c:v", "libx264", "-bf", "2", "-g", "6",
                "-pix_fmt", "yuv420p", "drive.mkv");
        Path packets = Files.createDirectories(dir.resolve("b-packets"));
        tool(dir, FFMPEG.toString(), "-loglevel", "error", "-y", "-i", "drive.mkv", "-c:v", "copy", "-bsf:v",
                "h264_mp4toannexb", "-f", "image2", packets.resolve("%03d.h264").toString());
        List<Long> pts = tool(dir, "/usr/bin/ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                "packet=pts", "-of", "csv=p=0", "drive.mkv").lines().map(String::strip).filter(l -> !l.isEmpty())
                .map(Long::parseLong).toList();
        assertEquals(FRAMES, pts.size());
        List<Long> sorted = pts.stream().sorted().toList();
        List<String> display = pts.stream().map(t -> Integer.toString(sorted.indexOf(t))).toList();
        assertFalse(pts.equals(sorted), "the stream has B-frames: packets out of display order " + pts);
        List<byte[]> truth = RecordingFixtures.decodedFrames(dir.resolve("drive.mkv"));
        assertEquals(FRAMES, truth.size());
        Path file = fixture("b-frames.mcap", "--encoding", "ros2-ffmpeg-packet", "--packets", packets.toString(),
                "--video-format", "libx264", "--stamp-order", String.join(",", display));
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            byte[] got = new byte[s.info().frameBytes()];
            int n = 0;
            long last = -1;
            long t;
            while ((t = s.read(b)) != FrameSource.END_OF_STREAM) {
                assertTrue(t > last, "time goes forward: " + t + " after " + last);
                last = t;
                assertEquals(START + n * PERIOD, s.frameStampNanos(), "the stamp of picture " + n);
                b.get(0, got);
                assertTrue(java.util.Arrays.equals(truth.get(n), got), "pixels of picture " + n);
                n++;
            }
            assertEquals(FRAMES, n, "every picture, the reordered last ones too");
            assertEquals(0, s.corruptFrames());
        }
        Path results = dir.resolve("b-frames.jsonl");
        Cli.Outcome run = Cli.run("run", file.toString(), "--results", results.toString(), "-q");
        assertEquals(0, run.exit(), run.stderr());
        List<String> lines = Files.readAllLines(results);
        assertEquals(FRAMES, lines.size());
        for (int n = 0; n < FRAMES; n++) {
            assertTrue(lines.get(n).contains("\"stamp_ns\":" + (START + n * PERIOD) + ","), lines.get(n));
        }
    }

    /** A video topic of another codec, or of bytes that are no video at all: one line each, exit 1. */
    @Test
    void aVideoTopicThatCannotBeDecodedIsOneLine() throws Exception {
        Path junk = Files.createDirectories(dir.resolve("junk-packets"));
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 3; i++) {
            byte[] b = new byte[4000];
            random.nextBytes(b);
            Files.write(junk.resolve(String.format("%03d.h264", i)), b);
        }
        Path garbage = fixture("garbage.mcap", "--encoding", "foxglove-video", "--packets", junk.toString(),
                "--compression", "none", "--index", "yes");
        Cli.Outcome g = Cli.run("run", garbage.toString(), "-q");
        assertEquals(1, g.exit(), g.stderr());
        assertEquals(1, g.stderr().lines().filter(l -> l.startsWith("roadseg: ")).count(), g.stderr());
        assertTrue(g.stderr().contains("has no decodable frame among its 3 messages (a packet the h264 decoder "
                + "refuses"), g.stderr());
        Path other = fixture("mjpeg.mcap", "--encoding", "foxglove-video", "--packets", junk.toString(),
                "--video-format", "theora", "--compression", "none", "--index", "yes");
        Cli.Outcome o = Cli.run("run", other.toString(), "-q");
        assertEquals(1, o.exit(), o.stderr());
        assertTrue(o.stderr().contains("(video format 'theora' is not one roadseg decodes"), o.stderr());
    }

    /**
     * Raw pictures as cameras publish them unconverted: 8-bit Bayer mosaics (each pattern), YUV 4:2:2 in both byte
     * orders and NV21, written in {@code sensor_msgs/image_encodings}' names from the recording's frames, come back
     * as those frames (within what demosaicing and chroma subsampling lose), and each much farther from the frame
     * with red and blue swapped — a pattern or byte order read the wrong way round would be nearer to that.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"bayer_rggb8,4", "bayer_bggr8,4", "bayer_gbrg8,4", "bayer_grbg8,4", "yuv422,2", "uyvy,2",
            "yuv422_yuy2,2", "yuyv,2", "nv21,2", "bayer_rggb8:foxglove-raw,4", "yuyv:foxglove-raw,2"})
    void rawEncodingsOfCamerasComeBackAsThePicture(String encodingAndMessage, double within) throws Exception {
        String encoding = encodingAndMessage.split(":")[0];
        String message = encodingAndMessage.contains(":") ? encodingAndMessage.split(":")[1] : "ros2-image";
        Path file = fixture(encoding + "-" + message + ".mcap", "--encoding", message, "--compression", "none",
                "--index", "yes", "--pixel", encoding);
        comesBackAsTheFrame(file, encoding, within, false);
    }

    /**
     * 16-bit pictures as machine-vision and automotive cameras publish them, their 10-, 12- or 16-bit samples in the
     * low bits of two bytes, in either byte order: scaled by the bits the pictures use (a 12-bit camera's white is
     * 4095), they come back as the 8-bit frame they were made from; grey ones as its grey.
     */
    @ParameterizedTest(name = "{0} {1} bits{2}")
    @CsvSource({"bgr16,16,'',1", "rgb16,12,'',1", "mono16,10,'',1", "bayer_rggb16,12,'',4",
            "bayer_grbg16,16,--big-endian,4", "rgb16,12,--big-endian,1", "mono8,8,'',1"})
    void sixteenBitPicturesComeBackAsTheFrame(String encoding, int bits, String order, double within)
            throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--encoding", "ros2-image", "--compression", "none",
                "--index", "yes", "--pixel", encoding, "--bits", Integer.toString(bits)));
        if (!order.isEmpty()) {
            args.add(order);
        }
        Path file = fixture(encoding + "-" + bits + order + ".mcap", args.toArray(String[]::new));
        String codec = comesBackAsTheFrame(file, encoding, within, encoding.startsWith("mono"));
        if (encoding.endsWith("16")) {
            assertTrue(codec.contains(encoding + ", 16-bit samples with " + bits + " significant bits"), codec);
        }
        Cli.Outcome info = Cli.run("info", file.toString());
        assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*\\* /camera/front/compressed\\s+sensor_msgs/msg/Image"
                + "\\s.*\\s" + encoding + " " + width + "x" + height)), "the first picture's format and size\n"
                + info.stdout());
    }

    /**
     * Reads the recording's first frame and compares it with the frame it was written from (grey: with its grey in
     * each channel); returns the source's description.
     */
    private String comesBackAsTheFrame(Path file, String encoding, double within, boolean grey) throws Exception {
        byte[] truth = expected(0, false);
        if (grey) {
            for (int i = 0; i < truth.length; i += 3) {
                long g = Math.round(0.299 * (truth[i + 2] & 0xff) + 0.587 * (truth[i + 1] & 0xff)
                        + 0.114 * (truth[i] & 0xff));
                truth[i] = truth[i + 1] = truth[i + 2] = (byte) g;
            }
        }
        byte[] got = new byte[truth.length];
        String codec;
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            codec = s.info().codec();
            assertTrue(codec.contains(encoding), codec);
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            assertTrue(s.read(b) != FrameSource.END_OF_STREAM);
            b.get(0, got);
        }
        double error = 0;
        double swapped = 0;
        for (int i = 0; i < truth.length; i++) {
            int other = i - i % 3 + 2 - i % 3; // the same pixel's byte with B and R exchanged
            error += Math.abs((got[i] & 0xff) - (truth[i] & 0xff));
            swapped += Math.abs((got[i] & 0xff) - (truth[other] & 0xff));
        }
        error /= truth.length;
        swapped /= truth.length;
        System.out.printf("%s: mean error %.2f, against red and blue swapped %.2f%n", encoding, error, swapped);
        assertTrue(error < within, encoding + ": mean error " + error);
        if (!grey) {
            assertTrue(swapped > 2 * error, encoding + ": " + swapped + " against the swapped picture, " + error);
        }
        return codec;
    }

    /**
     * A Foxglove-SDK recording says where its camera sits with {@code foxglove.FrameTransforms} (protobuf, the schema
     * as Foxglove's generator writes it, here on /tf): the same chain as the ROS test below gives the same mount, and
     * the run names the topic it came from.
     */
    @Test
    void aFoxgloveRecordingsFrameTransformsGiveTheCamerasMount() throws Exception {
        String tf = MOUNTED_CHAIN;
        double fx = 0.6 * width;
        Path file = fixture("fox-tf.mcap", "--encoding", "foxglove", "--compression", "zstd", "--index", "yes",
                "--frame-id", "camera_front_optical", "--tf-schema", "foxglove", "--tf-static", tf,
                "--camera-info-schema", "foxglove", "--camera-info", fx + "," + fx + "," + (width / 2.0 - 0.5) + ","
                        + (height / 2.0 - 0.5));
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            io.roadseg.ros.CameraMount m = s.recordedMount();
            assertNotNull(m, s.info().codec());
            assertEquals("base_footprint", m.groundFrame());
            assertEquals(1.5, m.heightM(), 1e-9);
            assertEquals(3.0, m.pitchDownDeg(), 1e-9);
            assertEquals(2.0, m.rollDeg(), 1e-9);
            assertEquals("/tf", m.from());
            assertTrue(s.info().codec().contains("its mount from /tf"), s.info().codec());
        }
        Cli.Outcome info = Cli.run("info", file.toString());
        assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*@ /tf\\s+foxglove\\.FrameTransforms .*")),
                info.stdout());
        Path stats = dir.resolve("fox-tf-stats.json");
        Cli.Outcome run = Cli.run("run", file.toString(), "--frames", "3", "--stats", stats.toString(), "-q");
        assertEquals(0, run.exit(), run.stderr());
        assertEquals("/tf", Json.at(Json.parse(Files.readString(stats)), "camera_model", "mount"));
        assertTrue(run.stderr().contains("depth fused with the ground plane: the recording's camera mount (/tf: "
                + "camera_front_optical over base_footprint) 1.50 m above the road, pitched 3.00° down"), run.stderr());
    }

    /**
     * A recording's own sensor_msgs/msg/CameraInfo (written by the reference serializer) stands in for --calib's
     * intrinsics: depth scaled by its focal length, its plumb_bob lens undone, its K at the input size in the output's
     * CameraInfo; a lens model roadseg cannot undo is said once and left in the picture.
     */
    @Test
    void theRecordingsCameraInfoScalesDepthAndUndoesItsLens() throws Exception {
        double fx = 0.6 * width;
        double cx = width / 2.0 - 0.5;
        double cy = height / 2.0 - 0.5;
        String k = fx + "," + fx + "," + cx + "," + cy;
        Path file = fixture("info.mcap", "--encoding", "ros2-compressed", "--compression", "zstd", "--index", "yes",
                "--camera-info", k + ",-0.2,0.05,0.001,0,0.01");
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            io.roadseg.ros.CameraInfoMessage c = s.recordedCamera();
            assertEquals("/camera/front/camera_info", c.topic());
            assertEquals(width, c.width());
            assertEquals(height, c.height());
            assertEquals(fx, c.fx());
            assertEquals(cy, c.cy());
            assertEquals("plumb_bob", c.distortionModel());
            assertTrue(java.util.Arrays.equals(new double[] {-0.2, 0.05, 0.001, 0, 0.01, 0, 0, 0}, c.distortion().coefficients()));
            assertTrue(s.info().codec().contains("camera from /camera/front/camera_info"), s.info().codec());
        }
        Path out = dir.resolve("info-out.mcap");
        Cli.Outcome run = Cli.run("run", file.toString(), "--out", out.toString(), "-q");
        assertEquals(0, run.exit(), run.stderr());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("depth scaled by ([0-9.]+): the recording's camera "
                + "\\(/camera/front/camera_info\\), focal ([0-9.]+) px at the model's ([0-9]+) px width, model trained "
                + "at ([0-9.]+) px").matcher(run.stderr());
        assertTrue(m.find(), run.stderr());
        double focalAtInput = fx * Integer.parseInt(m.group(3)) / width;
        assertEquals(focalAtInput, Double.parseDouble(m.group(2)), 0.05);
        assertEquals(focalAtInput / Double.parseDouble(m.group(4)), Double.parseDouble(m.group(1)), 1e-4);
        assertTrue(run.stderr().contains("picture rectified: the recording's camera (/camera/front/camera_info) "
                + "k1 -0.200, k2 0.050, p1 0.001, k3 0.010 undone"), run.stderr());
        // the output's CameraInfo, decoded by the reference: the recorded K at the input size, the lens undone
        Object doc = Json.parse(NodeReference.run("read-mcap.mjs", out.toString()));
        Map<String, Object> info = Json.array(Json.at(doc, "channels")).stream().map(Json::object)
                .filter(c -> ResultMessages.CAMERA_INFO_TOPIC.equals(c.get("topic"))).findFirst().orElseThrow();
        Map<String, Object> fields = Json.object(Json.at(info, "messages", 0, "fields"));
        assertEquals(focalAtInput, (Double) Json.at(fields, "k", 0), 1e-6);
        assertTrue(Json.array(fields.get("d")).stream().allMatch(v -> (Double) v == 0.0), fields.toString());

        Cli.Outcome asRecorded = Cli.run("run", file.toString(), "--no-rectify", "--frames", "2", "-q");
        assertEquals(0, asRecorded.exit(), asRecorded.stderr());
        assertFalse(asRecorded.stderr().contains("picture rectified"), asRecorded.stderr());
        Path fisheye = fixture("fisheye.mcap", "--encoding", "ros2-compressed", "--compression", "none", "--index",
                "no", "--camera-info", k + ",0.1,0.01,0,0", "--distortion-model", "equidistant",
                "--camera-info-topic", "/calibration/camera_info");
        Cli.Outcome f = Cli.run("run", fisheye.toString(), "--frames", "2", "-q");
        assertEquals(0, f.exit(), f.stderr());
        assertTrue(f.stderr().contains("depth scaled by"), "the file's only CameraInfo: " + f.stderr());
        assertTrue(f.stderr().contains("picture rectified: the recording's camera (/calibration/camera_info) "
                + "equidistant k1 0.100, k2 0.010 undone"), f.stderr());
        Path rational = fixture("rational.mcap", "--encoding", "ros2-compressed", "--compression", "none", "--index",
                "no", "--camera-info", k + ",-0.2,0.05,0,0,0,0.3,0,0", "--distortion-model", "rational_polynomial");
        Cli.Outcome ra = Cli.run("run", rational.toString(), "--frames", "2", "-q");
        assertEquals(0, ra.exit(), ra.stderr());
        assertTrue(ra.stderr().contains("picture rectified: the recording's camera (/camera/front/camera_info) "
                + "k1 -0.200, k2 0.050, k4 0.300 undone"), ra.stderr());
        // eight numbers under plumb_bob, as ROS's image_geometry and OpenCV read them: the rational model (until
        // 2026-11-28 a warning, while a calibration file with the same vector was undone)
        Path eight = fixture("eight.mcap", "--encoding", "ros2-compressed", "--compression", "none", "--index",
                "no", "--camera-info", k + ",-0.2,0.05,0,0,0,0.3,0,0", "--distortion-model", "plumb_bob");
        Cli.Outcome e8 = Cli.run("run", eight.toString(), "--frames", "2", "-q");
        assertEquals(0, e8.exit(), e8.stderr());
        assertTrue(e8.stderr().contains("picture rectified: the recording's camera (/camera/front/camera_info) "
                + "k1 -0.200, k2 0.050, k4 0.300 undone"), e8.stderr());
        Path prism = fixture("prism.mcap", "--encoding", "ros2-compressed", "--compression", "none", "--index",
                "no", "--camera-info", k + ",-0.2,0.05,0,0,0,0,0,0,0.01,0,0,0", "--distortion-model", "plumb_bob");
        Cli.Outcome p12 = Cli.run("run", prism.toString(), "--frames", "2", "-q");
        assertEquals(0, p12.exit(), p12.stderr());
        assertTrue(p12.stderr().contains("warning: /camera/front/camera_info gives the distortion model 'plumb_bob' "
                + "with 12 coefficients, which roadseg does not undo (d gives s1 = 0.01: roadseg undoes "
                + "Brown–Conrady's k1 k2 p1 p2 k3 and the rational model's k4 k5 k6, not the thin-prism or tilted "
                + "model's further terms): the picture goes to the network as recorded"), p12.stderr());
        Path unknown = fixture("fov.mcap", "--encoding", "ros2-compressed", "--compression", "none", "--index",
                "no", "--camera-info", k + ",0.9", "--distortion-model", "fov");
        Cli.Outcome un = Cli.run("run", unknown.toString(), "--frames", "2", "-q");
        assertEquals(0, un.exit(), un.stderr());
        assertTrue(un.stderr().contains("warning: /camera/front/camera_info gives the distortion model 'fov' with 1 "
                + "coefficient, which roadseg does not undo"), un.stderr());
        assertFalse(un.stderr().contains("picture rectified"), un.stderr());
        Path folded = fixture("folded.mcap", "--encoding", "ros2-compressed", "--compression", "none", "--index",
                "yes", "--camera-info", k + ",-0.9,0,0,0,0");
        Cli.Outcome g = Cli.run("run", folded.toString(), "--frames", "2", "-q");
        assertEquals(0, g.exit(), g.stderr());
        assertTrue(g.stderr().contains("warning: /camera/front/camera_info's lens (plumb_bob [-0.9, 0.0, 0.0, 0.0, "
                + "0.0]) folds back at a normalised radius of"), g.stderr());
        assertFalse(g.stderr().contains("picture rectified"), g.stderr());
    }

    /**
     * A CameraInfo describes the raw camera; ROS's image_geometry reads it for a topic's pictures, and so does
     * roadseg: a rectified topic ({@code image_rect_color}, by its name) takes the projection P and has no lens left
     * to undo (until 2026-11-28 its lens was undone a second time, at K's focal length); a region of interest and
     * binning move and scale K to the pictures.
     */
    @Test
    void aCameraInfoIsReadForItsTopicsPicturesAsImageGeometryReadsIt() throws Exception {
        double fx = 0.6 * width;
        double cx = width / 2.0 - 0.5;
        double cy = height / 2.0 - 0.5;
        String k = fx + "," + fx + "," + cx + "," + cy;
        double pfx = 0.5 * width; // a calibration's P after cropping to valid pixels: a longer focal length than K's
        Path rect = fixture("rect.mcap", "--encoding", "ros2-compressed", "--compression", "none", "--index", "yes",
                "--topic", "/camera/front/image_rect_color/compressed", "--camera-info-topic",
                "/camera/front/camera_info", "--camera-info", k + ",-0.2,0.05,0.001,0,0.01", "--projection",
                pfx + "," + pfx + "," + (cx + 3) + "," + (cy - 2));
        try (FrameSource s = FrameSources.open(rect.toString(), SourceOptions.defaults())) {
            io.roadseg.ros.CameraInfoMessage c = s.recordedCamera();
            assertEquals("/camera/front/camera_info", c.topic());
            assertEquals(pfx, c.fx());
            assertEquals(cx + 3, c.cx());
            assertEquals(cy - 2, c.cy());
            assertEquals(0, c.d().length);
            assertFalse(c.distortion().any());
        }
        Path out = dir.resolve("rect-out.mcap");
        Cli.Outcome run = Cli.run("run", rect.toString(), "--out", out.toString(), "--frames", "2", "-q");
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("camera from /camera/front/camera_info for these pictures: "
                + "/camera/front/image_rect_color/compressed is rectified (its name): the projection P's intrinsics, "
                + "the plumb_bob lens not undone again"), run.stderr());
        assertFalse(run.stderr().contains("picture rectified"), run.stderr());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("depth scaled by [0-9.]+: the recording's camera "
                + "\\(/camera/front/camera_info\\), focal ([0-9.]+) px at the model's ([0-9]+) px width")
                .matcher(run.stderr());
        assertTrue(m.find(), run.stderr());
        double focalAtInput = pfx * Integer.parseInt(m.group(2)) / width;
        assertEquals(focalAtInput, Double.parseDouble(m.group(1)), 0.05);
        Object doc = Json.parse(NodeReference.run("read-mcap.mjs", out.toString()));
        Map<String, Object> info = Json.array(Json.at(doc, "channels")).stream().map(Json::object)
                .filter(c -> ResultMessages.CAMERA_INFO_TOPIC.equals(c.get("topic"))).findFirst().orElseThrow();
        assertEquals(focalAtInput, (Double) Json.at(info, "messages", 0, "fields", "k", 0), 1e-6);

        // the same CameraInfo for the raw topic beside it: K, the lens undone once
        try (FrameSource s = FrameSources.open(fixture("raw.mcap", "--encoding", "ros2-compressed", "--compression",
                "none", "--index", "yes", "--topic", "/camera/front/image_raw/compressed", "--camera-info-topic",
                "/camera/front/camera_info", "--camera-info", k + ",-0.2,0.05,0.001,0,0.01", "--projection",
                pfx + "," + pfx + "," + cx + "," + cy).toString(), SourceOptions.defaults())) {
            assertEquals(fx, s.recordedCamera().fx());
            assertEquals("plumb_bob", s.recordedCamera().distortionModel());
            assertEquals("", s.recordedCamera().readAs());
        }

        // the frames are the region (2w × 2h at (40, 20)) of a 4w × 4h sensor, binned 2 × 2: K is the sensor's
        double sensorFx = 2 * fx;
        double sensorCx = 2 * cx + 40; // image_geometry: (cx − x_offset) / binning
        double sensorCy = 2 * cy + 20;
        Path roi = fixture("roi.mcap", "--encoding", "ros2-compressed", "--compression", "none", "--index", "yes",
                "--camera-info", sensorFx + "," + sensorFx + "," + sensorCx + "," + sensorCy, "--info-size",
                4 * width + "," + 4 * height, "--binning", "2,2", "--roi", "40,20," + 2 * width + "," + 2 * height);
        try (FrameSource s = FrameSources.open(roi.toString(), SourceOptions.defaults())) {
            io.roadseg.ros.CameraInfoMessage c = s.recordedCamera();
            assertEquals(width, c.width());
            assertEquals(height, c.height());
            assertEquals(fx, c.fx(), 1e-9);
            assertEquals(cx, c.cx(), 1e-9);
            assertEquals(cy, c.cy(), 1e-9);
            assertEquals("the region " + 2 * width + "x" + 2 * height + " at (40, 20) of the sensor; binned 2x2",
                    c.readAs());
        }
        Cli.Outcome r = Cli.run("run", roi.toString(), "--frames", "2", "-q");
        assertEquals(0, r.exit(), r.stderr());
        assertFalse(r.stderr().contains("pictures but the frames are"), r.stderr());
        m = java.util.regex.Pattern.compile("focal ([0-9.]+) px at the model's ([0-9]+) px width").matcher(r.stderr());
        assertTrue(m.find(), r.stderr());
        assertEquals(fx * Integer.parseInt(m.group(2)) / width, Double.parseDouble(m.group(1)), 0.05);
    }

    /**
     * A recording made with Foxglove's SDK states its camera as {@code foxglove.CameraCalibration} in protobuf (the
     * schema as Foxglove's own generator writes it, {@code @foxglove/schemas}), beside {@code foxglove.CompressedImage}:
     * read as a CameraInfo is — its fisheye ({@code kannala_brandt}, OpenCV's) undone, its P for a rectified topic.
     */
    @Test
    void aFoxgloveCameraCalibrationIsTheRecordingsCamera() throws Exception {
        double fx = 0.6 * width;
        String k = fx + "," + fx + "," + (width / 2.0 - 0.5) + "," + (height / 2.0 - 0.5);
        Path file = fixture("foxglove-cal.mcap", "--encoding", "foxglove", "--compression", "zstd", "--index", "yes",
                "--camera-info-schema", "foxglove", "--camera-info", k + ",0.1,0.01,0,0", "--distortion-model",
                "kannala_brandt", "--camera-info-topic", "/camera/front/calibration");
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            io.roadseg.ros.CameraInfoMessage c = s.recordedCamera();
            assertEquals("/camera/front/calibration", c.topic());
            assertEquals("camera_front", c.frameId());
            assertEquals(width, c.width());
            assertEquals(height, c.height());
            assertEquals(fx, c.fx());
            assertTrue(c.distortion().fisheye());
            assertEquals(0.1, c.distortion().coefficients()[0]);
        }
        Cli.Outcome info = Cli.run("info", file.toString());
        assertEquals(0, info.exit(), info.stderr());
        assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*@ /camera/front/calibration\\s+foxglove"
                + "\\.CameraCalibration\\s+protobuf .*")), info.stdout());
        Cli.Outcome run = Cli.run("run", file.toString(), "--frames", "2", "-q");
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("depth scaled by"), run.stderr());
        assertTrue(run.stderr().contains("picture rectified: the recording's camera (/camera/front/calibration) "
                + "equidistant k1 0.100, k2 0.010 undone"), run.stderr());
        Path rect = fixture("foxglove-rect.mcap", "--encoding", "foxglove", "--compression", "none", "--index", "no",
                "--topic", "/camera/front/image_rect/compressed", "--camera-info-schema", "foxglove",
                "--camera-info", k + ",0.1,0.01,0,0", "--distortion-model", "kannala_brandt",
                "--camera-info-topic", "/camera/front/calibration", "--projection", 0.5 * width + "," + 0.5 * width
                        + "," + (width / 2.0 - 0.5) + "," + (height / 2.0 - 0.5));
        try (FrameSource s = FrameSources.open(rect.toString(), SourceOptions.defaults())) {
            assertEquals(0.5 * width, s.recordedCamera().fx());
            assertFalse(s.recordedCamera().distortion().any());
            assertTrue(s.recordedCamera().readAs().endsWith("the kannala_brandt lens not undone again"),
                    s.recordedCamera().readAs());
        }
    }

    /**
     * The recording's /tf_static (written by the reference serializer) says where its camera sits: base_footprint →
     * base_link 0.3 m up → camera_link 1.5 m ahead, 1.2 m up, pitched 3° down and rolled 2° → the optical frame the
     * images are stamped with (REP 103's rotation). With its CameraInfo, that is a whole calibration: the run fuses
     * depth with the ground plane 1.5 m below a camera pitched 3° down and undoes the roll.
     */
    @Test
    void theRecordingsStaticTransformsGiveTheCamerasMount() throws Exception {
        String tf = MOUNTED_CHAIN;
        double fx = 0.6 * width;
        Path file = fixture("tf.mcap", "--encoding", "ros2-compressed", "--compression", "lz4", "--index", "yes",
                "--frame-id", "camera_front_optical", "--tf-static", tf, "--camera-info",
                fx + "," + fx + "," + (width / 2.0 - 0.5) + "," + (height / 2.0 - 0.5));
        try (FrameSource s = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            io.roadseg.ros.CameraMount m = s.recordedMount();
            assertNotNull(m, s.info().codec());
            assertEquals("base_footprint", m.groundFrame());
            assertEquals("camera_front_optical", m.cameraFrame());
            assertEquals(1.5, m.heightM(), 1e-9);
            assertEquals(3.0, m.pitchDownDeg(), 1e-9);
            assertEquals(2.0, m.rollDeg(), 1e-9);
            assertTrue(s.info().codec().contains("its mount from /tf_static"), s.info().codec());
        }
        Path stats = dir.resolve("tf-stats.json");
        Cli.Outcome run = Cli.run("run", file.toString(), "--frames", "3", "--stats", stats.toString(), "-q");
        assertEquals(0, run.exit(), run.stderr());
        Object model = Json.at(Json.parse(Files.readString(stats)), "camera_model");
        assertEquals("recording /camera/front/camera_info", Json.at(model, "from"));
        assertEquals("/tf_static", Json.at(model, "mount"));
        assertEquals(3.0, (Double) Json.at(model, "ground_plane", "pitch_down_deg"), 1e-9);
        assertEquals("roll 2.0°", Json.at(model, "rectified"));
        assertTrue(run.stderr().contains("depth fused with the ground plane: the recording's camera mount (/tf_static: "
                + "camera_front_optical over base_footprint) 1.50 m above the road, pitched 3.00° down"), run.stderr());
        assertTrue(run.stderr().contains("picture rectified: the recording's camera (/camera/front/camera_info) "
                + "roll 2.0° undone"), run.stderr());
        Cli.Outcome info = Cli.run("info", file.toString());
        assertEquals(0, info.exit(), info.stderr());
        assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*@ /tf_static .*")), info.stdout());
        assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*@ /camera/front/camera_info .*")), info.stdout());
        // a ROS camera_calibration file of the camera gives its lens, not its mount: /tf_static still places it
        Path ost = Files.writeString(dir.resolve("ost.yaml"), String.format(java.util.Locale.ROOT, """
                image_width: %d
                image_height: %d
                camera_matrix:
                  rows: 3
                  cols: 3
                  data: [%s, 0, %s, 0, %s, %s, 0, 0, 1]
                distortion_model: plumb_bob
                distortion_coefficients:
                  rows: 1
                  cols: 5
                  data: [0, 0, 0, 0, 0]
                """, width, height, fx, width / 2.0 - 0.5, fx, height / 2.0 - 0.5));
        Path calibrated = dir.resolve("tf-ost-stats.json");
        Cli.Outcome withFile = Cli.run("run", file.toString(), "--frames", "3", "--calib", ost.toString(), "--stats",
                calibrated.toString(), "-q");
        assertEquals(0, withFile.exit(), withFile.stderr());
        assertTrue(withFile.stderr().contains("depth fused with the ground plane: the recording's camera mount "
                + "(/tf_static: camera_front_optical over base_footprint) 1.50 m above the road"), withFile.stderr());
        Object fromFile = Json.at(Json.parse(Files.readString(calibrated)), "camera_model");
        assertEquals("calibration " + ost, Json.at(fromFile, "from"));
        assertEquals("/tf_static", Json.at(fromFile, "mount"));
        assertEquals(Json.at(model, "fx"), Json.at(fromFile, "fx"));
        assertEquals(Json.at(model, "cy"), Json.at(fromFile, "cy"));
        assertEquals("roll 2.0°", Json.at(fromFile, "rectified"));
        Cli.Outcome plain = Cli.run("run", file.toString(), "--frames", "3", "--no-ground-plane", "-q");
        assertEquals(0, plain.exit(), plain.stderr());
        assertFalse(plain.stderr().contains("depth fused with the ground plane"), plain.stderr());
    }

    /**
     * The same camera said two ways gives the same results: a synthetic drive rendered through a wide lens, rolled
     * and pitched (roadseg's calibration file), replayed from an MCAP file whose CameraInfo and /tf_static say that
     * camera the ROS way (pixel centres at integers, a REP 103 optical frame under base_footprint) and from its own
     * frames as PNG files with --calib: every frame's road ahead and nearest road users agree.
     */
    @Test
    void aRecordingsCameraInfoAndMountMeanWhatACalibrationFileMeans() throws Exception {
        Path calib = dir.resolve("wide.yaml");
        Files.writeString(calib, String.join("\n", "name: wide", "width: 320", "height: 192", "fx: 180", "fy: 178",
                "cx: 161", "cy: 95", "k1: -0.25", "k2: 0.05", "p1: 0.001", "p2: -0.002", "mount_height_m: 1.35",
                "pitch_deg: 2.5", "roll_deg: 3", ""));
        Path pngs = Files.createDirectories(dir.resolve("pngs"));
        Path bgr = Files.createDirectories(dir.resolve("bgr"));
        int frames = 8;
        try (FrameSource s = FrameSources.open("sim://town?seed=1001&frames=" + frames + "&calib=" + calib,
                SourceOptions.defaults())) {
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            for (int i = 0; i < frames; i++) {
                assertTrue(s.read(b) != FrameSource.END_OF_STREAM);
                byte[] bytes = new byte[s.info().frameBytes()];
                b.get(0, bytes);
                Files.write(bgr.resolve(String.format("%03d.bgr", i)), bytes);
                try (BytePointer p = new BytePointer(b); Mat m = new Mat(s.info().height(), s.info().width(),
                        org.bytedeco.opencv.global.opencv_core.CV_8UC3, p)) {
                    assertTrue(imwrite(pngs.resolve(String.format("%03d.png", i)).toString(), m));
                }
            }
            Files.writeString(bgr.resolve("size.txt"), s.info().width() + " " + s.info().height());
        }
        double p = Math.toRadians(2.5) / 2;
        double r = Math.toRadians(3) / 2;
        String q = String.format(java.util.Locale.ROOT, "%.15f:%.15f:%.15f:%.15f", Math.cos(p) * Math.sin(r),
                Math.cos(r) * Math.sin(p), -Math.sin(p) * Math.sin(r), Math.cos(p) * Math.cos(r));
        Path mcap = dir.resolve("wide.mcap");
        NodeReference.run("make-fixture.mjs", "--out", mcap.toString(), "--encoding", "ros2-image", "--raw",
                bgr.toString(), "--compression", "zstd", "--index", "yes", "--topic", "/wide/image_raw",
                "--frame-id", "wide_optical", "--period-ns", "100000000",
                "--camera-info", "180,178,160.5,94.5,-0.25,0.05,0.001,-0.002,0",
                "--tf-static", "base_footprint:wide_link:0.4:0:1.35:" + q
                        + ";wide_link:wide_optical:0:0:0:-0.5:0.5:-0.5:0.5");
        Path fromMcap = dir.resolve("mcap.jsonl");
        Cli.Outcome a = Cli.run("run", mcap.toString(), "--results", fromMcap.toString(), "-q");
        assertEquals(0, a.exit(), a.stderr());
        assertTrue(a.stderr().contains("depth fused with the ground plane: the recording's camera mount"), a.stderr());
        Path fromFiles = dir.resolve("files.jsonl");
        Cli.Outcome b = Cli.run("run", pngs.toString(), "--folder-fps", "10", "--calib", calib.toString(),
                "--results", fromFiles.toString(), "-q");
        assertEquals(0, b.exit(), b.stderr());
        List<String> x = Files.readAllLines(fromMcap);
        List<String> y = Files.readAllLines(fromFiles);
        assertEquals(frames, x.size());
        assertEquals(frames, y.size());
        int compared = 0;
        for (int i = 0; i < frames; i++) {
            Object u = Json.parse(x.get(i));
            Object v = Json.parse(y.get(i));
            Map<String, Object> su = Json.object(Json.at(u, "class_share"));
            Map<String, Object> sv = Json.object(Json.at(v, "class_share"));
            for (String k : su.keySet()) {
                assertEquals((Double) su.get(k), (Double) sv.get(k), 1e-3, k + " share, frame " + i);
            }
            Object ru = Json.at(u, "road_ahead_m");
            Object rv = Json.at(v, "road_ahead_m");
            assertEquals(ru == null, rv == null, "frame " + i);
            if (ru != null) {
                assertEquals((Double) ru, (Double) rv, 0.011, "road ahead, frame " + i);
                compared++;
            }
            Map<String, Object> nu = Json.object(Json.at(u, "nearest_ahead_m"));
            Map<String, Object> nv = Json.object(Json.at(v, "nearest_ahead_m"));
            assertEquals(nu.keySet(), nv.keySet());
            for (String k : nu.keySet()) {
                if (nu.get(k) != null || nv.get(k) != null) {
                    assertEquals((Double) nu.get(k), (Double) nv.get(k), 0.011, k + ", frame " + i);
                    compared++;
                }
            }
        }
        assertTrue(compared >= frames, "distances compared: " + compared);
    }

    @Test
    void aDamagedMessageIsSkippedCountedAndNamedOnce() throws Exception {
        Path file = ownFile("damaged.mcap", true, false);
        Cli.Outcome out = Cli.run("run", file.toString(), "--model", TestData.smallModel(dir).toString(),
                "--results", dir.resolve("d.jsonl").toString(), "-q");
        assertEquals(0, out.exit(), out.stderr());
        assertEquals(5, Files.readAllLines(dir.resolve("d.jsonl")).size(), "the five good frames");
        assertTrue(out.stderr().contains("1 damaged messages skipped (last: a jpeg image that OpenCV cannot "
                + "decode)"), out.stderr());
    }

    @Test
    void anUnsupportedPixelEncodingIsNamed() throws Exception {
        Path file = ownFile("depth16.mcap", false, true);
        Cli.Outcome out = Cli.run("run", file.toString(), "-q");
        assertEquals(1, out.exit());
        assertTrue(out.stderr().contains("image encoding '16UC1' not supported (rgb8, bgr8, mono8, rgba8, bgra8, "
                + "bayer_rggb8, bayer_bggr8, bayer_gbrg8, bayer_grbg8, yuv422 (uyvy), yuv422_yuy2 (yuyv), nv21, and the "
                + "16-bit rgb16, bgr16, mono16, rgba16, bgra16, bayer_*16 are; 16UC1 and 32FC1 are depth images, not a "
                + "camera's picture)"), out.stderr());
        assertEquals(1, out.stderr().strip().lines().filter(l -> l.startsWith("roadseg:")).count(), out.stderr());
    }

    @Test
    void badInputGetsOneLine() throws Exception {
        Path notMcap = dir.resolve("drive.mcap");
        Files.writeString(notMcap, "not a recording");
        Cli.Outcome out = Cli.run("run", notMcap.toString(), "-q");
        assertEquals(1, out.exit());
        assertTrue(out.stderr().contains("not an MCAP file"), out.stderr());
        assertTrue(out.stderr().lines().noneMatch(l -> l.startsWith("\tat ")), out.stderr());

        Path fixture = fixture("t.mcap", "--encoding", "ros2-compressed", "--compression", "zstd", "--index", "yes");
        out = Cli.run("run", fixture.toString(), "--topic", "/nope", "-q");
        assertEquals(1, out.exit());
        assertTrue(out.stderr().contains("no topic /nope; camera topics: /camera/front/compressed"), out.stderr());

        out = Cli.run("info", fixture.toString());
        assertEquals(0, out.exit(), out.stderr());
    }
}
