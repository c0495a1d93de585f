package io.roadseg.sim;

import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceException;
import io.roadseg.source.SourceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calibration files and sim:// URIs: bad input gets one line naming the field or parameter and the rule. */
class SimInputsTest {
    @TempDir
    Path dir;

    private static final String GOOD = """
            # a camera
            name: test
            width: 480
            height: 360
            fx: 400
            fy: 400
            cx: 240
            cy: 180
            mount_height_m: 1.4
            pitch_deg: 2
            """;

    @Test
    void theShippedCalibrationsAreValid() throws IOException {
        CameraCalibration camvid = CameraCalibration.read(Path.of("calibration/camvid-480x360.yaml"));
        assertEquals(480, camvid.width());
        assertEquals(360, camvid.height());
        CameraCalibration dash = CameraCalibration.read(Path.of("calibration/dashcam-960x540.yaml"));
        assertEquals(960, dash.width());
    }

    @Test
    void aCalibrationRoundTripsThroughItsText() throws IOException {
        CameraCalibration c = CameraCalibration.read(Files.writeString(dir.resolve("c.yaml"), GOOD));
        assertEquals(c, CameraCalibration.read(Files.writeString(dir.resolve("d.yaml"), c.toText())));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "fx: 400|fx: -400|fx focal length must be positive",
            "mount_height_m: 1.4|mount_height_m: -0.5|mount_height_m camera must be above the road",
            "cx: 240|cx: 900|cx principal point must lie inside the image",
            "pitch_deg: 2|pitch_deg: 60|pitch_deg must be within ±45°",
            "width: 480|width: wide|field 'width' is not a number",
            "fy: 400|lens: 3|unknown field 'lens'",
            "cy: 180|cy 180|line 8 is not 'key: value'",
            "height: 360|# no height|required field 'height' is missing"})
    void aBrokenRuleIsNamed(String good, String bad, String message) throws IOException {
        Path file = Files.writeString(dir.resolve("bad.yaml"), GOOD.replace(good, bad));
        IOException e = assertThrows(IOException.class, () -> CameraCalibration.read(file));
        assertTrue(e.getMessage().startsWith("calibration " + file), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aMissingCalibrationFileIsNamed() {
        IOException e = assertThrows(IOException.class, () -> CameraCalibration.read(dir.resolve("none.yaml")));
        assertTrue(e.getMessage().contains("none.yaml") && e.getMessage().contains("not found"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "sim://town?seed=1&colour=red|unknown parameter 'colour'",
            "sim://town?frames=0|frames must be in 1..1000000",
            "sim://town?fps=1000|fps must be in 1..240",
            "sim://town?speed=-3|speed must be in 0..200",
            "sim://town?seed=abc|parameter 'seed' must be a whole number",
            "sim://city|scene 'city' is unknown",
            "sim://town?calib=nowhere.yaml|nowhere.yaml: file not found"})
    void aBadSimUriNamesTheParameter(String uri, String message) {
        SourceException e = assertThrows(SourceException.class, () -> FrameSources.open(uri,
                SourceOptions.defaults()));
        assertTrue(e.getMessage().startsWith("input " + uri), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aSimUriIsASourceWithGroundTruth() throws Exception {
        try (var s = FrameSources.open("sim://town?seed=2&frames=5&fps=10", SourceOptions.defaults())) {
            assertTrue(s.hasGroundTruth());
            assertEquals(5, s.info().frameCount());
            assertEquals(10, s.info().fps());
        }
    }
}
