package io.roadseg.stats;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;

/**
 * The end-of-run summary: a table for people and a JSON document for programs. Stateless.
 */
public final class StatsReport {
    private StatsReport() {
    }

    /** Fixed-width table of every stage that saw values: count, mean, p50, p90, p99, p99.9, max (ms). */
    public static String table(LatencyStats stats) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-20s %8s %9s %9s %9s %9s %9s %9s%n", "stage (ms)", "count", "mean",
                "p50", "p90", "p99", "p99.9", "max"));
        for (Stage s : Stage.values()) {
            Histogram h = stats.total(s);
            if (h.getTotalCount() == 0) {
                continue;
            }
            b.append(String.format(Locale.ROOT, "%-20s %8d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f%n", s.key,
                    h.getTotalCount(), h.getMean() / 1e6, ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9),
                    h.getMaxValue() / 1e6));
        }
        b.append(String.format(Locale.ROOT, "frames: captured %d, processed %d, dropped at capture %d, skipped stale "
                        + "%d; %.1f s, %.2f fps", stats.captured(), stats.processed(), stats.droppedAtCapture(),
                stats.skippedStale(), stats.wallSeconds(), stats.processed() / Math.max(1e-9, stats.wallSeconds())));
        return b.toString();
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e6;
    }

    /** JSON summary; {@code header} entries (strings, numbers, booleans, {@link RawJson}) come first. */
    public static String json(LatencyStats stats, Map<String, Object> header) {
        StringBuilder b = new StringBuilder("{\n");
        for (Map.Entry<String, Object> e : header.entrySet()) {
            b.append("  ").append(quote(e.getKey())).append(": ").append(value(e.getValue())).append(",\n");
        }
        b.append(String.format(Locale.ROOT, "  \"wall_s\": %.3f,%n  \"fps\": %.3f,%n", stats.wallSeconds(),
                stats.processed() / Math.max(1e-9, stats.wallSeconds())));
        b.append(String.format(Locale.ROOT, "  \"frames\": {\"captured\": %d, \"processed\": %d, "
                        + "\"dropped_at_capture\": %d, \"skipped_stale\": %d},%n", stats.captured(),
                stats.processed(), stats.droppedAtCapture(), stats.skippedStale()));
        b.append("  \"latency_ms\": {");
        boolean first = true;
        for (Stage s : Stage.values()) {
            Histogram h = stats.total(s);
            if (h.getTotalCount() == 0) {
                continue;
            }
            b.append(first ? "\n" : ",\n");
            first = false;
            b.append(String.format(Locale.ROOT, "    \"%s\": {\"count\": %d, \"mean\": %.4f, \"p50\": %.4f, "
                            + "\"p90\": %.4f, \"p99\": %.4f, \"p99_9\": %.4f, \"max\": %.4f}", s.key,
                    h.getTotalCount(), h.getMean() / 1e6, ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9),
                    h.getMaxValue() / 1e6));
        }
        b.append("\n  }\n}\n");
        return b.toString();
    }

    /** Writes text atomically: a temporary file beside the target, then a rename. */
    public static void writeAtomically(Path target, String text) throws IOException {
        try {
            if (Files.exists(target) && !Files.isRegularFile(target)) {
                // a device, a pipe, /dev/stdout: written in place (a rename would replace the device with a file)
                Files.writeString(target, text, StandardCharsets.UTF_8);
                return;
            }
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            // A plain file (the umask's permissions, like any output) rather than createTempFile's owner-only one.
            Path tmp = dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                    : e.getMessage() != null && !e.getMessage().equals(target.toString()) ? e.getMessage()
                    : e.getClass().getSimpleName();
            throw new IOException(target + ": cannot write (" + why + ")", e);
        }
    }

    /** Writes {@code text} to standard output when {@code target} is {@code -}, else atomically to that file. */
    public static void writeTo(String target, String text) throws java.io.IOException {
        if (target.equals("-")) {
            System.out.print(text);
        } else {
            writeAtomically(Path.of(target), text);
        }
    }

    static String quote(String s) {
        return io.roadseg.ros.Json.quote(s);
    }

    /** A header value that is already JSON (an object or array) and is written as is. */
    public record RawJson(String json) {
    }

    private static String value(Object v) {
        if (v instanceof RawJson raw) {
            return raw.json();
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        return quote(String.valueOf(v));
    }
}
