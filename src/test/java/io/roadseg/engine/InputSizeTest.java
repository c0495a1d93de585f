package io.roadseg.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The input size rule: the camera's aspect, the trained pixel count, multiples of the stride. */
class InputSizeTest {
    private static final InputSize TRAINED = new InputSize(480, 352);

    @Test
    void aFourThirdsCameraRunsAtTheTrainedSize() {
        assertEquals(new InputSize(480, 352), InputSize.forSource(480, 360, TRAINED, 16));
        assertEquals(new InputSize(480, 352), InputSize.forSource(960, 720, TRAINED, 16));
    }

    @Test
    void wideCamerasKeepTheirAspectAndAboutThePixelCount() {
        for (int[] wh : new int[][] {{960, 540}, {1280, 720}, {1242, 375}, {1936, 1216}, {640, 480}, {1920, 1080}}) {
            InputSize s = InputSize.forSource(wh[0], wh[1], TRAINED, 16);
            assertEquals(0, s.width() % 16, s.toString());
            assertEquals(0, s.height() % 16, s.toString());
            double aspectError = Math.abs(Math.log((double) s.width() / s.height() * wh[1] / wh[0]));
            assertTrue(aspectError < 0.05, wh[0] + "x" + wh[1] + " → " + s + ": aspect off by " + aspectError);
            double pixels = (double) s.width() * s.height() / (480 * 352);
            assertTrue(pixels > 0.85 && pixels <= 1.03, wh[0] + "x" + wh[1] + " → " + s + ": " + pixels);
        }
        assertEquals(new InputSize(544, 304), InputSize.forSource(1280, 720, TRAINED, 16));
    }

    @Test
    void aSizeThatIsNotAMultipleOfTheStrideIsRefusedWithTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InputSize.parse("500x352", 16));
        assertTrue(e.getMessage().contains("multiples of the model's stride 16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InputSize.parse("wide", 16));
        assertEquals(new InputSize(544, 304), InputSize.parse("544x304", 16));
    }
}
