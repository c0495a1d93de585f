package io.roadseg.metrics;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Accumulates a confusion matrix of class-id maps and derives IoU from it. Truth pixels whose id is outside
 * {@code [0, classes)} (void, unlabelled) are not evaluated; a predicted id outside that range counts as wrong.
 *
 * <p>Threading: not thread-safe; one writer. {@link #copyFrom} takes a consistent snapshot for another thread
 * when the caller synchronises the hand-over.
 */
public final class SegmentationScore {
    private final int classes;
    /** counts[truth * (classes + 1) + predicted]; predicted == classes means "outside the label set". */
    private final long[] counts;

    public SegmentationScore(int classes) {
        if (classes < 1 || classes > 255) {
            throw new IllegalArgumentException("classes must be in 1..255, got " + classes);
        }
        this.classes = classes;
        this.counts = new long[classes * (classes + 1)];
    }

    public int classes() {
        return classes;
    }

    /** Adds {@code pixels} pixels of a predicted map and its truth (one byte per pixel, from index 0). */
    public void add(ByteBuffer predicted, ByteBuffer truth, int pixels) {
        int stride = classes + 1;
        for (int i = 0; i < pixels; i++) {
            int t = truth.get(i) & 0xff;
            if (t >= classes) {
                continue;
            }
            int p = predicted.get(i) & 0xff;
            counts[t * stride + (p < classes ? p : classes)]++;
        }
    }

    /** Adds one pixel. */
    public void add(int predicted, int truth) {
        if (truth < 0 || truth >= classes) {
            return;
        }
        counts[truth * (classes + 1) + (predicted >= 0 && predicted < classes ? predicted : classes)]++;
    }

    public void clear() {
        Arrays.fill(counts, 0);
    }

    public void copyFrom(SegmentationScore other) {
        System.arraycopy(other.counts, 0, counts, 0, counts.length);
    }

    public void addAll(SegmentationScore other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
    }

    /** @return a copy of the confusion counts, {@code [truth * (classes + 1) + predicted]} (mergeable, exact) */
    public long[] counts() {
        return counts.clone();
    }

    /** Adds confusion counts in the layout of {@link #counts()} (another score's, e.g. read back from JSON). */
    public void addCounts(long[] other) {
        if (other.length != counts.length) {
            throw new IllegalArgumentException("confusion counts of " + other.length + " cells, expected "
                    + counts.length);
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other[i];
        }
    }

    private long truePositives(int c) {
        return counts[c * (classes + 1) + c];
    }

    /** Pixels whose truth is {@code c}. */
    public long truthPixels(int c) {
        long n = 0;
        for (int p = 0; p <= classes; p++) {
            n += counts[c * (classes + 1) + p];
        }
        return n;
    }

    /** Pixels predicted as {@code c} (among evaluated pixels). */
    public long predictedPixels(int c) {
        long n = 0;
        for (int t = 0; t < classes; t++) {
            n += counts[t * (classes + 1) + c];
        }
        return n;
    }

    public long evaluatedPixels() {
        long n = 0;
        for (long v : counts) {
            n += v;
        }
        return n;
    }

    /** IoU of class {@code c}, or NaN when the class appears in neither prediction nor truth. */
    public double iou(int c) {
        long tp = truePositives(c);
        long union = truthPixels(c) + predictedPixels(c) - tp;
        return union == 0 ? Double.NaN : (double) tp / union;
    }

    /** Mean of the per-class IoUs over the classes that appear (in prediction or truth); NaN if none. */
    public double meanIou() {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < classes; c++) {
            double v = iou(c);
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Share of evaluated pixels predicted correctly; NaN when none were evaluated. */
    public double pixelAccuracy() {
        long total = evaluatedPixels();
        long right = 0;
        for (int c = 0; c < classes; c++) {
            right += truePositives(c);
        }
        return total == 0 ? Double.NaN : (double) right / total;
    }
}
