package io.roadseg.metrics;

import java.util.Arrays;

/**
 * The standard monocular-depth benchmark errors (Eigen et al. 2014, as KITTI and Monodepth2 report them), averaged
 * per frame: AbsRel, SqRel, RMSE, RMSE log, δ&lt;1.25, δ&lt;1.25², δ&lt;1.25³ over the pixels of each frame whose true
 * depth is known and within the cap; predictions are clamped to [{@value #MIN_DEPTH}, cap].
 *
 * <p>Each frame is scored three ways at once:
 * <ul>
 *   <li><b>metric</b> — the prediction as it is;</li>
 *   <li><b>median-scaled</b> — multiplied by median(truth) / median(prediction) of the frame, which removes the
 *       unknown global scale of a monocular network (the scales are kept: their mean and spread say how far the
 *       metric scale is off and how steady it is);</li>
 *   <li><b>constant baseline</b> — every pixel predicted at the frame's median true depth: an oracle constant that
 *       knows the scale but no structure. A model that does not beat it has learnt no usable depth.</li>
 * </ul>
 *
 * <p>Threading: not thread-safe; one writer. {@link #addFrame} reuses internal buffers (no allocation once they
 * have grown to the largest frame).
 */
public final class DepthBenchmark {
    /** Smallest depth a prediction is clamped to, metres. */
    public static final float MIN_DEPTH = 1e-3f;

    /** Errors of one way of predicting, averaged over frames. */
    public static final class Errors {
        private int frames;
        private double absRel;
        private double sqRel;
        private double rmse;
        private double rmseLog;
        private double delta1;
        private double delta2;
        private double delta3;

        void addFrame(float[] predicted, float[] truth, int n, double scale) {
            double a = 0;
            double sq = 0;
            double se = 0;
            double sl = 0;
            long d1 = 0;
            long d2 = 0;
            long d3 = 0;
            for (int i = 0; i < n; i++) {
                double t = truth[i];
                double p = predicted[i] * scale;
                double diff = p - t;
                a += Math.abs(diff) / t;
                sq += diff * diff / t;
                se += diff * diff;
                double logDiff = Math.log(p) - Math.log(t);
                sl += logDiff * logDiff;
                double ratio = Math.max(p / t, t / p);
                if (ratio < 1.25) {
                    d1++;
                }
                if (ratio < 1.25 * 1.25) {
                    d2++;
                }
                if (ratio < 1.25 * 1.25 * 1.25) {
                    d3++;
                }
            }
            frames++;
            absRel += a / n;
            sqRel += sq / n;
            rmse += Math.sqrt(se / n);
            rmseLog += Math.sqrt(sl / n);
            delta1 += d1 / (double) n;
            delta2 += d2 / (double) n;
            delta3 += d3 / (double) n;
        }

        public int frames() {
            return frames;
        }

        public double absRel() {
            return absRel / frames;
        }

        public double sqRel() {
            return sqRel / frames;
        }

        public double rmse() {
            return rmse / frames;
        }

        public double rmseLog() {
            return rmseLog / frames;
        }

        /** @return share of pixels with max(p/t, t/p) &lt; 1.25, in [0, 1] */
        public double delta1() {
            return delta1 / frames;
        }

        public double delta2() {
            return delta2 / frames;
        }

        public double delta3() {
            return delta3 / frames;
        }
    }

    private final float cap;
    private final Errors metric = new Errors();
    private final Errors medianScaled = new Errors();
    private final Errors constant = new Errors();
    private double scaleSum;
    private double scaleSquares;
    private float[] p = new float[0];
    private float[] t = new float[0];
    private float[] sorted = new float[0];

    /** @param cap largest true depth evaluated, metres (80 for KITTI-style results) */
    public DepthBenchmark(float cap) {
        if (!(cap > MIN_DEPTH)) {
            throw new IllegalArgumentException("depth cap " + cap + " m must be > " + MIN_DEPTH);
        }
        this.cap = cap;
    }

    /**
     * Scores one frame. Pixels whose true depth is not finite, not above {@value #MIN_DEPTH} or above the cap are left
     * out; predictions are clamped to [{@value #MIN_DEPTH}, cap].
     *
     * @param predicted predicted depth, metres
     * @param truth     true depth, metres (0 = unknown)
     * @param n         pixels to read from index 0 of both
     * @return the number of pixels scored (a frame with none is not counted)
     */
    public int addFrame(float[] predicted, float[] truth, int n) {
        if (p.length < n) {
            p = new float[n];
            t = new float[n];
            sorted = new float[n];
        }
        int m = 0;
        for (int i = 0; i < n; i++) {
            float d = truth[i];
            if (d > MIN_DEPTH && d <= cap && Float.isFinite(d)) {
                float q = predicted[i];
                p[m] = Float.isNaN(q) ? MIN_DEPTH : Math.max(MIN_DEPTH, Math.min(cap, q));
                t[m] = d;
                m++;
            }
        }
        if (m == 0) {
            return 0;
        }
        double medianTruth = median(t, m);
        double medianPredicted = median(p, m);
        double scale = medianTruth / medianPredicted;
        metric.addFrame(p, t, m, 1.0);
        medianScaled.addFrame(p, t, m, scale);
        scaleSum += scale;
        scaleSquares += scale * scale;
        for (int i = 0; i < m; i++) {
            sorted[i] = (float) medianTruth;
        }
        constant.addFrame(sorted, t, m, 1.0);
        return m;
    }

    private double median(float[] values, int n) {
        System.arraycopy(values, 0, sorted, 0, n);
        Arrays.sort(sorted, 0, n);
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /** @return errors of the prediction as it is */
    public Errors metric() {
        return metric;
    }

    /** @return errors after per-frame median scaling */
    public Errors medianScaled() {
        return medianScaled;
    }

    /** @return errors of the constant per-frame median true depth */
    public Errors constantBaseline() {
        return constant;
    }

    /** @return mean of the per-frame median scales (truth / prediction); 1 = the metric scale is right */
    public double scaleMean() {
        return scaleSum / metric.frames;
    }

    /** @return standard deviation of the per-frame median scales, over their mean (0 = a steady scale) */
    public double scaleRelativeSpread() {
        int n = metric.frames;
        double mean = scaleSum / n;
        double variance = Math.max(0, scaleSquares / n - mean * mean);
        return Math.sqrt(variance) / mean;
    }

    public float cap() {
        return cap;
    }
}
