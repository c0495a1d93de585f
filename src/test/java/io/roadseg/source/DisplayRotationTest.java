package io.roadseg.source;

import io.roadseg.TestData;
import io.roadseg.cli.Cli;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A phone clip with a display rotation is recognised and the run warns once that its frames go in as stored. */
class DisplayRotationTest {
    @TempDir
    Path dir;

    /** A 10-frame MPEG-4 clip with a display matrix of the given rotation, written by JavaCV's recorder. */
    private Path clip(double rotation) throws Exception {
        Path file = dir.resolve("phone-" + (int) rotation + ".mp4");
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toString(), 160, 96, 0)) {
            r.setFormat("mp4");
            r.setVideoCodecName("mpeg4");
            r.setFrameRate(10);
            r.setDisplayRotation(rotation);
            r.start();
            try (Frame f = new Frame(160, 96, Frame.DEPTH_UBYTE, 3)) {
                for (int i = 0; i < 10; i++) {
                    ByteBuffer b = (ByteBuffer) f.image[0];
                    for (int k = 0; k < b.capacity(); k++) {
                        b.put(k, (byte) (k * 7 + i));
                    }
                    r.record(f, AV_PIX_FMT_BGR24);
                }
            }
            r.stop();
        }
        return file;
    }

    @Test
    void theRotationOfAPhoneClipIsRead() throws Exception {
        try (FrameSource s = FrameSources.open(clip(90).toString(), SourceOptions.defaults())) {
            // JavaCV's recorder takes FFmpeg's angle, counter-clockwise: 90° counter-clockwise is 270° clockwise
            assertEquals(270, s.displayRotation());
        }
        try (FrameSource s = FrameSources.open(clip(0).toString(), SourceOptions.defaults())) {
            assertEquals(0, s.displayRotation());
        }
    }

    @Test
    void theRunWarnsOnceAboutARotatedClip() throws Exception {
        Cli.Outcome o = Cli.run("run", clip(90).toString(), "--model", TestData.smallModel(dir).toString(), "-q");
        assertEquals(0, o.exit(), o.stderr());
        int first = o.stderr().indexOf("asks to be shown rotated");
        assertTrue(first >= 0, o.stderr());
        assertEquals(-1, o.stderr().indexOf("asks to be shown rotated", first + 1), "once");
    }
}
