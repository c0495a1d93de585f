package io.roadseg.cli;

import io.roadseg.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a new user's mistakes must not cost (found by a sweep of about 500 bad command lines, 2026-11-29): an output
 * named like an input — the source's own files, the model, the calibration, a report being merged — is refused
 * before anything is written, and the input is left byte for byte; values that would exhaust memory, ports that are not
 * ports, an output where nothing can be made, a server that accepts and never answers: one line and the right exit,
 * never a stack trace or a hang.
 */
class NothingOverwrittenTest {
    @TempDir
    static Path dir;
    static Path drive;
    static Path model;
    static Path calib;

    @BeforeAll
    static void drive() throws Exception {
        drive = dir.resolve("drive");
        Cli.Outcome o = Cli.run("sim", "--seed", "3", "--frames", "3", "--out", drive.toString());
        assertEquals(0, o.exit(), o.stderr());
        model = TestData.smallModel(dir);
        calib = Files.copy(drive.resolve("calibration.yaml"), dir.resolve("camera.yaml"));
    }

    /** Every file under {@code root} with its SHA-256: what must not change. */
    private static TreeMap<String, String> contents(Path root) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(f).toString(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        }
        return out;
    }

    @Test
    void anOutputNamedLikeAnInputIsRefusedAndTheInputKept() throws Exception {
        TreeMap<String, String> before = contents(drive);
        String modelSum = contents(dir).get("small.onnx");
        String calibSum = contents(dir).get("camera.yaml");
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"--out", drive.resolve("video.mp4").toString(), "is a file of the input"});
        cases.add(new String[] {"--hlog", drive.resolve("ego.csv").toString(), "is a file of the input"});
        cases.add(new String[] {"--results", drive.resolve("labels/000001.png").toString(), "is a file of the input"});
        cases.add(new String[] {"--stats", model.toString(), "is the same file as the input --model"});
        cases.add(new String[] {"--stats", calib.toString(), "is the same file as the input --calib"});
        for (String[] c : cases) {
            Cli.Outcome o = Cli.run("run", drive.toString(), "--model", model.toString(), "--calib",
                    calib.toString(), "--frames", "1", c[0], c[1]);
            Cli.assertOneLineError(o, 2, c[0] + " " + c[1], c[2], "nothing was written");
        }
        assertEquals(before, contents(drive), "the recording byte for byte");
        assertEquals(modelSum, contents(dir).get("small.onnx"));
        assertEquals(calibSum, contents(dir).get("camera.yaml"));
        // a new file beside the recording's is not one of its files: written
        Cli.Outcome beside = Cli.run("run", drive.toString(), "--model", model.toString(), "--frames", "1",
                "--results", drive.resolve("results.jsonl").toString(), "-q");
        assertEquals(0, beside.exit(), beside.stderr());
        Files.delete(drive.resolve("results.jsonl"));
    }

    @Test
    void aMergeDoesNotWriteOverTheReportsItReads() throws Exception {
        Path list = Files.writeString(dir.resolve("list.txt"), drive + "\n");
        Path report = dir.resolve("r.json");
        Cli.Outcome eval = Cli.run("eval", "--drives", list.toString(), "--model", model.toString(), "--json",
                report.toString());
        assertEquals(0, eval.exit(), eval.stderr());
        String text = Files.readString(report);
        Cli.assertOneLineError(Cli.run("merge", report.toString(), "--json", report.toString()), 2,
                "is the same file as the input");
        assertEquals(text, Files.readString(report));
        // reports of the wrong kind: what is wrong, in words, not the parser's internals
        Path array = Files.writeString(dir.resolve("array.json"), "[1, 2]");
        Cli.assertOneLineError(Cli.run("merge", array.toString()), 1, "not a roadseg", "array");
        Path negative = Files.writeString(dir.resolve("negative.json"), text.replaceFirst("\"confusion\":\\[\\d+",
                "\"confusion\":[-5"));
        Cli.assertOneLineError(Cli.run("merge", negative.toString()), 1, "negative count");
        Path binary = Files.write(dir.resolve("binary.json"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        Cli.assertOneLineError(Cli.run("merge", binary.toString()), 1, "binary.json", "not UTF-8");
        Cli.assertOneLineError(Cli.run("merge", dir.resolve("none.json").toString()), 1, "none.json",
                "no such file");
    }

    @Test
    void valuesThatWouldExhaustMemoryAreUsageErrors() {
        Cli.assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--input-size",
                "4096x4096"), 2, "--input-size 4096x4096", "at most");
        Cli.assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--input-size",
                "100000x100000"), 2, "--input-size 100000x100000");
        Cli.assertOneLineError(Cli.run("export-model", "--out", dir.resolve("wide.onnx").toString(), "--channels",
                "4096,4096,4096,4096"), 2, "--channels", "1 to 1024");
        Cli.assertOneLineError(Cli.run("compare", "a.json", "b.json", "--resamples", "100000000"), 2,
                "--resamples 100000000");
        Cli.assertOneLineError(Cli.run("bench", "--warmup", "-1"), 2, "--warmup -1");
    }

    @Test
    void theSmallestInputSizeRunsWithItsAnnotatedVideo() throws Exception {
        // the depth legend did not fit a 64-pixel pane: an OpenCV assertion instead of a video
        Path video = dir.resolve("tiny.mp4");
        Cli.Outcome o = Cli.run("run", drive.toString(), "--model", model.toString(), "--input-size", "64x64",
                "--out", video.toString(), "-q");
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(Files.size(video) > 0);
        Cli.assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--input-size",
                "32x32"), 2, "--input-size 32x32", "64 to 4096");
    }

    @Test
    void portsAndOutputsAreCheckedBeforeAnythingOpens() {
        Cli.assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--http", "99999"), 2,
                "--http 99999", "not a port");
        Cli.assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--serve",
                "ws://127.0.0.1:70000"), 2, "--serve ws://127.0.0.1:70000", "not a port");
        Cli.assertOneLineError(Cli.run("run", "ws://127.0.0.1:99999", "--model", model.toString()), 2,
                "ws://127.0.0.1:99999", "not a port");
        Cli.assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--engine", "gpu"), 2,
                "--engine gpu", "auto");
        Cli.assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--video-size", "3x3"),
                2, "--video-size 3x3");
        Cli.assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--hlog", "-"), 2,
                "--hlog -");
        Cli.assertOneLineError(Cli.run("export-model", "-o", "-"), 2, "-o -");
        if (Files.isDirectory(Path.of("/proc/self"))) { // a folder that says it is writable, even to root, and is not
            Cli.assertOneLineError(Cli.run("run", drive.toString(), "--model", model.toString(), "--out",
                    "/proc/roadseg-x.mp4"), 2, "--out /proc/roadseg-x.mp4", "cannot be written");
            Cli.assertOneLineError(Cli.run("sim", "--frames", "1", "--out", "/proc/roadseg-sim"), 2,
                    "--out /proc/roadseg-sim", "cannot be written");
        }
        Cli.assertOneLineError(Cli.run("sim", "--frames", "1", "--out", calib.toString()), 2, "is a file");
        Cli.assertOneLineError(Cli.run("sim", "--frames", "1", "--out", drive.toString()), 2, "not empty");
        Cli.assertOneLineError(Cli.run("sim", "--scene", "mars", "--out", dir.resolve("mars").toString()), 2,
                "mars");
        assertFalse(Files.exists(dir.resolve("mars")));
    }

    @Test
    void optionsThatClashWithEachOtherAreUsageErrors() throws Exception {
        String d = drive.toString();
        String m = model.toString();
        Cli.assertOneLineError(Cli.run("run", d, "--model", m, "--results", "-", "--stats", "-"), 2,
                "--results - and --stats -");
        Cli.assertOneLineError(Cli.run("run", d, "--model", m, "--out", "udp://127.0.0.1"), 2, "udp://127.0.0.1",
                "HOST:PORT");
        Cli.assertOneLineError(Cli.run("run", d, "--model", m, "--http", "127.0.0.1:18086", "--serve",
                "ws://127.0.0.1:18086"), 2, "one port for both");
        Cli.assertOneLineError(Cli.run("run", d, "--model", m, "--serve", "ws://127.0.0.1:18100", "--publish",
                "ws://127.0.0.1:18100"), 2, "its own server");
        Cli.assertOneLineError(Cli.run("export-model", "--out", dir.resolve("big.onnx").toString(), "--size",
                "100000x100000"), 2, "--size 100000x100000");
        Cli.assertOneLineError(Cli.run("train-bundle", "--camvid", dir.toString(), "--splits", "nope", "--out",
                dir.resolve("bundle").toString()), 2, "--splits nope", "not found");
        assertFalse(Files.exists(dir.resolve("bundle")), "nothing written before the splits are known");
        Cli.assertOneLineError(Cli.run("train", "--camvid", dir.toString(), "--splits", "a,a", "--out",
                dir.resolve("t.onnx").toString()), 2, "named twice");
        Cli.assertOneLineError(Cli.run("train", "--weight-decay", "NaN", "--out", dir.resolve("t.onnx").toString()),
                2, "--weight-decay NaN");
        Cli.assertOneLineError(Cli.run("build-engine", "--workspace-mb", "99999999"), 2, "--workspace-mb");
        // a lens that no calibration describes: k1 = 1e30 was taken and "undone"
        Path lens = Files.writeString(dir.resolve("lens.yaml"), Files.readString(calib).replaceFirst(
                "(?m)^k1:.*$", "k1: 1e30"));
        Cli.assertOneLineError(Cli.run("run", d, "--model", m, "--calib", lens.toString()), 1, "k1", "1000");
    }

    /** An SRT listener no receiver calls: bounded by --timeout, not waited for forever. */
    @Test
    void aNetworkOutputNobodyReceivesIsBoundedByTheTimeout() {
        long t0 = System.nanoTime();
        Cli.Outcome o = Cli.run("run", drive.toString(), "--model", model.toString(), "--timeout", "1", "--out",
                "srt://127.0.0.1:" + (20000 + (int) (ProcessHandle.current().pid() % 20000)) + "?mode=listener");
        Cli.assertOneLineError(o, 1, "no receiver within 1.0 s");
        assertTrue(System.nanoTime() - t0 < 20_000_000_000L, (System.nanoTime() - t0) / 1e9 + " s");
    }

    @Test
    void aServerThatAcceptsAndNeverAnswersIsNotWaitedForForever() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // and never a byte back
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            long t0 = System.nanoTime();
            Cli.Outcome o = Cli.run("info", "ws://127.0.0.1:" + silent.getLocalPort());
            Cli.assertOneLineError(o, 1, "no answer");
            assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "bounded: "
                    + (System.nanoTime() - t0) / 1e9 + " s");
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void aFleetWhoseEveryDriveFailedIsAFailedRun() throws Exception {
        Path list = Files.writeString(dir.resolve("gone.txt"), dir.resolve("gone-1") + "\n" + dir.resolve("gone-2")
                + "\n");
        Path report = dir.resolve("gone.json");
        Cli.Outcome o = Cli.run("eval", "--drives", list.toString(), "--model", model.toString(), "--json",
                report.toString());
        assertEquals(1, o.exit(), o.stderr());
        assertTrue(o.stderr().strip().lines().reduce((a, b) -> b).orElse("").contains("every drive failed"),
                o.stderr());
        assertTrue(Files.readString(report).contains("\"failed_drives\":2"), "the report is written first");
        Cli.Outcome replay = Cli.run("run", "--drives", list.toString(), "--out-dir", dir.resolve("gone-out")
                .toString(), "--model", model.toString());
        assertEquals(1, replay.exit(), replay.stderr());
        assertTrue(Files.exists(dir.resolve("gone-out/replay-shard-0-of-1.json")), "the summary is written first");
        Path empty = Files.createFile(dir.resolve("empty.onnx"));
        Cli.assertOneLineError(Cli.run("info", empty.toString()), 1, "empty.onnx", "empty file");
    }
}
