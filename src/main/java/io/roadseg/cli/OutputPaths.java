package io.roadseg.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks a command's file outputs before anything is opened or written: no output may be the input, and no two
 * outputs may be the same file (after resolving {@code ..} and symbolic links); each must be creatable (its folder
 * exists or can be made, and is writable). {@code -} means standard output and is exempt. Violations are usage
 * errors naming both options. Stateless apart from what it collects.
 */
final class OutputPaths {
    private final Map<Path, String> claimed = new LinkedHashMap<>();

    /** Registers the input (a local file; URIs and devices are not files and are skipped). */
    OutputPaths input(String source) {
        if (source != null && !source.contains("://") && !source.startsWith("-")) {
            claimed.put(canonical(Path.of(source)), "the input " + source);
        }
        return this;
    }

    /**
     * Registers an output.
     *
     * @param option the option's name, e.g. {@code --stats}
     * @param value  the path given, {@code -} for standard output, or null when the option is absent
     * @throws UsageError when it is the input or another output, or cannot be created
     */
    OutputPaths output(String option, String value) throws UsageError {
        if (value == null || value.equals("-") || value.contains("://")) {
            return this;
        }
        Path path = canonical(Path.of(value));
        String other = claimed.putIfAbsent(path, option + " " + value);
        if (other != null) {
            throw new UsageError(option + " " + value + ": is the same file as " + other
                    + "; nothing was written");
        }
        if (Files.isDirectory(path)) {
            throw new UsageError(option + " " + value + ": is a folder, expected a file");
        }
        Path dir = path.getParent();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new UsageError(option + " " + value + ": cannot be written (" + (dir == null ? "no folder"
                    : dir + " is not a writable folder") + "); nothing was written");
        }
        return this;
    }

    /** The real path of an existing file, else the absolute normalised path with its existing parent made real. */
    private static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            if (Files.exists(abs)) {
                return abs.toRealPath();
            }
            Path parent = abs.getParent();
            if (parent != null && Files.exists(parent)) {
                return parent.toRealPath().resolve(abs.getFileName());
            }
        } catch (java.io.IOException e) {
            return abs;
        }
        return abs;
    }
}
