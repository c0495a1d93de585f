package io.roadseg.cli;

import io.roadseg.TestData;
import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code eval --depth} on bad data: one line naming the file or value and the problem, a non-zero exit. */
class EvalDepthErrorsTest {
    private static final String CAMERA = "{\"fx\": 100, \"fy\": 100, \"cx\": 31.5, \"cy\": 23.5, \"width\": 64, "
            + "\"height\": 48, \"camera_height_m\": 1.5, \"depth_scale\": 256}";

    @TempDir
    Path dir;

    /** A scene with one 64x48 frame: an RGB image and a 16-bit depth map of a flat wall at 10 m. */
    private Path scene(String cameraJson, boolean sixteenBit) throws IOException {
        return scene(cameraJson, sixteenBit, 2560);
    }

    /** The same with the wall's depth samples at {@code sample} (16-bit). */
    private Path scene(String cameraJson, boolean sixteenBit, int sample) throws IOException {
        Path scene = dir.resolve("data/scene-a");
        Files.createDirectories(scene.resolve("image"));
        Files.createDirectories(scene.resolve("depth"));
        Files.writeString(scene.resolve("camera.json"), cameraJson);
        BufferedImage rgb = new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR);
        ImageIO.write(rgb, "png", scene.resolve("image/f1.png").toFile());
        BufferedImage depth = new BufferedImage(64, 48, sixteenBit ? BufferedImage.TYPE_USHORT_GRAY
                : BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                depth.getRaster().setSample(x, y, 0, sixteenBit ? sample : 10);
            }
        }
        ImageIO.write(depth, "png", scene.resolve("depth/f1.png").toFile());
        return dir.resolve("data");
    }

    private static void assertOneLineError(Cli.Outcome o, int exit, String... mustContain) {
        Cli.assertOneLineError(o, exit, mustContain);
    }

    @Test
    void aWellFormedSceneIsScored() throws Exception {
        Path model = TestData.smallModel(dir);
        Cli.Outcome o = Cli.run("eval", "--depth", scene(CAMERA, true).toString(), "--model", model.toString());
        assertEquals(0, o.exit(), o.stderr());
    }

    @Test
    void depthDiagnosticsOnlyGoWithDepthAndDumpNeedsAFolder() throws Exception {
        Path model = TestData.smallModel(dir);
        assertOneLineError(Cli.run("eval", "--camvid", dir.toString(), "--by-class", "--model", model.toString()), 2,
                "--by-class applies to --depth");
        assertOneLineError(Cli.run("eval", "--camvid", dir.toString(), "--calib-check", "--model", model.toString()),
                2, "--calib-check applies to --depth");
        assertOneLineError(Cli.run("eval", "--depth", scene(CAMERA, true).toString(), "--fit-temperature",
                "--model", model.toString()), 2, "--fit-temperature applies to --camvid");
        Path file = Files.writeString(dir.resolve("taken"), "x");
        assertOneLineError(Cli.run("eval", "--depth", scene(CAMERA, true).toString(), "--dump", file.toString(),
                "--model", model.toString()), 2, "--dump", "is a file, expected a folder");
        Path pictures = dir.resolve("pictures");
        Cli.Outcome o = Cli.run("eval", "--depth", dir.resolve("data").toString(), "--dump", pictures.toString(),
                "--by-class", "--calib-check", "--model", model.toString());
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(Files.isRegularFile(pictures.resolve("scene-a-f1.png")), o.stderr());
        assertTrue(o.stdout().contains("by predicted class"), o.stdout());
        assertTrue(o.stdout().contains("calibration check"), o.stdout());
    }

    @Test
    void anImageWithoutItsDepthFileIsNamed() throws Exception {
        Path model = TestData.smallModel(dir);
        Path data = scene(CAMERA, true);
        Files.delete(data.resolve("scene-a/depth/f1.png"));
        Files.writeString(data.resolve("scene-a/depth/other.png"), "x");
        assertOneLineError(Cli.run("eval", "--depth", data.toString(), "--model", model.toString()), 1, "f1.png",
                "no depth file");
    }

    @Test
    void aDepthPngThatIsNot16BitIsNamed() throws Exception {
        Path model = TestData.smallModel(dir);
        assertOneLineError(Cli.run("eval", "--depth", scene(CAMERA, false).toString(), "--model",
                model.toString()), 1, "f1.png", "not a 16-bit");
    }

    @Test
    void aCameraFileMissingAFieldIsNamed() throws Exception {
        Path model = TestData.smallModel(dir);
        assertOneLineError(Cli.run("eval", "--depth", scene(CAMERA.replace("\"fx\": 100, ", ""), true).toString(),
                "--model", model.toString()), 1, "camera.json", "missing 'fx'");
    }

    @Test
    void aNonPositiveFocalLengthIsNamed() throws Exception {
        Path model = TestData.smallModel(dir);
        assertOneLineError(Cli.run("eval", "--depth", scene(CAMERA.replace("\"fy\": 100", "\"fy\": -5"), true)
                .toString(), "--model", model.toString()), 1, "camera.json", "fy = -5.0 must be positive");
    }

    @Test
    void aCameraFileThatIsNotJsonOrHoldsImpossibleValuesIsNamed() throws Exception {
        Path model = TestData.smallModel(dir);
        // NaN is not JSON: the height was silently dropped, and with it the fused table
        assertOneLineError(Cli.run("eval", "--depth", scene(CAMERA.replace("1.5", "NaN"), true).toString(),
                "--model", model.toString()), 1, "camera.json", "not valid JSON");
        assertOneLineError(Cli.run("eval", "--depth", scene(CAMERA.replace("\"fx\": 100", "\"fx\": \"abc\""), true)
                .toString(), "--model", model.toString()), 1, "camera.json", "fx = abc is not a number");
        assertOneLineError(Cli.run("eval", "--depth", scene(CAMERA.replace("\"depth_scale\": 256",
                "\"depth_scale\": 0"), true).toString(), "--model", model.toString()), 1, "camera.json",
                "depth_scale = 0.0 must be positive");
        assertOneLineError(Cli.run("eval", "--depth", scene(CAMERA.replace("\"fx\": 100", "\"fx\": 1e308"), true)
                .toString(), "--model", model.toString()), 1, "camera.json", "not a camera's focal length");
        Files.delete(dir.resolve("data/scene-a/camera.json"));
        Files.createDirectories(dir.resolve("data/scene-a/camera.json"));
        assertOneLineError(Cli.run("eval", "--depth", dir.resolve("data").toString(), "--model", model.toString()),
                1, "camera.json", "is a folder");
    }

    @Test
    void theCameraFilesDepthScaleIsHonoured() throws Exception {
        Path model = TestData.smallModel(dir);
        Cli.Outcome kitti = Cli.run("eval", "--depth", scene(CAMERA, true, 2560).toString(), "--model",
                model.toString());
        assertEquals(0, kitti.exit(), kitti.stderr());
        // the same wall at 10 m written at 512 a metre, as some datasets store it: the same figures
        Cli.Outcome finer = Cli.run("eval", "--depth", scene(CAMERA.replace("\"depth_scale\": 256",
                "\"depth_scale\": 512"), true, 5120).toString(), "--model", model.toString());
        assertEquals(0, finer.exit(), finer.stderr());
        assertEquals(kitti.stdout(), finer.stdout());
        Cli.Outcome misread = Cli.run("eval", "--depth", scene(CAMERA, true, 5120).toString(), "--model",
                model.toString());
        assertNotEquals(kitti.stdout(), misread.stdout(), "the scale is what makes the two agree");
    }

    /** The fused table of an eval --depth output, without its heading (which names the class model). */
    private static String fusedRows(String out) {
        String fused = out.substring(out.indexOf("fused with"));
        return fused.substring(fused.indexOf('\n', fused.indexOf("scene ")));
    }

    @Test
    void classesFromAnotherModelChangeOnlyTheFusedFigures() throws Exception {
        Path small = TestData.smallModel(dir);
        Path data = scene(CAMERA, true);
        Cli.Outcome own = Cli.run("eval", "--depth", data.toString(), "--model", small.toString());
        assertEquals(0, own.exit(), own.stderr());
        Cli.Outcome self = Cli.run("eval", "--depth", data.toString(), "--model", small.toString(), "--classes-from",
                small.toString());
        assertEquals(0, self.exit(), self.stderr());
        assertEquals(own.stdout().replace("as run --calib does):", "as run --calib does), the classes from "
                + small + ":"), self.stdout(), "the model's own classes: the same figures");
        // another model of the same classes and size (other random weights): its class map, this model's depth
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(176, 240);
        Path other = dir.resolve("other.onnx");
        OnnxModelWriter.write(FcnWeights.random(arch, 11), ModelContract.defaultMetadata(arch, "test"), other);
        Cli.Outcome mixed = Cli.run("eval", "--depth", data.toString(), "--model", small.toString(), "--classes-from",
                other.toString());
        assertEquals(0, mixed.exit(), mixed.stderr());
        String network = own.stdout().substring(0, own.stdout().indexOf("fused with"));
        assertEquals(network, mixed.stdout().substring(0, mixed.stdout().indexOf("fused with")),
                "the network's depth is the model's own");
        assertNotEquals(fusedRows(own.stdout()), fusedRows(mixed.stdout()), "the fusion reads the other classes");
    }

    @Test
    void classesFromAModelThatCannotPairAreNamed() throws Exception {
        Path small = TestData.smallModel(dir);
        Path data = scene(CAMERA, true);
        assertOneLineError(Cli.run("eval", "--depth", data.toString(), "--model", "engines/roadseg.onnx",
                "--classes-from", small.toString()), 1, "--classes-from", "small.onnx", "--input-size");
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(176, 240);
        Map<String, String> meta = ModelContract.defaultMetadata(arch, "test");
        meta.put(ModelContract.CLASSES, meta.get(ModelContract.CLASSES).replace("tree", "vegetation"));
        Path renamed = dir.resolve("renamed.onnx");
        OnnxModelWriter.write(FcnWeights.random(arch, 3), meta, renamed);
        assertOneLineError(Cli.run("eval", "--depth", data.toString(), "--model", small.toString(), "--classes-from",
                renamed.toString()), 1, "renamed.onnx", "vegetation");
        assertOneLineError(Cli.run("eval", "--drive", "sim://town?frames=1", "--classes-from", small.toString()), 2,
                "--classes-from applies to --depth");
    }

    @Test
    void anInputSizeTheNetworkCannotTakeIsNamedWithItsStride() throws Exception {
        Path model = TestData.smallModel(dir);
        assertOneLineError(Cli.run("eval", "--depth", scene(CAMERA, true).toString(), "--model", model.toString(),
                "--input-size", "100x80"), 1, "100x80", "stride 16");
    }
}
