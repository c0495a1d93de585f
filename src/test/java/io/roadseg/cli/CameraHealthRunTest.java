package io.roadseg.cli;

import io.roadseg.TestData;
import io.roadseg.mcap.McapReader;
import io.roadseg.ros.CdrReader;
import io.roadseg.ros.Json;
import io.roadseg.ros.RosMessages;
import io.roadseg.sink.ResultMessages;
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
import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code roadseg run} over a drive whose camera goes dark, is covered, then sticks: each frame's results name what is
 * wrong with its picture (the JSON lines and ROS's {@code /diagnostics} in the MCAP file), the run's summary and
 * statistics count the frames, and the sound frames raise nothing.
 */
class CameraHealthRunTest {
    @TempDir
    Path dir;

    /**
     * A recorded drive (H.264, the vehicle moving all along, as its {@code ego.csv} says) whose camera sticks after
     * 0.4 s: frozen from 1 s later. The same video without the recording's motion is not called frozen, since in an
     * inter-frame codec a parked car's picture decodes identical too; it still reports how long it is unchanged.
     */
    @Test
    void aStuckCameraIsFrozenWhereTheDriveSaysTheVehicleMoves() throws Exception {
        Path drive = dir.resolve("stuck");
        Cli.Outcome sim = Cli.run("sim", "--seed", "3", "--frames", "50", "--fps", "25", "--out", drive.toString());
        assertEquals(0, sim.exit(), sim.stderr());
        Path video = drive.resolve("video.mp4");
        Path recorded = dir.resolve("recorded.mp4");
        Files.move(video, recorded);
        try (FrameSource s = FrameSources.open(recorded.toString(), SourceOptions.defaults());
             io.roadseg.sink.VideoWriter out = new io.roadseg.sink.VideoWriter(video.toString(), s.info().width(),
                     s.info().height(), 25, "auto", 0)) {
            ByteBuffer frame = ByteBuffer.allocateDirect(s.info().frameBytes());
            ByteBuffer held = ByteBuffer.allocateDirect(s.info().frameBytes());
            for (int f = 0; f < 50; f++) {
                assertTrue(s.read(frame) != FrameSource.END_OF_STREAM);
                if (f == 10) {
                    held.put(0, frame, 0, frame.capacity());
                }
                out.write(f < 10 ? frame : held, f * 40_000L);
            }
        }
        Path results = dir.resolve("stuck.jsonl");
        // the shipped model: a random-weight one's classes put the sky anywhere, and the orientation check reads them
        Cli.Outcome run = Cli.run("run", drive.toString(), "--results", results.toString(), "-q");
        assertEquals(0, run.exit(), run.stderr());
        List<String> lines = Files.readAllLines(results);
        for (int f = 0; f < 50; f++) {
            Object camera = Json.at(Json.parse(lines.get(f)), "camera");
            // stuck from frame 10 (0.4 s): a second later, frame 35
            assertEquals(f >= 35 ? List.of("frozen") : List.of(), Json.array(Json.at(camera, "issues")),
                    "frame " + f + ": " + camera);
        }
        assertTrue(run.stderr().contains("camera: issues in 15 of 50 frames (frozen 15)"), run.stderr());

        Cli.Outcome alone = Cli.run("run", video.toString(), "--results", results.toString(), "-q");
        assertEquals(0, alone.exit(), alone.stderr());
        assertTrue(alone.stderr().contains("camera: no issue in 50 frames"), alone.stderr());
        Object last = Json.at(Json.parse(Files.readAllLines(results).get(49)), "camera");
        assertEquals(1.56, (Double) Json.at(last, "unchanged_s"), 1e-6, "reported, not raised: " + last);
    }

    @Test
    void eachFrameSaysWhatIsWrongWithItsPictureAndTheRunCountsThem() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("drive"));
        List<List<String>> expected = new ArrayList<>();
        try (FrameSource s = FrameSources.open("recordings/town-drive/video.mp4", SourceOptions.defaults())) {
            int w = s.info().width();
            int h = s.info().height();
            ByteBuffer bgr = ByteBuffer.allocateDirect(s.info().frameBytes());
            byte[] b = new byte[s.info().frameBytes()];
            byte[] held = null;
            int n = 0;
            // at 10 frames/s: 6 sound frames, 4 at night, 4 with the lens covered, then one picture 13 times
            for (int f = 0; f < 27; f++) {
                List<String> issues = List.of();
                if (f < 14) {
                    assertTrue(s.read(bgr) != FrameSource.END_OF_STREAM);
                    bgr.get(0, b);
                }
                if (f >= 6 && f < 10) {
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) ((b[i] & 0xff) / 10);
                    }
                    issues = List.of("dark");
                } else if (f >= 10 && f < 14) {
                    java.util.Arrays.fill(b, (byte) 128);
                    issues = List.of("blocked");
                } else if (f >= 14) {
                    if (held == null) {
                        s.read(bgr);
                        held = new byte[b.length];
                        bgr.get(0, held);
                    }
                    b = held;
                    // unchanged since frame 14 (1.4 s): stuck from 2.4 s on
                    issues = f >= 24 ? List.of("frozen") : List.of();
                }
                try (BytePointer p = new BytePointer(b); Mat m = new Mat(h, w, CV_8UC3, p)) {
                    assertTrue(imwrite(folder.resolve(String.format("%03d.png", n++)).toString(), m));
                }
                expected.add(issues);
            }
        }
        Path results = dir.resolve("r.jsonl");
        Path stats = dir.resolve("s.json");
        Path mcap = dir.resolve("r.mcap");
        Cli.Outcome run = Cli.run("run", folder.toString(), "--folder-fps", "10", "--model",
                TestData.smallModel(dir).toString(), "--results", results.toString(), "--stats", stats.toString(),
                "--out", mcap.toString(), "-q");
        assertEquals(0, run.exit(), run.stderr());
        List<String> lines = Files.readAllLines(results);
        assertEquals(27, lines.size());
        for (int f = 0; f < lines.size(); f++) {
            Object camera = Json.at(Json.parse(lines.get(f)), "camera");
            assertEquals(expected.get(f), Json.array(Json.at(camera, "issues")), "frame " + f + ": " + camera);
            if (f >= 15) {
                assertEquals((f - 14) / 10.0, (Double) Json.at(camera, "unchanged_s"), 1e-6, "frame " + f);
            }
        }
        assertTrue(run.stderr().contains("camera: issues in 11 of 27 frames (dark 4, blocked 4, frozen 3)"),
                run.stderr());
        Object counts = Json.at(Json.parse(Files.readString(stats)), "camera");
        assertEquals(27.0, Json.at(counts, "frames"));
        assertEquals(11.0, Json.at(counts, "with_issue"));
        assertEquals(4.0, Json.at(counts, "dark"));
        assertEquals(4.0, Json.at(counts, "blocked"));
        assertEquals(3.0, Json.at(counts, "frozen"));
        assertEquals(0.0, Json.at(counts, "noisy"));

        // ROS's /diagnostics: the camera's status per frame, ERROR where the picture cannot be used at all
        try (McapReader r = McapReader.open(mcap)) {
            McapReader.Channel channel = r.channels().values().stream()
                    .filter(c -> c.topic().equals(ResultMessages.DIAGNOSTICS_TOPIC)).findFirst().orElseThrow();
            McapReader.Cursor cursor = r.messages(channel.id());
            CdrReader cdr = new CdrReader();
            for (int f = 0; f < 27; f++) {
                assertTrue(cursor.next(), "a diagnostics message per frame");
                cdr.begin(cursor.payloadArray(), cursor.payloadOffset(), cursor.payloadLength());
                cdr.int32();
                cdr.uint32();
                cdr.string();
                assertEquals(2, cdr.uint32(), "two statuses");
                int level = cdr.uint8();
                assertEquals(ResultMessages.CAMERA_STATUS, cdr.string());
                String message = cdr.string();
                List<String> issues = expected.get(f);
                assertEquals(issues.isEmpty() ? RosMessages.OK : issues.contains("dark") ? RosMessages.WARN
                        : RosMessages.ERROR, level, "frame " + f + ": " + message);
                assertEquals(issues.isEmpty() ? "ok" : issues.get(0), message, "frame " + f);
            }
        }
    }
}
