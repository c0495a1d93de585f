package io.roadseg.cli;

import io.roadseg.postprocess.LensSmear;
import io.roadseg.ros.Json;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A smear over part of the lens, with the shipped model: the shipped drive's frames with their lower left blurred
 * are said to be {@code smeared} once the smear check has half a window of frames (with the soft regions' share in
 * the results and the advice in the summary), the same frames clean are not.
 */
class SmearedLensRunTest {
    @TempDir
    Path dir;

    @Test
    void aSmearedLensIsSaidAndACleanOneIsNot() throws Exception {
        int frames = 40;
        Path clean = Files.createDirectories(dir.resolve("clean"));
        Path smeared = Files.createDirectories(dir.resolve("smeared"));
        try (FrameSource s = FrameSources.open("recordings/town-drive/video.mp4", SourceOptions.defaults())) {
            int w = s.info().width();
            int h = s.info().height();
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            for (int i = 0; i < frames; i++) {
                assertTrue(s.read(b) != FrameSource.END_OF_STREAM);
                String name = String.format("%03d.png", i);
                try (BytePointer p = new BytePointer(b); Mat m = new Mat(h, w, CV_8UC3, p)) {
                    assertTrue(imwrite(clean.resolve(name).toString(), m));
                    // the lower left, 40 % by 60 %, behind a smear: σ 7.5 pixels as the network sees it (480 wide)
                    try (Rect r = new Rect(0, h - (int) (0.6 * h), (int) (0.4 * w), (int) (0.6 * h));
                         Mat roi = new Mat(m, r); Size auto = new Size(0, 0)) {
                        GaussianBlur(roi, roi, auto, 7.5 * w / 480.0);
                    }
                    assertTrue(imwrite(smeared.resolve(name).toString(), m));
                }
            }
        }
        Cli.Outcome a = run(clean, "clean");
        assertTrue(a.stderr().contains("camera: no issue in " + frames + " frames"), a.stderr());
        Cli.Outcome b = run(smeared, "smeared");
        Object stats = Json.parse(Files.readString(dir.resolve("smeared.json")));
        long said = ((Number) Json.at(stats, "camera", "smeared")).longValue();
        assertTrue(said >= frames - LensSmear.MIN_FRAMES - 2, "smeared in " + said + " of " + frames + ": "
                + b.stderr());
        assertEquals(said, ((Number) Json.at(stats, "camera", "with_issue")).longValue(), "no other issue");
        assertTrue(b.stderr().contains("camera: part of the picture stayed soft while the rest was sharp in " + said
                + " frames"), b.stderr());
        List<String> lines = Files.readAllLines(dir.resolve("smeared.jsonl"));
        Object last = Json.parse(lines.get(lines.size() - 1));
        Object share = Json.at(last, "camera", "soft_share");
        assertNotNull(share, "soft_share once the window has enough: " + lines.get(lines.size() - 1));
        assertTrue((Double) share > 0.1, "soft share " + share);
        Object first = Json.parse(lines.get(0));
        assertEquals(null, Json.at(first, "camera", "soft_share"), "no window yet at the first frame");
    }

    private Cli.Outcome run(Path frames, String name) throws Exception {
        Cli.Outcome o = Cli.run("run", frames.toString(), "--folder-fps", "25", "--results",
                dir.resolve(name + ".jsonl").toString(), "--stats", dir.resolve(name + ".json").toString(), "-q");
        assertEquals(0, o.exit(), o.stderr());
        return o;
    }
}
