package io.roadseg.cli;

import io.roadseg.TestData;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Ctrl-C, SIGTERM and even SIGKILL mid-run leave a playable video; the polite signals also keep the statistics. */
@EnabledOnOs(OS.LINUX)
class InterruptTest {
    @TempDir
    Path dir;
    private final List<Process> children = new ArrayList<>();

    private Process launch(Path video, Path stats, String... more) throws Exception {
        Path drive = TestData.anyDrive();
        Path model = TestData.smallModel(dir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                RoadsegCommand.class.getName(), "run", drive.toString(), "--loop", "--model", model.toString(),
                "--out", video.toString(), "--stats", stats.toString(), "-q"));
        command.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile());
        Process p = pb.start();
        children.add(p); // a failed test must not leave a looping run behind
        return p;
    }

    private Process start(Path video, Path stats) throws Exception {
        Process p = launch(video, stats);
        await(p, dir.resolve("child.log"), "100 kB of video", () -> Files.exists(video) && Files.size(video) > 100_000);
        return p;
    }

    /** A condition on the child's files, checked while it runs. */
    private interface Check {
        boolean holds() throws Exception;
    }

    /** Waits until {@code until} holds, failing with the child's log if it ends first or 60 s pass. */
    private static void await(Process p, Path log, String what, Check until) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!until.holds()) {
            assertTrue(p.isAlive(), "child ended early: " + (Files.exists(log) ? Files.readString(log) : ""));
            assertTrue(System.nanoTime() < deadline, "not " + what + " after 60 s");
            Thread.sleep(5);
        }
    }

    /** Whether signal {@code number} is ignored by this process (Linux: the SigIgn mask of /proc/self/status). */
    private static boolean ignoredHere(int number) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << (number - 1))) != 0;
            }
        }
        return false;
    }

    @AfterEach
    void noChildLeftRunning() {
        for (Process p : children) {
            p.destroyForcibly();
        }
    }

    /** The child ends within 30 s; if not, the failure carries its threads' stacks and its log, then it is killed. */
    private void assertStops(Process p, String signal) throws Exception {
        if (p.waitFor(30, TimeUnit.SECONDS)) {
            return;
        }
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        String threads;
        try { // a JDK has jcmd; a bare runtime does not, and the failure still carries the log
            Process dump = new ProcessBuilder(jcmd, Long.toString(p.pid()), "Thread.print").redirectErrorStream(true)
                    .start();
            threads = new String(dump.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            dump.waitFor(30, TimeUnit.SECONDS);
        } catch (java.io.IOException e) {
            threads = "(no thread dump: " + e.getMessage() + ")";
        }
        p.destroyForcibly();
        fail("child did not stop within 30 s after " + signal + "\n" + Files.readString(dir.resolve("child.log"))
                + "\n" + threads);
    }

    /**
     * The frames of {@code video} as roadseg decodes them; where Debian's {@code ffprobe} is installed (.ci/run installs
     * ffmpeg), a player that is not ours decodes as many, with no error.
     */
    private static int decodedFrames(Path video) throws Exception {
        int n = 0;
        try (FrameSource back = FrameSources.open(video.toString(), SourceOptions.defaults())) {
            ByteBuffer buf = ByteBuffer.allocateDirect(back.info().frameBytes());
            while (back.read(buf) != FrameSource.END_OF_STREAM) {
                n++;
            }
        }
        Path ffprobe = Path.of("/usr/bin/ffprobe");
        if (Files.isExecutable(ffprobe)) {
            Process p = new ProcessBuilder(ffprobe.toString(), "-v", "error", "-count_frames", "-select_streams", "v:0",
                    "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", video.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertEquals(Integer.toString(n), out, "ffprobe decodes the frames roadseg reads back, without an error");
        }
        return n;
    }

    @Test
    void ctrlCFinalisesTheVideoAndWritesTheStatistics() throws Exception {
        // A process started with SIGINT ignored (a background job of a script, nohup) passes that on, and the run
        // keeps it ignored as the JVM and Unix convention have it: Ctrl-C at the terminal is not meant for it.
        Assumptions.assumeFalse(ignoredHere(2), "SIGINT is ignored by this process (started in the background or "
                + "under nohup) and so by the child: Ctrl-C cannot be tested here");
        Path video = dir.resolve("a.mp4");
        Path stats = dir.resolve("a.json");
        Process p = start(video, stats);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertStops(p, "SIGINT");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("child.log")));
        String json = Files.readString(stats);
        assertTrue(json.contains("\"interrupted\": true"), json);
        assertTrue(decodedFrames(video) > 10);
    }

    @Test
    void sigtermIsHandledLikeCtrlC() throws Exception {
        Path video = dir.resolve("b.mp4");
        Path stats = dir.resolve("b.json");
        Process p = start(video, stats);
        p.destroy(); // SIGTERM
        assertStops(p, "SIGTERM");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("child.log")));
        assertTrue(Files.exists(stats));
        assertTrue(decodedFrames(video) > 10);
    }

    @Test
    void evenAKilledRunLeavesAPlayableFragmentedMp4() throws Exception {
        Path video = dir.resolve("c.mp4");
        Process p = start(video, dir.resolve("c.json"));
        Thread.sleep(1500);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        assertTrue(decodedFrames(video) > 10, "frames decodable from the killed run's file");
    }

    /**
     * Killed a few seconds in, before much video exists: the header and every fragment completed so far (a fragment
     * per second of video) must already be on disk.
     */
    @Test
    void aRunKilledEarlyLeavesAPlayableFragmentedMp4() throws Exception {
        Path video = dir.resolve("d.mp4");
        Path results = dir.resolve("d.jsonl");
        Process p = launch(video, dir.resolve("d.json"), "--results", results.toString());
        // 60 frames processed: the fragments of frames 0-24 and 25-49 are complete.
        await(p, dir.resolve("child.log"), "60 frames", () -> Files.exists(results)
                && Files.readAllLines(results).size() >= 60);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        long size = Files.size(video);
        int frames;
        try {
            frames = decodedFrames(video);
        } catch (io.roadseg.source.SourceException e) {
            throw new AssertionError("the " + size + " bytes left by a run killed after 60 frames do not play: "
                    + e.getMessage(), e);
        }
        assertTrue(frames >= 25, "decoded " + frames + " frames of the killed run's " + size + " bytes");
    }

    /**
     * A signal while the run is still starting (the engine, the source and the outputs opening): the pipeline stops as
     * soon as it exists and its outputs are finalised — the statistics say it was interrupted, a video is either
     * absent (no frame reached it) or plays — where the JVM's own handler used to end it with a 0-byte MP4 and no
     * statistics.
     */
    @Test
    void aSignalWhileTheRunStartsStillFinalisesItsOutputs() throws Exception {
        Path video = dir.resolve("e.mp4");
        Path stats = dir.resolve("e.json");
        Process p = launch(video, stats);
        // the first line is the engine's, printed once the source is open: the signal handlers are in place
        Path log = dir.resolve("child.log");
        await(p, log, "a line", () -> Files.exists(log) && Files.size(log) > 0);
        p.destroy(); // SIGTERM
        assertStops(p, "SIGTERM");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("child.log")));
        String json = Files.readString(stats);
        assertTrue(json.contains("\"interrupted\": true"), json);
        if (Files.exists(video)) {
            assertTrue(decodedFrames(video) > 0, "a video left behind plays");
        }
    }

    /**
     * {@code sim} stopped part-way is a drive of the frames it wrote — video, truth, motion and manifest agree —
     * which {@code run} reads; it used to leave a folder that no command could read or write again.
     */
    @Test
    void anInterruptedSimIsADriveOfItsFramesSoFar() throws Exception {
        Path out = dir.resolve("sim-drive");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                RoadsegCommand.class.getName(), "sim", "--frames", "3000", "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sim.log").toFile()).start();
        children.add(p);
        await(p, dir.resolve("sim.log"), "5 frames", () -> Files.isDirectory(out.resolve("labels"))
                && Files.list(out.resolve("labels")).count() >= 5);
        p.destroy(); // SIGTERM
        assertStops(p, "SIGTERM");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("sim.log")));
        String manifest = Files.readString(out.resolve("drive.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"frames\": (\\d+)").matcher(manifest);
        assertTrue(m.find(), manifest);
        int frames = Integer.parseInt(m.group(1));
        assertTrue(frames >= 5 && frames < 3000, frames + " frames");
        assertEquals(frames, Files.list(out.resolve("labels")).count());
        assertEquals(frames, Files.list(out.resolve("depth")).count());
        assertEquals(frames + 1, Files.readAllLines(out.resolve("ego.csv")).size());
        assertEquals(frames, decodedFrames(out.resolve("video.mp4")));
        assertTrue(Files.readString(dir.resolve("sim.log")).contains("interrupted: wrote " + out
                + " as a drive of its first " + frames + " frames"), Files.readString(dir.resolve("sim.log")));
    }
}
