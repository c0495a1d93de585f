package io.roadseg.cli;

import io.roadseg.NodeReference;
import io.roadseg.ros.Json;
import io.roadseg.source.FoxgloveSource;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceException;
import io.roadseg.source.SourceOptions;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run ws://HOST:PORT}: a live camera from a Foxglove WebSocket server — the official {@code @foxglove/ws-protocol}
 * server publishing the shipped drive's frames as {@code sensor_msgs/msg/CompressedImage} in CDR beside an odometry
 * channel, as {@code foxglove_bridge} does on a robot: the camera channel is found and subscribed to, each frame is
 * the JPEG it was sent as (decoded by OpenCV as a file is) at its header's time, the server closing normally ends the
 * stream, and what cannot be read is one line.
 */
class FoxgloveSourceTest {
    private static final long START = 1_700_000_000_000_000_000L;
    private static final long PERIOD_MS = 40;
    private static final int FRAMES = 12;

    @TempDir
    static Path jpegs;

    @TempDir
    Path dir;

    @BeforeAll
    static void frames() throws Exception {
        NodeReference.assume();
        try (FrameSource s = FrameSources.open("recordings/town-drive/video.mp4", SourceOptions.defaults());
             Mat m = new Mat(s.info().height(), s.info().width(), CV_8UC3)) {
            ByteBuffer view = m.data().capacity(s.info().frameBytes()).asByteBuffer();
            for (int i = 0; i < FRAMES; i++) {
                s.read(view);
                assertTrue(imwrite(jpegs.resolve(String.format("%03d.jpg", i)).toString(), m));
            }
        }
    }

    /** Runs the reference camera server; returns it with its port read from its first line. */
    private static Process server(BufferedReader[] out, String... more) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("node", "ws-camera.mjs", "--jpegs",
                jpegs.toString(), "--port", "0", "--period-ms", Long.toString(PERIOD_MS), "--start-ns",
                Long.toString(START)));
        args.addAll(java.util.List.of(more));
        Process p = new ProcessBuilder(args).directory(NodeReference.DIR.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out[0] = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        return p;
    }

    private static int port(BufferedReader out) throws Exception {
        return ((Double) Json.at(Json.parse(out.readLine()), "listening")).intValue();
    }

    /**
     * @param foxglove the server sends {@code foxglove.CompressedImage} in protobuf, as a Foxglove SDK server does
     *                 (its schema's FileDescriptorSet base64 in the advertisement), instead of ROS 2's in CDR
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "foxglove protobuf {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void theServersCameraIsReadFrameByFrameUntilItCloses(boolean foxglove) throws Exception {
        BufferedReader[] out = new BufferedReader[1];
        Process p = foxglove ? server(out, "--foxglove") : server(out);
        try {
            String url = "ws://127.0.0.1:" + port(out[0]);
            try (FrameSource s = FrameSources.open(url, SourceOptions.defaults())) {
                assertTrue(s instanceof FoxgloveSource);
                assertTrue(s.info().live());
                assertTrue(s.info().codec().contains("foxglove /camera/front/compressed " + (foxglove
                        ? "foxglove.CompressedImage" : "sensor_msgs/msg/CompressedImage") + " (jpeg)"),
                        s.info().codec());
                ByteBuffer bgr = ByteBuffer.allocateDirect(s.info().frameBytes());
                byte[] got = new byte[s.info().frameBytes()];
                int n = 0;
                long pts;
                while ((pts = s.read(bgr)) != FrameSource.END_OF_STREAM) {
                    long i = (s.frameStampNanos() - START) / (PERIOD_MS * 1_000_000L);
                    assertEquals(START + i * PERIOD_MS * 1_000_000L, s.frameStampNanos());
                    assertEquals("camera_front", s.frameId());
                    if (n == 0) {
                        assertEquals(0, pts);
                    }
                    bgr.get(0, got);
                    try (Mat m = imread(jpegs.resolve(String.format("%03d.jpg", i)).toString(), IMREAD_COLOR);
                         BytePointer data = m.data()) {
                        byte[] truth = new byte[got.length];
                        data.capacity(truth.length).get(truth);
                        assertTrue(java.util.Arrays.equals(truth, got), "pixels of frame " + i);
                    }
                    n++;
                }
                long skipped = ((FoxgloveSource) s).skippedMessages();
                assertEquals(FRAMES, n + skipped, "every message read or skipped as newer ones came");
                assertTrue(n >= FRAMES / 2, n + " of " + FRAMES + " read");
                assertEquals(0, s.corruptFrames());
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The server's CameraInfo beside the camera is the camera's calibration, its latched /tf_static the camera's
     * mount and its odometry the vehicle's motion, as a recording's are: depth scaled by its focal length, its lens
     * undone, fused with the ground plane, and {@code --path vehicle} bent along the curvature driven.
     */
    @Test
    void runTakesTheLiveCameraWithItsCalibrationAndWritesItsResults() throws Exception {
        BufferedReader[] out = new BufferedReader[1];
        double half = Math.toRadians(3) / 2; // the camera pitched 3° down, 1.5 m over base_footprint
        String tf = "base_footprint:camera_link:1.5:0:1.5:0:" + Math.sin(half) + ":0:" + Math.cos(half)
                + ";camera_link:camera_front:0:0:0:-0.5:0.5:-0.5:0.5";
        Process p = server(out, "--repeat", "3", "--camera-info", "288,288,239.5,179.5,-0.2,0.05,0.001,0,0.01",
                "--tf-static", tf, "--motion", "10,0.02");
        try {
            String url = "ws://127.0.0.1:" + port(out[0]);
            Path results = dir.resolve("live.jsonl");
            Cli.Outcome run = Cli.run("run", url, "--results", results.toString(), "--out",
                    dir.resolve("live.mp4").toString(), "--path", "vehicle", "-q");
            assertEquals(0, run.exit(), run.stderr());
            assertTrue(run.stderr().contains("source " + url + ": " + 480 + "x" + 360), run.stderr());
            assertTrue(run.stderr().contains("(live)"), run.stderr());
            assertTrue(run.stderr().contains("depth scaled by"), run.stderr());
            assertTrue(run.stderr().contains("(/camera/front/camera_info), focal "), run.stderr());
            assertTrue(run.stderr().contains("picture rectified: the recording's camera (/camera/front/camera_info) "
                    + "k1 -0.200, k2 0.050, p1 0.001, k3 0.010 undone"), run.stderr());
            // /tf_static, latched: where the camera sits, so depth is fused with the ground plane under it
            assertTrue(run.stderr().contains("depth fused with the ground plane: the recording's camera mount "
                    + "(/tf_static: camera_front over base_footprint) 1.50 m above the road, pitched 3.00° down"),
                    run.stderr());
            java.util.List<String> lines = Files.readAllLines(results);
            long frames = lines.size();
            assertTrue(frames >= 3 && frames <= 3 * FRAMES, frames + " frames");
            // the path bent along the vehicle's odometry: 0.02 rad/s to the left at 10 m/s, −0.002 per metre
            assertEquals(-0.002, ((Number) Json.at(Json.parse(lines.get(lines.size() - 1)), "path",
                    "curvature_per_m")).doubleValue(), 1e-6, lines.get(lines.size() - 1));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A live video topic ({@code foxglove_msgs/msg/CompressedVideo}, H.264) sent faster than it is read: every packet is
     * decoded in order and the newest picture handed on, so each picture read is exactly the one FFmpeg decodes from
     * the same stream in a file for its packet — none smeared by a skipped packet — and none is counted damaged.
     */
    @Test
    void aLiveVideoTopicIsDecodedPacketByPacketWhenReadSlowly() throws Exception {
        RecordingFixtures.Frames f = RecordingFixtures.write(dir.resolve("frames"), FRAMES);
        Path packets = dir.resolve("packets");
        java.util.List<byte[]> truth = RecordingFixtures.h264(f, dir, packets, 6);
        BufferedReader[] out = new BufferedReader[1];
        Process p = server(out, "--packets", packets.toString(), "--period-ms", "5");
        try (FrameSource s = FrameSources.open("ws://127.0.0.1:" + port(out[0]), SourceOptions.defaults())) {
            assertEquals(false, s.info().framesCodedApart());
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            byte[] got = new byte[s.info().frameBytes()];
            int n = 0;
            int last = -1;
            while (s.read(b) != FrameSource.END_OF_STREAM) {
                int i = (int) ((s.frameStampNanos() - START) / 5_000_000L);
                assertTrue(i > last && i < FRAMES, "picture " + i + " after " + last);
                b.get(0, got);
                assertTrue(java.util.Arrays.equals(truth.get(i), got), "pixels of picture " + i);
                last = i;
                n++;
                Thread.sleep(25); // slower than the server's 200 packets a second
            }
            assertEquals(FRAMES - 1, last, "the last packet's picture is read");
            assertTrue(n < FRAMES, "pictures were skipped: " + n + " read");
            assertEquals(0, s.corruptFrames());
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A robot's server over TLS ({@code wss://}, its own certificate, as {@code foxglove_bridge} serves with
     * {@code tls:=true}): read with that certificate given ({@code --ca-cert}), listed by {@code info} likewise;
     * without it one line saying the certificate is not trusted and what to give; {@code --ca-cert} for a plain
     * {@code ws://} source a usage error. The certificate and key are made by the JDK's keytool, served by node's TLS.
     */
    @Test
    void aServerOverTlsIsReadWithItsCertificateTrusted() throws Exception {
        TlsFixture tls = TlsFixture.make(dir);
        Path p12 = tls.p12();
        Path pem = tls.pem();
        BufferedReader[] out = new BufferedReader[1];
        Process p = server(out, "--repeat", "20", "--tls-pfx", p12.toString(), "--tls-passphrase", "secret");
        try {
            String url = "wss://127.0.0.1:" + port(out[0]);
            Cli.Outcome untrusted = Cli.run("run", url, "--frames", "3", "-q");
            assertEquals(1, untrusted.exit(), untrusted.stderr());
            assertTrue(untrusted.stderr().contains("roadseg: input " + url + ": the server's TLS certificate is not "
                    + "trusted: give it, or the authority that signed it, with --ca-cert FILE.pem"), untrusted.stderr());
            Path results = dir.resolve("tls.jsonl");
            Cli.Outcome run = Cli.run("run", url, "--ca-cert", pem.toString(), "--frames", "5", "--results",
                    results.toString(), "-q");
            assertEquals(0, run.exit(), run.stderr());
            int frames = Files.readAllLines(results).size(); // live: a frame that comes while one is read is skipped
            assertTrue(frames >= 1 && frames <= 5, frames + " frames");
            assertTrue(run.stderr().contains("source " + url + ": 480x360"), run.stderr());
            Cli.Outcome info = Cli.run("info", url, "--ca-cert", pem.toString(), "--listen", "0");
            assertEquals(0, info.exit(), info.stderr());
            assertTrue(info.stdout().contains("* /camera/front/compressed"), info.stdout());
            Cli.Outcome plain = Cli.run("run", url.replace("wss:", "ws:"), "--ca-cert", pem.toString(), "-q");
            assertEquals(2, plain.exit(), plain.stderr());
            assertTrue(plain.stderr().contains("--ca-cert " + pem + ": for a wss:// source or --publish wss:// only"),
                    plain.stderr());
            Cli.Outcome notPem = Cli.run("run", url, "--ca-cert", p12.toString(), "-q");
            assertEquals(1, notPem.exit(), notPem.stderr());
            assertTrue(notPem.stderr().contains("--ca-cert " + p12 + ": not a certificate"), notPem.stderr());
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A robot that publishes its camera's fixed mount on {@code /tf} (as ROS 1 robots do), with no {@code /tf_static}:
     * its first transforms give the mount, named {@code /tf} on the run's line, and the moving {@code odom} transform
     * sent with them does not get in the way.
     */
    @Test
    void aMountPublishedOnTfIsTakenFromItsFirstTransforms() throws Exception {
        BufferedReader[] out = new BufferedReader[1];
        double half = Math.toRadians(3) / 2;
        String tf = "base_footprint:camera_link:1.5:0:1.5:0:" + Math.sin(half) + ":0:" + Math.cos(half)
                + ";camera_link:camera_front:0:0:0:-0.5:0.5:-0.5:0.5";
        Process p = server(out, "--camera-info", "288,288,239.5,179.5", "--tf-static", tf, "--tf-topic", "/tf");
        try {
            String url = "ws://127.0.0.1:" + port(out[0]);
            Cli.Outcome run = Cli.run("run", url, "--results", dir.resolve("tf.jsonl").toString(), "-q");
            assertEquals(0, run.exit(), run.stderr());
            assertTrue(run.stderr().contains(", its mount from /tf,"), run.stderr());
            assertTrue(run.stderr().contains("depth fused with the ground plane: the recording's camera mount "
                    + "(/tf: camera_front over base_footprint) 1.50 m above the road, pitched 3.00° down"),
                    run.stderr());
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * {@code info ws://…} lists the server's channels marked as a recording's are, and for the marked ones what
     * arrived in a short listen: the camera at the server's 25 Hz with its first picture's format and size, the latched
     * /tf_static once.
     */
    @Test
    void infoListsTheServersChannelsAndWhatArrivesOnThem() throws Exception {
        BufferedReader[] out = new BufferedReader[1];
        Process p = server(out, "--repeat", "30", "--camera-info", "288,288,239.5,179.5",
                "--tf-static", "base_footprint:camera_front:1.5:0:1.5:-0.5:0.5:-0.5:0.5", "--motion", "10,0");
        try {
            String url = "ws://127.0.0.1:" + port(out[0]);
            Cli.Outcome info = Cli.run("info", url, "--listen", "1.5");
            assertEquals(0, info.exit(), info.stderr());
            String text = info.stdout();
            assertTrue(text.startsWith(url + ": Foxglove WebSocket server 'reference-camera', 4 channels; listened "),
                    text);
            java.util.regex.Matcher camera = java.util.regex.Pattern.compile("\\* /camera/front/compressed +"
                    + "sensor_msgs/msg/CompressedImage +cdr +(\\d+) +([0-9.]+) +([0-9.]+) +jpeg 480x360\n")
                    .matcher(text);
            assertTrue(camera.find(), text);
            double rate = Double.parseDouble(camera.group(2));
            assertTrue(rate > 15 && rate < 35, "the server sends 25 a second: " + rate);
            assertTrue(Integer.parseInt(camera.group(1)) >= 10, text);
            assertTrue(java.util.regex.Pattern.compile("@ /camera/front/camera_info +sensor_msgs/msg/CameraInfo +cdr "
                    + "+\\d+ +[0-9.]+").matcher(text).find(), text);
            assertTrue(java.util.regex.Pattern.compile("~ /odom +nav_msgs/msg/Odometry +cdr +\\d+ +[0-9.]+")
                    .matcher(text).find(), text);
            assertTrue(java.util.regex.Pattern.compile("@ /tf_static +tf2_msgs/msg/TFMessage +cdr +1 +- ")
                    .matcher(text).find(), "latched: one message on subscribing\n" + text);
            assertTrue(text.contains("roadseg run " + url + " --topic TOPIC"), text);
            Cli.Outcome listOnly = Cli.run("info", url, "--listen", "0");
            assertEquals(0, listOnly.exit(), listOnly.stderr());
            assertTrue(java.util.regex.Pattern.compile("\\* /camera/front/compressed +sensor_msgs/msg/CompressedImage"
                    + " +cdr +- +- +-\n").matcher(listOnly.stdout()).find(), listOnly.stdout());
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        Cli.Outcome refused = Cli.run("info", "ws://127.0.0.1:" + Cli.freePort());
        assertEquals(1, refused.exit());
        assertTrue(refused.stderr().contains("cannot connect"), refused.stderr());
        assertEquals(1, refused.stderr().strip().lines().count(), refused.stderr());
        Cli.Outcome badListen = Cli.run("info", "ws://127.0.0.1:1", "--listen", "-1");
        assertEquals(2, badListen.exit());
        assertTrue(badListen.stderr().contains("--listen -1.0: expected 0 to 600 seconds"), badListen.stderr());
    }

    @Test
    void whatCannotBeReadIsOneLine() throws Exception {
        BufferedReader[] out = new BufferedReader[1];
        Process p = server(out);
        try {
            String url = "ws://127.0.0.1:" + port(out[0]);
            SourceException none = assertThrows(SourceException.class, () -> FrameSources.open(url,
                    SourceOptions.defaults().withTopic("/camera/rear/compressed")).close());
            assertEquals("input " + url + ": no topic /camera/rear/compressed among the server's 2 channels: /odom "
                    + "(nav_msgs/msg/Odometry), /camera/front/compressed (sensor_msgs/msg/CompressedImage)",
                    none.getMessage());
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        int closed = Cli.freePort();
        Cli.Outcome run = Cli.run("run", "ws://127.0.0.1:" + closed, "--timeout", "2", "-q");
        assertEquals(1, run.exit());
        assertTrue(run.stderr().contains("cannot connect"), run.stderr());
        assertTrue(run.stderr().lines().noneMatch(l -> l.startsWith("\tat ")), run.stderr());
        SourceException port = assertThrows(SourceException.class, () -> FrameSources.open("ws://127.0.0.1",
                SourceOptions.defaults()).close());
        assertTrue(port.getMessage().contains("expected ws://HOST:PORT"), port.getMessage());
    }
}
