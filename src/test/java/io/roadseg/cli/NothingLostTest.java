package io.roadseg.cli;

import io.roadseg.TestData;
import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad option values and clashing outputs are usage errors (exit 2) found before anything is opened or written: no
 * file is created, every pre-existing file is byte-identical afterwards.
 */
class NothingLostTest {
    @TempDir
    Path dir;

    private static List<Path> files(Path d) throws Exception {
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @ParameterizedTest(name = "run {0} {1}")
    @CsvSource({"--threads, 0", "--threads, -3", "--ring, 3", "--ring, 1", "--ring, 128", "--frames, -5",
            "--timeout, 0", "--bitrate, -5", "--folder-fps, 0", "--input-size, wide", "--video-size, huge"})
    void anOutOfRangeRunOptionIsAUsageErrorAndCreatesNothing(String option, String value) throws Exception {
        Path model = TestData.smallModel(dir);
        Path out = dir.resolve("out/annotated.mp4");
        Path stats = dir.resolve("out/stats.json");
        List<Path> before = files(dir);
        Cli.Outcome o = Cli.run("run", "recordings/town-drive/video.mp4", "--model", model.toString(), "--out",
                out.toString(), "--stats", stats.toString(), option, value);
        assertEquals(2, o.exit(), o.stderr());
        assertTrue(o.stderr().contains(option), o.stderr());
        assertEquals(before, files(dir), "no file created");
    }

    @ParameterizedTest(name = "sim {0} {1}")
    @CsvSource({"--fps, 0", "--fps, -1", "--frames, 0", "--speed, -4", "--bitrate, -5"})
    void anOutOfRangeSimOptionIsAUsageError(String option, String value) throws Exception {
        Cli.Outcome o = Cli.run("sim", "--out", dir.resolve("drive").toString(), option, value);
        assertEquals(2, o.exit(), o.stderr());
        assertTrue(o.stderr().contains(option), o.stderr());
        assertEquals(List.of(), files(dir));
    }

    @Test
    void treeContactDepthWithoutContactDepthIsAUsageError() throws Exception {
        List<Path> before = files(dir);
        Cli.Outcome o = Cli.run("train", "--contact-trees", "--out", dir.resolve("out/result.onnx").toString());
        assertEquals(2, o.exit(), o.stderr());
        assertTrue(o.stderr().contains("--contact-trees needs --contact-depth-weight above 0"), o.stderr());
        assertEquals(before, files(dir), "no file created");
    }

    /**
     * {@code train --teacher}: a logit-adjusted teacher, one that saw the sequence the run holds out, a missing one, and
     * {@code --distill 0} are refused in one line before any data is read; {@code --average} without a run's checkpoint to average with is a usage error.
     */
    @Test
    void aTeacherThatCannotTeachAndAnAverageWithoutARunAreRefused() throws Exception {
        FcnArchitecture arch = FcnArchitecture.defaults();
        Path raw = dir.resolve("teacher.onnx");
        OnnxModelWriter.write(FcnWeights.random(arch, 2), ModelContract.defaultMetadata(arch, "test"), raw);
        Path adjusted = dir.resolve("adjusted.onnx");
        Cli.Outcome export = Cli.run("export-model", "--from", raw.toString(), "--logit-adjust", "0.5",
                "--class-weights", "4.6,3.1,9.7,2.9,6.6,5.6,9.6,8.9,7.2,9.8,9.7", "-o", adjusted.toString());
        assertEquals(0, export.exit(), export.stderr());
        List<Path> before = files(dir);
        String out = dir.resolve("out/result.onnx").toString();
        Cli.Outcome a = Cli.run("train", "--teacher", adjusted.toString(), "--out", out);
        assertEquals(1, a.exit(), a.stderr());
        assertEquals(1, a.stderr().strip().lines().count(), a.stderr());
        assertTrue(a.stderr().contains("is logit-adjusted") && a.stderr().contains("without --logit-adjust"),
                a.stderr());
        Cli.Outcome saw = Cli.run("train", "--teacher", raw.toString(), "--out", out);
        assertEquals(1, saw.exit(), saw.stderr());
        assertTrue(saw.stderr().contains("did not hold out sequence 0006R0"), saw.stderr());
        Cli.Outcome missing = Cli.run("train", "--teacher", dir.resolve("none.onnx").toString(), "--out", out);
        assertEquals(1, missing.exit(), missing.stderr());
        assertTrue(missing.stderr().contains("none.onnx: file not found"), missing.stderr());
        Cli.Outcome zero = Cli.run("train", "--teacher", raw.toString(), "--distill", "0", "--out", out);
        assertEquals(2, zero.exit(), zero.stderr());
        assertTrue(zero.stderr().contains("--distill 0.0: must be > 0"), zero.stderr());
        Cli.Outcome average = Cli.run("train", "--average", raw.toString(), "--out", out);
        assertEquals(2, average.exit(), average.stderr());
        assertTrue(average.stderr().contains("--average goes with --from RUN.ckpt"), average.stderr());
        assertEquals(before, files(dir), "no file created");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"eval, --threads, 0", "eval, --limit, -1", "eval, --input-size, huge", "bench, --threads, 0",
            "bench, --rounds, 0", "bench, --soak, -1", "train, --steps, 0", "train, --crop, 100x50",
            "train, --scale, 2..1", "train, --lr, -1", "train, --threads, 0", "train, --cutmix, 1.5",
            "train, --lovasz, -1", "train, --copy-paste, 1.5", "train, --sim-suburb, -0.1", "train, --channels, '16,32'", "train, --channels, '16,0,96,192'",
            "export-model, --size, 100x50"})
    void anOutOfRangeOptionOfAnyCommandIsAUsageErrorAndCreatesNothing(String command, String option, String value)
            throws Exception {
        Path out = dir.resolve("out/result");
        List<String> args = new ArrayList<>(List.of(command, option, value));
        switch (command) {
            case "eval" -> args.addAll(List.of("--drive", "recordings/town-drive", "--json", out + ".json"));
            case "train", "export-model" -> args.addAll(List.of("--out", out + ".onnx"));
            default -> args.add("recordings/town-drive/video.mp4");
        }
        List<Path> before = files(dir);
        Cli.Outcome o = Cli.run(args.toArray(new String[0]));
        assertEquals(2, o.exit(), o.stderr());
        assertTrue(o.stderr().contains(option), o.stderr());
        assertEquals(before, files(dir), "no file created");
    }

    @Test
    void anOutputThatIsTheInputIsRefusedAndTheInputIsUntouched() throws Exception {
        Path model = TestData.smallModel(dir);
        Path input = Files.copy(Path.of("recordings/town-drive/video.mp4"), dir.resolve("clip.mp4"));
        byte[] original = Files.readAllBytes(input);
        Cli.Outcome o = Cli.run("run", input.toString(), "--model", model.toString(), "--out",
                dir.resolve("sub/../clip.mp4").toString());
        assertEquals(2, o.exit(), o.stderr());
        assertTrue(o.stderr().contains("is the same file as the input"), o.stderr());
        assertArrayEquals(original, Files.readAllBytes(input));
    }

    @Test
    void statisticsOrResultsOnTheVideoAreRefusedAndTheExistingVideoIsUntouched() throws Exception {
        Path model = TestData.smallModel(dir);
        Path video = Files.writeString(dir.resolve("kept.mp4"), "a video a user cares about");
        for (String option : new String[] {"--stats", "--results", "--hlog"}) {
            Cli.Outcome o = Cli.run("run", "recordings/town-drive/video.mp4", "--model", model.toString(), "--out",
                    video.toString(), option, video.toString());
            assertEquals(2, o.exit(), option + ": " + o.stderr());
            assertTrue(o.stderr().contains(option) && o.stderr().contains("--out"), o.stderr());
            assertEquals("a video a user cares about", Files.readString(video));
        }
    }

    @Test
    void exportModelWithoutOutIsAUsageErrorAndTheShippedModelIsUntouched() throws Exception {
        byte[] shipped = Files.readAllBytes(Path.of("engines/roadseg.onnx"));
        Cli.Outcome o = Cli.run("export-model");
        assertEquals(2, o.exit(), o.stderr());
        assertTrue(o.stderr().contains("--out"), o.stderr());
        assertArrayEquals(shipped, Files.readAllBytes(Path.of("engines/roadseg.onnx")));
    }

    /**
     * An output that fails on writing (a full disk: {@code /dev/full}) is one line naming it and exit 1, the other
     * outputs finished; the device stays a device (the statistics' write-and-rename would have put a file in its place).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"--stats,/dev/full: cannot write (No space left on device)",
            "--hlog,histogram log /dev/full: write failed",
            "--results,results /dev/full: write failed (No space left on device)"})
    void anOutputThatCannotBeWrittenIsOneLineAndTheOthersAreFinished(String option, String line) throws Exception {
        Path full = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(full) && !Files.isRegularFile(full),
                "no /dev/full on this machine");
        Path model = TestData.smallModel(dir);
        Path video = dir.resolve(option.substring(2) + ".mp4");
        Cli.Outcome o = Cli.run("run", "recordings/town-drive/video.mp4", "--model", model.toString(), "--frames", "20",
                option, full.toString(), "--out", video.toString(), "-q");
        assertEquals(1, o.exit(), o.stderr());
        List<String> errors = o.stderr().lines().filter(l -> l.startsWith("roadseg: ")).toList();
        assertEquals(List.of("roadseg: " + line), errors.stream().map(l -> l.substring(0, Math.min(l.length(),
                ("roadseg: " + line).length()))).toList(), o.stderr());
        assertTrue(o.stderr().lines().noneMatch(l -> l.startsWith("\tat ")), o.stderr());
        assertTrue(Files.exists(full) && !Files.isRegularFile(full), "/dev/full is still a device");
        try (io.roadseg.source.FrameSource s = io.roadseg.source.FrameSources.open(video.toString(),
                io.roadseg.source.SourceOptions.defaults())) {
            assertTrue(s.info().frameCount() > 0, "the video is finished and playable");
        }
    }

    /** Statistics into a pipe (a FIFO, as /dev/stdout can be) are written into it, and the pipe stays a pipe. */
    @Test
    void statisticsIntoAPipeAreWrittenIntoIt() throws Exception {
        Path fifo = dir.resolve("stats.fifo");
        Process mk;
        try {
            mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no mkfifo here");
            return;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo failed");
        java.util.concurrent.CompletableFuture<String> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(fifo);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        Path model = TestData.smallModel(dir);
        Cli.Outcome o = Cli.run("run", "recordings/town-drive/video.mp4", "--model", model.toString(), "--frames", "3",
                "--stats", fifo.toString(), "-q");
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(read.get(30, java.util.concurrent.TimeUnit.SECONDS).contains("\"frames\""), read.get());
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "still a pipe");
    }

    @Test
    void statisticsGoToStandardOutputWithADash() throws Exception {
        Path model = TestData.smallModel(dir);
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.out;
        System.setOut(new java.io.PrintStream(stdout, true, java.nio.charset.StandardCharsets.UTF_8));
        Cli.Outcome o;
        try {
            o = Cli.run("run", "recordings/town-drive/video.mp4", "--model", model.toString(), "--frames", "3",
                    "--stats", "-", "-q");
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(stdout.toString(java.nio.charset.StandardCharsets.UTF_8).contains("\"frames\""), stdout.toString());
        assertTrue(Files.notExists(Path.of("-")), "no file named '-'");
    }

    @Test
    void theShippedModelIsFoundFromAnotherFolder() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), "io.roadseg.cli.RoadsegCommand", "run",
                Path.of("recordings/town-drive/video.mp4").toAbsolutePath().toString(), "--frames", "2", "-q"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log.txt").toFile()).start();
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "finished");
        String log = Files.readString(dir.resolve("log.txt"));
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("roadseg.onnx"), log);
        assertTrue(new File(dir.toFile(), "engines").exists() == false, "nothing created in the current folder");
    }
}
