package io.roadseg.pipeline;

import io.roadseg.TestData;
import io.roadseg.cli.RoadsegCommand;
import io.roadseg.ros.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real FFmpeg stream on loopback: pipeline A replays the clip at its own pace and streams its annotated video as
 * MPEG-TS to udp://127.0.0.1:PORT; pipeline B consumes that stream as a live source. A live source drops stale
 * frames rather than fall behind, so on a loaded machine B may process fewer than it captures: every captured frame
 * must be processed or counted, and each processed one leave its result line.
 */
class NetworkLoopbackTest {
    @TempDir
    Path dir;

    @Test
    void aSecondPipelineConsumesTheFirstOnesUdpStream() throws Exception {
        Path drive = TestData.anyDrive();
        Path model = TestData.smallModel(dir);
        int port;
        try (DatagramSocket s = new DatagramSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "udp://127.0.0.1:" + port;
        Path received = dir.resolve("received.jsonl");
        Path stats = dir.resolve("received-stats.json");
        CompletableFuture<Integer> consumer = CompletableFuture.supplyAsync(() -> RoadsegCommand.execute("run", url,
                "--model", model.toString(), "--results", received.toString(), "--stats", stats.toString(),
                "--frames", "30", "--timeout", "15", "-q"));
        Thread.sleep(1500);
        int producer = RoadsegCommand.execute("run", drive.toString(), "--model", model.toString(), "--pace",
                "--frames", "150", "--out", url, "-q");
        assertEquals(0, producer, "streaming pipeline exit code");
        assertEquals(0, consumer.get(30, TimeUnit.SECONDS), "consuming pipeline exit code");
        List<String> lines = Files.readAllLines(received);
        Object report = Json.parse(Files.readString(stats));
        Object frames = Json.at(report, "frames");
        double captured = (Double) Json.at(frames, "captured");
        double processed = (Double) Json.at(frames, "processed");
        double entered = captured - (Double) Json.at(frames, "dropped_at_capture");
        assertEquals(30, entered, "--frames 30 frames into the ring: " + frames);
        assertEquals(entered, processed + (Double) Json.at(frames, "skipped_stale"),
                "every frame in the ring processed or counted stale: " + frames);
        assertEquals(processed, lines.size(), "one result line per processed frame: " + frames);
        assertTrue(processed >= 10, "the stream gets through: " + frames);
    }
}
