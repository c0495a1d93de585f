package io.roadseg.metrics;

import java.nio.FloatBuffer;

/**
 * Accumulates the standard depth errors over pixels whose true depth is known (finite and {@code > 0}) and whose
 * prediction is positive.
 *
 * <p>Threading: not thread-safe; one writer.
 */
public final class DepthScore {
    private long pixels;
    private double absRelSum;
    private double squaredSum;
    private long withinDelta;

    /** Adds {@code n} pixels of predicted and true depth (metres, from index 0). */
    public void add(FloatBuffer predicted, FloatBuffer truth, int n) {
        add(predicted, truth, n, Float.POSITIVE_INFINITY);
    }

    /**
     * As {@link #add(FloatBuffer, FloatBuffer, int)}, evaluating only pixels whose true depth is at most
     * {@code cap} metres — the standard protocol of capping at the model's range (e.g. 80 m), since a model that
     * cannot output more cannot be judged beyond it.
     */
    public void add(FloatBuffer predicted, FloatBuffer truth, int n, float cap) {
        for (int i = 0; i < n; i++) {
            float t = truth.get(i);
            if (t <= cap) {
                add(predicted.get(i), t);
            }
        }
    }

    public void add(float predicted, float truth) {
        if (!(truth > 0) || Float.isInfinite(truth) || !(predicted > 0)) {
            return;
        }
        double diff = predicted - truth;
        absRelSum += Math.abs(diff) / truth;
        squaredSum += diff * diff;
        if (Math.max(predicted / truth, truth / predicted) < 1.25f) {
            withinDelta++;
        }
        pixels++;
    }

    public void clear() {
        pixels = 0;
        absRelSum = 0;
        squaredSum = 0;
        withinDelta = 0;
    }

    public void copyFrom(DepthScore other) {
        pixels = other.pixels;
        absRelSum = other.absRelSum;
        squaredSum = other.squaredSum;
        withinDelta = other.withinDelta;
    }

    public void addAll(DepthScore other) {
        pixels += other.pixels;
        absRelSum += other.absRelSum;
        squaredSum += other.squaredSum;
        withinDelta += other.withinDelta;
    }

    /** @return the sums the errors derive from: pixels, Σ|d−t|/t, Σ(d−t)², pixels within δ<1.25 */
    public double[] sums() {
        return new double[] {pixels, absRelSum, squaredSum, withinDelta};
    }

    /** Adds sums in the layout of {@link #sums()} (another score's, e.g. read back from JSON). */
    public void addSums(double[] s) {
        pixels += (long) s[0];
        absRelSum += s[1];
        squaredSum += s[2];
        withinDelta += (long) s[3];
    }

    public long pixels() {
        return pixels;
    }

    public double absRel() {
        return pixels == 0 ? Double.NaN : absRelSum / pixels;
    }

    public double rmse() {
        return pixels == 0 ? Double.NaN : Math.sqrt(squaredSum / pixels);
    }

    /** Share of pixels with max(d / t, t / d), t the true depth &lt; 1.25. */
    public double delta1() {
        return pixels == 0 ? Double.NaN : (double) withinDelta / pixels;
    }
}
