package io.roadseg.metrics;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * How far the network's confidence can be trusted: labelled pixels counted by their confidence byte (the softmax
 * probability of the predicted class, {@code round(255·p)}, {@code postprocess.ClassMaps}) and how many of them were
 * right. From these exact, mergeable counts: the calibration (a reliability table and the expected calibration error,
 * ECE, over bins of 0.1 — Guo et al. 2017), and what a confidence threshold does (the share of pixels under it, how
 * often those are wrong, and the share of all wrong pixels it catches).
 *
 * <p>Truth pixels whose id is outside {@code [0, classes)} (void) are not counted. Threading: one writer.
 */
public final class ConfidenceScore {
    /** Reliability bins over [0, 1]. */
    public static final int BINS = 10;
    private final long[] pixels = new long[256];
    private final long[] correct = new long[256];

    /**
     * Adds {@code n} pixels (one byte each, from index 0).
     *
     * @param classes truth ids from {@code classes} up are void and skipped
     */
    public void add(ByteBuffer predicted, ByteBuffer confidence, ByteBuffer truth, int n, int classes) {
        for (int i = 0; i < n; i++) {
            int t = truth.get(i) & 0xff;
            if (t >= classes) {
                continue;
            }
            int q = confidence.get(i) & 0xff;
            pixels[q]++;
            if ((predicted.get(i) & 0xff) == t) {
                correct[q]++;
            }
        }
    }

    /** @return labelled pixels counted */
    public long pixels() {
        return Arrays.stream(pixels).sum();
    }

    /** @return share of the labelled pixels predicted right (NaN before any) */
    public double accuracy() {
        return ratio(Arrays.stream(correct).sum(), pixels());
    }

    /** @return mean confidence of the labelled pixels (NaN before any) */
    public double meanConfidence() {
        double s = 0;
        for (int q = 0; q < 256; q++) {
            s += pixels[q] * (q / 255.0);
        }
        return s / pixels();
    }

    /**
     * @return expected calibration error: Σ over bins of |accuracy − mean confidence|, weighted by the bin's share
     */
    public double ece() {
        long total = pixels();
        if (total == 0) {
            return Double.NaN;
        }
        double[][] bins = bins();
        double e = 0;
        for (int b = 0; b < BINS; b++) {
            double n = bins[0][b];
            if (n > 0) {
                e += Math.abs(bins[1][b] / n - bins[2][b] / n) * n / total;
            }
        }
        return e;
    }

    /** @return per reliability bin: pixels, right pixels, sum of confidence */
    private double[][] bins() {
        double[][] bins = new double[3][BINS];
        for (int q = 0; q < 256; q++) {
            int b = Math.min(BINS - 1, (int) (q / 255.0 * BINS));
            bins[0][b] += pixels[q];
            bins[1][b] += correct[q];
            bins[2][b] += pixels[q] * (q / 255.0);
        }
        return bins;
    }

    /** @return share of the labelled pixels whose confidence is under {@code threshold} */
    public double shareBelow(double threshold) {
        return ratio(count(pixels, threshold, true), pixels());
    }

    /** @return accuracy of the pixels under ({@code below}) or at and over the threshold */
    public double accuracy(double threshold, boolean below) {
        return ratio(count(correct, threshold, below), count(pixels, threshold, below));
    }

    /** @return share of all wrong pixels whose confidence is under the threshold (what a threshold would flag) */
    public double errorsBelow(double threshold) {
        long wrongBelow = count(pixels, threshold, true) - count(correct, threshold, true);
        long wrong = pixels() - Arrays.stream(correct).sum();
        return ratio(wrongBelow, wrong);
    }

    /** @return the counts, pixels then correct, 512 values (exact; {@link #addSums} adds them back) */
    public long[] sums() {
        long[] s = new long[512];
        System.arraycopy(pixels, 0, s, 0, 256);
        System.arraycopy(correct, 0, s, 256, 256);
        return s;
    }

    /** Adds counts in the layout of {@link #sums()}. */
    public void addSums(long[] s) {
        if (s.length != 512) {
            throw new IllegalArgumentException("confidence sums of " + s.length + " values, expected 512");
        }
        for (int q = 0; q < 256; q++) {
            pixels[q] += s[q];
            correct[q] += s[256 + q];
        }
    }

    /** @return one line: mean confidence, accuracy, ECE, and the pixels under {@code threshold} */
    public String summary(double threshold) {
        return String.format(Locale.ROOT, "confidence: mean %.3f, %.1f %% of the pixels right, ECE %.4f; %.1f %% of "
                + "the pixels under %.2f, %.0f %% of them right", meanConfidence(), 100 * accuracy(), ece(),
                100 * shareBelow(threshold), threshold, 100 * accuracy(threshold, true));
    }

    /**
     * @param temperature the softmax temperature the confidence was computed at, written first; NaN: left out
     * @return {@code {"temperature": …, "mean": …, "accuracy": …, "ece": …, "uncertain_share": …}} (uncertain: under
     * threshold)
     */
    public String json(double threshold, double temperature) {
        return String.format(Locale.ROOT, "{%s\"mean\": %.4f, \"accuracy\": %.4f, \"ece\": %.4f, "
                + "\"uncertain_share\": %.4f}", Double.isNaN(temperature) ? ""
                : String.format(Locale.ROOT, "\"temperature\": %.3f, ", temperature), meanConfidence(), accuracy(),
                ece(), shareBelow(threshold));
    }

    /**
     * @return the reliability table (per bin: share of pixels, mean confidence, accuracy), ECE, and the given
     * thresholds' effect, as text
     */
    public String table(double... thresholds) {
        StringBuilder b = new StringBuilder();
        long total = pixels();
        b.append(String.format(Locale.ROOT, "confidence (softmax probability of the predicted class) over %d "
                + "labelled pixels: mean %.3f, accuracy %.3f, ECE %.4f%n", total, meanConfidence(), accuracy(),
                ece()));
        b.append("  bin        share   mean p  accuracy\n");
        double[][] bins = bins();
        for (int bin = 0; bin < BINS; bin++) {
            double n = bins[0][bin];
            if (n == 0) {
                continue;
            }
            b.append(String.format(Locale.ROOT, "  %.1f-%.1f  %6.2f %%   %.3f     %.3f%n", bin / (double) BINS,
                    (bin + 1) / (double) BINS, 100.0 * n / total, bins[2][bin] / n, bins[1][bin] / n));
        }
        for (double t : thresholds) {
            b.append(String.format(Locale.ROOT, "  under %.2f: %.2f %% of pixels, accuracy %.3f (at or over: %.3f); "
                    + "%.1f %% of the wrong pixels%n", t, 100 * shareBelow(t), accuracy(t, true), accuracy(t, false),
                    100 * errorsBelow(t)));
        }
        return b.toString();
    }

    /** Sum of {@code counts[q]} over the bytes under (or at and over) the threshold. */
    private static long count(long[] counts, double threshold, boolean below) {
        long s = 0;
        for (int q = 0; q < 256; q++) {
            if ((q / 255.0 < threshold) == below) {
                s += counts[q];
            }
        }
        return s;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }
}
