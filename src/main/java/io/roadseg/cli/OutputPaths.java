package io.roadseg.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a command's file outputs before anything is opened or written: no output may be an input file (the source,
 * a model, a calibration, a report being merged) or a file inside an input folder (a recording's video, its
 * transforms, a depth scene's {@code camera.json}), and no two outputs may be the same file (after resolving
 * {@code ..} and symbolic links); each must be creatable: a file can be made in its nearest existing folder (tried,
 * and removed at once: a folder that reports itself writable, as {@code /proc} does to root, is caught too).
 * {@code -} means standard output and is exempt. Violations are usage errors naming both options. Register the inputs
 * first. Stateless apart from what it collects.
 */
final class OutputPaths {
    private final Map<Path, String> claimed = new LinkedHashMap<>();
    /** Input folders, each with what it is: an output may not replace a file inside one. */
    private final List<Map.Entry<Path, String>> inputFolders = new ArrayList<>();

    /** Registers the input (a local file or folder; URIs and devices are not files and are skipped). */
    OutputPaths input(String source) {
        return input(null, source);
    }

    /**
     * Registers an input file or folder given with an option.
     *
     * @param option the option's name, e.g. {@code --calib}, or null for the command's input
     * @param value  the path, or null when the option is absent
     */
    OutputPaths input(String option, String value) {
        if (value == null || value.contains("://") || value.startsWith("-") || value.isEmpty()) {
            return this;
        }
        Path path = canonical(Path.of(value));
        String what = option == null ? "the input " + value : "the input " + option + " " + value;
        if (Files.isDirectory(path)) {
            inputFolders.add(Map.entry(path, what));
        } else {
            claimed.putIfAbsent(path, what);
        }
        return this;
    }

    /**
     * Registers an output.
     *
     * @param option the option's name, e.g. {@code --stats}
     * @param value  the path given, {@code -} for standard output, or null when the option is absent
     * @throws UsageError when it is an input or another output, replaces a file of an input folder, or cannot be
     *                    created
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
        for (Map.Entry<Path, String> folder : inputFolders) {
            if (path.startsWith(folder.getKey()) && Files.exists(path)) {
                throw new UsageError(option + " " + value + ": is a file of " + folder.getValue()
                        + ", which it would replace; nothing was written");
            }
        }
        writableFolder(option, value, path);
        return this;
    }

    /**
     * Registers an output folder (made if missing): it may not be an input file or folder itself (files written into
     * a new folder inside an input folder replace nothing of it).
     *
     * @throws UsageError when it is a file, an input, or cannot be created
     */
    OutputPaths outputFolder(String option, String value) throws UsageError {
        if (value == null) {
            return this;
        }
        Path path = canonical(Path.of(value));
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw new UsageError(option + " " + value + ": is a file, expected a folder");
        }
        String other = claimed.get(path);
        for (Map.Entry<Path, String> folder : inputFolders) {
            if (path.equals(folder.getKey())) {
                other = folder.getValue();
            }
        }
        if (other != null) {
            throw new UsageError(option + " " + value + ": is " + other + "; nothing was written");
        }
        writableFolder(option, value, path.resolve("probe"));
        return this;
    }

    /**
     * Registers an output folder that must be new or empty (a drive, a training bundle: written whole, never mixed
     * with what is there), as {@link #outputFolder}.
     *
     * @throws UsageError also when it holds anything
     */
    OutputPaths newFolder(String option, String value) throws UsageError {
        outputFolder(option, value);
        Path path = Path.of(value);
        if (Files.isDirectory(path)) {
            try (java.util.stream.Stream<Path> in = Files.list(path)) {
                if (in.findAny().isPresent()) {
                    throw new UsageError(option + " " + value + ": a folder that is not empty; give a new or empty "
                            + "one");
                }
            } catch (java.io.IOException e) {
                throw new UsageError(option + " " + value + ": cannot be listed (" + Errors.reason(e) + ")");
            }
        }
        return this;
    }

    /** The nearest existing folder of {@code path} must take a new file: one is made there and removed. */
    private static void writableFolder(String option, String value, Path path) throws UsageError {
        Path dir = path.getParent();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UsageError(option + " " + value + ": cannot be written (" + (dir == null ? "no folder"
                    : dir + " is not a folder") + "); nothing was written");
        }
        try {
            Files.delete(Files.createTempFile(dir, ".roadseg-probe", ".tmp"));
        } catch (java.io.IOException | RuntimeException e) {
            throw new UsageError(option + " " + value + ": cannot be written (" + dir + " does not take new files: "
                    + Errors.reason(e) + "); nothing was written");
        }
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
