package io.roadseg.cli;

import io.roadseg.ros.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run --calib} with a calibration that gives lens distortion and roll: a synthetic drive rendered through that
 * very lens, scored against its exact truth. Undone before the network, the ground-plane depth holds as for a level
 * pinhole camera; left in the picture ({@code --no-rectify}, what every run did before 2026-11-28), the flat road's
 * depth by row is wrong away from the picture's middle.
 */
class RectifiedRunTest {
    @TempDir
    Path dir;

    @Test
    void aCalibratedLensIsUndoneAndTheGroundPlaneHolds() throws Exception {
        Path calib = dir.resolve("wide.yaml");
        // a wide dash camera with barrel distortion, mounted rolled 4°
        Files.writeString(calib, String.join("\n", "name: wide", "width: 320", "height: 192", "fx: 170", "fy: 170",
                "cx: 160", "cy: 96", "k1: -0.30", "k2: 0.08", "mount_height_m: 1.4", "pitch_deg: 2.0",
                "roll_deg: 4", ""));
        String drive = "sim://town?seed=1001&frames=40&calib=" + calib;
        Path rectified = dir.resolve("rectified.json");
        Cli.Outcome r = Cli.run("run", drive, "--calib", calib.toString(), "--stats", rectified.toString(), "-q");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("picture rectified: the calibration's k1 -0.300, k2 0.080, roll 4.0° undone"),
                r.stderr());
        Path asGiven = dir.resolve("as-given.json");
        Cli.Outcome g = Cli.run("run", drive, "--calib", calib.toString(), "--no-rectify", "--stats",
                asGiven.toString(), "-q");
        assertEquals(0, g.exit(), g.stderr());
        assertFalse(g.stderr().contains("picture rectified"), g.stderr());
        Object model = Json.at(Json.parse(Files.readString(rectified)), "camera_model");
        assertEquals("calibration " + calib, Json.at(model, "from"));
        assertEquals("k1 -0.300, k2 0.080, roll 4.0°", Json.at(model, "rectified"));
        assertEquals(1.4, (Double) Json.at(model, "ground_plane", "height_m"), 1e-9);
        assertEquals(null, Json.at(Json.parse(Files.readString(asGiven)), "camera_model", "rectified"));
        double absRel = depthAbsRel(rectified);
        double absRelAsGiven = depthAbsRel(asGiven);
        // measured 2026-11-28 on 150 frames at 640x360: 0.059 rectified, 0.41 as given, 0.056 for a pinhole camera
        assertTrue(absRel < 0.10, "rectified: depth AbsRel " + absRel);
        assertTrue(absRelAsGiven > 2 * absRel, "as given: depth AbsRel " + absRelAsGiven + " against " + absRel);
        double miou = (Double) Json.at(Json.parse(Files.readString(rectified)), "accuracy", "mean_iou");
        double miouAsGiven = (Double) Json.at(Json.parse(Files.readString(asGiven)), "accuracy", "mean_iou");
        assertTrue(miou > miouAsGiven - 0.01, "classes no worse rectified: " + miou + " against " + miouAsGiven);
    }

    /**
     * A fisheye (the equidistant model) stated as ROS's {@code camera_calibration} writes it, with roadseg's mount
     * keys beside: the run takes the very camera the simulator rendered through (its flat file), frame by frame the
     * same figures, and the ground plane holds once the fisheye is undone.
     */
    @Test
    void aFisheyeFromARosCalibrationIsUndone() throws Exception {
        Path flat = Files.writeString(dir.resolve("fisheye.yaml"), String.join("\n", "name: fisheye", "width: 320",
                "height: 192", "fx: 150", "fy: 150", "cx: 160", "cy: 96", "distortion_model: equidistant",
                "k1: 0.03", "k2: -0.01", "mount_height_m: 1.4", "pitch_deg: 2.0", ""));
        // ROS puts pixel centres at integers: the principal point 0.5 less
        Path ros = Files.writeString(dir.resolve("ost.yaml"), """
                image_width: 320
                image_height: 192
                camera_name: fisheye
                camera_matrix:
                  rows: 3
                  cols: 3
                  data: [150., 0., 159.5, 0., 150., 95.5, 0., 0., 1.]
                distortion_model: equidistant
                distortion_coefficients:
                  rows: 1
                  cols: 4
                  data: [0.03, -0.01, 0., 0.]
                rectification_matrix:
                  rows: 3
                  cols: 3
                  data: [1., 0., 0., 0., 1., 0., 0., 0., 1.]
                projection_matrix:
                  rows: 3
                  cols: 4
                  data: [150., 0., 159.5, 0., 0., 150., 95.5, 0., 0., 0., 1., 0.]
                mount_height_m: 1.4
                pitch_deg: 2.0
                """);
        String drive = "sim://town?seed=1001&frames=30&calib=" + flat;
        Path fromRos = dir.resolve("ros.json");
        Cli.Outcome r = Cli.run("run", drive, "--calib", ros.toString(), "--stats", fromRos.toString(), "-q");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("picture rectified: the calibration's equidistant k1 0.030, k2 -0.010 undone"),
                r.stderr());
        Path fromFlat = dir.resolve("flat.json");
        Cli.Outcome f = Cli.run("run", drive, "--calib", flat.toString(), "--stats", fromFlat.toString(), "-q");
        assertEquals(0, f.exit(), f.stderr());
        Path asGiven = dir.resolve("as-given.json");
        Cli.Outcome g = Cli.run("run", drive, "--calib", ros.toString(), "--no-rectify", "--stats",
                asGiven.toString(), "-q");
        assertEquals(0, g.exit(), g.stderr());
        Object rosStats = Json.parse(Files.readString(fromRos));
        Object flatStats = Json.parse(Files.readString(fromFlat));
        assertEquals(Json.at(flatStats, "accuracy", "mean_iou"), Json.at(rosStats, "accuracy", "mean_iou"));
        assertEquals(depthAbsRel(fromFlat), depthAbsRel(fromRos));
        assertEquals(Json.at(flatStats, "camera_model", "cx"), Json.at(rosStats, "camera_model", "cx"));
        double absRel = depthAbsRel(fromRos);
        double absRelAsGiven = depthAbsRel(asGiven);
        assertTrue(absRel < 0.10, "rectified: depth AbsRel " + absRel);
        assertTrue(absRelAsGiven > 2 * absRel, "as given: depth AbsRel " + absRelAsGiven + " against " + absRel);
    }

    private static double depthAbsRel(Path stats) throws Exception {
        return (Double) Json.at(Json.parse(Files.readString(stats)), "accuracy", "depth", "abs_rel");
    }
}
