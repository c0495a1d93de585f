package io.roadseg;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference implementations on the other side of the interoperability tests: Node scripts under
 * {@code src/test/node} using the official {@code @mcap/core}, {@code @foxglove/*} packages, installed from the
 * committed lock file with {@code npm ci} on first use. Tests that need them skip, with the reason, where Node or
 * the npm registry is not available.
 */
public final class NodeReference {
    public static final Path DIR = Path.of("src/test/node");
    private static Boolean installed;
    private static String whyNot;

    private NodeReference() {
    }

    /** Skips the calling test unless node is present and the packages are installed (installing them if needed). */
    public static synchronized void assume() {
        if (installed == null) {
            installed = install();
        }
        Assumptions.assumeTrue(installed, () -> "reference implementation unavailable: " + whyNot);
    }

    private static boolean install() {
        try {
            Process v = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            if (!v.waitFor(20, TimeUnit.SECONDS) || v.exitValue() != 0) {
                whyNot = "node does not run";
                return false;
            }
        } catch (IOException | InterruptedException e) {
            whyNot = "node not installed (" + e.getMessage() + ")";
            return false;
        }
        if (allInstalled()) {
            return true;
        }
        try {
            Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
                    .directory(DIR.toFile()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                whyNot = "npm ci failed in " + DIR + ": " + log.strip();
                return false;
            }
            return true;
        } catch (IOException | InterruptedException e) {
            whyNot = "npm not available (" + e.getMessage() + ")";
            return false;
        }
    }

    /** Whether every dependency package.json names is in node_modules (a package added later is installed then). */
    private static boolean allInstalled() {
        try {
            Object deps = io.roadseg.ros.Json.at(io.roadseg.ros.Json.parse(Files.readString(DIR.resolve("package.json"))),
                    "dependencies");
            for (String name : io.roadseg.ros.Json.object(deps).keySet()) {
                if (!Files.isDirectory(DIR.resolve("node_modules").resolve(name))) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Runs {@code node SCRIPT ARGS…} in {@link #DIR}; returns stdout; fails the test on a non-zero exit. */
    public static String run(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("node " + script + " did not finish in 120 s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("node " + script + " " + String.join(" ", args) + " exited " + p.exitValue()
                    + ": " + err);
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
