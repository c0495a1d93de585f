package io.roadseg.fleet.spark;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.fleet.DriveEvaluator;
import io.roadseg.fleet.DriveList;
import io.roadseg.fleet.DriveResult;
import io.roadseg.fleet.FleetReport;
import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark job on {@code local[2]} (UI off, driver on 127.0.0.1) over synthetic drives made at test time and one
 * broken drive: the aggregated report equals the single-process evaluation of the same drives to the last pixel
 * count, and the broken drive is a failed row.
 */
class FleetJobTest {
    @TempDir
    static Path dir;
    static Path model;
    static List<String> drives;
    /** The frames the cut drive gives before its cut. */
    static long cutFrames;

    @BeforeAll
    static void fleet() throws Exception {
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(176, 240);
        model = dir.resolve("small.onnx");
        OnnxModelWriter.write(FcnWeights.random(arch, 3), ModelContract.defaultMetadata(arch, "test"), model);
        for (int seed = 1; seed <= 4; seed++) {
            int exit = io.roadseg.cli.RoadsegCommand.execute("sim", "--seed", Integer.toString(seed), "--frames", "3",
                    "--out", dir.resolve("drive-" + seed).toString());
            assertEquals(0, exit);
        }
        // a drive whose video was cut short: its truth holds 8 frames, its video the first of them
        assertEquals(0, io.roadseg.cli.RoadsegCommand.execute("sim", "--seed", "5", "--frames", "8", "--out",
                dir.resolve("drive-5-cut").toString()));
        Path video = dir.resolve("drive-5-cut/video.mp4");
        byte[] whole = Files.readAllBytes(video);
        Files.write(video, Arrays.copyOf(whole, whole.length * 3 / 5));
        Files.createDirectories(dir.resolve("drive-9-broken"));
        Files.writeString(dir.resolve("drive-9-broken/video.mp4"), "not a video");
        drives = DriveList.read(dir + "/drive-*");
        assertEquals(6, drives.size());
        try (InferenceEngine engine = InferenceEngines.open("cpu", model, new EngineOptions(1), m -> { });
             DriveEvaluator evaluator = new DriveEvaluator(engine)) {
            cutFrames = evaluator.evaluate(dir.resolve("drive-5-cut").toString(), 0).frames();
        }
        assertTrue(cutFrames > 0 && cutFrames < 8, cutFrames + " frames before the cut");
    }

    /** Spark allows one context per JVM: each test makes and closes its own. */
    static JavaSparkContext context() {
        return new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("roadseg-fleet-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
    }

    @Test
    void theClusterReportEqualsOneProcessToTheLastPixel() throws Exception {
        List<String> classes;
        List<DriveResult> local = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngines.open("cpu", model, new EngineOptions(1), m -> { });
             DriveEvaluator evaluator = new DriveEvaluator(engine)) {
            classes = engine.model().classNames();
            for (String d : drives) {
                local.add(evaluator.evaluate(d, 0));
            }
        }
        FleetReport expected = new FleetReport("small.onnx", classes, local);
        FleetReport spark;
        try (JavaSparkContext sc = context()) {
            spark = FleetJob.evaluate(sc, drives, model, 0, classes);
        }
        assertTrue(Arrays.equals(expected.segmentation().counts(), spark.segmentation().counts()), "confusion");
        assertTrue(Arrays.equals(expected.depth().sums(), spark.depth().sums()), "depth sums");
        assertEquals(expected.frames(), spark.frames());
        DriveResult cut = spark.drives().get(4);
        assertTrue(cut.drive().endsWith("drive-5-cut") && cut.partial(), cut.toString());
        assertTrue(cut.frames() > 0 && cut.frames() < 8 && cut.error().contains("truncated video"), cut.toString());
        assertTrue(Arrays.equals(local.get(4).confusion(), cut.confusion()), "the cut drive's frames, as one process");
        assertEquals(cutFrames, cut.frames());
        assertEquals(12 + cutFrames, spark.frames(), "the cut drive's frames counted");
        assertEquals(1, spark.failed(), "the broken drive is a failed row, the job goes on");
        assertEquals(1, spark.partial());
        DriveResult broken = spark.drives().get(5);
        assertTrue(broken.drive().endsWith("drive-9-broken") && !broken.scored(), broken.toString());
        String csv = FleetJob.csv(spark);
        assertEquals(7, csv.strip().split("\n").length, csv);
        assertTrue(csv.contains("drive-9-broken\",failed"), csv);
        assertTrue(csv.contains("drive-5-cut\",partial," + cut.frames() + ","), csv);
        assertTrue(csv.strip().split("\n")[5].endsWith(",\"" + cut.error().replace("\"", "\"\"") + "\""), csv);
        assertTrue(csv.startsWith("drive,status,frames,mean_iou,depth_abs_rel,latency_p50_ms,camera_issue_share,error\n"),
                csv);
        assertEquals(4, csv.split(",0\\.0000,\n", -1).length - 1, "the sound drives' camera: " + csv);
    }

    @Test
    void theCommandWritesTheReportAndComparesWithABaseline() throws Exception {
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(176, 240);
        Path other = dir.resolve("other.onnx");
        OnnxModelWriter.write(FcnWeights.random(arch, 4), ModelContract.defaultMetadata(arch, "test"), other);
        Path out = dir.resolve("report");
        int exit = FleetJob.run(new String[] {"evaluate", "--drives", dir + "/drive-*", "--model", model.toString(),
                "--baseline", other.toString(), "--out", out.toString()}, "local[2]");
        assertEquals(0, exit);
        String comparison = Files.readString(out.resolve("comparison.txt"));
        assertTrue(comparison.contains("against the baseline other.onnx on 6 drives"), comparison);
        assertTrue(comparison.contains("drives that regressed most"), comparison);
        FleetReport report = FleetReport.parse(Files.readString(out.resolve("report.json")));
        assertEquals(12 + cutFrames, report.frames());
        assertTrue(Files.readString(out.resolve("summary.txt")).contains("worst drives per class"));
        FleetJob.UsageException e = org.junit.jupiter.api.Assertions.assertThrows(FleetJob.UsageException.class,
                () -> FleetJob.run(new String[] {"evaluate", "--model", model.toString()}, "local[1]"));
        assertTrue(e.getMessage().contains("--drives, --model and --out are required"), e.getMessage());
        Path notModel = dir.resolve("not-a-model.onnx");
        Files.writeString(notModel, "text");
        Exception bad = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> FleetJob.run(new String[] {"evaluate", "--drives", dir + "/drive-*", "--model",
                        notModel.toString(), "--out", out.toString()}, "local[1]"));
        assertTrue(bad.getMessage() != null && bad.getMessage().contains("not-a-model.onnx"), bad.getMessage());
    }

    /**
     * {@code --against}: every executor scores its drives against the reference model's output (agreement); the model
     * against itself agrees exactly, and the report says what it was scored against.
     */
    @Test
    void againstAReferenceEveryExecutorScoresTheAgreement() throws Exception {
        Path out = dir.resolve("against");
        assertEquals(0, FleetJob.run(new String[] {"evaluate", "--drives", dir + "/drive-*", "--model",
                model.toString(), "--against", model.toString(), "--out", out.toString()}, "local[2]"));
        FleetReport report = FleetReport.parse(Files.readString(out.resolve("report.json")));
        assertEquals("small.onnx", report.reference());
        assertEquals(12 + cutFrames, report.frames());
        assertEquals(1, report.failed(), "the broken drive");
        assertEquals(1.0, report.segmentation().meanIou(), 1e-12);
        assertEquals(0.0, report.depth().absRel(), 1e-12);
        assertTrue(Files.readString(out.resolve("summary.txt")).contains("scored against the output of small.onnx"));
        FleetJob.UsageException both = org.junit.jupiter.api.Assertions.assertThrows(FleetJob.UsageException.class,
                () -> FleetJob.run(new String[] {"evaluate", "--drives", dir + "/drive-*", "--model", model.toString(),
                        "--against", model.toString(), "--baseline", model.toString(), "--out", out.toString()},
                        "local[1]"));
        assertTrue(both.getMessage().contains("--baseline and --against: give one"), both.getMessage());
    }

    @Test
    void theInputSizeIsTheOneEveryExecutorRunsAt() throws Exception {
        Path out = dir.resolve("sized-report");
        int exit = FleetJob.run(new String[] {"evaluate", "--drives", dir + "/drive-*", "--model", model.toString(),
                "--input-size", "320x240", "--out", out.toString()}, "local[2]");
        assertEquals(0, exit);
        FleetReport report = FleetReport.parse(Files.readString(out.resolve("report.json")));
        List<DriveResult> local = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngines.open("cpu", model,
                new EngineOptions(1).withInputSize(new io.roadseg.engine.InputSize(320, 240)), m -> { });
             DriveEvaluator evaluator = new DriveEvaluator(engine)) {
            assertEquals(320, engine.model().inputWidth());
            for (String d : drives) {
                local.add(evaluator.evaluate(d, 0));
            }
        }
        FleetReport expected = new FleetReport("small.onnx", report.classNames(), local);
        assertTrue(Arrays.equals(expected.segmentation().counts(), report.segmentation().counts()), "confusion");
        assertEquals(12 + cutFrames, report.frames());
        // 320x240 pixels per frame scored, not the model's 240x176
        assertTrue(report.segmentation().evaluatedPixels() > 176L * 240 * 12, "" + report.segmentation()
                .evaluatedPixels());
        Exception offStride = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> FleetJob.run(new String[] {"evaluate", "--drives", dir + "/drive-*", "--model",
                        model.toString(), "--input-size", "330x240", "--out", out.toString()}, "local[1]"));
        assertTrue(offStride.getMessage().contains("330x240 is not a multiple of the network's stride 16"),
                offStride.getMessage());
        FleetJob.UsageException malformed = org.junit.jupiter.api.Assertions.assertThrows(
                FleetJob.UsageException.class, () -> FleetJob.run(new String[] {"evaluate", "--drives",
                        dir + "/drive-*", "--model", model.toString(), "--input-size", "big", "--out",
                        out.toString()}, "local[1]"));
        assertTrue(malformed.getMessage().startsWith("--input-size big: expected auto:WIDTHxHEIGHT or WIDTHxHEIGHT"),
                malformed.getMessage());
        // auto:WxH: each drive's 4:3 at 320x240's pixel count, here 320x240 itself: the same report as above
        Path fitted = dir.resolve("fitted-report");
        assertEquals(0, FleetJob.run(new String[] {"evaluate", "--drives", dir + "/drive-*", "--model",
                model.toString(), "--input-size", "auto:320x240", "--out", fitted.toString()}, "local[2]"));
        FleetReport f = FleetReport.parse(Files.readString(fitted.resolve("report.json")));
        assertTrue(Arrays.equals(report.segmentation().counts(), f.segmentation().counts()), "auto:320x240");
    }

    @Test
    void flipAveragingIsWhatEveryExecutorRuns() throws Exception {
        Path out = dir.resolve("flip-report");
        assertEquals(0, FleetJob.run(new String[] {"evaluate", "--drives", dir + "/drive-*", "--model",
                model.toString(), "--input-size", "320x240", "--flip-average", "--out", out.toString()}, "local[2]"));
        FleetReport report = FleetReport.parse(Files.readString(out.resolve("report.json")));
        EngineOptions size = new EngineOptions(1).withInputSize(new io.roadseg.engine.InputSize(320, 240));
        List<DriveResult> flipped = new ArrayList<>();
        List<DriveResult> plain = new ArrayList<>();
        try (InferenceEngine f = InferenceEngines.open("cpu", model, size.withFlipAverage(true), m -> { });
             InferenceEngine p = InferenceEngines.open("cpu", model, size, m -> { });
             DriveEvaluator ef = new DriveEvaluator(f);
             DriveEvaluator ep = new DriveEvaluator(p)) {
            for (String d : drives) {
                flipped.add(ef.evaluate(d, 0));
                plain.add(ep.evaluate(d, 0));
            }
        }
        long[] cluster = report.segmentation().counts();
        assertTrue(Arrays.equals(new FleetReport("small.onnx", report.classNames(), flipped).segmentation().counts(),
                cluster), "the cluster's confusion is the flip-averaged engine's");
        assertTrue(!Arrays.equals(new FleetReport("small.onnx", report.classNames(), plain).segmentation().counts(),
                cluster), "and not the plain engine's");
    }

    @Test
    void drivesOnAHadoopFileSystemAreCopiedAndNamedAsListed() throws Exception {
        // file:// goes through Hadoop's FileSystem like hdfs:// or s3a:// would
        Path out = dir.resolve("hadoop-report");
        int exit = FleetJob.run(new String[] {"evaluate", "--drives", dir.toUri() + "drive-*", "--model",
                model.toString(), "--out", out.toString()}, "local[2]");
        assertEquals(0, exit);
        FleetReport report = FleetReport.parse(Files.readString(out.resolve("report.json")));
        assertEquals(6, report.drives().size());
        assertEquals(12 + cutFrames, report.frames());
        assertEquals(1, report.failed());
        for (DriveResult r : report.drives()) {
            assertTrue(r.drive().startsWith("file:"), r.drive());
            if (r.scored()) { // the copy's row keeps every figure, not only those of the first fleet reports
                assertTrue(r.confidenceSums().length > 0 && r.cameraSums().length > 0, r.drive());
            }
        }
        assertEquals(report.frames(), report.camera().measured(), "every frame's camera counted");
        DriveResult cut = report.drives().get(4);
        assertTrue(cut.drive().endsWith("drive-5-cut") && cut.partial() && cut.frames() == cutFrames,
                "the cut drive's copy keeps its frames: " + cut);
        List<String> local = new ArrayList<>();
        for (String d : drives) {
            local.add(d);
        }
        try (InferenceEngine engine = InferenceEngines.open("cpu", model, new EngineOptions(1), m -> { });
             DriveEvaluator evaluator = new DriveEvaluator(engine)) {
            long[] expected = new long[report.segmentation().counts().length];
            for (String d : local) {
                DriveResult r = evaluator.evaluate(d, 0);
                if (r.scored()) {
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] += r.confusion()[i];
                    }
                }
            }
            assertTrue(Arrays.equals(expected, report.segmentation().counts()), "same pixels as the local paths");
        }
    }
}
