package io.roadseg.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the command line in-process and captures what it printed on stderr. */
public final class Cli {
    public record Outcome(int exit, String stderr) {
    }

    private Cli() {
    }

    public static synchronized Outcome run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            int exit = RoadsegCommand.execute(args);
            return new Outcome(exit, bytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }
}
