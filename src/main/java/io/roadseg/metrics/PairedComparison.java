package io.roadseg.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A candidate's error against a baseline's on the same units (the scenes of a depth benchmark), with a paired
 * bootstrap interval of the difference: whether a change is larger than the units' own spread.
 *
 * <p>The figure is the weighted mean over units of a per-unit value (a scene's per-frame mean AbsRel, weighted by its
 * frames, gives the benchmark's per-frame mean). The units are the sampling unit: frames of one scene share the
 * street, the light and the camera, so resampling frames would understate the spread. The interval is the percentile
 * bootstrap: {@code resamples} draws of as many units as there are, with replacement, the weighted mean of the paired
 * differences of each draw, its 2.5th and 97.5th percentiles (Efron and Tibshirani 1993, ch. 13). With 11 scenes it is
 * coarse, and it says so in its width; it does not replace data the repo never sees.
 *
 * @param difference   weighted mean of candidate − baseline
 * @param lower        2.5th percentile of the bootstrap distribution of that mean
 * @param upper        97.5th percentile
 * @param higher       units where the candidate's value is higher than the baseline's
 * @param lowerCount   units where it is lower
 * @param units        units compared
 */
public record PairedComparison(double difference, double lower, double upper, int higher, int lowerCount,
                               int units) {

    /**
     * @param candidate per-unit values of the candidate
     * @param baseline  per-unit values of the baseline, same units in the same order
     * @param weights   per-unit weights (e.g. frames), positive
     * @param resamples bootstrap draws, at least 100
     * @param seed      the draws' seed (the same inputs and seed give the same interval)
     */
    public static PairedComparison of(double[] candidate, double[] baseline, double[] weights, int resamples,
                                      long seed) {
        int n = candidate.length;
        if (n == 0 || baseline.length != n || weights.length != n) {
            throw new IllegalArgumentException("paired comparison: " + n + " candidate, " + baseline.length
                    + " baseline values and " + weights.length + " weights; need as many of each, at least one");
        }
        if (resamples < 100) {
            throw new IllegalArgumentException("paired comparison: " + resamples + " resamples; at least 100");
        }
        double[] d = new double[n];
        int higher = 0;
        int lower = 0;
        for (int i = 0; i < n; i++) {
            if (!(weights[i] > 0) || !Double.isFinite(candidate[i]) || !Double.isFinite(baseline[i])) {
                throw new IllegalArgumentException("paired comparison: unit " + i + " has weight " + weights[i]
                        + ", values " + candidate[i] + " and " + baseline[i]
                        + "; need a positive weight, finite values");
            }
            d[i] = candidate[i] - baseline[i];
            if (d[i] > 0) {
                higher++;
            } else if (d[i] < 0) {
                lower++;
            }
        }
        double[] means = new double[resamples];
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            double w = 0;
            for (int k = 0; k < n; k++) {
                int i = random.nextInt(n);
                sum += weights[i] * d[i];
                w += weights[i];
            }
            means[r] = sum / w;
        }
        Arrays.sort(means);
        return new PairedComparison(weightedMean(d, weights), percentile(means, 0.025), percentile(means, 0.975),
                higher, lower, n);
    }

    /** @return {@code Σ w_i v_i / Σ w_i} */
    public static double weightedMean(double[] v, double[] w) {
        double sum = 0;
        double total = 0;
        for (int i = 0; i < v.length; i++) {
            sum += w[i] * v[i];
            total += w[i];
        }
        return sum / total;
    }

    /** Linear interpolation between order statistics (the sorted values at positions 0..n−1). */
    static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int i = (int) Math.floor(pos);
        int j = Math.min(sorted.length - 1, i + 1);
        return sorted[i] + (pos - i) * (sorted[j] - sorted[i]);
    }

    /**
     * @param lowerIsBetter true for errors (AbsRel, RMSE), false for scores (δ&lt;1.25)
     * @return "better", "worse" or "level" — better or worse only when the whole 95 % interval is on that side of 0
     */
    public String verdict(boolean lowerIsBetter) {
        if (lower > 0) {
            return lowerIsBetter ? "worse" : "better";
        }
        if (upper < 0) {
            return lowerIsBetter ? "better" : "worse";
        }
        return "level";
    }
}
