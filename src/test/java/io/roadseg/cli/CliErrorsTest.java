package io.roadseg.cli;

import io.roadseg.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets one clear line naming the input and the problem, a non-zero exit, and no stack trace. */
class CliErrorsTest {
    @TempDir
    Path dir;

    private static void assertOneLineError(Cli.Outcome o, String... mustContain) {
        assertOneLineError(o, 1, mustContain);
    }

    private static void assertOneLineError(Cli.Outcome o, int exit, String... mustContain) {
        Cli.assertOneLineError(o, exit, mustContain);
    }

    @Test
    void missingInputFileIsNamed() throws Exception {
        Path model = TestData.smallModel(dir);
        assertOneLineError(Cli.run("run", "nope/missing.mp4", "--model", model.toString()), "nope/missing.mp4",
                "no such file");
    }

    @Test
    void aFileThatIsNotAVideoIsNamed() throws Exception {
        Path model = TestData.smallModel(dir);
        Path text = Files.writeString(dir.resolve("notes.mp4"), "this is not a video\n".repeat(100));
        assertOneLineError(Cli.run("run", text.toString(), "--model", model.toString()), "notes.mp4", "cannot open");
    }

    @Test
    void aCameraThatDoesNotExistIsNamed() throws Exception {
        Path model = TestData.smallModel(dir);
        assertOneLineError(Cli.run("run", "v4l2:///dev/video97", "--model", model.toString()), "/dev/video97");
    }

    @Test
    void anUnreachableStreamFailsWithinItsTimeout() throws Exception {
        Path model = TestData.smallModel(dir);
        long t0 = System.nanoTime();
        Cli.Outcome o = Cli.run("run", "tcp://127.0.0.1:9", "--model", model.toString(), "--timeout", "2");
        assertOneLineError(o, "tcp://127.0.0.1:9");
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "bounded by the timeout");
    }

    @Test
    void missingModelIsNamed() {
        assertOneLineError(Cli.run("run", "x.mp4", "--model", dir.resolve("none.onnx").toString()), "none.onnx",
                "not found");
    }

    @Test
    void aModelFileThatIsNotOnnxIsNamed() throws Exception {
        Path junk = Files.write(dir.resolve("junk.onnx"), new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertOneLineError(Cli.run("run", "x.mp4", "--model", junk.toString()), "junk.onnx");
    }

    @Test
    void anOutputThatCannotBeWrittenIsNamed() throws Exception {
        Path drive = TestData.anyDrive();
        Path model = TestData.smallModel(dir);
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        // found before anything is opened: a usage error naming the option and the path
        assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--out",
                file.resolve("out.mp4").toString()), 2, "--out", "plain-file/out.mp4");
        assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--results",
                file.resolve("frames.jsonl").toString()), 2, "--results", "plain-file/frames.jsonl");
    }

    @Test
    void anUnsupportedOutputTypeIsNamed() throws Exception {
        Path drive = TestData.anyDrive();
        Path model = TestData.smallModel(dir);
        assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--out",
                dir.resolve("x.avi").toString()), 2, "x.avi", "unsupported");
    }

    @Test
    void aBagFolderWithoutItsRecordingAndAnEmptyModelAreNamed() throws Exception {
        Path model = TestData.smallModel(dir);
        Path bag = Files.createDirectories(dir.resolve("bag"));
        Files.writeString(bag.resolve("metadata.yaml"), "{{{[[[\n"); // was: "folder has no png, jpg or bmp images"
        assertOneLineError(Cli.run("run", bag.toString(), "--model", model.toString()), "bag",
                "without its recording");
        for (String name : new String[] {"empty.mcap", "empty.bag", "empty.mp4"}) { // was: FFmpeg's or MCAP's words
            Path recording = Files.createFile(dir.resolve(name));
            assertOneLineError(Cli.run("run", recording.toString(), "--model", model.toString()), name,
                    "an empty file");
        }
        assertOneLineError(Cli.run("run", bag.toString(), "--model", model.toString(), "--folder-fps", "0.0001"), 2,
                "--folder-fps 1.0E-4");
        assertOneLineError(Cli.run("run", bag.toString(), "--model", model.toString(), "--timeout", "1e9"), 2,
                "--timeout");
        Path empty = Files.createFile(dir.resolve("empty.onnx")); // was: "architecture 'null'"
        assertOneLineError(Cli.run("export-model", "--from", empty.toString(), "--temperature", "1.2", "-o",
                dir.resolve("o.onnx").toString()), "empty.onnx", "an empty file");
    }

    @Test
    void anUnknownEngineListsTheKnownOnes() throws Exception {
        Path model = TestData.smallModel(dir);
        assertOneLineError(Cli.run("run", "x.mp4", "--model", model.toString(), "--engine", "warp"), 2, "warp", "cpu");
    }

    @Test
    void verboseAddsTheStackTrace() {
        Cli.Outcome o = Cli.run("--verbose", "run", "nope.mp4", "--model", dir.resolve("none.onnx").toString());
        assertEquals(1, o.exit());
        assertTrue(o.stderr().contains("\tat "), o.stderr());
    }

    /** Every command, read from the command tree itself, so a new one cannot be left out. */
    static java.util.stream.Stream<String> commands() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(""),
                new picocli.CommandLine(new RoadsegCommand()).getSubcommands().keySet().stream()
                        .filter(name -> !name.equals("help")));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("commands")
    void everyCommandHasHelpWithoutFormatWarnings(String command) {
        // picocli formats descriptions with String.format: a bare '%' ("95 % interval") makes it print a warning
        // on stderr and the raw text, '%n's and all, instead of the help
        Cli.Outcome o = command.isEmpty() ? Cli.run("--help") : Cli.run(command, "--help");
        assertEquals(0, o.exit());
        assertTrue(o.stdout().contains("Usage: roadseg" + (command.isEmpty() ? "" : " " + command)), o.stdout());
        assertFalse(o.stderr().contains("WARN"), o.stderr());
        assertFalse(o.stdout().contains("%n"), o.stdout());
    }

    @Test
    void aMissingArgumentIsAUsageError() {
        assertEquals(2, Cli.run("run").exit());
    }

    @Test
    void aBadOptionValueIsAUsageErrorNamingTheOption() {
        Cli.Outcome o = Cli.run("run", "x.mp4", "--wait", "sometimes");
        assertEquals(2, o.exit(), o.stderr());
        assertTrue(o.stderr().contains("--wait"), o.stderr());
        assertFalse(o.stderr().contains("\tat "), o.stderr());
        assertOneLineError(Cli.run("run", "x.mp4", "--path", "curvy"), 2, "Invalid value for option '--path': "
                + "expected one of [road, straight, vehicle]", "'roadseg run --help' lists the options");
        assertOneLineError(Cli.run("eval", "--no-such-option"), 2, "Unknown option: '--no-such-option'");
        assertOneLineError(Cli.run("run", "x.mp4", "--rotate", "90"), 2, "--rotate 90: 0 or 180 (a camera mounted "
                + "upside down)");
        assertOneLineError(Cli.run("evl"), 2, "'evl'", "did you mean eval?", "'roadseg --help' lists the options");
    }

    /**
     * A camera's own calibration as ROS writes it: a broken one is one line naming the field; one without the mount
     * runs without the ground plane (said), and the simulator, which needs the mount, refuses it in one line.
     */
    @Test
    void aRosCalibrationIsNamedWhenBrokenAndRunsWithoutItsMount() throws Exception {
        Path model = TestData.smallModel(dir);
        String ros = """
                image_width: 480
                image_height: 360
                camera_matrix:
                  rows: 3
                  cols: 3
                  data: [400, 0, 239.5, 0, 400, 179.5, 0, 0, 1]
                distortion_model: plumb_bob
                distortion_coefficients:
                  rows: 1
                  cols: 5
                  data: [-0.1, 0.01, 0, 0, 0]
                """;
        Path broken = Files.writeString(dir.resolve("broken.yaml"), ros.replace(", 0, 0, 1]", ", 0, 0]"));
        assertOneLineError(Cli.run("run", "sim://town?frames=3", "--model", model.toString(), "--calib",
                broken.toString()), "calibration " + broken + ": camera_matrix.data has 8 numbers, not rows × cols = 9");
        Path ost = Files.writeString(dir.resolve("ost.yaml"), ros);
        assertOneLineError(Cli.run("sim", "--calib", ost.toString(), "--frames", "3", "--out",
                dir.resolve("drive").toString()), "calibration " + ost + ": gives no mount_height_m and pitch_deg");
        assertFalse(Files.exists(dir.resolve("drive")));
        Path stats = dir.resolve("stats.json");
        Cli.Outcome o = Cli.run("run", "sim://town?frames=3", "--model", model.toString(), "--calib", ost.toString(),
                "--stats", stats.toString(), "-q");
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stderr().contains("calibration " + ost + " gives no mount (mount_height_m, pitch_deg): depth "
                + "scaled by the focal length only, not fused with the ground plane"), o.stderr());
        assertTrue(o.stderr().contains("picture rectified: the calibration's k1 -0.100, k2 0.010 undone"),
                o.stderr());
        Object camera = io.roadseg.ros.Json.at(io.roadseg.ros.Json.parse(Files.readString(stats)), "camera_model");
        assertEquals(null, io.roadseg.ros.Json.at(camera, "ground_plane"));
        // K at the model's input size, ROS's pixel centres at integers there as in the file
        double scale = (Double) io.roadseg.ros.Json.at(camera, "fx") / 400;
        assertEquals(240 * scale - 0.5, (Double) io.roadseg.ros.Json.at(camera, "cx"), 2e-3);
    }

    @Test
    void aNonPositiveTimeoutIsRefusedInOneLine() {
        assertOneLineError(Cli.run("run", "x.mp4", "--timeout", "0"), 2, "--timeout");
    }
    @Test
    void aPathWidthOutOfRangeIsRefusedInOneLine() {
        for (String w : new String[]{"0", "-3.5", "0.4", "21", "NaN"}) {
            Cli.Outcome o = Cli.run("run", "x.mp4", "--path-width", w);
            assertOneLineError(o, 2, "--path-width " + Double.parseDouble(w) + ":");
            assertTrue(o.stderr().contains("must be a width in metres from 0.5 to 20"), o.stderr());
        }
    }

    @Test
    void aMotionTopicWithoutAVehiclePathIsRefusedInOneLine() {
        Cli.Outcome o = Cli.run("run", "x.mp4", "--motion-topic", "/odom");
        assertOneLineError(o, 2, "--motion-topic /odom: read only with --path vehicle");
    }
}
