package io.roadseg.source;

import java.nio.ByteBuffer;

/**
 * A stream of video frames. Opened by its constructor (see {@link FrameSources#open}), read with {@link #read},
 * closed once.
 *
 * <p>Threading: one reader thread; {@link #close()} may be called from another thread only after the reader has
 * stopped, except that {@link #interrupt()} may be called from any thread at any time to unblock a read.
 */
public interface FrameSource extends AutoCloseable {
    /** Returned by {@link #read} when the stream has ended. */
    long END_OF_STREAM = Long.MIN_VALUE;

    SourceInfo info();

    /**
     * Decodes the next frame as BGR24, rows packed ({@code width*3} bytes each), into {@code bgr} at index 0.
     * Allocation-free in steady state.
     *
     * @param bgr destination of at least {@link SourceInfo#frameBytes()} bytes, owned by the caller
     * @return the frame's presentation time in microseconds from the start of the stream, or
     *         {@link #END_OF_STREAM}
     */
    long read(ByteBuffer bgr) throws SourceException;

    /**
     * True when this source knows, for every frame, each pixel's true class and metric depth (synthetic drives,
     * recordings made from them): the pipeline then scores the model live.
     */
    default boolean hasGroundTruth() {
        return false;
    }

    /**
     * Copies the ground truth of the frame the last {@link #read} returned, at the source's size, row-major:
     * one class id per pixel (the model contract's ids; {@code 255} = unlabelled) and the depth along the optical
     * axis in metres ({@code 0} = unknown, e.g. sky). Allocation-free. Only valid when {@link #hasGroundTruth()}.
     *
     * @param classIds destination of {@code width*height} bytes from index 0, owned by the caller
     * @param depth    destination of {@code width*height} floats from index 0, owned by the caller
     */
    default void readGroundTruth(ByteBuffer classIds, java.nio.FloatBuffer depth) throws SourceException {
        throw new SourceException("input " + info().uri() + ": has no ground truth");
    }

    /**
     * The curvature, 1/m, positive turning right, of the path the vehicle drove at the frame the last {@link #read}
     * returned (its yaw rate over its speed), relative to the camera, whose heading is the vehicle's: the true path
     * the lead is scored in. Synthetic drives and their recordings know it; NaN when unknown (then the truth's path
     * is straight).
     */
    default double groundTruthPathCurvature() {
        return Double.NaN;
    }

    /**
     * The curvature, 1/m, positive turning right, the vehicle was driving at the frame the last {@link #read} returned,
     * as its own odometry recorded it (yaw rate over speed): what a path shaped by the vehicle follows
     * ({@code --path vehicle}). NaN where the source records none. A recording's {@code ego.csv} and a synthetic drive
     * give the curvature they drove, which is also their truth ({@link #groundTruthPathCurvature}); an MCAP file, its
     * odometry ({@link McapSource}).
     */
    default double vehicleCurvature() {
        return Double.NaN;
    }

    /**
     * The horizontal focal length, in pixels of this source's frames, of the camera its ground truth was made with
     * (synthetic drives and their recordings know it), so a model run at another input width can have its depth
     * rescaled by the focal-length rule before it is scored; NaN when unknown.
     */
    default double groundTruthFocalPx() {
        return Double.NaN;
    }

    /**
     * The camera's intrinsics as the recording itself states them (an MCAP file's {@code sensor_msgs/msg/CameraInfo}
     * beside its camera topic: {@link McapSource}), for a run without {@code --calib}; null when it states none or
     * an uncalibrated one.
     */
    default io.roadseg.ros.CameraInfoMessage recordedCamera() {
        return null;
    }

    /**
     * Where the camera sits over the road as the recording's static transforms say (an MCAP file's
     * {@code /tf_static}: {@link io.roadseg.ros.CameraMount}), for a run without {@code --calib}; null when they do
     * not reach from the camera's frame to a ground frame.
     */
    default io.roadseg.ros.CameraMount recordedMount() {
        return null;
    }

    /**
     * The timestamp the recording itself gives the frame the last {@link #read} returned, in nanoseconds since the
     * Unix epoch (MCAP: the message's header stamp), or {@link #NO_STAMP} when the source has none (video files,
     * cameras): the pipeline then stamps frames itself (see {@code FrameResult#stampNanos}).
     */
    default long frameStampNanos() {
        return NO_STAMP;
    }

    /** Returned by {@link #frameStampNanos} by sources whose frames carry no timestamp of their own. */
    long NO_STAMP = Long.MIN_VALUE;

    /** The frame id (ROS {@code header.frame_id}) of the last frame read, or {@code ""} when the source has none. */
    default String frameId() {
        return "";
    }

    /** Makes a blocked {@link #read} return {@link #END_OF_STREAM} soon. Safe from any thread. */
    default void interrupt() {
    }

    /** Frames decoded so far that turned out damaged or undecodable and were skipped. */
    /**
     * @return the clockwise rotation, in degrees (0, 90, 180 or 270), at which the recording asks to be displayed
     *     (phones store portrait video as landscape frames with a display matrix); frames are delivered as stored
     */
    default int displayRotation() {
        return 0;
    }

    default long corruptFrames() {
        return 0;
    }

    @Override
    void close();
}
