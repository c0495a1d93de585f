package io.roadseg.metrics;

/**
 * How well a model gives the lead — the nearest road user in the vehicle's path, its closing speed and time to
 * contact ({@code postprocess.LeadTracker}) — over the frames of a drive with ground truth: the same probe run on the
 * true classes and depth gives the true lead, followed by the truth's tracker ({@code LeadTracker.truth}: the exact
 * distances' slope over a short window, strict tracks). Per frame:
 * <ul>
 *   <li>the lead's <i>distance</i>: scored by AbsRel and δ&lt;1.25 where both see a lead (<i>measured</i>; whether
 *       they name the same class is counted apart), <i>missed</i> where only the truth does, <i>phantom</i> where
 *       only the prediction does;</li>
 *   <li>its <i>closing speed</i>: the mean absolute error, m/s, over the frames where both have one;</li>
 *   <li>its <i>lateral position</i> ({@link #addLateral}): the mean absolute error, metres, over the frames where
 *       both read one;</li>
 *   <li>the <i>warning</i> a forward-collision warning would give, time to contact ≤ {@value #WARNING_SECONDS} s:
 *       frames where the truth warns, how many of them the prediction warns too, and how many frames the
 *       prediction warns where the truth does not;</li>
 *   <li>where the drive knows the path it drove ({@link #addPath}), the <i>path</i> the lead is looked for in: the
 *       mean absolute lateral error of its centre line {@value #PATH_METRES} m ahead, next to that of a straight
 *       path, so that a path read from the road shows whether it beats not reading one.</li>
 * </ul>
 * Sums only, so scores of several runs add up.
 *
 * <p>Threading: not thread-safe; one writer.
 */
public final class LeadScore {
    /** Time to contact at or below which a frame counts as a warning. */
    public static final double WARNING_SECONDS = 3.0;

    private long measured;
    private long sameClass;
    private double absRelSum;
    private long within125;
    private long missed;
    private long phantom;
    private long rated;
    private double closingErrorSum;
    private long lateralRated;
    private double lateralErrorSum;
    private long truthWarnings;
    private long warned;
    private long falseWarnings;
    private long pathRated;
    private double pathErrorSum;
    private double straightErrorSum;

    /** Distance ahead, metres, at which the path's lateral error is scored. */
    public static final double PATH_METRES = 30;

    /**
     * Adds one frame: the predicted lead (class id, -1 for none; metres; closing m/s; time to contact s, NaN where
     * not known or not closing) against the true one.
     */
    public void add(int predictedClass, float predictedMetres, float predictedClosing, float predictedTtc,
                    int trueClass, float trueMetres, float trueClosing, float trueTtc) {
        boolean p = predictedClass >= 0 && !Float.isNaN(predictedMetres);
        boolean t = trueClass >= 0 && !Float.isNaN(trueMetres);
        if (p && t) {
            measured++;
            sameClass += predictedClass == trueClass ? 1 : 0;
            absRelSum += Math.abs(predictedMetres - trueMetres) / trueMetres;
            double ratio = Math.max(predictedMetres / trueMetres, trueMetres / predictedMetres);
            within125 += ratio < 1.25 ? 1 : 0;
            if (!Float.isNaN(predictedClosing) && !Float.isNaN(trueClosing)) {
                rated++;
                closingErrorSum += Math.abs(predictedClosing - trueClosing);
            }
        } else if (t) {
            missed++;
        } else if (p) {
            phantom++;
        }
        boolean trueWarning = t && trueTtc <= WARNING_SECONDS;
        boolean predictedWarning = p && predictedTtc <= WARNING_SECONDS;
        truthWarnings += trueWarning ? 1 : 0;
        warned += trueWarning && predictedWarning ? 1 : 0;
        falseWarnings += predictedWarning && !trueWarning ? 1 : 0;
    }

    /**
     * Adds one frame's lead's lateral position, metres from the camera's axis, predicted and true (where both see a
     * lead; {@code postprocess.NearestAheadProbe#lateralOffset}); a frame where either is NaN adds nothing.
     */
    public void addLateral(float predictedMetres, float trueMetres) {
        if (Float.isNaN(predictedMetres) || Float.isNaN(trueMetres)) {
            return;
        }
        lateralRated++;
        lateralErrorSum += Math.abs(predictedMetres - trueMetres);
    }

    /** Frames whose lead's lateral position was scored ({@link #addLateral}). */
    public long lateralRated() {
        return lateralRated;
    }

    /** Mean absolute error of the lead's lateral position, metres; NaN when none was scored. */
    public double lateralMae() {
        return lateralRated == 0 ? Double.NaN : lateralErrorSum / lateralRated;
    }

    /**
     * Adds one frame's path: the curvatures, 1/m (positive turning right), of the predicted path and of the one
     * driven, both starting along the camera's axis, scored by their centre lines' lateral offsets
     * {@code ½·κ·d²} {@value #PATH_METRES} m ahead; a frame where either is NaN adds nothing.
     */
    public void addPath(double predictedCurvature, double trueCurvature) {
        if (Double.isNaN(predictedCurvature) || Double.isNaN(trueCurvature)) {
            return;
        }
        double reach = 0.5 * PATH_METRES * PATH_METRES; // the offset per unit of curvature
        double predictedOffset = predictedCurvature * reach;
        double trueOffset = trueCurvature * reach;
        pathRated++;
        pathErrorSum += Math.abs(predictedOffset - trueOffset);
        straightErrorSum += Math.abs(trueOffset);
    }

    /** Frames whose path was scored ({@link #addPath}). */
    public long pathRated() {
        return pathRated;
    }

    /** Mean lateral error, metres, of the path's centre {@value #PATH_METRES} m ahead; NaN when none was scored. */
    public double pathMae() {
        return pathRated == 0 ? Double.NaN : pathErrorSum / pathRated;
    }

    /** The same for a straight path along the optical axis (the true path's own offset there). */
    public double straightPathMae() {
        return pathRated == 0 ? Double.NaN : straightErrorSum / pathRated;
    }

    /** Frames where both the prediction and the truth saw a lead. */
    public long measured() {
        return measured;
    }

    /** Of the measured frames, those where both name the same class. */
    public long sameClass() {
        return sameClass;
    }

    public long missed() {
        return missed;
    }

    public long phantom() {
        return phantom;
    }

    /** Mean |predicted − true| / true distance over the measured frames; NaN when there are none. */
    public double absRel() {
        return measured == 0 ? Double.NaN : absRelSum / measured;
    }

    /** Share of the measured frames whose distance is within a factor 1.25 of the truth; NaN when there are none. */
    public double delta1() {
        return measured == 0 ? Double.NaN : (double) within125 / measured;
    }

    /** Measured frames where both have a closing speed. */
    public long rated() {
        return rated;
    }

    /** Mean absolute error of the closing speed, m/s, over the {@link #rated} frames; NaN when there are none. */
    public double closingMae() {
        return rated == 0 ? Double.NaN : closingErrorSum / rated;
    }

    /** Frames where the truth's time to contact is at most {@link #WARNING_SECONDS}. */
    public long truthWarnings() {
        return truthWarnings;
    }

    /** Of {@link #truthWarnings}, the frames where the prediction warns too. */
    public long warned() {
        return warned;
    }

    /** Frames where the prediction warns and the truth does not. */
    public long falseWarnings() {
        return falseWarnings;
    }

    /**
     * Number of values in {@link #sums()}; scores written before the lateral position was scored have
     * {@link #SUMS_NO_LATERAL}, before the path was, {@link #SUMS_NO_PATH}.
     */
    public static final int SUMS = 16;
    public static final int SUMS_NO_LATERAL = 14;
    public static final int SUMS_NO_PATH = 11;

    /**
     * The score as sums that add up: measured, same class, Σ AbsRel, within 1.25, missed, phantom, rated,
     * Σ |closing error|, true warnings, warned, false warnings, paths rated, Σ |path error|, Σ |straight path error|,
     * lateral positions rated, Σ |lateral error|.
     */
    public double[] sums() {
        return new double[] {measured, sameClass, absRelSum, within125, missed, phantom, rated, closingErrorSum,
                truthWarnings, warned, falseWarnings, pathRated, pathErrorSum, straightErrorSum, lateralRated,
                lateralErrorSum};
    }

    /**
     * Adds sums in the layout of {@link #sums()} (another score's, e.g. read back from JSON); an empty array (a
     * drive scored without them) adds nothing.
     *
     * @throws IllegalArgumentException when the array has another length
     */
    public void addSums(double[] s) {
        if (s.length == 0) {
            return;
        }
        if (s.length != SUMS && s.length != SUMS_NO_LATERAL && s.length != SUMS_NO_PATH) {
            throw new IllegalArgumentException("lead sums of " + s.length + " values, expected " + SUMS + " (or "
                    + SUMS_NO_LATERAL + " without the lateral position, " + SUMS_NO_PATH + " without the path)");
        }
        measured += (long) s[0];
        sameClass += (long) s[1];
        absRelSum += s[2];
        within125 += (long) s[3];
        missed += (long) s[4];
        phantom += (long) s[5];
        rated += (long) s[6];
        closingErrorSum += s[7];
        truthWarnings += (long) s[8];
        warned += (long) s[9];
        falseWarnings += (long) s[10];
        if (s.length >= SUMS_NO_LATERAL) {
            pathRated += (long) s[11];
            pathErrorSum += s[12];
            straightErrorSum += s[13];
        }
        if (s.length == SUMS) {
            lateralRated += (long) s[14];
            lateralErrorSum += s[15];
        }
    }

    /** Whether any frame had a lead, predicted or true. */
    public boolean any() {
        return measured + missed + phantom > 0;
    }
}
