package io.roadseg.fleet;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The drives a fleet evaluation covers: a text file listing one drive per line ({@code #} comments, blank lines
 * ignored), or a glob over the local file system ({@code recordings/*}, {@code /data/drives/**}{@code /*.mcap}).
 * The list is sorted, so every process — a shard, a Spark executor, one {@code eval} — sees the same order, and
 * shard {@code i} of {@code N} takes the drives at positions {@code i, i+N, i+2N, …}.
 */
public final class DriveList {
    private DriveList() {
    }

    /**
     * @throws IOException when the list file cannot be read, or the glob's folder does not exist
     */
    public static List<String> read(String listOrGlob) throws IOException {
        List<String> drives = new ArrayList<>();
        Path asFile = Path.of(listOrGlob);
        if (!hasGlob(listOrGlob) && Files.isRegularFile(asFile)) {
            for (String line : Files.readAllLines(asFile)) {
                String d = line.strip();
                if (!d.isEmpty() && !d.startsWith("#")) {
                    drives.add(d);
                }
            }
        } else if (hasGlob(listOrGlob)) {
            int firstGlob = firstGlobChar(listOrGlob);
            int slash = listOrGlob.lastIndexOf('/', firstGlob);
            Path base = Path.of(slash < 0 ? "." : slash == 0 ? "/" : listOrGlob.substring(0, slash));
            if (!Files.isDirectory(base)) {
                throw new IOException("--drives " + listOrGlob + ": folder " + base + " does not exist");
            }
            String pattern = slash < 0 ? listOrGlob : listOrGlob.substring(slash + 1);
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
            try (Stream<Path> all = Files.walk(base, pattern.contains("**") ? Integer.MAX_VALUE
                    : pattern.split("/").length)) {
                all.filter(p -> !p.equals(base) && matcher.matches(base.relativize(p)))
                        .forEach(p -> drives.add(slash < 0 ? base.relativize(p).toString() : p.toString()));
            }
        } else {
            throw new IOException("--drives " + listOrGlob + ": no such list file (give a file with one drive per "
                    + "line, or a glob such as 'recordings/*')");
        }
        drives.sort(null);
        return drives;
    }

    /** The drives of shard {@code index} of {@code count} (0-based). */
    public static List<String> shard(List<String> drives, int index, int count) {
        List<String> mine = new ArrayList<>();
        for (int i = index; i < drives.size(); i += count) {
            mine.add(drives.get(i));
        }
        return mine;
    }

    /** Parses {@code i/N} (0 ≤ i < N); throws with a message naming the rule. */
    public static int[] parseShard(String shard) {
        String[] parts = shard.split("/");
        try {
            int i = Integer.parseInt(parts[0]);
            int n = Integer.parseInt(parts[1]);
            if (parts.length == 2 && n >= 1 && i >= 0 && i < n) {
                return new int[] {i, n};
            }
        } catch (RuntimeException ignored) {
            // fall through to the message
        }
        throw new IllegalArgumentException("--shard " + shard + ": expected i/N with 0 <= i < N, e.g. 0/3");
    }

    private static boolean hasGlob(String s) {
        return firstGlobChar(s) < s.length();
    }

    private static int firstGlobChar(String s) {
        for (int i = 0; i < s.length(); i++) {
            if ("*?[{".indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }
}
