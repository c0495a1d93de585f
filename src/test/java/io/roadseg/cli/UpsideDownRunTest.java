package io.roadseg.cli;

import io.roadseg.postprocess.Orientation;
import io.roadseg.ros.Json;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.ROTATE_180;
import static org.bytedeco.opencv.global.opencv_core.rotate;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A camera mounted upside down, with the shipped model: a synthetic drive's frames turned by 180° are said to be
 * {@code upside_down} once the orientation check has half a window of frames, and {@code --rotate 180} gives
 * back what the upright frames give, frame by frame, with no issue.
 */
class UpsideDownRunTest {
    @TempDir
    Path dir;

    @Test
    void anUpsideDownCameraIsSaidAndRotateTurnsItBack() throws Exception {
        int frames = 40;
        Path upright = Files.createDirectories(dir.resolve("upright"));
        Path turned = Files.createDirectories(dir.resolve("turned"));
        try (FrameSource s = FrameSources.open("sim://town?seed=1002&frames=" + frames, SourceOptions.defaults())) {
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            for (int i = 0; i < frames; i++) {
                assertTrue(s.read(b) != FrameSource.END_OF_STREAM);
                String name = String.format("%03d.png", i);
                try (BytePointer p = new BytePointer(b); Mat m = new Mat(s.info().height(), s.info().width(), CV_8UC3,
                        p); Mat r = new Mat()) {
                    rotate(m, r, ROTATE_180);
                    assertTrue(imwrite(upright.resolve(name).toString(), m));
                    assertTrue(imwrite(turned.resolve(name).toString(), r));
                }
            }
        }
        Cli.Outcome a = run(upright, "upright");
        assertTrue(a.stderr().contains("camera: no issue in " + frames + " frames"), a.stderr());
        Cli.Outcome b = run(turned, "turned");
        Object stats = Json.parse(Files.readString(dir.resolve("turned.json")));
        long said = ((Number) Json.at(stats, "camera", "upside_down")).longValue();
        // nothing is said before half a window of frames; from then on every frame (measured: 26 of 40)
        assertTrue(said >= frames - Orientation.MIN_FRAMES - 2, "upside_down in " + said + " of " + frames + ": "
                + b.stderr());
        assertEquals(said, ((Number) Json.at(stats, "camera", "with_issue")).longValue(), "no other issue");
        assertTrue(b.stderr().contains("camera: the sky lies below the road in " + said + " frames: a camera mounted "
                + "upside down? --rotate 180 turns its picture the right way up"), b.stderr());
        Cli.Outcome c = run(turned, "turned-back", "--rotate", "180");
        assertTrue(c.stderr().contains("picture turned by 180° before the network"), c.stderr());
        assertTrue(c.stderr().contains("camera: no issue in " + frames + " frames"), c.stderr());
        List<String> x = Files.readAllLines(dir.resolve("upright.jsonl"));
        List<String> y = Files.readAllLines(dir.resolve("turned-back.jsonl"));
        assertEquals(frames, x.size());
        assertEquals(frames, y.size());
        for (int i = 0; i < frames; i++) {
            Map<String, Object> su = Json.object(Json.at(Json.parse(x.get(i)), "class_share"));
            Map<String, Object> sv = Json.object(Json.at(Json.parse(y.get(i)), "class_share"));
            for (String k : su.keySet()) {
                assertEquals((Double) su.get(k), (Double) sv.get(k), 0.002, k + " share, frame " + i);
            }
        }
    }

    private Cli.Outcome run(Path frames, String name, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", frames.toString(), "--folder-fps", "10",
                "--results", dir.resolve(name + ".jsonl").toString(), "--stats", dir.resolve(name + ".json")
                        .toString(), "-q"));
        args.addAll(List.of(extra));
        Cli.Outcome o = Cli.run(args.toArray(String[]::new));
        assertEquals(0, o.exit(), o.stderr());
        return o;
    }
}
