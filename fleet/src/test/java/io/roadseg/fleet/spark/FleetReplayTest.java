package io.roadseg.fleet.spark;

import io.roadseg.cli.RoadsegCommand;
import io.roadseg.fleet.DriveList;
import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import io.roadseg.ros.Json;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code roadseg-fleet replay} on {@code local[2]} over synthetic drives made at test time, one drive cut short and one
 * broken drive: every frame of every drive is a row of the Parquet table holding what {@code roadseg run DRIVE
 * --results} writes for it (run again here, in this process, for the comparison) — the cut drive's frames up to its
 * cut too, beside a row with its error ({@code partial}) —, the broken drive one row with its error; the table read
 * back by Spark and by hyparquet, a Parquet reader of its own (npm), when Node is here.
 */
class FleetReplayTest {
    @TempDir
    static Path dir;
    static Path model;
    static List<String> drives;
    static Path out;

    @BeforeAll
    static void replay() throws Exception {
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(176, 240);
        model = dir.resolve("small.onnx");
        OnnxModelWriter.write(FcnWeights.random(arch, 3), ModelContract.defaultMetadata(arch, "test"), model);
        for (int seed = 1; seed <= 2; seed++) {
            assertEquals(0, RoadsegCommand.execute("sim", "--seed", Integer.toString(seed), "--frames", "4",
                    "--out", dir.resolve("drive-" + seed).toString()));
        }
        // a drive whose video was cut short: its truth holds 8 frames, its video the first of them
        assertEquals(0, RoadsegCommand.execute("sim", "--seed", "5", "--frames", "8", "--out",
                dir.resolve("drive-5-cut").toString()));
        Path video = dir.resolve("drive-5-cut/video.mp4");
        byte[] whole = Files.readAllBytes(video);
        Files.write(video, java.util.Arrays.copyOf(whole, whole.length * 3 / 5));
        Files.createDirectories(dir.resolve("drive-9-broken"));
        Files.writeString(dir.resolve("drive-9-broken/video.mp4"), "not a video");
        drives = DriveList.read(dir + "/drive-*");
        out = dir.resolve("replay");
        assertEquals(0, FleetJob.run(new String[] {"replay", "--drives", dir + "/drive-*", "--model",
                model.toString(), "--out", out.toString()}, "local[2]"));
    }

    /** The frames {@code roadseg run} writes for a drive, as JSON objects in frame order; its exit as expected. */
    private static List<Map<String, Object>> runResults(String drive, int exit) throws Exception {
        Path results = dir.resolve(Path.of(drive).getFileName() + ".jsonl");
        assertEquals(exit, RoadsegCommand.execute(new java.io.PrintWriter(new java.io.StringWriter()), "run", drive,
                "--model", model.toString(), "--threads", "1", "--results", results.toString(), "--quiet"));
        List<Map<String, Object>> frames = new ArrayList<>();
        for (String line : Files.readAllLines(results)) {
            frames.add(Json.object(Json.parse(line)));
        }
        return frames;
    }

    @Test
    void everyFrameOfEveryDriveIsARowHoldingWhatRunWritesForIt() throws Exception {
        Map<String, List<Row>> byDrive = new TreeMap<>();
        List<String> columns;
        try (SparkSession spark = SparkSession.builder().master("local[1]").appName("roadseg-replay-test")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate()) {
            var table = spark.read().parquet(out.resolve("frames.parquet").toString());
            columns = List.of(table.columns());
            for (Row r : table.orderBy("drive", "frame").collectAsList()) {
                byDrive.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
            }
        }
        assertEquals(drives, new ArrayList<>(byDrive.keySet()), "a row (or rows) for every drive");
        List<Row> cut = byDrive.get(dir.resolve("drive-5-cut").toString());
        List<Map<String, Object>> cutTruth = runResults(dir.resolve("drive-5-cut").toString(), 1);
        assertTrue(cutTruth.size() > 0 && cutTruth.size() < 8, cutTruth.size() + " frames before the cut");
        assertEquals(cutTruth.size() + 1, cut.size(), "the cut drive's frames, and its error");
        assertTrue(cut.get(0).isNullAt(columns.indexOf("frame")), "its error row first (no frame: sorted first)");
        assertTrue(cut.get(0).getString(columns.indexOf("error")).contains("truncated video"),
                cut.get(0).getString(columns.indexOf("error")));
        for (int i = 0; i < cutTruth.size(); i++) {
            assertEquals(((Number) cutTruth.get(i).get("frame")).longValue(), cut.get(i + 1).getLong(
                    columns.indexOf("frame")));
            assertEquals(Json.at(cutTruth.get(i), "confidence", "mean"), cut.get(i + 1).get(columns.indexOf(
                    "confidence_mean")));
            assertNull(cut.get(i + 1).get(columns.indexOf("error")));
        }
        List<Row> broken = byDrive.get(dir.resolve("drive-9-broken").toString());
        assertEquals(1, broken.size(), "a broken drive is one row");
        assertTrue(broken.get(0).isNullAt(columns.indexOf("frame")));
        assertTrue(broken.get(0).getString(columns.indexOf("error")).contains("drive-9-broken"),
                broken.get(0).getString(columns.indexOf("error")));
        for (String drive : drives.subList(0, 2)) {
            List<Map<String, Object>> truth = runResults(drive, 0);
            List<Row> rows = byDrive.get(drive);
            assertEquals(truth.size(), rows.size(), drive + ": one row per frame run writes");
            assertEquals(4, rows.size());
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                Map<String, Object> t = truth.get(i);
                String what = drive + " frame " + i;
                assertEquals(((Number) t.get("frame")).longValue(), r.getLong(columns.indexOf("frame")), what);
                assertNull(r.get(columns.indexOf("error")), what);
                Map<String, Object> share = Json.object(t.get("class_share"));
                for (Map.Entry<String, Object> e : share.entrySet()) {
                    assertEquals(e.getValue(), r.get(columns.indexOf("share_" + FleetReplay.column(e.getKey()))),
                            what + " share of " + e.getKey());
                }
                assertEquals(t.get("road_ahead_m"), r.get(columns.indexOf("road_ahead_m")), what);
                Map<String, Object> nearest = Json.object(t.get("nearest_ahead_m"));
                for (Map.Entry<String, Object> e : nearest.entrySet()) {
                    assertEquals(e.getValue(), r.get(columns.indexOf("nearest_" + e.getKey() + "_m")), what);
                }
                Object lead = t.get("lead");
                assertEquals(lead == null ? null : Json.object(lead).get("distance_m"),
                        r.get(columns.indexOf("lead_distance_m")), what);
                assertEquals(lead == null ? null : Json.object(lead).get("class"),
                        r.get(columns.indexOf("lead_class")), what);
                assertEquals(Json.at(t, "confidence", "mean"), r.get(columns.indexOf("confidence_mean")), what);
                assertEquals(Json.array(Json.at(t, "camera", "issues")),
                        new ArrayList<>(r.getList(columns.indexOf("camera_issues"))), what);
                assertTrue(r.getDouble(columns.indexOf("latency_inference_ms")) > 0, what);
            }
        }
        List<String> csv = Files.readAllLines(out.resolve("drives.csv"));
        assertEquals("drive,status,frames,warning_frames,camera_issue_frames,mean_confidence,closest_lead_m,"
                + "max_latency_ms,error", csv.get(0));
        assertEquals(5, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(1).startsWith("\"" + drives.get(0) + "\",ok,4,"), csv.get(1));
        assertTrue(csv.get(3).startsWith("\"" + drives.get(2) + "\",partial," + cutTruth.size() + ","), csv.get(3));
        assertTrue(csv.get(4).startsWith("\"" + drives.get(3) + "\",failed,0,0,0,,,,\""), csv.get(4));
    }

    /** The table as another Parquet reader (hyparquet, npm) reads it: the same rows, typed columns, a list of issues. */
    @Test
    void anotherParquetReaderReadsTheTable() throws Exception {
        Path node = Path.of("src/test/node");
        Assumptions.assumeTrue(Files.isDirectory(node.resolve("node_modules/hyparquet")),
                "hyparquet not installed in src/test/node (the core tests install it with npm ci)");
        List<String> args = new ArrayList<>(List.of("node", "read-parquet.mjs"));
        try (Stream<Path> parts = Files.list(out.resolve("frames.parquet"))) {
            parts.filter(p -> p.toString().endsWith(".parquet")).sorted()
                    .forEach(p -> args.add(p.toAbsolutePath().toString()));
        }
        Process p = new ProcessBuilder(args).directory(node.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), text);
        List<String> lines = text.lines().toList();
        Map<String, Object> schema = Json.object(Json.parse(lines.get(lines.size() - 1)));
        Map<String, String> types = new TreeMap<>();
        for (Object c : Json.array(schema.get("columns"))) {
            types.put(String.valueOf(Json.at(c, "name")), String.valueOf(Json.at(c, "type")));
        }
        assertEquals("INT64", types.get("frame"));
        assertEquals("INT64", types.get("stamp_ns"));
        assertEquals("DOUBLE", types.get("share_road"));
        assertEquals("DOUBLE", types.get("lead_ttc_s"));
        assertEquals("GROUP", types.get("camera_issues"));
        assertEquals("BYTE_ARRAY", types.get("drive"));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : lines.subList(0, lines.size() - 1)) {
            rows.add(Json.object(Json.parse(line)));
        }
        long frames = rows.stream().filter(r -> r.get("frame") != null).count();
        assertEquals(2, rows.size() - frames, "the cut drive's and the broken drive's error rows");
        assertTrue(frames > 8 && frames < 16, frames + ": every frame of the two drives and the cut one's");
        assertTrue(rows.stream().filter(r -> r.get("frame") != null)
                .allMatch(r -> r.get("camera_issues") instanceof List<?>), "camera_issues is a list");
    }

    @Test
    void badOptionsAreOneLine() {
        FleetJob.UsageException none = assertThrows(FleetJob.UsageException.class,
                () -> FleetJob.run(new String[] {"replay", "--model", model.toString()}, "local[1]"));
        assertEquals("--drives, --model and --out are required", none.getMessage());
        assertThrows(FleetJob.UsageException.class, () -> FleetJob.run(new String[] {"replay", "--drives", "x",
                "--model", model.toString(), "--out", "y", "--limit", "-3"}, "local[1]"));
        java.io.IOException calib = assertThrows(java.io.IOException.class, () -> FleetJob.run(new String[] {
                "replay", "--drives", dir + "/drive-*", "--model", model.toString(), "--out", "y", "--calib",
                dir.resolve("none.yaml").toString()}, "local[1]"));
        assertTrue(calib.getMessage().startsWith("--calib "), calib.getMessage());
    }
}
