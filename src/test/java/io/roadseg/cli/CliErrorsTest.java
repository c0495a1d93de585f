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
                dir.resolve("x.avi").toString()), "x.avi", "unsupported");
    }

    @Test
    void anUnknownEngineListsTheKnownOnes() throws Exception {
        Path model = TestData.smallModel(dir);
        assertOneLineError(Cli.run("run", "x.mp4", "--model", model.toString(), "--engine", "warp"), "warp", "cpu");
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
        assertOneLineError(Cli.run("evl"), 2, "'evl'", "did you mean eval?", "'roadseg --help' lists the options");
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
