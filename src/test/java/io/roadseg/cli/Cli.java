package io.roadseg.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the command line in-process and captures what it printed on stderr and stdout. */
public final class Cli {
    public record Outcome(int exit, String stderr, String stdout) {
    }

    private Cli() {
    }

    /** Runs the command line on another thread; the future holds its outcome. */
    public static java.util.concurrent.Future<Outcome> background(String... args) {
        java.util.concurrent.CompletableFuture<Outcome> f = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(run(args));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "cli");
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** A TCP port free a moment ago on this machine. */
    public static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Waits until something listens on 127.0.0.1:{@code port}; fails if the run ends first or after 30 s. */
    public static void awaitListening(int port, java.util.concurrent.Future<Outcome> run) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (run.isDone()) {
                throw new AssertionError("run ended before serving: " + run.get().stderr());
            }
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("nothing listening on " + port + " after 30 s");
    }

    /**
     * Bad input's contract: the exit code (1 for a failing input or output, 2 for a bad option value), exactly one
     * line starting "roadseg: " and last, containing every {@code mustContain}, no stack trace, no exception names.
     */
    public static void assertOneLineError(Outcome o, int exit, String... mustContain) {
        assertEquals(exit, o.exit(), o.stderr());
        String[] lines = o.stderr().strip().split("\n");
        long errorLines = Arrays.stream(lines).filter(l -> l.startsWith("roadseg: ")).count();
        assertEquals(1, errorLines, "exactly one error line: " + o.stderr());
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("roadseg: "), o.stderr());
        for (String s : mustContain) {
            assertTrue(last.contains(s), "'" + last + "' should contain '" + s + "'");
        }
        assertFalse(o.stderr().contains("\tat ") || o.stderr().contains("at io.roadseg"),
                "no stack trace: " + o.stderr());
        assertFalse(o.stderr().contains("Exception"), "no exception names: " + o.stderr());
    }

    public static synchronized Outcome run(String... args) {
        PrintStream saved = System.err;
        PrintStream savedOut = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int exit = RoadsegCommand.execute(args);
            String printed = out.toString(StandardCharsets.UTF_8);
            savedOut.print(printed);
            return new Outcome(exit, bytes.toString(StandardCharsets.UTF_8), printed);
        } finally {
            System.setErr(saved);
            System.setOut(savedOut);
        }
    }
}
