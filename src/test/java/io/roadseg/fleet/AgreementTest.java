package io.roadseg.fleet;

import io.roadseg.cli.Cli;
import io.roadseg.ros.Json;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eval --drives LIST --against MODEL}: drives without labels — a plain video, a folder of pictures, a
 * recording whose truth is left aside — scored against what the model in service makes of the same
 * frames. The shipped model against itself agrees exactly; a candidate (the shipped weights asking for contrast
 * normalisation, as {@code export-model --auto-contrast} writes it) agrees on most pixels but not all, and the report
 * says what it was scored against; merge refuses to add it to a report scored against the truth.
 */
class AgreementTest {
    @TempDir
    static Path dir;
    static Path list;
    static Path candidate;

    @BeforeAll
    static void drives() throws Exception {
        Path pictures = Files.createDirectories(dir.resolve("pictures"));
        try (FrameSource s = FrameSources.open("recordings/town-drive/video.mp4", SourceOptions.defaults());
             Mat frame = new Mat(s.info().height(), s.info().width(), CV_8UC3)) {
            ByteBuffer view = frame.data().capacity(s.info().frameBytes()).asByteBuffer();
            for (int i = 0; i < 6; i++) {
                s.read(view);
                assertTrue(imwrite(pictures.resolve(String.format("%03d.png", i)).toString(), frame));
            }
        }
        list = Files.writeString(dir.resolve("list.txt"), "recordings/town-drive/video.mp4\n" + pictures + "\n"
                + "recordings/town-drive\n");
        candidate = dir.resolve("candidate.onnx");
        Cli.Outcome e = Cli.run("export-model", "--from", "engines/roadseg.onnx", "--auto-contrast", "0.005,3",
                "-o", candidate.toString());
        assertEquals(0, e.exit(), e.stderr());
    }

    private Object report(String model, String name) throws Exception {
        Path json = dir.resolve(name);
        Cli.Outcome o = Cli.run("eval", "--drives", list.toString(), "--model", model, "--against",
                "engines/roadseg.onnx", "--limit", "6", "--json", json.toString());
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stdout().contains("scored against the output of roadseg.onnx on the same frames, not a truth"),
                o.stdout());
        return Json.parse(Files.readString(json));
    }

    @Test
    void theModelInServiceAgreesWithItselfAndACandidateOnMostButNotAllPixels() throws Exception {
        Object self = report("engines/roadseg.onnx", "self.json");
        assertEquals("roadseg.onnx", Json.at(self, "reference"));
        assertEquals(0L, ((Number) Json.at(self, "failed_drives")).longValue(), "no drive needs a truth");
        assertEquals(18L, ((Number) Json.at(self, "frames")).longValue());
        assertEquals(1.0, (Double) Json.at(self, "summary", "mean_iou"), 1e-12);
        assertEquals(0.0, (Double) Json.at(self, "summary", "depth", "abs_rel"), 1e-12);

        Object other = report(candidate.toString(), "candidate.json");
        double agreement = (Double) Json.at(other, "summary", "pixel_accuracy");
        assertTrue(agreement > 0.9 && agreement < 1, "pixels of the same class: " + agreement);
        double meanIou = (Double) Json.at(other, "summary", "mean_iou");
        assertTrue(meanIou > 0.5 && meanIou < 1, "mean IoU of one against the other: " + meanIou);

        // a report against the truth and one against a model do not add up
        Path truth = dir.resolve("truth.json");
        Cli.Outcome t = Cli.run("eval", "--drives", Files.writeString(dir.resolve("one.txt"),
                "recordings/town-drive\n").toString(), "--limit", "6", "--json", truth.toString());
        assertEquals(0, t.exit(), t.stderr());
        Cli.Outcome merged = Cli.run("merge", truth.toString(), dir.resolve("self.json").toString());
        assertEquals(1, merged.exit(), merged.stderr());
        assertTrue(merged.stderr().contains("was scored against the output of roadseg.onnx, the first report against "
                + "the drives' truth"), merged.stderr());
    }

    /**
     * A fleet's MCAP drives with several cameras: without {@code --topic} such a drive is a failed row naming them,
     * with it every drive is read from that camera.
     */
    @Test
    void aTwoCameraMcapDriveIsReadFromTheTopicNamed() throws Exception {
        Path mcap = dir.resolve("two-cameras.mcap");
        try (java.io.OutputStream out = Files.newOutputStream(mcap);
             io.roadseg.mcap.McapWriter w = new io.roadseg.mcap.McapWriter(out, "ros2", "AgreementTest",
                     io.roadseg.mcap.McapFormat.Compression.ZSTD, 1 << 20)) {
            int schema = w.addSchema(io.roadseg.ros.RosMessages.COMPRESSED_IMAGE, "ros2msg",
                    io.roadseg.ros.RosMessages.definitionBytes(io.roadseg.ros.RosMessages.COMPRESSED_IMAGE));
            int front = w.addChannel(schema, "/cam/front/compressed", "cdr", java.util.Map.of());
            int rear = w.addChannel(schema, "/cam/rear/compressed", "cdr", java.util.Map.of());
            io.roadseg.ros.CdrWriter cdr = new io.roadseg.ros.CdrWriter(1 << 20);
            byte[] id = "cam".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int i = 0; i < 4; i++) {
                byte[] png = Files.readAllBytes(dir.resolve("pictures").resolve(String.format("%03d.png", i)));
                long t = i * 40_000_000L;
                cdr.begin().header(t, id).string("png").uint8Sequence(png, 0, png.length);
                w.write(front, t, t, cdr.array(), 0, cdr.size());
                w.write(rear, t, t, cdr.array(), 0, cdr.size());
            }
        }
        Path one = Files.writeString(dir.resolve("two.txt"), mcap + "\n");
        Cli.Outcome none = Cli.run("eval", "--drives", one.toString(), "--against", "engines/roadseg.onnx",
                "--json", dir.resolve("none.json").toString());
        assertEquals(1, none.exit(), none.stderr()); // its only drive failed: the report, then a failed run
        assertTrue(none.stdout().contains("FAILED: 2 camera topics, choose one with --topic"), none.stdout());
        assertTrue(none.stderr().contains("every drive failed"), none.stderr());
        Cli.Outcome named = Cli.run("eval", "--drives", one.toString(), "--against", "engines/roadseg.onnx",
                "--topic", "/cam/rear/compressed", "--json", dir.resolve("named.json").toString());
        assertEquals(0, named.exit(), named.stderr());
        Object doc = Json.parse(Files.readString(dir.resolve("named.json")));
        assertEquals(4L, ((Number) Json.at(doc, "frames")).longValue());
        assertEquals(1.0, (Double) Json.at(doc, "summary", "mean_iou"), 1e-12);
        Cli.Outcome camvid = Cli.run("eval", "--camvid", "x", "--topic", "/cam/rear/compressed");
        assertEquals(2, camvid.exit(), camvid.stderr());
        assertTrue(camvid.stderr().contains("--topic applies to --drive and --drives"), camvid.stderr());
    }

    @Test
    void againstNeedsDrivesAndAModelFile() {
        Cli.Outcome camvid = Cli.run("eval", "--camvid", "x", "--against", "engines/roadseg.onnx");
        assertEquals(2, camvid.exit(), camvid.stderr());
        assertTrue(camvid.stderr().contains("--against applies to --drive and --drives"), camvid.stderr());
        Cli.Outcome missing = Cli.run("eval", "--drive", "recordings/town-drive", "--against", "nope.onnx");
        assertEquals(1, missing.exit(), missing.stderr());
        assertTrue(missing.stderr().strip().lines().count() == 1 && missing.stderr().contains("--against ")
                && missing.stderr().contains("nope.onnx: no such model file"), missing.stderr());
    }
}
