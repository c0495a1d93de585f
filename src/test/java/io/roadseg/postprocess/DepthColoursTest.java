package io.roadseg.postprocess;

import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.SegmentationOutput;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The depth panel's colour scale keeps contrast where the road is (5–30 m), instead of one saturated red. */
class DepthColoursTest {
    @Test
    void logScaleSpreadsTheRoadOverTheColourMap() {
        ModelInfo model = new ModelInfo(Path.of("m.onnx"), 480, 352, List.of("a", "b"), new int[] {0, 0xffffff}, 255,
                new float[3], new float[] {1, 1, 1}, true, SegmentationOutput.LOGITS, 80f, 400, "test", Map.of());
        try (AnnotationRenderer r = new AnnotationRenderer(model)) {
            assertEquals(255, r.level(0.5), "nearer than 1 m: the warm end");
            assertEquals(255, r.level(1));
            assertEquals(0, r.level(80), "the far end");
            assertEquals(0, r.level(200));
            int previous = 256;
            for (double d : new double[] {2, 5, 10, 20, 40}) {
                int level = r.level(d);
                assertTrue(level < previous - 25, d + " m at level " + level + " after " + previous);
                previous = level;
            }
            // a linear map put 5..30 m into 64 levels; the log map gives the road more than half of them
            assertTrue(r.level(5) - r.level(30) > 100, (r.level(5) - r.level(30)) + " levels for 5–30 m");
        }
    }
}
