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

    /** Makes a blocked {@link #read} return {@link #END_OF_STREAM} soon. Safe from any thread. */
    default void interrupt() {
    }

    /** Frames decoded so far that turned out damaged or undecodable and were skipped. */
    default long corruptFrames() {
        return 0;
    }

    @Override
    void close();
}
