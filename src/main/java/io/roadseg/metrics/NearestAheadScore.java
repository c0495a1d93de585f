package io.roadseg.metrics;

/**
 * How well a model gives the distance to the nearest road user ahead ({@code postprocess.NearestAheadProbe}), class by
 * class, over the frames of a drive with ground truth: the same probe run on the true classes and depth gives the
 * true distance. A frame counts as <i>measured</i> where both report one (scored by AbsRel and δ&lt;1.25 of the
 * distance), <i>missed</i> where only the truth does, and <i>phantom</i> where only the prediction does. Sums only,
 * so scores of several runs add up.
 *
 * <p>Threading: not thread-safe; one writer.
 */
public final class NearestAheadScore {
    private final int classes;
    private final long[] measured;
    private final double[] absRelSum;
    private final long[] within125;
    private final long[] missed;
    private final long[] phantom;

    public NearestAheadScore(int classes) {
        this.classes = classes;
        measured = new long[classes];
        absRelSum = new double[classes];
        within125 = new long[classes];
        missed = new long[classes];
        phantom = new long[classes];
    }

    public int classes() {
        return classes;
    }

    /** Adds one frame's distances of class {@code c}: predicted and true, each NaN where the probe saw none. */
    public void add(int c, float predicted, float truth) {
        boolean p = !Float.isNaN(predicted);
        boolean t = !Float.isNaN(truth);
        if (p && t) {
            measured[c]++;
            absRelSum[c] += Math.abs(predicted - truth) / truth;
            double ratio = Math.max(predicted / truth, truth / predicted);
            within125[c] += ratio < 1.25 ? 1 : 0;
        } else if (t) {
            missed[c]++;
        } else if (p) {
            phantom[c]++;
        }
    }

    /**
     * Adds one frame of each class in {@code classes}: {@code predicted[c]} against {@code truth[c]}, per class id, as
     * {@code postprocess.NearestAheadProbe} fills them.
     */
    public void add(int[] classes, float[] predicted, float[] truth) {
        for (int c : classes) {
            add(c, predicted[c], truth[c]);
        }
    }

    /** Frames where both the prediction and the truth saw class {@code c} ahead. */
    public long measured(int c) {
        return measured[c];
    }

    public long missed(int c) {
        return missed[c];
    }

    public long phantom(int c) {
        return phantom[c];
    }

    /** Mean |predicted − true| / true over the measured frames; NaN when there are none. */
    public double absRel(int c) {
        return measured[c] == 0 ? Double.NaN : absRelSum[c] / measured[c];
    }

    /** Share of the measured frames whose distance is within a factor 1.25 of the truth; NaN when there are none. */
    public double delta1(int c) {
        return measured[c] == 0 ? Double.NaN : (double) within125[c] / measured[c];
    }

    /** The score as sums that add up: per class measured, Σ AbsRel, within 1.25, missed, phantom. */
    public double[] sums() {
        double[] s = new double[5 * classes];
        for (int c = 0; c < classes; c++) {
            s[5 * c] = measured[c];
            s[5 * c + 1] = absRelSum[c];
            s[5 * c + 2] = within125[c];
            s[5 * c + 3] = missed[c];
            s[5 * c + 4] = phantom[c];
        }
        return s;
    }

    /**
     * Adds sums in the layout of {@link #sums()} (another score's, e.g. read back from JSON); an empty array (a
     * drive scored without them) adds nothing.
     *
     * @throws IllegalArgumentException when the sums are for another number of classes
     */
    public void addSums(double[] s) {
        if (s.length == 0) {
            return;
        }
        if (s.length != 5 * classes) {
            throw new IllegalArgumentException("nearest-ahead sums of " + s.length / 5 + " classes, expected "
                    + classes);
        }
        for (int c = 0; c < classes; c++) {
            measured[c] += (long) s[5 * c];
            absRelSum[c] += s[5 * c + 1];
            within125[c] += (long) s[5 * c + 2];
            missed[c] += (long) s[5 * c + 3];
            phantom[c] += (long) s[5 * c + 4];
        }
    }

    /** Whether any class was seen ahead in any frame. */
    public boolean any() {
        for (int c = 0; c < classes; c++) {
            if (seen(c)) {
                return true;
            }
        }
        return false;
    }

    /** Whether class {@code c} was seen ahead in any frame, by the prediction or the truth. */
    public boolean seen(int c) {
        return measured[c] + missed[c] + phantom[c] > 0;
    }
}
