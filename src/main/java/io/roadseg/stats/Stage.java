package io.roadseg.stats;

/** What a latency histogram measures. Values are recorded in nanoseconds. */
public enum Stage {
    /** Time in the source's read: demux + decode + colour conversion. */
    CAPTURE("capture"),
    PREPROCESS("preprocess"),
    /** Engine time for one frame. */
    INFERENCE("inference"),
    POSTPROCESS("postprocess"),
    /** All sinks for one frame (encode, stream, results, callbacks). */
    SINK("sink"),
    /** Capture done → last sink done. */
    END_TO_END("end_to_end"),
    /** Ring hand-off capture → preprocess: from the later of (published, stage free) to the handler's start. */
    HOP_PREPROCESS("hop_to_preprocess"),
    HOP_INFERENCE("hop_to_inference"),
    HOP_POSTPROCESS("hop_to_postprocess"),
    HOP_SINK("hop_to_sink");

    public final String key;

    Stage(String key) {
        this.key = key;
    }

    public boolean isHop() {
        return ordinal() >= HOP_PREPROCESS.ordinal();
    }
}
