package io.roadseg.sim;

import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceException;
import io.roadseg.source.SourceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
            "fx: 400|fx: -400|fx focal length must be in 24.0..24000.0 px for a 480 px wide image, got -400",
            "fx: 400|fx: 1e30|fx focal length must be in 24.0..24000.0 px for a 480 px wide image, got 1.0E30",
            "mount_height_m: 1.4|mount_height_m: 500|mount_height_m camera must be above the road, at most 50 m",
            "mount_height_m: 1.4|mount_height_m: -0.5|mount_height_m camera must be above the road",
            "cx: 240|cx: 900|cx principal point must lie inside the image",
            "pitch_deg: 2|pitch_deg: 60|pitch_deg must be within ±45°",
            "width: 480|width: wide|field 'width' is not a number",
            "fy: 400|lens: 3|unknown field 'lens'",
            "cy: 180|cy 180|line 8 is not 'key: value'",
            "height: 360|# no height|required field 'height' is missing",
            "width: 480|width: 8|width must be in 16..8192, got 8",
            "height: 360|height: 9000|height must be in 16..8192, got 9000",
            "width: 480|width: 1e12|width must be in 16..8192, got 1e12",
            "width: 480|width: 480.5|field 'width' must be a whole number",
            "fy: 400|fy: 0|fy focal length must be in 18.0..24000.0 px for this image, got 0",
            "cy: 180|cy: 361|cy principal point must lie inside the image (0..360)",
            "mount_height_m: 1.4|mount_height_m: 0|mount_height_m camera must be above the road",
            "pitch_deg: 2|pitch_deg: -45|pitch_deg must be within ±45°",
            "pitch_deg: 2|pitch_deg: 2\\nroll_deg: 45.5|roll_deg must be within ±45°",
            "fx: 400|fx: 400\\nfx: 500|field 'fx' given twice",
            "fx: 400|fx: NaN|field 'fx' is not a number",
            "pitch_deg: 2|pitch_deg: 2\\nk1: -0.9|k1 and k2 (-0.9, 0.0) make a lens that folds back at a normalised "
                    + "radius of 0.41, inside the picture, whose corners lie at 0.75: not a lens",
            "pitch_deg: 2|pitch_deg: 2\\nk1: 0.3\\nk2: -1.0|k1 and k2 (0.3, -1.0) make a lens that folds back"})
    void aBrokenRuleIsNamed(String good, String bad, String message) throws IOException {
        Path file = Files.writeString(dir.resolve("bad.yaml"), GOOD.replace(good, bad.replace("\\n", "\n")));
        IOException e = assertThrows(IOException.class, () -> CameraCalibration.read(file));
        assertTrue(e.getMessage().startsWith("calibration " + file), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    /** A camera.json as {@code eval --depth} reads it is a calibration too (pixel centres moved to +0.5). */
    @Test
    void aCameraJsonIsACalibration() throws IOException {
        Path scene = Files.createDirectories(dir.resolve("kitti-scene"));
        CameraCalibration c = CameraCalibration.read(Files.writeString(scene.resolve("camera.json"), "{\n"
                + "  \"fx\": 721.5377, \"fy\": 721.5377, \"cx\": 609.5593, \"cy\": 172.854,\n"
                + "  \"width\": 1242, \"height\": 375, \"camera_height_m\": 1.65,\n"
                + "  \"optical_axis_pitch_down_deg\": 0.5, \"source\": \"KITTI\"\n}\n"));
        assertEquals(new CameraCalibration("kitti-scene", 1242, 375, 721.5377, 721.5377, 610.0593, 173.354, 0, 0, 0,
                0, 1.65, 0.5, 0), c);
        Path noHeight = Files.writeString(dir.resolve("cam.json"), "{\"fx\": 700, \"fy\": 700, \"cx\": 480, "
                + "\"cy\": 270, \"width\": 960, \"height\": 540}");
        IOException e = assertThrows(IOException.class, () -> CameraCalibration.read(noHeight));
        assertTrue(e.getMessage().startsWith("camera " + noHeight + ": missing 'camera_height_m'"), e.getMessage());
        Path badFocal = Files.writeString(dir.resolve("bad.json"), "{\"fx\": -700, \"fy\": 700, \"cx\": 480, "
                + "\"cy\": 270, \"width\": 960, \"height\": 540, \"camera_height_m\": 1.3}");
        e = assertThrows(IOException.class, () -> CameraCalibration.read(badFocal));
        assertEquals("camera " + badFocal + ": fx = -700.0 must be positive", e.getMessage());
    }

    @Test
    void aMissingCalibrationFileIsNamed() {
        IOException e = assertThrows(IOException.class, () -> CameraCalibration.read(dir.resolve("none.yaml")));
        assertTrue(e.getMessage().contains("none.yaml") && e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void anUnreadableCalibrationIsNamed() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("calib.yaml"));
        IOException e = assertThrows(IOException.class, () -> CameraCalibration.read(folder));
        assertTrue(e.getMessage().startsWith("calibration " + folder + ": cannot read"), e.getMessage());
    }

    @Test
    void theHorizonRowFollowsThePitch() {
        CameraCalibration level = new CameraCalibration("t", 480, 360, 400, 400, 240, 180, 0, 0, 0, 0, 1.4, 0, 0);
        assertEquals(180, level.horizonRow(), 1e-12);
        CameraCalibration down = new CameraCalibration("t", 480, 360, 400, 400, 240, 180, 0, 0, 0, 0, 1.4, 5, 0);
        assertEquals(180 - 400 * Math.tan(Math.toRadians(5)), down.horizonRow(), 1e-9);
        // the ray through the horizon row is level: it never meets the road
        double[] ray = new double[3];
        down.rayInRoadFrame(100, down.horizonRow(), ray);
        assertEquals(0, ray[1], 1e-12);
        assertEquals(1, ray[2] * Math.cos(Math.toRadians(5)), 1e-12, "depth component");
    }

    @Test
    void aRayHasUnitDepthAlongTheOpticalAxis() {
        CameraCalibration c = new CameraCalibration("t", 480, 360, 400, 380, 250, 170, 0, 0, 0, 0, 1.4, 3, 7);
        double[] ray = new double[3];
        c.rayInRoadFrame(400.5, 20.5, ray);
        // the optical axis in the road frame: pitched down by 3° (roll does not move it)
        double p = Math.toRadians(3);
        assertEquals(1, ray[1] * -Math.sin(p) + ray[2] * Math.cos(p), 1e-12);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "sim://town?frames=4294967297|frames must be in 1..1000000, got 4294967297",
            "sim://town?fps=fast|parameter 'fps' must be a number, got 'fast'",
            "sim://town?fps=NaN|fps must be in 1..240",
            "sim://town?seed=1&seed=2|parameter 'seed' given twice",
            "sim://town?seed|parameter 'seed' is not name=value",
            "sim://town?calib=%zz|parameter 'calib' has a broken %-escape",
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
    void aSimUriIsASourceWithTheRenderersFramesAndGroundTruth() throws Exception {
        try (var s = FrameSources.open("sim://town?seed=2&frames=5&fps=10&speed=50", SourceOptions.defaults())) {
            assertTrue(s.hasGroundTruth());
            assertEquals(5, s.info().frameCount());
            assertEquals(10, s.info().fps());
            assertEquals(false, s.info().live());
            SimDrive drive = new SimDrive("town", 2, 5, 10, 50,
                    CameraCalibration.read(Path.of(SimSource.DEFAULT_CALIBRATION)));
            TownScene town = drive.buildScene();
            RoadSceneRenderer renderer = new RoadSceneRenderer(drive.camera());
            int n = drive.camera().width() * drive.camera().height();
            byte[] bgr = new byte[3 * n];
            byte[] ids = new byte[n];
            float[] depth = new float[n];
            ByteBuffer pixels = ByteBuffer.allocateDirect(3 * n);
            ByteBuffer truthIds = ByteBuffer.allocateDirect(n);
            FloatBuffer truthDepth = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int f = 0; f < 5; f++) {
                assertEquals(f * 100_000L, s.read(pixels), "timestamp of frame " + f);
                s.readGroundTruth(truthIds, truthDepth);
                drive.render(town, renderer, f, bgr, ids, depth);
                byte[] got = new byte[3 * n];
                pixels.get(0, got);
                assertArrayEquals(bgr, got, "image of frame " + f);
                byte[] gotIds = new byte[n];
                truthIds.get(0, gotIds);
                assertArrayEquals(ids, gotIds, "labels of frame " + f);
                float[] gotDepth = new float[n];
                truthDepth.get(0, gotDepth);
                assertArrayEquals(depth, gotDepth, "depth of frame " + f);
            }
            assertEquals(FrameSource.END_OF_STREAM, s.read(pixels));
        }
    }
}
