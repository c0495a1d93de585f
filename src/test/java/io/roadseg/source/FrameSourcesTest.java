package io.roadseg.source;

import io.roadseg.TestData;
import io.roadseg.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sources named by URI: recordings deliver every frame in order, folders of stills play as a recording, and every
 * input that cannot be read fails fast with one line naming it and what is wrong.
 */
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
            assertEquals(540, s.info().height());
            assertEquals(6, s.info().frameCount());
            assertFalse(s.info().live());
            ByteBuffer buf = ByteBuffer.allocateDirect(s.info().frameBytes());
            int n = 0;
            while (s.read(buf) != FrameSource.END_OF_STREAM) {
                n++;
            }
            assertEquals(6, n);
        }
    }

    /**
     * A folder whose pictures differ in size: a portrait picture among landscape ones is fitted inside the frame at
     * its own aspect, black beside it (it was squashed to the first picture's shape).
     */
    @Test
    void aPictureOfAnotherShapeIsLetterboxedNotSquashed(@TempDir Path folder) throws Exception {
        java.awt.image.BufferedImage wide = new java.awt.image.BufferedImage(80, 60,
                java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        java.awt.image.BufferedImage tall = new java.awt.image.BufferedImage(60, 80,
                java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        java.awt.Graphics2D g = tall.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, 60, 80);
        g.dispose();
        javax.imageio.ImageIO.write(wide, "png", folder.resolve("a.png").toFile());
        javax.imageio.ImageIO.write(tall, "png", folder.resolve("b.png").toFile());
        try (FrameSource s = FrameSources.open(folder.toString(), SourceOptions.defaults())) {
            assertEquals(80, s.info().width());
            ByteBuffer buf = ByteBuffer.allocateDirect(s.info().frameBytes());
            s.read(buf);
            s.read(buf);
            // 60x80 fitted into 80x60: 45x60, centred, columns 17..61 white, the rest black
            assertEquals(0, buf.get((30 * 80 + 5) * 3) & 0xff, "black beside the portrait picture");
            assertEquals(0, buf.get((30 * 80 + 74) * 3) & 0xff, "black beside the portrait picture");
            assertEquals(255, buf.get((30 * 80 + 40) * 3) & 0xff, "the picture itself in the middle");
            assertEquals(255, buf.get((2 * 80 + 40) * 3) & 0xff, "its full height kept");
        }
    }

    @Test
    void aFileUriOpensTheSameRecordingAsItsPath() throws Exception {
        Path drive = TestData.drive().toAbsolutePath().normalize();
        try (FrameSource s = FrameSources.open(drive.toUri().toString(), SourceOptions.defaults())) {
            assertEquals(960, s.info().width());
            assertEquals(221, s.info().frameCount());
        }
    }

    @Test
    void aMalformedFileUriIsRefusedNamingIt() {
        for (String uri : new String[]{"file://relative/drive.mp4", "file:///tmp/my drive.mp4"}) {
            SourceException e = assertThrows(SourceException.class,
                    () -> FrameSources.open(uri, SourceOptions.defaults()), uri);
            assertTrue(e.getMessage().contains(uri), e.getMessage());
        }
    }

    @Test
    void loopingAFolderOfImagesStartsAgainAfterTheLastImage() throws Exception {
        Path stills = TestData.root().resolve("drives/stills");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(stills), stills + " not present");
        try (FrameSource s = FrameSources.open(stills.toString(), SourceOptions.defaults().withLoop(true))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(s.info().frameBytes());
            long last = -1;
            for (int i = 0; i < 15; i++) {
                long t = s.read(buf);
                assertTrue(t != FrameSource.END_OF_STREAM, "frame " + i + " of a looped folder of 6 images");
                assertTrue(t > last, "frame " + i + ": " + t + " after " + last);
                last = t;
            }
        }
    }

    @Test
    void aMissingFileIsNamedAsNoSuchFile() {
        Path missing = dir.resolve("nowhere/drive.mp4");
        SourceException e = assertThrows(SourceException.class,
                () -> FrameSources.open(missing.toString(), SourceOptions.defaults()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void aTextFileNamedLikeAVideoCannotBeOpened() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.mp4"), "this is not a video\n".repeat(100));
        SourceException e = assertThrows(SourceException.class,
                () -> FrameSources.open(text.toString(), SourceOptions.defaults()));
        assertTrue(e.getMessage().startsWith("input " + text + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("cannot open") || e.getMessage().contains("not a video"), e.getMessage());
    }

    @Test
    void aRecordingCutAtNinetyPercentOfItsBytesIsReportedTruncated() throws Exception {
        byte[] all = Files.readAllBytes(TestData.drive());
        Path cut = Files.write(dir.resolve("cut90.mp4"), java.util.Arrays.copyOf(all, all.length * 9 / 10));
        Cli.Outcome run = Cli.run("run", cut.toString(), "--model", TestData.smallModel(dir).toString(), "-q");
        assertEquals(1, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("truncated or damaged"), run.stderr());
    }

    @Test
    void anIntactRecordingIsNotReportedTruncated() throws Exception {
        Cli.Outcome run = Cli.run("run", TestData.drive().toString(), "--model", TestData.smallModel(dir).toString(),
                "-q");
        assertEquals(0, run.exit(), run.stderr());
    }

    @Test
    void aCameraThatDoesNotExistNamesTheDevice() {
        SourceException e = assertThrows(SourceException.class,
                () -> FrameSources.open("v4l2:///dev/video99", SourceOptions.defaults()));
        assertTrue(e.getMessage().contains("/dev/video99"), e.getMessage());
        assertTrue(e.getMessage().contains("no such device"), e.getMessage());
    }

    @Test
    void aTruncatedRecordingMakesTheRunFailWithOneLineNamingIt() throws Exception {
        byte[] all = Files.readAllBytes(TestData.drive());
        Path cut = Files.write(dir.resolve("cut.mp4"), java.util.Arrays.copyOf(all, all.length * 4 / 10));
        Cli.Outcome run = Cli.run("run", cut.toString(), "--model", TestData.smallModel(dir).toString(), "-q");
        assertEquals(1, run.exit(), run.stderr());
        String[] lines = run.stderr().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("roadseg: "), run.stderr());
        assertTrue(last.contains("truncated") || last.contains("cut.mp4"), last);
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
        assertTrue(elapsed < 5_000_000_000L, "took " + elapsed / 1e9 + " s with a 1 s timeout");
    }

    @Test
    void aRefusedRtspConnectionFailsQuickly() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String url = "rtsp://127.0.0.1:" + port + "/cam";
        long t0 = System.nanoTime();
        SourceException e = assertThrows(SourceException.class, () -> FrameSources.open(url,
                SourceOptions.defaults().withTimeout(Duration.ofSeconds(2))));
        assertTrue(e.getMessage().startsWith("stream " + url), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }
}
