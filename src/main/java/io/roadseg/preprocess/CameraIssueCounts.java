package io.roadseg.preprocess;

import java.util.Locale;
import java.util.Map;

/**
 * How many frames of a run had each {@link CameraIssue}: the run's summary and {@code --stats}, a drive's row of a
 * fleet report ({@link #sums}, which add up across drives and shards). Counted by one thread (the pipeline's sink
 * stage, over the frames delivered); read once the run has ended.
 */
public final class CameraIssueCounts {
    private final long[] frames = new long[CameraIssue.ALL.size()];
    private long measured;
    private long withAny;

    /** Counts one frame's reading (a frame not measured is not counted). */
    public void count(CameraReading reading) {
        if (!reading.measured()) {
            return;
        }
        measured++;
        int mask = reading.issues();
        if (mask != 0) {
            withAny++;
            for (int k = 0; k < frames.length; k++) { // indexed: no iterator per frame
                if ((mask & (1 << k)) != 0) {
                    frames[k]++;
                }
            }
        }
    }

    /** The counts as numbers that add up across runs: frames measured, frames with any issue, then per issue. */
    public long[] sums() {
        long[] s = new long[2 + frames.length];
        s[0] = measured;
        s[1] = withAny;
        System.arraycopy(frames, 0, s, 2, frames.length);
        return s;
    }

    /** Adds counts in {@link #sums()}' layout (a drive's, a shard's). */
    public void addSums(long[] sums) {
        if (sums.length != 2 + frames.length) {
            throw new IllegalArgumentException("camera counts: expected " + (2 + frames.length) + " numbers, got "
                    + sums.length + " (a report from a roadseg with other camera checks: run it again with this one)");
        }
        measured += sums[0];
        withAny += sums[1];
        for (int k = 0; k < frames.length; k++) {
            frames[k] += sums[2 + k];
        }
    }

    public long measured() {
        return measured;
    }

    /** Frames with at least one issue. */
    public long withAny() {
        return withAny;
    }

    public long frames(CameraIssue issue) {
        return frames[issue.ordinal()];
    }

    /** One line for the run's summary: {@code camera: no issue in 250 frames} or the issues and their frames. */
    public String line() {
        if (withAny == 0) {
            return "camera: no issue in " + measured + " frames";
        }
        StringBuilder b = new StringBuilder("camera: issues in ").append(withAny).append(" of ").append(measured)
                .append(" frames (");
        String sep = "";
        for (CameraIssue issue : CameraIssue.ALL) {
            if (frames[issue.ordinal()] > 0) {
                b.append(sep).append(issue.key()).append(' ').append(frames[issue.ordinal()]);
                sep = ", ";
            }
        }
        return b.append(')').toString();
    }

    /** Reads {@link #json()} back (parsed into a map, numbers as any {@link Number}); an issue not named counts 0. */
    public static CameraIssueCounts fromJson(Map<String, Object> json) {
        long[] sums = new long[2 + CameraIssue.ALL.size()];
        sums[0] = count(json, "frames");
        sums[1] = count(json, "with_issue");
        for (CameraIssue issue : CameraIssue.ALL) {
            sums[2 + issue.ordinal()] = count(json, issue.key());
        }
        CameraIssueCounts c = new CameraIssueCounts();
        c.addSums(sums);
        return c;
    }

    private static long count(Map<String, Object> json, String key) {
        Object v = json.get(key);
        return v instanceof Number n ? n.longValue() : 0;
    }

    /** {@code {"frames":250,"with_issue":3,"dark":0,…}}: every issue, zero or not. */
    public String json() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "{\"frames\":%d,\"with_issue\":%d", measured,
                withAny));
        for (CameraIssue issue : CameraIssue.ALL) {
            b.append(",\"").append(issue.key()).append("\":").append(frames[issue.ordinal()]);
        }
        return b.append('}').toString();
    }
}
