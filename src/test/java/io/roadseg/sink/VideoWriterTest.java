package io.roadseg.sink;

import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceException;
import io.roadseg.source.SourceInfo;
import io.roadseg.source.SourceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * H.264 files written through FFmpeg decode back, frame for frame, at the rate they were written; outputs that
 * cannot be written are refused with a message naming them.
 */
class VideoWriterTest {
    private static final int W = 320;
    private static final int H = 240;
    private static final double FPS = 25;

    @TempDir
    Path dir;

    /** Frame {@code i} of a diagonal gradient moving right by 4 pixels a frame, packed BGR. */
    private static void gradient(ByteBuffer bgr, int i) {
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int p = (y * W + x) * 3;
                bgr.put(p, (byte) (x + 4 * i));
                bgr.put(p + 1, (byte) y);
                bgr.put(p + 2, (byte) ((x + y) / 2 - 4 * i));
            }
        }
    }

    private static void writeFrames(VideoWriter writer, int from, int to) throws SinkException {
        ByteBuffer bgr = ByteBuffer.allocateDirect(W * H * 3);
        for (int i = from; i < to; i++) {
            gradient(bgr, i);
            writer.write(bgr, Math.round(i * 1e6 / FPS));
        }
    }

    /** Opens a file back with the project's own decoder and counts its frames. */
    private static int decodedFrames(Path video, SourceInfo[] info) throws SourceException {
        try (FrameSource back = FrameSources.open(video.toString(), SourceOptions.defaults())) {
            info[0] = back.info();
            ByteBuffer buf = ByteBuffer.allocateDirect(back.info().frameBytes());
            int n = 0;
            while (back.read(buf) != FrameSource.END_OF_STREAM) {
                n++;
            }
            return n;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gradient.mp4", "gradient.mkv"})
    void fiftyFramesDecodeBackAsFiftyH264FramesAtTwentyFiveFps(String name) throws Exception {
        Path file = dir.resolve(name);
        try (VideoWriter writer = new VideoWriter(file.toString(), W, H, FPS, "auto", 0)) {
            assertTrue(H264Encoders.available().contains(writer.openedEncoder()),
                    writer.openedEncoder() + " is one of " + H264Encoders.available());
            writeFrames(writer, 0, 50);
            assertEquals(50, writer.framesWritten());
        }
        SourceInfo[] info = new SourceInfo[1];
        assertEquals(50, decodedFrames(file, info));
        assertEquals("h264", info[0].codec());
        assertEquals(W, info[0].width());
        assertEquals(H, info[0].height());
        assertEquals(FPS, info[0].fps(), 0.01);
    }

    private static double meanAbsoluteError(ByteBuffer a, ByteBuffer b) {
        long error = 0;
        for (int p = 0; p < W * H * 3; p++) {
            error += Math.abs((a.get(p) & 0xff) - (b.get(p) & 0xff));
        }
        return (double) error / (W * H * 3);
    }

    @Test
    void eachDecodedPictureIsTheFrameWrittenAtItsPlace() throws Exception {
        Path file = dir.resolve("look.mkv");
        try (VideoWriter writer = new VideoWriter(file.toString(), W, H, FPS, "auto", 2_000_000)) {
            writeFrames(writer, 0, 10);
        }
        ByteBuffer same = ByteBuffer.allocateDirect(W * H * 3);
        ByteBuffer later = ByteBuffer.allocateDirect(W * H * 3);
        try (FrameSource back = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            ByteBuffer got = ByteBuffer.allocateDirect(back.info().frameBytes());
            for (int i = 0; i < 10; i++) {
                back.read(got);
                gradient(same, i);
                gradient(later, i + 2);
                double own = meanAbsoluteError(got, same);
                double other = meanAbsoluteError(got, later);
                // Lossy at 2 Mb/s: about 2 levels off its own frame, about 9 off the frame two later.
                assertTrue(own < 5 && own < other, "frame " + i + ": error " + own + " vs " + other + " two later");
            }
        }
    }

    /**
     * The promise behind fragmented MP4: what a killed run leaves on disk plays. Key frames come every 25 frames
     * and each starts a fragment, so after 60 frames the fragments of frames 0-24 and 25-49 must be in the file.
     */
    @Test
    void aFragmentedMp4OnDiskPlaysBeforeTheWriterCloses() throws Exception {
        Path file = dir.resolve("open.mp4");
        Path copy = dir.resolve("copy-while-open.mp4");
        try (VideoWriter writer = new VideoWriter(file.toString(), W, H, FPS, "auto", 0)) {
            writeFrames(writer, 0, 60);
            Files.copy(file, copy); // what a kill at this moment would leave
        }
        long size = Files.size(copy);
        int frames;
        try {
            frames = decodedFrames(copy, new SourceInfo[1]);
        } catch (SourceException e) {
            throw new AssertionError("the " + size + " bytes on disk after 60 frames do not play: "
                    + e.getMessage(), e);
        }
        assertTrue(frames >= 25 && frames < 60, "decoded " + frames + " frames from the copy taken mid-write");
    }

    @Test
    void aSecondWriterOfTheSameFileIsRefusedAndTheFirstFileStaysIntact() throws Exception {
        Path file = dir.resolve("shared.mp4");
        try (VideoWriter first = new VideoWriter(file.toString(), W, H, FPS, "auto", 0)) {
            writeFrames(first, 0, 10);
            SinkException e = assertThrows(SinkException.class,
                    () -> new VideoWriter(file.toString(), W, H, FPS, "auto", 0).close());
            assertTrue(e.getMessage().contains("another run is writing this file"), e.getMessage());
            writeFrames(first, 10, 20);
        }
        try (FrameSource back = FrameSources.open(file.toString(), SourceOptions.defaults())) {
            ByteBuffer buf = ByteBuffer.allocateDirect(back.info().frameBytes());
            int frames = 0;
            while (back.read(buf) != FrameSource.END_OF_STREAM) {
                frames++;
            }
            assertEquals(20, frames, "the first writer's file is whole");
        }
        new VideoWriter(file.toString(), W, H, FPS, "auto", 0).close(); // free again once the first has closed
    }

    @Test
    void aWriterClosedBeforeItsFirstFrameLeavesAnExistingFileUntouchedAndCreatesNone() throws Exception {
        Path existing = Files.writeString(dir.resolve("precious.mp4"), "yesterday's drive");
        new VideoWriter(existing.toString(), W, H, FPS, "auto", 0).close(); // e.g. a run that failed while starting
        assertEquals("yesterday's drive", Files.readString(existing));
        Path fresh = dir.resolve("fresh.mp4");
        new VideoWriter(fresh.toString(), W, H, FPS, "auto", 0).close();
        assertFalse(Files.exists(fresh), "no empty file");
    }

    @Test
    void anUnsupportedFileTypeIsRefusedNamingIt() {
        Path avi = dir.resolve("clip.avi");
        SinkException e = assertThrows(SinkException.class,
                () -> new VideoWriter(avi.toString(), W, H, FPS, "auto", 0).close());
        assertTrue(e.getMessage().contains(avi.toString()) && e.getMessage().contains("unsupported"), e.getMessage());
        assertFalse(Files.exists(avi));
    }

    @Test
    void anUnsupportedStreamSchemeIsRefusedNamingIt() {
        SinkException e = assertThrows(SinkException.class,
                () -> new VideoWriter("gopher://127.0.0.1/x", W, H, FPS, "auto", 0).close());
        assertTrue(e.getMessage().contains("gopher"), e.getMessage());
    }

    @Test
    void anUnknownEncoderIsRefusedNamingItAndTheAvailableOnes() {
        SinkException e = assertThrows(SinkException.class,
                () -> new VideoWriter(dir.resolve("x.mp4").toString(), W, H, FPS, "nosuch264", 0).close());
        assertTrue(e.getMessage().contains("nosuch264"), e.getMessage());
        assertTrue(e.getMessage().contains(H264Encoders.available().toString()), e.getMessage());
    }

    @Test
    void anEncoderForAnotherCodecIsRefused() {
        SinkException e = assertThrows(SinkException.class,
                () -> new VideoWriter(dir.resolve("x.mp4").toString(), W, H, FPS, "mpeg4", 0).close());
        assertTrue(e.getMessage().contains("mpeg4") && e.getMessage().contains("not an H.264 encoder"),
                e.getMessage());
    }

    @Test
    void anOutputUnderARegularFileIsRefusedNamingTheOutput() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain-file"), "x");
        Path out = plain.resolve("out.mp4");
        SinkException e = assertThrows(SinkException.class,
                () -> new VideoWriter(out.toString(), W, H, FPS, "auto", 0).close());
        assertTrue(e.getMessage().startsWith("output " + out + ": "), e.getMessage());
    }

    @Test
    void anOutputThatIsAFolderIsRefused() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("looks-like.mp4"));
        SinkException e = assertThrows(SinkException.class,
                () -> new VideoWriter(folder.toString(), W, H, FPS, "auto", 0).close());
        assertTrue(e.getMessage().contains(folder.toString()) && e.getMessage().contains("folder"), e.getMessage());
    }

    @Test
    void closingTwiceIsHarmless() throws Exception {
        VideoWriter writer = new VideoWriter(dir.resolve("twice.mkv").toString(), W, H, FPS, "auto", 0);
        writeFrames(writer, 0, 3);
        writer.close();
        writer.close();
        assertEquals(3, decodedFrames(dir.resolve("twice.mkv"), new SourceInfo[1]));
    }
}
