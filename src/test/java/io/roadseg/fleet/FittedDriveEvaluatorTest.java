package io.roadseg.fleet;

import io.roadseg.TestData;
import io.roadseg.cli.Cli;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InputSize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives of two kinds of camera, 4:3 and 16:9 (real recordings written by {@code roadseg sim}), each scored at the
 * input size {@code run} gives its camera, through the real CPU runtime.
 */
class FittedDriveEvaluatorTest {
    @TempDir
    Path dir;

    @Test
    void eachDriveRunsAtItsCamerasAspectAndSizesShareEngines() throws Exception {
        Path model = TestData.smallModel(dir); // 240x176
        String[][] drives = {{"four-thirds", "calibration/camvid-480x360.yaml"},
                {"wide", "calibration/dashcam-960x540.yaml"}, {"four-thirds-2", "calibration/camvid-480x360.yaml"}};
        for (String[] d : drives) {
            Cli.Outcome o = Cli.run("sim", "--seed", "3", "--frames", "2", "--calib", d[1], "--out",
                    dir.resolve(d[0]).toString());
            assertEquals(0, o.exit(), o.stderr());
        }
        List<String> log = new ArrayList<>();
        try (FittedDriveEvaluator e = new FittedDriveEvaluator("cpu", model, new EngineOptions(1), log::add)) {
            List<InputSize> sizes = new ArrayList<>();
            for (String[] d : drives) {
                DriveResult r = e.evaluate(dir.resolve(d[0]).toString(), 0);
                assertTrue(r.ok(), r.toString());
                assertEquals(2, r.frames());
                sizes.add(new InputSize(e.model().inputWidth(), e.model().inputHeight()));
            }
            assertEquals(new InputSize(240, 176), sizes.get(0), "4:3 at the model's own size");
            InputSize wide = sizes.get(1);
            assertEquals(16.0 / 9, (double) wide.width() / wide.height(), 0.1, "16:9 kept: " + wide);
            assertEquals(sizes.get(0), sizes.get(2));
            assertEquals(2, log.size(), "one engine per input size: " + log);
            DriveResult missing = e.evaluate(dir.resolve("nothing-here").toString(), 0);
            assertFalse(missing.ok());
        }
        // a fixed size runs every drive at it
        try (FittedDriveEvaluator e = new FittedDriveEvaluator("cpu", model,
                new EngineOptions(1).withInputSize(new InputSize(320, 240)), s -> { })) {
            assertTrue(e.evaluate(dir.resolve("wide").toString(), 0).ok());
            assertEquals(320, e.model().inputWidth());
            assertEquals(240, e.model().inputHeight());
        }
    }
}
