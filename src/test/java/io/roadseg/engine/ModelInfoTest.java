package io.roadseg.engine;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelInfoTest {
    private static ModelInfo described(String description) {
        return new ModelInfo(Path.of("engines/m.onnx"), 480, 352, List.of("a", "b"), new int[] {0, 0xffffff}, 255,
                new float[3], new float[] {1, 1, 1}, true, SegmentationOutput.LOGITS, 80f, 400, description,
                Map.of());
    }

    /** A weight average's provenance names every run (over 1,500 characters for six): the banner line cuts it. */
    @Test
    void theBannerShowsAShortDescriptionWholeAndCutsALongOneAtAWord() {
        assertEquals("trained by roadseg train", described("trained by roadseg train").shortDescription());
        String run = "run-s16.ckpt (trained by scripts/gpu_train.py: step 3000 of 3000, seed 16); ";
        String longText = "uniform average of the weights of 6 runs restarted from soup.ckpt: " + run.repeat(6);
        ModelInfo info = described(longText);
        String shown = info.shortDescription();
        assertTrue(shown.length() < 220, shown);
        assertTrue(shown.startsWith("uniform average of the weights of 6 runs restarted from soup.ckpt: run-s16.ckpt"),
                shown);
        assertTrue(shown.endsWith(" … (roadseg info engines/m.onnx prints it whole)"), shown);
        String kept = shown.substring(0, shown.indexOf(" … "));
        assertTrue(longText.startsWith(kept + " "), "cut at a word: " + kept);
        assertTrue(info.toString().contains(shown) && !info.toString().contains(longText), info.toString());
        assertEquals(longText, info.description(), "the record keeps it whole");
    }
}
