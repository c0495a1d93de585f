package io.roadseg.pipeline;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * One processed frame as sinks and embedding code see it. Every buffer is a read-only view of the ring slot's
 * pooled memory: <b>valid only until the sink or callback that received it returns</b>; copy what you keep.
 *
 * <p>Threading: handed to sinks on the pipeline's sink thread; do not pass it to other threads.
 */
public interface FrameResult {
    /** Index of the frame in source order, counting frames dropped before it. */
    long frameIndex();

    /** Presentation time in the source, microseconds from its start. */
    long sourceTimeMicros();

    /**
     * The frame's timestamp in nanoseconds since the Unix epoch, for message headers: the source's own when it has
     * one (MCAP header stamps); for a live source without one, the wall clock when it was captured; for a recording
     * without one (a video file), its presentation time, i.e. time since the recording's start.
     */
    long stampNanos();

    /** Width of the class and depth maps (the model's input width). */
    int mapWidth();

    int mapHeight();

    /** One class id per pixel, row-major, {@code mapWidth*mapHeight} bytes from index 0. */
    ByteBuffer classIds();

    /** Depth in metres per pixel, row-major. */
    FloatBuffer depth();

    /**
     * The network's confidence in each pixel's class: the softmax probability of the class it chose, at the model's
     * calibrating temperature ({@link io.roadseg.engine.ModelInfo#confidenceTemperature}), as a byte
     * {@code round(255·p)}, row-major like {@link #classIds}; {@link io.roadseg.postprocess.ClassMaps#probability}
     * reads one back. Null when the model outputs class ids rather than scores (TensorRT with the arg-max on the GPU).
     */
    ByteBuffer confidence();

    /**
     * Share of the frame's pixels whose confidence is under {@link io.roadseg.postprocess.ClassMaps#UNCERTAIN_BELOW}
     * (more likely wrong than right, for a model whose confidence is calibrated); NaN where there is no confidence.
     */
    float uncertainShare();

    /** Mean confidence over the frame's pixels; NaN where there is no confidence. */
    float meanConfidence();

    /**
     * The camera's picture as read from the picture alone ({@link io.roadseg.preprocess.CameraHealth}): brightness,
     * contrast, noise, sharpness, uniform share, how long unchanged, and the {@link io.roadseg.preprocess.CameraIssue}s
     * they amount to (dark, washed out, noisy, blurred, blocked, frozen; and, with the classes, upside down, sideways
     * or smeared, with the smear check's figures). The frame's other results are given as read
     * whatever the issues; a frozen or blocked camera's are not "all clear" (a stuck picture shows a lead at a constant
     * distance, never closing). Valid like the buffers: until the sink returns.
     */
    io.roadseg.preprocess.CameraReading camera();

    /** Pixels of class {@code classId} in this frame's map. */
    int classPixels(int classId);

    /** Free distance along the road ahead in metres, NaN when no road is seen under the camera. */
    float roadAheadMetres();

    /** The classes, by name, whose nearest distance ahead {@link #nearestAheadMetres} reports where a model has them. */
    List<String> ROAD_USERS = List.of("car", "pedestrian", "bicyclist");

    /** @return the ids of a model's classes named in {@link #ROAD_USERS}, in that order, -1 for one it lacks */
    static int[] roadUserIds(List<String> classNames) {
        int[] ids = new int[ROAD_USERS.size()];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = classNames.indexOf(ROAD_USERS.get(k));
        }
        return ids;
    }

    /**
     * Metres to the nearest road user of class {@code classId} in the path ahead, read in the centre band of columns
     * that {@link #roadAheadMetres} looks along: in each column the median depth of the class's lowest run of
     * pixels, and the 10th percentile of those over the band ({@link io.roadseg.postprocess.NearestAheadProbe}).
     * NaN when the class is not one of {@link #ROAD_USERS} or is not seen there.
     */
    float nearestAheadMetres(int classId);

    /**
     * The lead: the class id of the nearest road user ({@link #ROAD_USERS}) in the vehicle's path — a corridor one
     * lane wide ahead of the camera by default ({@link io.roadseg.postprocess.NearestAheadProbe#inPath}), bent along
     * the road ({@link #pathCurvature}), read from each column's distance and the camera's focal length — or -1 when
     * none is there.
     */
    int leadClassId();

    /**
     * The curvature of the vehicle's path, 1/m, positive turning right: its centre line starts along the optical axis
     * and runs {@code ½·curvature·d²} metres to the right of it at {@code d} metres ahead
     * ({@link io.roadseg.postprocess.RoadCurve}: read from the road's edges, smoothed over frames). 0 for a straight
     * path ({@code run --path straight}); NaN where no path is read (a model without a focal length).
     */
    float pathCurvature();

    /** Metres to the lead as read in this frame; NaN when there is none. */
    float leadDistanceMetres();

    /**
     * Where the lead stands across in this frame: metres right of the camera's optical axis at its distance to the
     * middle of its columns (negative to the left; from the axis, not the path, as a radar's object list gives it);
     * NaN without a lead or where it reaches the picture's left or right edge
     * ({@link io.roadseg.postprocess.NearestAheadProbe#lateralOffset}).
     */
    float leadLateralMetres();

    /**
     * The network's confidence in the lead's class: the mean probability ({@link #confidence}) over its pixels in this
     * frame — the runs of its columns that its apparent height and lateral position are read from
     * ({@link io.roadseg.postprocess.NearestAheadProbe#meanConfidence}); NaN without a lead or without confidence.
     */
    float leadConfidence();

    /**
     * Metres per second the lead comes nearer, fitted over its last second from its apparent height or else its
     * distances ({@link io.roadseg.postprocess.LeadTracker}): positive closing, negative drawing away; NaN without a
     * lead or before its track is long enough.
     */
    float leadClosingSpeed();

    /** Seconds until contact with the lead at the present closing speed; NaN when not closing or not known. */
    float leadTimeToContactSeconds();

    /** The annotated picture, packed BGR24, {@code annotatedWidth*annotatedHeight*3} bytes. */
    ByteBuffer annotatedBgr();

    int annotatedWidth();

    int annotatedHeight();

    /** Nanoseconds spent in the source's read (decode). */
    long captureNanos();

    long preprocessNanos();

    /** The engine's own time for this frame. */
    long inferenceNanos();

    long postprocessNanos();

    /** {@link System#nanoTime()} when the frame was captured; end-to-end latency is measured from here. */
    long capturedAtNanos();

    /** Frames dropped or skipped as stale since the previous frame delivered to sinks. */
    long droppedBefore();
}
