package io.roadseg.engine;

import io.roadseg.TestData;
import io.roadseg.cli.Cli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model in engines/ really segments and measures depth: on 10 frames of the held-out CamVid sequence and on the
 * real LiDAR/stereo frames, through the CPU engine, it stays above floors derived from the full figures in
 * engines/roadseg.md (a broken, swapped or regressed model fails).
 */
class ShippedModelTest {
    /**
     * mIoU on the first 10 frames of sequence 0006R0 when shipped (2026-11-27, seventeenth session: the weight average
     * of six GPU restarts from the weight average of four seeds of the Lovász restart with tree contact depth after
     * the weight-decay-0.05 runs, and of two CPU restarts from the six's average, logit adjustment τ 0.5; the six
     * alone, shipped before it, scored 65.63, the average before them 64.40), in %. The
     * recipe was chosen with 0006R0 held out; the shipped weights were then trained on it too (engines/roadseg.md).
     * Scored at the labels' 480x360 (64.70 when scored at the network's 480x352, before 2026-11-27's thirteenth
     * session).
     */
    static final double HELD_OUT_SHIPPED = 65.38;
    /** The floor: the shipped figure less 4 points. */
    static final double HELD_OUT_FLOOR_PERCENT = HELD_OUT_SHIPPED - 4;
    /**
     * Metric AbsRel of the ground-plane-fused depth over the 31 real frames: 0.275 when shipped (with the not-ground
     * check of GroundPlaneDepth.NOT_GROUND_BELOW), plus 0.04.
     */
    static final double FUSED_ABS_REL_CEILING = 0.315;
    /** δ<1.25 of the fused depth: 0.564 when shipped, less 0.05. */
    static final double FUSED_DELTA1_FLOOR = 0.514;
    /**
     * AbsRel of the distance to the car ahead (network depth, no calibration) over the first 30 frames of the synthetic
     * drive of seed 999, never trained on: 0.020 (δ<1.25 100 %, a car ahead in all 30 frames) for the weights shipped
     * since the seventeenth session, measured on 2026-11-28; the ceiling is three times that. (Over 250 frames 0.124,
     * the far cars of its later frames: README, the table under nearest_ahead_m.)
     */
    static final double CAR_AHEAD_ABS_REL_CEILING = 0.06;

    /**
     * The expected calibration error of the shipped model's confidence on those 10 frames: 0.026 when its
     * temperature (1.65, fitted on 0006R0 with the held-out twin, which never saw it) was recorded on 2026-11-28; the
     * ceiling is that plus 0.03. (Having trained on 0006R0, the shipped model is a little underconfident there: mean
     * confidence 0.927 against 0.953 of its pixels right.)
     */
    static final double CONFIDENCE_ECE_CEILING = 0.056;

    @TempDir
    Path dir;

    private static double number(String json, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(json);
        assertTrue(m.find(), pattern + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theShippedModelSegmentsTheHeldOutSequenceAboveItsFloor() throws Exception {
        Path camvid = TestData.root().resolve("camvid");
        Assumptions.assumeTrue(Files.isDirectory(camvid.resolve("train")), camvid + " not present");
        Path json = dir.resolve("eval.json");
        Cli.Outcome o = Cli.run("eval", "--camvid", camvid.toString(), "--split", "train", "--sequence", "0006R0",
                "--limit", "10", "--model", "engines/roadseg.onnx", "--json", json.toString());
        assertEquals(0, o.exit(), o.stderr());
        double miou = 100 * number(Files.readString(json), "\"mean_iou\": ([0-9.]+)");
        assertEquals(1.65, number(Files.readString(json), "\"confidence\": \\{\"temperature\": ([0-9.]+)"), 1e-9,
                "the shipped model records the temperature that calibrates its confidence");
        double ece = number(Files.readString(json), "\"ece\": ([0-9.]+)");
        assertTrue(ece <= CONFIDENCE_ECE_CEILING, "confidence ECE " + ece + " > ceiling " + CONFIDENCE_ECE_CEILING);
        assertTrue(miou >= HELD_OUT_FLOOR_PERCENT, "mIoU on 10 held-out frames " + miou + " % < floor "
                + HELD_OUT_FLOOR_PERCENT + " %");
    }

    @Test
    void theShippedModelGivesTheDistanceToTheCarAheadOnAnUnseenDriveUnderItsCeiling() throws Exception {
        Path json = dir.resolve("drive.json");
        Cli.Outcome o = Cli.run("eval", "--drive", "sim://town?seed=999&frames=30", "--model", "engines/roadseg.onnx",
                "--json", json.toString());
        assertEquals(0, o.exit(), o.stderr());
        String car = Files.readString(json).replaceFirst("(?s).*\"nearest_ahead\": \\{\"car\": (\\{[^}]*}).*", "$1");
        assertTrue(number(car, "\"frames\": ([0-9]+)") >= 27, "the car ahead measured in most frames: " + car);
        double absRel = number(car, "\"abs_rel\": ([0-9.]+)");
        assertTrue(absRel <= CAR_AHEAD_ABS_REL_CEILING, "car ahead AbsRel " + absRel + " > "
                + CAR_AHEAD_ABS_REL_CEILING);
    }

    @Test
    void camvidIsScoredAtItsLabelsResolutionWhateverSizeTheNetworkRunsAt() throws Exception {
        Path camvid = TestData.root().resolve("camvid");
        Assumptions.assumeTrue(Files.isDirectory(camvid.resolve("train")), camvid + " not present");
        double[] pixels = new double[2];
        String[] sizes = {"auto", "auto:640x480"};
        for (int i = 0; i < 2; i++) {
            Path json = dir.resolve("size" + i + ".json");
            Cli.Outcome o = Cli.run("eval", "--camvid", camvid.toString(), "--split", "train", "--sequence", "0006R0",
                    "--limit", "2", "--input-size", sizes[i], "--json", json.toString());
            assertEquals(0, o.exit(), o.stderr());
            assertTrue(o.stdout().contains("network at " + (i == 0 ? "480x352" : "640x480") + ", scored at 480x360"),
                    o.stdout());
            pixels[i] = number(Files.readString(json), "\"evaluated_pixels\": ([0-9]+)");
        }
        assertEquals(pixels[0], pixels[1], "the same labelled pixels at both sizes");
        assertTrue(pixels[0] > 0.9 * 2 * 480 * 360, "pixels " + pixels[0]);
    }

    @Test
    void theShippedModelsDepthOnRealFramesBeatsItsFloorAndTheConstantBaseline() throws Exception {
        Path depth = TestData.root().resolve("depth");
        Assumptions.assumeTrue(Files.isDirectory(depth), depth + " not present");
        Path json = dir.resolve("depth.json");
        Cli.Outcome o = Cli.run("eval", "--depth", depth.toString(), "--model", "engines/roadseg.onnx", "--json",
                json.toString(), "--by-class", "--calib-check", "--dump", dir.resolve("dump").toString());
        assertEquals(0, o.exit(), o.stderr());
        // --dump: one 2x2 picture per frame (KITTI's 752x224 input gives 1504x448)
        try (var files = Files.list(dir.resolve("dump"))) {
            assertEquals(31, files.filter(f -> f.toString().endsWith(".png")).count());
        }
        try (org.bytedeco.opencv.opencv_core.Mat png = org.bytedeco.opencv.global.opencv_imgcodecs.imread(
                dir.resolve("dump").resolve("kitti2015-000046-000046_10.png").toString())) {
            assertEquals(1504, png.cols());
            assertEquals(448, png.rows());
        }
        // --by-class: the road carries a large share of the scored pixels and the ground plane gets it right
        java.util.regex.Matcher road = java.util.regex.Pattern.compile("\nroad +([0-9.]+)% \\| +[0-9.]+ +[0-9.]+ "
                + "+[0-9.]+ \\| +([0-9.]+) ").matcher(o.stdout());
        assertTrue(road.find(), o.stdout());
        assertTrue(Double.parseDouble(road.group(1)) > 10, road.group());
        assertTrue(Double.parseDouble(road.group(2)) < 0.15, road.group());
        String text = Files.readString(json);
        String fused = text.substring(text.indexOf("\"fused\""));
        String fusedAll = fused.substring(fused.indexOf("\"all\""));
        double absRel = number(fusedAll, "\"metric\": \\{\"abs_rel\": ([0-9.]+)");
        double delta1 = number(fusedAll, "\"metric\": \\{[^}]*\"delta1\": ([0-9.]+)");
        double baseline = number(fusedAll, "\"constant_baseline\": \\{\"abs_rel\": ([0-9.]+)");
        assertTrue(absRel <= FUSED_ABS_REL_CEILING, "fused AbsRel " + absRel + " > " + FUSED_ABS_REL_CEILING);
        assertTrue(delta1 >= FUSED_DELTA1_FLOOR, "fused δ<1.25 " + delta1 + " < " + FUSED_DELTA1_FLOOR);
        assertTrue(absRel < baseline, "fused AbsRel " + absRel + " does not beat the constant baseline " + baseline);
        // --by-class oracles: the classes partition each frame's scored pixels, so what each class would gain if
        // exact adds up to the whole fused AbsRel (printed to 3 decimals: 0.0005 of rounding per class); the
        // "as is" line is the benchmark's figure; the road already takes the plane, so "→plane" leaves it as is
        java.util.regex.Matcher asIs = java.util.regex.Pattern.compile("fused metric AbsRel as is: ([0-9.]+) over 31 "
                + "frames").matcher(o.stdout());
        assertTrue(asIs.find(), o.stdout());
        double whole = Double.parseDouble(asIs.group(1));
        assertEquals(absRel, whole, 0.0006);
        java.util.regex.Matcher rows = java.util.regex.Pattern.compile("\n([a-z]+) +[0-9.]+% \\|[^|]+\\|[^|]+\\|"
                + "[^|]+\\| +([0-9.]+) +([0-9.]+) \\|").matcher(o.stdout());
        double gains = 0;
        int classes = 0;
        while (rows.find()) {
            double exact = Double.parseDouble(rows.group(2));
            assertTrue(exact <= whole + 0.0005, rows.group());
            gains += whole - exact;
            classes++;
            if (rows.group(1).equals("road")) {
                assertEquals(whole, Double.parseDouble(rows.group(3)), 0.0005, rows.group());
            }
        }
        assertTrue(classes >= 5, o.stdout());
        assertEquals(whole, gains, 0.0005 * classes + 0.0005, o.stdout());
        // --calib-check: the KITTI rig is 1.65 m up and level (KITTI's setup; the road in its LiDAR agrees), so the
        // plane fitted to the true depth of what the model calls road must say so
        java.util.regex.Matcher kitti = java.util.regex.Pattern.compile("\nkitti-metric3d-demo +3 \\|[^|]+\\| "
                + "([0-9.]+) \\([^)]*\\), ([-+0-9.]+) ").matcher(o.stdout());
        assertTrue(kitti.find(), o.stdout());
        assertEquals(1.65, Double.parseDouble(kitti.group(1)), 0.05, kitti.group());
        assertEquals(0, Double.parseDouble(kitti.group(2)), 0.5, kitti.group());
        // the oracles: each frame's fitted plane, and its fitted pitch alone at camera.json's height, both better than
        // camera.json's pitch (the mount's, against the vehicle; the road's differs by up to 1.8°)
        java.util.regex.Matcher oracles = java.util.regex.Pattern.compile("AbsRel ([0-9.]+) .*as calibrated; AbsRel "
                + "([0-9.]+) .*with each frame's fitted plane, AbsRel ([0-9.]+) .*with its fitted pitch at camera.json's "
                + "height \\(oracles").matcher(o.stdout());
        assertTrue(oracles.find(), o.stdout());
        double calibrated = Double.parseDouble(oracles.group(1));
        assertTrue(Double.parseDouble(oracles.group(2)) < calibrated, oracles.group());
        assertTrue(Double.parseDouble(oracles.group(3)) < calibrated, oracles.group());
    }
}
