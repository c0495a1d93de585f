package io.roadseg.cli;

import io.roadseg.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A network receiver that goes away mid-run: the run goes on, then ends non-zero saying how much was sent. */
class ReceiverGoneTest {
    @TempDir
    Path dir;

    @Test
    void aTcpReceiverThatHangsUpMidRunMakesTheRunEndNonZeroWithTheCount() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread receiver = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[8192];
                    long total = 0;
                    while (total < 60_000) { // a few frames, then hang up
                        int n = in.read(buf);
                        if (n < 0) {
                            break;
                        }
                        total += n;
                    }
                } catch (Exception ignored) {
                    // the test asserts on the run's outcome
                }
            });
            receiver.start();
            Cli.Outcome o = Cli.run("run", "recordings/town-drive/video.mp4", "--model",
                    TestData.smallModel(dir).toString(), "--out", "tcp://127.0.0.1:" + server.getLocalPort(), "-q");
            receiver.join(10_000);
            assertEquals(1, o.exit(), o.stderr());
            String last = o.stderr().strip().substring(o.stderr().strip().lastIndexOf('\n') + 1);
            assertTrue(last.contains("could not be sent") && last.contains("frames were sent"), o.stderr());
        }
    }
}
