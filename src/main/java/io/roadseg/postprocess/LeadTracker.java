package io.roadseg.postprocess;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The lead: the nearest road user in the vehicle's path ({@link NearestAheadProbe#inPath}), followed over time for its
 * closing speed and time to contact — the figures adaptive cruise control and a forward-collision warning read.
 *
 * <p>Each frame the lead is the nearest of the road-user classes seen in the path, nearer than {@value #FAR_SHARE}
 * of the model's maximum depth (where the depth saturates, a car at the horizon reads the same at 80 m as at 110).
 * Its readings of the last {@value #WINDOW_SECONDS} s are one track while they are continuous: a frame whose distance
 * jumps from the last by more than {@value #JUMP_METRES} m or {@value #JUMP_SHARE} of it (plus
 * {@value #MAX_RELATIVE_SPEED} m/s times the time between them), or that comes more than {@value #MAX_GAP_SECONDS} s
 * after the last, or earlier than it (a replay looping), starts a new track. So do {@value #SWITCH_FRAMES} frames in a
 * row of a class other than the one the track started with (a car giving way to a bicyclist at the same distance:
 * the car's history would hold the bicyclist's closing speed back for a second), the new track holding those frames,
 * but not one or two (the same object read as a pedestrian one frame and a bicyclist the next is one object). Frames
 * without a lead keep the track for the gap above.
 *
 * <p><b>From its apparent height</b>, where the frames give it ({@link NearestAheadProbe#apparentHeight}): a rigid
 * object's height in the picture is inversely proportional to its distance, so its inverse is a distance of unknown
 * scale, free of the depth's errors (a far car read 45 % too far, converging on the truth as it nears, is a closing
 * speed twice too high; its height grows as it should). The time to contact is that inverse now (the Theil–Sen line's
 * value at the current frame: the median over the samples of each one carried forward at the slope) over minus its
 * Theil–Sen slope — scale-free; the closing speed is the slope times the scale, the median of the samples' distance ×
 * height. Distance × height is one number for one object: a frame whose product is {@value #SIZE_MISMATCH}× off the
 * track's median is a misread height (not counted) or another object (a car behind a bicyclist, a pedestrian beside
 * it, within the distance's jump allowance), which {@value #SWITCH_FRAMES} such frames in a row take for a new track.
 *
 * From the heights, a time to contact is given only while the growth is clear of their noise: the upper end of
 * the slope's 95 % confidence interval (Sen's, from the ranks of the pairwise slopes) below zero.
 *
 * <p><b>From its distance</b> otherwise (fewer than {@value #MIN_SAMPLES} heights over {@value #MIN_SPAN_SECONDS} s:
 * the object cut by the picture's edge, misread heights, or the caller gives none): the closing speed is the
 * negative Theil–Sen slope of the distances, the time to contact the line's distance now over it.
 *
 * <p>Either way the slope is the median of the slopes between every pair of samples, so that a few misread frames
 * do not move it; a closing speed is given once the track holds {@value #MIN_SAMPLES} samples over
 * {@value #MIN_SPAN_SECONDS} s, and a time to contact only while closing faster than {@value #MIN_CLOSING_MPS} m/s:
 * constant relative speed, the first-order time to contact, no braking modelled.
 *
 * <p>Threading: one thread (the postprocess stage's); no allocation after construction.
 */
public final class LeadTracker {
    /** Seconds of the track the closing speed is fitted over. */
    public static final double WINDOW_SECONDS = 1.0;
    /** Seconds without a lead after which the track is forgotten. */
    public static final double MAX_GAP_SECONDS = 0.5;
    /** Fewest samples, over at least {@link #MIN_SPAN_SECONDS}, for a closing speed. */
    public static final int MIN_SAMPLES = 5;
    public static final double MIN_SPAN_SECONDS = 0.3;
    /** Closing speed below which no time to contact is given (metres per second). */
    public static final double MIN_CLOSING_MPS = 0.5;
    /** A distance this far from the track's last (or this share of it, whichever is more) starts a new track. */
    public static final double JUMP_METRES = 2.0;
    public static final double JUMP_SHARE = 0.2;
    /** The relative speed a track may show between two frames without being taken for another object (m/s). */
    public static final double MAX_RELATIVE_SPEED = 40.0;
    /**
     * A frame whose distance × apparent height is this factor or more off the track's median is not the track's
     * object: its height is not counted, and {@link #SWITCH_FRAMES} such frames in a row start a new track.
     */
    public static final float SIZE_MISMATCH = 1.5f;
    public static final int SWITCH_FRAMES = 3;
    /** The true lead's window and its least track ({@link #truth}). */
    public static final double TRUTH_WINDOW_SECONDS = 0.3;
    public static final int TRUTH_MIN_SAMPLES = 3;
    public static final double TRUTH_MIN_SPAN_SECONDS = 0.1;
    /** The truth's distances are exact: a jump beyond this (plus the relative speed's) is another object. */
    public static final double TRUTH_JUMP_METRES = 0.5;
    /** Samples kept at most: the whole window up to 64 frames per second, the last 64 frames above that. */
    static final int CAPACITY = 64;

    /** Share of the model's maximum depth from which a distance is taken as saturated: too far to tell. */
    public static final double FAR_SHARE = 0.97;

    /** The class the track started with, and the frames in a row since that read as another class. */
    private int trackClass = -1;
    private int classRun;
    private final int[] roadUsers;
    private final float farLimit;
    private final double window;
    private final int minSamples;
    private final double minSpan;
    private final double jumpMetres;
    private final double jumpShare;
    /** Frames in a row of another class that make a new track: the truth's classes are exact, so 1 there. */
    private final int classSwitchFrames;
    private final double[] times = new double[CAPACITY];
    private final float[] distances = new float[CAPACITY];
    /** Apparent heights, pixels; NaN where a frame gave none or it was not counted (a mismatch). */
    private final float[] heights = new float[CAPACITY];
    private final float[] slopes = new float[CAPACITY * (CAPACITY - 1) / 2];
    private final float[] carried = new float[CAPACITY];
    private final float[] scales = new float[CAPACITY];
    /** Frames in a row whose height is mismatched. */
    private int mismatches;
    private int first;
    private int count;

    private int leadClass = -1;
    private float distance = Float.NaN;
    private float lateral = Float.NaN;
    private float closingSpeed = Float.NaN;
    private float timeToContact = Float.NaN;

    /**
     * @param roadUsers the class ids the lead may be (-1 entries ignored), e.g. {@code FrameResult.roadUserIds}
     * @param maxDepth  the model's maximum depth, metres: a road user read at {@value #FAR_SHARE} of it or beyond is
     *                  at the depth's saturation, not at a distance, and is not taken for the lead
     */
    public LeadTracker(int[] roadUsers, float maxDepth) {
        this(roadUsers, maxDepth, WINDOW_SECONDS, MIN_SAMPLES, MIN_SPAN_SECONDS, JUMP_METRES, JUMP_SHARE,
                SWITCH_FRAMES);
    }

    private LeadTracker(int[] roadUsers, float maxDepth, double window, int minSamples, double minSpan,
                        double jumpMetres, double jumpShare, int classSwitchFrames) {
        this.roadUsers = Arrays.stream(roadUsers).filter(id -> id >= 0).toArray();
        this.farLimit = maxDepth > 0 ? (float) (FAR_SHARE * maxDepth) : Float.POSITIVE_INFINITY;
        this.window = window;
        this.minSamples = minSamples;
        this.minSpan = minSpan;
        this.jumpMetres = jumpMetres;
        this.jumpShare = jumpShare;
        this.classSwitchFrames = classSwitchFrames;
    }

    /**
     * The tracker of the true lead, for scoring: fed exact distances (and no heights), it needs no long window to be
     * steady, and a long one lags — a car braking hard ahead closes at 17 m/s while a one-second slope of its exact
     * distances still says 3. Its closing speed is the slope over the last {@value #TRUTH_WINDOW_SECONDS} s (at least
     * {@value #TRUTH_MIN_SAMPLES} samples over {@value #TRUTH_MIN_SPAN_SECONDS} s). And a short window cannot hide
     * another object taking over the track, so its tracks are strict: a change of class (exact in the truth) or a
     * jump of more than {@value #TRUTH_JUMP_METRES} m beyond what {@value #MAX_RELATIVE_SPEED} m/s explains starts a
     * new one. All else as the prediction's.
     */
    public static LeadTracker truth(int[] roadUsers, float maxDepth) {
        return new LeadTracker(roadUsers, maxDepth, TRUTH_WINDOW_SECONDS, TRUTH_MIN_SAMPLES, TRUTH_MIN_SPAN_SECONDS,
                TRUTH_JUMP_METRES, 0, 1);
    }

    /**
     * One frame, from its distances alone: picks the lead from {@code inPath} (metres per class id, NaN where the
     * class is not in the path, as {@link NearestAheadProbe#measure} fills it) and updates its track.
     *
     * @param timeMicros the frame's time in the source, microseconds (its presentation time: frames dropped before
     *                   it leave a gap, not a shorter interval)
     */
    public void update(long timeMicros, float[] inPath) {
        int lead = choose(inPath);
        update(timeMicros, lead, lead < 0 ? Float.NaN : inPath[lead], Float.NaN);
    }

    /**
     * One frame as the pipeline reads it: picks the lead from {@code inPath}, which {@code path} filled from these
     * maps, measures its apparent height in them and updates its track.
     */
    public void update(long timeMicros, float[] inPath, NearestAheadProbe path, ByteBuffer classIds,
                       FloatBuffer depth) {
        int lead = choose(inPath);
        float metres = lead < 0 ? Float.NaN : inPath[lead];
        float height = lead < 0 ? Float.NaN : path.apparentHeight(classIds, depth, metres);
        update(timeMicros, lead, metres, height, lead < 0 ? Float.NaN : path.lateralOffset());
    }

    /**
     * One frame with its lead already chosen: class {@code classId} at {@code metres}, its apparent height
     * {@code heightPixels} (NaN where not known); -1 and NaN for no lead.
     */
    public void update(long timeMicros, int classId, float metres, float heightPixels) {
        update(timeMicros, classId, metres, heightPixels, Float.NaN);
    }

    /**
     * One frame with its lead already chosen, and where it stands across: {@code lateralMetres} right of the optical
     * axis ({@link NearestAheadProbe#lateralOffset}; NaN where not known), reported as read ({@link #lateral}); the
     * track does not use it (a new track at a jump of it was measured and not adopted: README, the lead).
     */
    public void update(long timeMicros, int classId, float metres, float heightPixels, float lateralMetres) {
        double t = timeMicros / 1e6;
        if (count > 0) {
            double last = times[index(count - 1)];
            if (t < last || t - last > MAX_GAP_SECONDS) {
                count = 0;
                mismatches = 0;
            }
        }
        leadClass = Float.isNaN(metres) || metres >= farLimit ? -1 : classId;
        distance = leadClass < 0 ? Float.NaN : metres;
        lateral = leadClass < 0 ? Float.NaN : lateralMetres;
        closingSpeed = Float.NaN;
        timeToContact = Float.NaN;
        if (leadClass < 0) {
            return;
        }
        if (count > 0) {
            int last = index(count - 1);
            double dt = t - times[last];
            double allowed = Math.max(jumpMetres, jumpShare * distances[last]) + MAX_RELATIVE_SPEED * dt;
            if (dt <= 0 || Math.abs(metres - distances[last]) > allowed) {
                count = 0; // another object, or a second reading of the same instant
                mismatches = 0;
            }
        }
        while (count > 0 && t - times[first] > window) {
            drop();
        }
        if (count == CAPACITY) {
            drop();
        }
        if (count > 0 && leadClass != trackClass) {
            if (++classRun >= classSwitchFrames) {
                // another kind of object has taken the track over: its track starts with its frames before this one
                while (count > classSwitchFrames - 1) {
                    drop();
                }
                trackClass = leadClass;
                classRun = 0;
                mismatches = 0;
            }
        } else {
            classRun = 0;
        }
        if (count == 0) {
            trackClass = leadClass;
            classRun = 0;
        }
        boolean measured = heightPixels > 0 && !Float.isInfinite(heightPixels);
        if (measured && count > 0 && mismatched(metres * heightPixels)) {
            if (++mismatches >= SWITCH_FRAMES) {
                count = 0; // another object has taken the track over
                mismatches = 0;
            } else {
                measured = false; // a misread height, or the first frames of another object: not counted
            }
        } else if (measured) {
            mismatches = 0;
        }
        int at = index(count++);
        times[at] = t;
        distances[at] = metres;
        heights[at] = measured ? heightPixels : Float.NaN;
        if (count < minSamples || t - times[first] < minSpan || fromHeight(t)) {
            return;
        }
        int pairs = 0;
        for (int i = 0; i < count; i++) {
            int a = index(i);
            for (int j = i + 1; j < count; j++) {
                int b = index(j);
                slopes[pairs++] = (float) ((distances[b] - distances[a]) / (times[b] - times[a]));
            }
        }
        float slope = FloatSelect.median(slopes, pairs);
        for (int i = 0; i < count; i++) {
            int a = index(i);
            carried[i] = (float) (distances[a] + slope * (t - times[a]));
        }
        float now = FloatSelect.median(carried, count);
        closingSpeed = -slope;
        timeToContact = closingSpeed >= MIN_CLOSING_MPS && now > 0 ? now / closingSpeed : Float.NaN;
    }

    /** Whether {@code scale} (distance × height) is {@link #SIZE_MISMATCH}× off the track's heights' median. */
    private boolean mismatched(float scale) {
        int m = 0;
        for (int i = 0; i < count; i++) {
            int a = index(i);
            if (!Float.isNaN(heights[a])) {
                scales[m++] = distances[a] * heights[a];
            }
        }
        if (m == 0) {
            return false;
        }
        float ratio = scale / FloatSelect.median(scales, m);
        return ratio >= SIZE_MISMATCH || ratio <= 1 / SIZE_MISMATCH;
    }

    /**
     * The closing speed and time to contact from the track's apparent heights (the class comment).
     *
     * @return false, setting nothing, where fewer than {@link #minSamples} heights span {@link #minSpan}
     */
    private boolean fromHeight(double t) {
        int n = 0;
        double firstTime = Double.NaN;
        for (int i = 0; i < count; i++) {
            int a = index(i);
            if (!Float.isNaN(heights[a])) {
                firstTime = n == 0 ? times[a] : firstTime;
                n++;
            }
        }
        if (n < minSamples || t - firstTime < minSpan) {
            return false;
        }
        int pairs = 0;
        for (int i = 0; i < count; i++) {
            int a = index(i);
            if (Float.isNaN(heights[a])) {
                continue;
            }
            for (int j = i + 1; j < count; j++) {
                int b = index(j);
                if (!Float.isNaN(heights[b])) {
                    slopes[pairs++] = (float) ((1 / heights[b] - 1 / heights[a]) / (times[b] - times[a]));
                }
            }
        }
        float slope = FloatSelect.median(slopes, pairs); // of the inverse height: 1/pixels per second
        int m = 0;
        for (int i = 0; i < count; i++) {
            int a = index(i);
            if (!Float.isNaN(heights[a])) {
                carried[m] = (float) (1 / heights[a] + slope * (t - times[a]));
                scales[m++] = distances[a] * heights[a];
            }
        }
        // closing only where the heights show it: the upper end of the slope's 95 % interval (Sen's, from the
        // ranks of the pairwise slopes) below zero; a far car a few rows high grows and shrinks by a row at random
        double half = 1.96 * Math.sqrt(n * (n - 1.0) * (2 * n + 5) / 18);
        int upper = (int) Math.min(pairs - 1, Math.ceil((pairs + half) / 2));
        boolean growing = FloatSelect.kth(slopes, pairs, upper) < 0;
        float now = FloatSelect.median(carried, m);
        closingSpeed = -slope * FloatSelect.median(scales, m);
        timeToContact = growing && closingSpeed >= MIN_CLOSING_MPS && now > 0 ? now / -slope : Float.NaN;
        return true;
    }

    /** The lead's class among {@code inPath}'s distances; -1 for none. */
    private int choose(float[] inPath) {
        int lead = -1;
        for (int c : roadUsers) {
            if (c < inPath.length && inPath[c] < farLimit && (lead < 0 || inPath[c] < inPath[lead])) {
                lead = c;
            }
        }
        return lead;
    }

    /** The lead's class id, -1 when no road user is in the path. */
    public int leadClass() {
        return leadClass;
    }

    /** Metres to the lead as read this frame, NaN when there is none. */
    public float distance() {
        return distance;
    }

    /** Metres right of the optical axis to the lead as read this frame (negative: left); NaN when unknown. */
    public float lateral() {
        return lateral;
    }

    /** Metres per second the lead comes nearer (negative: it draws away); NaN until its track is long enough. */
    public float closingSpeed() {
        return closingSpeed;
    }

    /** Seconds until contact at the present closing speed; NaN when not closing (or not known). */
    public float timeToContact() {
        return timeToContact;
    }

    private int index(int i) {
        return (first + i) % CAPACITY;
    }

    private void drop() {
        first = (first + 1) % CAPACITY;
        count--;
    }
}
