package io.roadseg.pipeline;

/** How the capture stage treats a full ring. */
public enum PipelineMode {
    /** Replay every frame as fast as the pipeline goes; the capture thread waits for a free slot. */
    EVERY_FRAME,
    /** Replay at the recording's own frame rate and behave like a live camera (drop, freshest first). */
    PACED,
    /** A camera or network stream: never wait, never queue stale frames. */
    LIVE;

    public boolean dropsFrames() {
        return this != EVERY_FRAME;
    }
}
