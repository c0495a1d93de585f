package io.roadseg.cli;

import io.roadseg.pipeline.Pipeline;
import io.roadseg.pipeline.PipelineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code run --calib} checks the calibration's pitch against the horizon the road's edges meet at. */
class CalibrationCheckTest {
    @TempDir
    Path dir;

    /** The CamVid camera at the model's 480x352: fy 400·352/360, cy 180·352/360 − 0.5, pitched 2° down. */
    private static final PipelineConfig.GroundPlane CAMVID = new PipelineConfig.GroundPlane(400 * 352 / 360.0,
            180 * 352 / 360.0 - 0.5, 1.4, 2.0);

    @Test
    void aHorizonWithinADegreeOfTheCalibrationsIsSilent() {
        double row = RunCommand.calibratedHorizon(CAMVID);
        assertEquals(175.5 - 391.111 * Math.tan(Math.toRadians(2)), row, 1e-3);
        assertEquals(2.0, RunCommand.pitchForHorizon(CAMVID, row), 1e-9);
        assertNull(RunCommand.horizonWarning(CAMVID, new Pipeline.RoadHorizon(250, row + 6)), "0.9° off");
        assertNull(RunCommand.horizonWarning(CAMVID, new Pipeline.RoadHorizon(24, row + 30)), "too few frames");
        assertNull(RunCommand.horizonWarning(null, new Pipeline.RoadHorizon(250, row + 30)), "no --calib");
        assertNull(RunCommand.horizonWarning(CAMVID, null), "no road read");
        String warning = RunCommand.horizonWarning(CAMVID, new Pipeline.RoadHorizon(250, 175.5 + 10));
        assertTrue(warning.contains("meet the horizon at row 185.5 of the model's input (median of 250 frames), the "
                + "calibration puts it at row 161.8: the camera looks pitched 1.5° up, not 2.0° down as pitch_deg "
                + "says, so its ground-plane distances are off (set pitch_deg to -1.5;"), warning);
        assertEquals("{\"frames\": 250, \"row\": 185.50, \"pitch_down_deg\": -1.465, \"calibration_row\": 161.84, "
                + "\"calibration_pitch_down_deg\": 2.000}",
                RunCommand.horizonJson(CAMVID, new Pipeline.RoadHorizon(250, 185.5)));
        assertEquals("{\"frames\": 9, \"row\": 160.00}",
                RunCommand.horizonJson(null, new Pipeline.RoadHorizon(9, 160)));
    }

    /** The shipped drive replayed with its own camera, then with one whose pitch says 6° instead of 2°. */
    @Test
    void aCalibrationWhosePitchTheRoadContradictsIsNamed() throws Exception {
        Path calibration = Path.of("recordings/town-drive/calibration.yaml");
        Path wrong = dir.resolve("wrong.yaml");
        Files.writeString(wrong, Files.readString(calibration).replaceAll("(?m)^pitch_deg: .*$", "pitch_deg: 6"));
        Path stats = dir.resolve("stats.json");
        Cli.Outcome right = Cli.run("run", "recordings/town-drive", "--frames", "40", "--calib", calibration.toString(),
                "--out", dir.resolve("right.mp4").toString(), "--stats", stats.toString(), "-q");
        assertEquals(0, right.exit(), right.stderr());
        assertFalse(right.stderr().contains("meet the horizon"), right.stderr());
        Matcher read = Pattern.compile("\"road_horizon\": \\{\"frames\": (\\d+), \"row\": [0-9.]+, \"pitch_down_deg\": "
                + "([-0-9.]+), \"calibration_row\": [0-9.]+, \"calibration_pitch_down_deg\": 2.000}")
                .matcher(Files.readString(stats));
        assertTrue(read.find(), Files.readString(stats));
        assertEquals(2.0, Double.parseDouble(read.group(2)), 0.3, "the pitch read from the road");
        assertTrue(Integer.parseInt(read.group(1)) >= 35, "frames read: " + read.group(1));

        Cli.Outcome off = Cli.run("run", "recordings/town-drive", "--frames", "40", "--calib", wrong.toString(),
                "--out", dir.resolve("off.mp4").toString(), "-q");
        assertEquals(0, off.exit(), off.stderr());
        Matcher line = Pattern.compile("calibration " + Pattern.quote(wrong.toString()) + ": the road's edges meet "
                + "the horizon at row [0-9.]+ of the model's input \\(median of \\d+ frames\\), the calibration "
                + "puts it at row [0-9.]+: the camera looks pitched ([0-9.]+)° down, not 6.0° down as pitch_deg says")
                .matcher(off.stderr());
        assertTrue(line.find(), off.stderr());
        assertEquals(2.0, Double.parseDouble(line.group(1)), 0.3);
    }
}
