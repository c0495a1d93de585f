package io.roadseg.source;

import io.roadseg.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameSourcesTest {
    @TempDir
    Path dir;

    @Test
    void aRecordingDeliversEveryFrameWithIncreasingTimestamps() throws Exception {
        try (FrameSource s = FrameSources.open(TestData.drive().toString(), SourceOptions.defaults())) {
            assertEquals(960, s.info().width());
            assertEquals(540, s.info().height());
            assertEquals(25.0, s.info().fps(), 0.01);
            assertEquals(221, s.info().frameCount());
            ByteBuffer buf = ByteBuffer.allocateDirect(s.info().frameBytes());
            long last = -1;
            int n = 0;
            for (long t = s.read(buf); t != FrameSource.END_OF_STREAM; t = s.read(buf)) {
                assertTrue(t > last, "timestamp " + t + " after " + last);
                last = t;
                n++;
            }
            assertEquals(221, n);
            assertEquals(8_800_000, last, 1000);
        }
    }

    @Test
    void loopingContinuesPastTheEndWithIncreasingTimestamps() throws Exception {
        try (FrameSource s = FrameSources.open(TestData.drive().toString(), SourceOptions.defaults().withLoop(true))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(s.info().frameBytes());
            long last = -1;
            for (int i = 0; i < 300; i++) {
                long t = s.read(buf);
                assertTrue(t > last, "frame " + i + ": " + t + " after " + last);
                last = t;
            }
        }
    }

    @Test
    void aFolderOfImagesIsASource() throws Exception {
        Path stills = TestData.root().resolve("drives/stills");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(stills), stills + " not present");
        try (FrameSource s = FrameSources.open(stills.toString(), SourceOptions.defaults())) {
            assertEquals(960, s.info().width());
            ByteBuffer buf = ByteBuffer.allocateDirect(s.info().frameBytes());
            int n = 0;
            while (s.read(buf) != FrameSource.END_OF_STREAM) {
                n++;
            }
            assertEquals(6, n);
        }
    }

    @Test
    void aTruncatedRecordingIsRefusedOrEndsEarly() throws Exception {
        byte[] all = Files.readAllBytes(TestData.drive());
        Path cut = Files.write(dir.resolve("cut.mp4"), java.util.Arrays.copyOf(all, all.length * 4 / 10));
        try (FrameSource s = FrameSources.open(cut.toString(), SourceOptions.defaults())) {
            ByteBuffer buf = ByteBuffer.allocateDirect(s.info().frameBytes());
            int n = 0;
            while (s.read(buf) != FrameSource.END_OF_STREAM) {
                n++;
            }
            assertTrue(n < 221, "decoded " + n);
        } catch (SourceException e) {
            assertTrue(e.getMessage().contains("cut.mp4"), e.getMessage());
        }
    }

    @Test
    void anUnknownSchemeListsTheKnownOnes() {
        SourceException e = assertThrows(SourceException.class,
                () -> FrameSources.open("foo://x", SourceOptions.defaults()));
        assertTrue(e.getMessage().contains("foo") && e.getMessage().contains("rtsp://"), e.getMessage());
    }

    @Test
    void aSilentUdpStreamFailsWithinTheTimeout() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0)) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        SourceException e = assertThrows(SourceException.class, () -> FrameSources.open("udp://127.0.0.1:" + port,
                SourceOptions.defaults().withTimeout(Duration.ofSeconds(1))));
        long elapsed = System.nanoTime() - t0;
        assertTrue(e.getMessage().contains("udp://127.0.0.1:" + port), e.getMessage());
        assertTrue(elapsed < 6_000_000_000L, "took " + elapsed / 1e9 + " s");
    }

    @Test
    void aRefusedRtspConnectionFailsQuickly() throws Exception {
        long t0 = System.nanoTime();
        SourceException e = assertThrows(SourceException.class, () -> FrameSources.open("rtsp://127.0.0.1:9/cam",
                SourceOptions.defaults().withTimeout(Duration.ofSeconds(2))));
        assertTrue(e.getMessage().startsWith("stream rtsp://127.0.0.1:9/cam"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }
}
