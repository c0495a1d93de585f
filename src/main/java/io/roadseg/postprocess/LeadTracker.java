package io.roadseg.postprocess;

import java.util.Arrays;

/**
 * The lead: the nearest road user in the vehicle's path ({@link NearestAheadProbe#inPath}), followed over time for its
 * closing speed and time to contact — the figures adaptive cruise control and a forward-collision warning read.
 *
 * <p>Each frame the lead is the nearest of the road-user classes seen in the path, nearer than {@value #FAR_SHARE}
 * of the model's maximum depth (where the depth saturates, a car at the horizon reads the same at 80 m as at 110). Its distances of the last
 * {@value #WINDOW_SECONDS} s are one track while they are continuous: a frame whose distance jumps from the last by
 * more than {@value #JUMP_METRES} m or {@value #JUMP_SHARE} of it (plus {@value #MAX_RELATIVE_SPEED} m/s times the
 * time between them), or that comes more than {@value #MAX_GAP_SECONDS} s after the last, or earlier than it (a
 * replay looping), starts a new track. A change of class alone does not (the same object read as a pedestrian one
 * frame and a bicyclist the next is one object). Frames without a lead keep the track for the gap above.
 *
 * <p>The closing speed is the negative Theil–Sen slope of the track — the median of the slopes between every pair
 * of its samples — so that a few frames whose distance is off (a column of the object misread) do not move it, and
 * is given once the track holds {@value #MIN_SAMPLES} samples over {@value #MIN_SPAN_SECONDS} s. The time to contact
 * is the track's distance now (the line's value at the current frame: the median over the samples of each one
 * carried forward at the slope) over the closing speed, given only while closing faster than
 * {@value #MIN_CLOSING_MPS} m/s: constant relative speed, the first-order time to contact, no braking modelled.
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
    /** Samples kept at most: the whole window up to 64 frames per second, the last 64 frames above that. */
    static final int CAPACITY = 64;

    /** Share of the model's maximum depth from which a distance is taken as saturated: too far to tell. */
    public static final double FAR_SHARE = 0.97;

    private final int[] roadUsers;
    private final float farLimit;
    private final double[] times = new double[CAPACITY];
    private final float[] distances = new float[CAPACITY];
    private final float[] slopes = new float[CAPACITY * (CAPACITY - 1) / 2];
    private final float[] carried = new float[CAPACITY];
    private int first;
    private int count;

    private int leadClass = -1;
    private float distance = Float.NaN;
    private float closingSpeed = Float.NaN;
    private float timeToContact = Float.NaN;

    /**
     * @param roadUsers the class ids the lead may be (-1 entries ignored), e.g. {@code FrameResult.roadUserIds}
     * @param maxDepth  the model's maximum depth, metres: a road user read at {@value #FAR_SHARE} of it or beyond is
     *                  at the depth's saturation, not at a distance, and is not taken for the lead
     */
    public LeadTracker(int[] roadUsers, float maxDepth) {
        this.roadUsers = Arrays.stream(roadUsers).filter(id -> id >= 0).toArray();
        this.farLimit = maxDepth > 0 ? (float) (FAR_SHARE * maxDepth) : Float.POSITIVE_INFINITY;
    }

    /**
     * One frame: picks the lead from {@code inPath} (metres per class id, NaN where the class is not in the path, as
     * {@link NearestAheadProbe#measure} fills it) and updates its track.
     *
     * @param timeMicros the frame's time in the source, microseconds (its presentation time: frames dropped before
     *                   it leave a gap, not a shorter interval)
     */
    public void update(long timeMicros, float[] inPath) {
        int lead = -1;
        for (int c : roadUsers) {
            if (c < inPath.length && inPath[c] < farLimit && (lead < 0 || inPath[c] < inPath[lead])) {
                lead = c;
            }
        }
        update(timeMicros, lead, lead < 0 ? Float.NaN : inPath[lead]);
    }

    /** One frame with its lead already chosen: class {@code classId} at {@code metres}; -1 and NaN for none. */
    public void update(long timeMicros, int classId, float metres) {
        double t = timeMicros / 1e6;
        if (count > 0) {
            double last = times[index(count - 1)];
            if (t < last || t - last > MAX_GAP_SECONDS) {
                count = 0;
            }
        }
        leadClass = Float.isNaN(metres) || metres >= farLimit ? -1 : classId;
        distance = leadClass < 0 ? Float.NaN : metres;
        closingSpeed = Float.NaN;
        timeToContact = Float.NaN;
        if (leadClass < 0) {
            return;
        }
        if (count > 0) {
            int last = index(count - 1);
            double dt = t - times[last];
            double allowed = Math.max(JUMP_METRES, JUMP_SHARE * distances[last]) + MAX_RELATIVE_SPEED * dt;
            if (dt <= 0 || Math.abs(metres - distances[last]) > allowed) {
                count = 0; // another object, or a second reading of the same instant
            }
        }
        while (count > 0 && t - times[first] > WINDOW_SECONDS) {
            drop();
        }
        if (count == CAPACITY) {
            drop();
        }
        int at = index(count++);
        times[at] = t;
        distances[at] = metres;
        if (count < MIN_SAMPLES || t - times[first] < MIN_SPAN_SECONDS) {
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

    /** The lead's class id, -1 when no road user is in the path. */
    public int leadClass() {
        return leadClass;
    }

    /** Metres to the lead as read this frame, NaN when there is none. */
    public float distance() {
        return distance;
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
