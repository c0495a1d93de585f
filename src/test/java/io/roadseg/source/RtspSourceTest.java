package io.roadseg.source;

import io.roadseg.cli.RoadsegCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An IP camera's stream: GStreamer's own RTSP server ({@code gst-rtsp-server}, Debian's
 * {@code gir1.2-gst-rtsp-server-1.0}, which {@code .ci/run} installs) serving the shipped drive's H.264 in real time
 * at {@code rtsp://127.0.0.1:PORT/cam}. roadseg opens it as a live source at its size and rate, and every picture it
 * reads is exactly one of the pictures FFmpeg decodes from the same file — nothing lost or concealed over RTSP's TCP
 * transport — in order, 40 ms apart in presentation time; {@code run} on it writes its results.
 */
class RtspSourceTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path VIDEO = Path.of("recordings/town-drive/video.mp4");

    @TempDir
    static Path dir;
    static Process server;
    static String url;
    /** The file's pictures, each by its hash, to the first index it appears at. */
    static final Map<Integer, Integer> pictures = new HashMap<>();
    static final Map<Integer, byte[]> bytes = new HashMap<>();

    @BeforeAll
    static void serve() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON) && new ProcessBuilder(PYTHON.toString(), "-c",
                "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer")
                .start().waitFor() == 0, "GStreamer's RTSP server for Python (gir1.2-gst-rtsp-server-1.0, "
                + "python3-gi) is not installed: .ci/run installs it where it can");
        try (FrameSource s = FrameSources.open(VIDEO.toString(), SourceOptions.defaults())) {
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            for (int i = 0; s.read(b) != FrameSource.END_OF_STREAM; i++) {
                byte[] a = new byte[s.info().frameBytes()];
                b.get(0, a);
                int h = java.util.Arrays.hashCode(a);
                pictures.putIfAbsent(h, i);
                bytes.putIfAbsent(h, a);
            }
        }
        server = new ProcessBuilder(PYTHON.toString(), Path.of("src/test/rtsp/rtsp-server.py").toString(),
                VIDEO.toAbsolutePath().toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String first = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        assertNotNull(first, "the server did not start");
        url = "rtsp://127.0.0.1:" + first.replaceAll("\\D+", "") + "/cam";
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anRtspCamerasPicturesAreTheFilesPicturesInOrder() throws Exception {
        try (FrameSource s = FrameSources.open(url, SourceOptions.defaults())) {
            SourceInfo info = s.info();
            assertTrue(info.live(), "an RTSP stream is live");
            assertEquals(480, info.width());
            assertEquals(360, info.height());
            assertEquals(25.0, info.fps(), 0.01);
            ByteBuffer b = ByteBuffer.allocateDirect(info.frameBytes());
            byte[] got = new byte[info.frameBytes()];
            int last = -1;
            long lastPts = -1;
            for (int n = 0; n < 30; n++) {
                long pts = s.read(b);
                assertTrue(pts != FrameSource.END_OF_STREAM, "the stream ended after " + n + " pictures");
                b.get(0, got);
                Integer i = pictures.get(java.util.Arrays.hashCode(got));
                assertNotNull(i, "picture " + n + " is one of the file's pictures");
                assertTrue(java.util.Arrays.equals(bytes.get(java.util.Arrays.hashCode(got)), got));
                assertTrue(i > last, "in order: picture " + i + " after " + last);
                if (lastPts >= 0) {
                    assertEquals(40_000L * (i - last), pts - lastPts, 1000, "40 ms a picture: " + (pts - lastPts)
                            + " µs from picture " + last + " to " + i);
                }
                last = i;
                lastPts = pts;
            }
        }
    }

    @Test
    void runWritesTheStreamsResults() throws Exception {
        Path results = dir.resolve("rtsp.jsonl");
        Path stats = dir.resolve("rtsp-stats.json");
        StringWriter err = new StringWriter();
        int exit = RoadsegCommand.execute(new PrintWriter(err), "run", url, "--frames", "20", "--results",
                results.toString(), "--stats", stats.toString(), "-q");
        assertEquals(0, exit, err.toString());
        long lines = Files.readAllLines(results).size();
        // live: a frame that went stale behind a busy machine is skipped and counted, never queued; each frame run
        // processed has its result
        Map<String, Object> frames = io.roadseg.ros.Json.object(io.roadseg.ros.Json.object(io.roadseg.ros.Json.parse(
                Files.readString(stats))).get("frames"));
        long processed = ((Number) frames.get("processed")).longValue();
        assertTrue(lines >= 1 && lines == processed, lines + " frames' results, " + frames);
        assertEquals(20, ((Number) frames.get("captured")).longValue(), frames.toString());
    }
}
