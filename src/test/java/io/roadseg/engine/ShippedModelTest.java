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
 * The model in engines/ really segments: on the first 10 CamVid val frames, through the CPU engine, its mean IoU
 * stays above a floor derived from the full-val figure in engines/roadseg.md (a broken or swapped model fails).
 */
class ShippedModelTest {
    /** mIoU of the shipped model on the first 10 val frames when it was shipped (55.90 %), less about 4 points. */
    static final double FLOOR_PERCENT = 52.0; // 55.90 % measured when shipped

    @TempDir
    Path dir;

    @Test
    void theShippedModelSegmentsCamVidAboveItsFloor() throws Exception {
        Path camvid = TestData.root().resolve("camvid");
        Assumptions.assumeTrue(Files.isDirectory(camvid.resolve("val")), camvid + " not present");
        Path json = dir.resolve("eval.json");
        Cli.Outcome o = Cli.run("eval", "--camvid", camvid.toString(), "--limit", "10", "--model",
                "engines/roadseg.onnx", "--json", json.toString());
        assertEquals(0, o.exit(), o.stderr());
        Matcher m = Pattern.compile("\"mean_iou\": ([0-9.]+)").matcher(Files.readString(json));
        assertTrue(m.find());
        double miou = 100 * Double.parseDouble(m.group(1));
        assertTrue(miou >= FLOOR_PERCENT, "mIoU on 10 val frames " + miou + " % < floor " + FLOOR_PERCENT + " %");
    }
}
