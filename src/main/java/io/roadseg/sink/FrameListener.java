package io.roadseg.sink;

import io.roadseg.pipeline.FrameResult;

/**
 * Embedding API: receives every processed frame.
 *
 * <p><b>Lifetime of the data:</b> the {@link FrameResult} and every buffer it returns (class ids, depth, annotated
 * picture) are views of pooled ring memory, valid only until {@link #onFrame} returns; the slot is then reused for
 * a later frame. Copy what you need to keep.
 *
 * <p><b>Threading:</b> called on the pipeline's sink thread, one frame at a time, in frame order. Time spent here
 * delays the pipeline: hand heavy work to your own thread (with a copy of the data).
 */
@FunctionalInterface
public interface FrameListener {
    void onFrame(FrameResult frame) throws Exception;
}
