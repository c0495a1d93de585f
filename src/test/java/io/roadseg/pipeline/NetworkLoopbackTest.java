package io.roadseg.pipeline;

import io.roadseg.TestData;
import io.roadseg.cli.RoadsegCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real FFmpeg stream on loopback: pipeline A replays the clip at its own pace and streams its annotated video as
 * MPEG-TS to udp://127.0.0.1:PORT; pipeline B consumes that stream as a live source.
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
        CompletableFuture<Integer> consumer = CompletableFuture.supplyAsync(() -> RoadsegCommand.execute("run", url,
                "--model", model.toString(), "--results", received.toString(), "--frames", "30", "--timeout", "15",
                "-q"));
        Thread.sleep(1500);
        int producer = RoadsegCommand.execute("run", drive.toString(), "--model", model.toString(), "--pace",
                "--frames", "150", "--out", url, "-q");
        assertEquals(0, producer, "streaming pipeline exit code");
        assertEquals(0, consumer.get(30, TimeUnit.SECONDS), "consuming pipeline exit code");
        List<String> lines = Files.readAllLines(received);
        assertEquals(30, lines.size());
    }
}
