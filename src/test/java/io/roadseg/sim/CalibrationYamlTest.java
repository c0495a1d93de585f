package io.roadseg.sim;

import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.opencv_core.FileStorage;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.TermCriteria;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.bytedeco.opencv.global.opencv_calib3d.fisheyeUndistortPoints;
import static org.bytedeco.opencv.global.opencv_calib3d.undistortPointsIter;
import static org.bytedeco.opencv.global.opencv_core.CV_64FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_64FC2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Calibrations as ROS's {@code camera_calibration}, OpenCV's {@code FileStorage} (written here by OpenCV itself) and
 * Kalibr write them; the lens models they give (Brown–Conrady with k3, the equidistant fisheye) against OpenCV's own
 * {@code undistortPoints}; bad files get one line naming the field.
 */
class CalibrationYamlTest {
    @TempDir
    Path dir;

    /** What ROS 2's {@code camera_calibration} writes as {@code ost.yaml} (its layout, a made-up wide camera). */
    private static final String ROS = """
            image_width: 1280
            image_height: 720
            camera_name: front_wide
            camera_matrix:
              rows: 3
              cols: 3
              data: [700.5, 0., 639.5, 0., 701.25, 359.5, 0., 0., 1.]
            distortion_model: plumb_bob
            distortion_coefficients:
              rows: 1
              cols: 5
              data: [-0.28, 0.071, 0.0012, -0.0008, -0.0065]
            rectification_matrix:
              rows: 3
              cols: 3
              data: [1., 0., 0., 0., 1., 0., 0., 0., 1.]
            projection_matrix:
              rows: 3
              cols: 4
              data: [540.2, 0., 640.1, 0., 0., 600.3, 360.2, 0., 0., 0., 1., 0.]
            """;

    private CameraCalibration read(String name, String text) throws IOException {
        return CameraCalibration.read(Files.writeString(dir.resolve(name), text));
    }

    @Test
    void aRosCalibrationGivesItsCameraAndLensButNoMount() throws IOException {
        CameraCalibration c = read("ost.yaml", ROS);
        assertEquals("front_wide", c.name());
        assertEquals(1280, c.width());
        assertEquals(720, c.height());
        assertEquals(700.5, c.fx());
        assertEquals(701.25, c.fy());
        assertEquals(640.0, c.cx(), 1e-12, "ROS's pixel centres are at integers, roadseg's at +0.5");
        assertEquals(360.0, c.cy(), 1e-12);
        assertEquals(-0.28, c.k1());
        assertEquals(0.071, c.k2());
        assertEquals(0.0012, c.p1());
        assertEquals(-0.0008, c.p2());
        assertEquals(-0.0065, c.k3());
        assertFalse(c.fisheye());
        assertFalse(c.hasMount());
        IOException e = assertThrows(IOException.class, () -> CameraCalibration.readForRendering(dir.resolve("ost.yaml")));
        assertTrue(e.getMessage().startsWith("calibration " + dir.resolve("ost.yaml") + ": gives no mount_height_m"),
                e.getMessage());
    }

    @Test
    void theMountMayBeAddedBesideTheRosFields() throws IOException {
        CameraCalibration c = read("mounted.yaml", ROS + "mount_height_m: 1.45\npitch_deg: 1.5\nroll_deg: -0.7\n");
        assertTrue(c.hasMount());
        assertEquals(1.45, c.mountHeightM());
        assertEquals(1.5, c.pitchDeg());
        assertEquals(-0.7, c.rollDeg());
        // the flat file it makes reads back as the same camera
        assertEquals(c, read("flat.yaml", c.toText()));
    }

    @Test
    void aRosFisheyeAndARationalModelWithoutItsTerms() throws IOException {
        CameraCalibration f = read("fisheye.yaml", ROS.replace("plumb_bob", "equidistant").replace("cols: 5",
                "cols: 4").replace("[-0.28, 0.071, 0.0012, -0.0008, -0.0065]", "[0.012, -0.004, 0.0006, -0.0001]")
                + "mount_height_m: 2.1\npitch_deg: 8\n");
        assertTrue(f.fisheye());
        assertEquals(0.012, f.k1());
        assertEquals(-0.004, f.k2());
        assertEquals(0.0006, f.k3());
        assertEquals(-0.0001, f.k4());
        assertEquals(f, read("fisheye-flat.yaml", f.toText()));
        CameraCalibration r = read("rational.yaml", ROS.replace("plumb_bob", "rational_polynomial")
                .replace("cols: 5", "cols: 8").replace("-0.0065]", "-0.0065, -0.05, 0.01, 0.0003]")
                + "mount_height_m: 1.2\npitch_deg: 0\n");
        assertEquals(-0.0065, r.k3());
        assertEquals(-0.05, r.k4());
        assertEquals(0.01, r.k5());
        assertEquals(0.0003, r.k6());
        assertTrue(r.isRational());
        assertEquals(r, read("rational-flat.yaml", r.toText()));
        IOException e = assertThrows(IOException.class, () -> read("prism.yaml", ROS.replace("cols: 5", "cols: 12")
                .replace("-0.0065]", "-0.0065, 0, 0, 0, 0.1, 0, 0, 0]")));
        assertEquals("calibration " + dir.resolve("prism.yaml") + ": distortion_coefficients gives s1 = 0.1: "
                + "roadseg undoes Brown–Conrady's k1 k2 p1 p2 k3 and the rational model's k4 k5 k6, not the "
                + "thin-prism or tilted model's further terms", e.getMessage());
    }

    /** OpenCV writes the file itself (its {@code FileStorage}: {@code %YAML:1.0}, {@code !!opencv-matrix} nodes). */
    @Test
    void anOpenCvFileStorageCalibrationAsOpenCvWritesIt() throws IOException {
        Path file = writeWithOpenCv("camera.yml", 640, 480, new double[] {536.07, 0, 342.37, 0, 536.02, 235.54, 0, 0,
                1}, new double[] {-0.265, -0.0467, 0.00183, -0.00031, 0.252}, false);
        String text = Files.readString(file);
        assertTrue(text.startsWith("%YAML:1.0") && text.contains("!!opencv-matrix"), text);
        CameraCalibration c = CameraCalibration.read(file);
        assertEquals(536.07, c.fx(), 1e-12);
        assertEquals(342.87, c.cx(), 1e-12);
        assertEquals(235.54 + 0.5, c.cy(), 1e-12);
        assertEquals(-0.265, c.k1(), 1e-12);
        assertEquals(0.252, c.k3(), 1e-12);
        assertEquals("camera", c.name());
        CameraCalibration f = CameraCalibration.read(writeWithOpenCv("fisheye.yml", 1280, 720, new double[] {380, 0,
                639.5, 0, 380, 359.5, 0, 0, 1}, new double[] {0.05, -0.01, 0.002, -0.0003}, true));
        assertTrue(f.fisheye());
        assertEquals(0.05, f.k1(), 1e-12);
        assertEquals(-0.0003, f.k4(), 1e-12);
    }

    /** A calibration as OpenCV's calibration sample saves it, written by OpenCV's own {@code FileStorage}. */
    private Path writeWithOpenCv(String name, int width, int height, double[] k, double[] d, boolean fisheye) {
        Path file = dir.resolve(name);
        FileStorage fs = new FileStorage(file.toString(), FileStorage.WRITE);
        try (Mat km = matrix(3, 3, k); Mat dm = matrix(d.length, 1, d)) {
            fs.write("calibration_time", "Fri 27 Nov 2026 10:00:00");
            fs.write("image_width", width);
            fs.write("image_height", height);
            fs.write("camera_matrix", km);
            fs.write("distortion_coefficients", dm);
            fs.write("avg_reprojection_error", 0.392);
            if (fisheye) {
                fs.write("fisheye_model", 1);
            }
        } finally {
            fs.release();
            fs.close();
        }
        return file;
    }

    @Test
    void aKalibrCameraChainsFirstCamera() throws IOException {
        CameraCalibration c = read("camchain.yaml", """
                cam0:
                  cam_overlaps: [1]
                  camera_model: pinhole
                  distortion_coeffs: [-0.2847, 0.0745, -0.0003, 0.0001]
                  distortion_model: radtan
                  intrinsics: [458.654, 457.296, 367.215, 248.375]
                  resolution: [752, 480]
                  rostopic: /cam0/image_raw
                cam1:
                  camera_model: pinhole
                  distortion_coeffs: [0.1, 0.01, 0.001, 0.0001]
                  distortion_model: equidistant
                  intrinsics: [457.587, 456.134, 379.999, 255.238]
                  resolution: [752, 480]
                mount_height_m: 0.9
                pitch_deg: 0
                """);
        assertEquals("camchain-cam0", c.name());
        assertEquals(752, c.width());
        assertEquals(458.654, c.fx());
        assertEquals(367.715, c.cx(), 1e-12);
        assertEquals(-0.2847, c.k1());
        assertEquals(0.0001, c.p2());
        assertFalse(c.fisheye());
        assertEquals(0.9, c.mountHeightM());
    }

    /** {@code FILE#cam1}: another camera of the chain (the one whose topic is replayed); a name that is none is said. */
    @Test
    void anotherCameraOfAKalibrChainIsPickedByName() throws IOException {
        Path chain = Files.writeString(dir.resolve("chain.yaml"), """
                cam0:
                  camera_model: pinhole
                  distortion_coeffs: [-0.2847, 0.0745, -0.0003, 0.0001]
                  distortion_model: radtan
                  intrinsics: [458.654, 457.296, 367.215, 248.375]
                  resolution: [752, 480]
                cam1:
                  camera_model: pinhole
                  distortion_coeffs: [0.1, 0.01, 0.001, 0.0001]
                  distortion_model: equidistant
                  intrinsics: [457.587, 456.134, 379.999, 255.238]
                  resolution: [752, 480]
                """);
        CameraCalibration c = CameraCalibration.read(Path.of(chain + "#cam1"));
        assertEquals("chain-cam1", c.name());
        assertEquals(457.587, c.fx());
        assertEquals(380.499, c.cx(), 1e-12);
        assertTrue(c.fisheye());
        assertEquals(0.1, c.k1());
        assertEquals("chain-cam0", CameraCalibration.read(Path.of(chain + "#cam0")).name());
        IOException none = assertThrows(IOException.class, () -> CameraCalibration.read(Path.of(chain + "#cam2")));
        assertEquals("calibration " + chain + ": has no camera cam2 (its cameras: cam0, cam1)", none.getMessage());
        Path ros = Files.writeString(dir.resolve("ost.yaml"), ROS);
        IOException one = assertThrows(IOException.class, () -> CameraCalibration.read(Path.of(ros + "#cam1")));
        assertEquals("calibration " + ros + ": '#cam1' picks a camera of a Kalibr chain, and this file calibrates one "
                + "camera ('#rectified': its rectified pictures' camera, from projection_matrix)", one.getMessage());
        IOException missing = assertThrows(IOException.class, () -> CameraCalibration.read(dir.resolve("x.yaml#cam1")));
        assertEquals("calibration " + dir.resolve("x.yaml") + ": file not found", missing.getMessage());
    }

    /**
     * {@code FILE#rectified}: the camera of the pictures {@code image_proc} rectified with a ROS file — the projection
     * matrix's intrinsics, no lens (K and the lens would undo it a second time); a file without P, a Kalibr chain
     * (which has none) or a P that is not a pinhole projection is said.
     */
    @Test
    void theRectifiedPicturesCameraIsTheProjectionMatrixs() throws IOException {
        Path ros = Files.writeString(dir.resolve("ost.yaml"), ROS + "mount_height_m: 1.5\npitch_deg: 2\n");
        CameraCalibration c = CameraCalibration.read(Path.of(ros + "#rectified"));
        assertEquals(540.2, c.fx());
        assertEquals(600.3, c.fy());
        assertEquals(640.6, c.cx(), 1e-12);
        assertEquals(360.7, c.cy(), 1e-12);
        assertEquals(1280, c.width());
        assertFalse(c.distortion().any());
        assertFalse(c.fisheye());
        assertEquals(1.5, c.mountHeightM());
        assertEquals(700.5, CameraCalibration.read(ros).fx(), "the raw pictures' camera: K");
        Path flat = Files.writeString(dir.resolve("flat.yaml"), c.toText());
        IOException notRos = assertThrows(IOException.class, () -> CameraCalibration.read(Path.of(flat + "#rectified")));
        assertEquals("calibration " + flat + ": '#rectified' picks a camera of a Kalibr chain or a ROS file's "
                + "rectified one, and this file is neither", notRos.getMessage());
        Path noP = Files.writeString(dir.resolve("nop.yaml"), ROS.substring(0, ROS.indexOf("rectification_matrix")));
        IOException none = assertThrows(IOException.class, () -> CameraCalibration.read(Path.of(noP + "#rectified")));
        assertEquals("calibration " + noP + ": has no projection_matrix, which '#rectified' takes the rectified "
                + "pictures' camera from (a ROS camera_calibration file has one)", none.getMessage());
        Path bad = Files.writeString(dir.resolve("bad.yaml"), ROS.replace("0., 0., 1., 0.]", "0., 0., 2., 0.]"));
        IOException shape = assertThrows(IOException.class, () -> CameraCalibration.read(Path.of(bad + "#rectified")));
        assertTrue(shape.getMessage().startsWith("calibration " + bad + ": projection_matrix is not a pinhole "
                + "projection"), shape.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "data: [700.5, 0., 639.5, 0., 701.25, 359.5, 0., 0., 1.]|data: [700.5, 0., 639.5, 0., 701.25, 359.5]"
                    + "|camera_matrix.data has 6 numbers, not rows × cols = 9",
            "data: [700.5, 0., 639.5, 0., 701.25, 359.5, 0., 0., 1.]|data: [700.5, 3., 639.5, 0., 701.25, 359.5, 0., "
                    + "0., 1.]|camera_matrix is not a pinhole camera's [fx 0 cx; 0 fy cy; 0 0 1]",
            "data: [700.5, 0., 639.5, 0., 701.25, 359.5, 0., 0., 1.]|data: [700.5, 0., 639.5, 0., seven, 359.5, 0., "
                    + "0., 1.]|camera_matrix.data[4] is not a number: 'seven' (line 7)",
            "distortion_model: plumb_bob|distortion_model: omnidirectional|distortion_model is 'omnidirectional', not "
                    + "a model roadseg undoes (it undoes plumb_bob (Brown–Conrady k1 k2 p1 p2 k3), rational_polynomial "
                    + "(its k4..k6 added) and equidistant (the fisheye's k1..k4))",
            "image_width: 1280|image_widht: 1280|image_width is missing",
            "image_height: 720|image_height: 720.5|image_height must be a whole number of pixels in 16..8192, got 720.5",
            "camera_name: front_wide|camera_name: front_wide\\nmount_height_m: 1.4|pitch_deg is missing: the ground "
                    + "plane needs the camera's tilt with its height",
            "camera_name: front_wide|camera_name: front_wide\\npitch_deg: 1|mount_height_m is missing: pitch_deg "
                    + "without the height gives no ground plane",
            "camera_name: front_wide|camera_name: front_wide\\nmount_height_m: -1.4\\npitch_deg: 1|mount_height_m camera "
                    + "must be above the road, at most 50 m, got -1.4",
            "data: [-0.28, 0.071, 0.0012, -0.0008, -0.0065]|data: [-0.9, 0.0, 0.0, 0.0, 0.0]|k1 and k2 (-0.9, 0.0) "
                    + "make a lens that folds back at a normalised radius of 0.41, inside the picture, whose corners "
                    + "lie at 1.05: not a lens (a sign or a scale wrong?)",
            "camera_name: front_wide|camera_name: front_wide\\ncamera_name: rear|camera_name is given twice (line 4)",
            "rows: 3\\n  cols: 3\\n  data: [700.5|rows: 3\\n  cols: 3\\n  data: [[700.5|not YAML at line 8, column 1: "
                    + "expected ',' or ']', but got <scalar>"})
    void aBrokenRosFileIsNamed(String good, String bad, String message) throws IOException {
        assertTrue(ROS.contains(good.replace("\\n", "\n")), good);
        Path file = Files.writeString(dir.resolve("bad.yaml"), ROS.replace(good.replace("\\n", "\n"),
                bad.replace("\\n", "\n")));
        IOException e = assertThrows(IOException.class, () -> CameraCalibration.read(file));
        assertEquals("calibration " + file + ": " + message, e.getMessage());
    }

    @Test
    void aKalibrCameraRoadsegCannotUndoIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("omni.yaml"), """
                cam0:
                  camera_model: omni
                  intrinsics: [0.8, 458.6, 457.3, 367.2, 248.4]
                  resolution: [752, 480]
                """);
        IOException e = assertThrows(IOException.class, () -> CameraCalibration.read(file));
        assertEquals("calibration " + file + ": cam0.camera_model is 'omni': roadseg takes pinhole cameras",
                e.getMessage());
    }

    /** The simulator's lens models against OpenCV's own point undistortion, over the whole picture. */
    @Test
    void theLensModelsAgreeWithOpenCv() {
        CameraCalibration brown = new CameraCalibration("brown", 640, 360, 340, 345, 320.5, 180.5, -0.30, 0.09,
                0.002, -0.001, 0.012, 0, 0, 0, false, 1.4, 2, 0);
        // a wide lens's rational model, as ROS's camera_calibration fits it with --k-coefficients 6
        CameraCalibration rational = new CameraCalibration("rational", 640, 360, 340, 340, 320.5, 180.5, -0.2, 0.05,
                0.001, 0.0005, 0.001, 0.1, 0.02, 0.001, false, 1.4, 2, 0);
        CameraCalibration fisheye = new CameraCalibration("fisheye", 640, 360, 300, 300, 320.5, 180.5, 0.06,
                -0.012, 0, 0, 0.003, -0.0004, 0, 0, true, 1.4, 2, 0);
        for (CameraCalibration c : new CameraCalibration[] {brown, rational, fisheye}) {
            int n = 0;
            try (Mat points = new Mat(1, 15 * 9, CV_64FC2); Mat out = new Mat();
                 Mat k = matrix(3, 3, c.fx(), 0, c.cx() - 0.5, 0, c.fy(), c.cy() - 0.5, 0, 0, 1);
                 Mat d = c.fisheye() ? matrix(4, 1, c.k1(), c.k2(), c.k3(), c.k4())
                         : matrix(8, 1, c.k1(), c.k2(), c.p1(), c.p2(), c.k3(), c.k4(), c.k5(), c.k6());
                 DoubleIndexer in = points.createIndexer()) {
                for (int j = 0; j < 9; j++) {
                    for (int i = 0; i < 15; i++, n++) {
                        in.put(0, n, 0, i * (c.width() - 1) / 14.0); // OpenCV's pixel centres: integers
                        in.put(0, n, 1, j * (c.height() - 1) / 8.0);
                    }
                }
                // OpenCV iterated to convergence (its default of 5 steps stops short on a strong lens's corners)
                try (Mat none = new Mat(); TermCriteria converged = new TermCriteria(TermCriteria.COUNT
                        + TermCriteria.EPS, 100, 1e-14)) {
                    if (c.fisheye()) {
                        fisheyeUndistortPoints(points, out, k, d, none, none, converged);
                    } else {
                        undistortPointsIter(points, out, k, d, none, none, converged);
                    }
                }
                double[] ray = new double[2];
                double[] pixel = new double[2];
                try (DoubleIndexer ref = out.createIndexer()) {
                    for (int p = 0; p < n; p++) {
                        double u = in.get(0, p, 0) + 0.5;
                        double v = in.get(0, p, 1) + 0.5;
                        c.undistort(u, v, ray);
                        assertEquals(ref.get(0, p, 0), ray[0], 2e-5, c.name() + " x at " + u + ", " + v);
                        assertEquals(ref.get(0, p, 1), ray[1], 2e-5, c.name() + " y at " + u + ", " + v);
                        c.distort(ray[0], ray[1], pixel);
                        assertEquals(u, pixel[0], 1e-6, c.name() + " round trip u");
                        assertEquals(v, pixel[1], 1e-6, c.name() + " round trip v");
                    }
                }
            }
        }
    }

    private static Mat matrix(int rows, int cols, double... values) {
        Mat m = new Mat(rows, cols, CV_64FC1);
        try (DoubleIndexer idx = m.createIndexer()) {
            for (int i = 0; i < values.length; i++) {
                idx.put(i / cols, i % cols, values[i]);
            }
        }
        return m;
    }
}
