package io.roadseg.engine;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * One frame's tensors, allocated once by an engine for one ring slot and reused for every frame that slot carries:
 * the input tensor the preprocessor writes, and the outputs the engine writes. All buffers are direct,
 * native-ordered and owned by the binding; they stay valid until {@link #close()}.
 *
 * <p>Threading: a binding is used by one stage at a time, handed on by the ring's sequence barriers; it is not
 * itself synchronised.
 */
public abstract class TensorBinding implements AutoCloseable {
    /** {@code [1,3,H,W]} float input, channel-planar, normalised as {@link ModelInfo} says. */
    public final FloatBuffer input;
    /** {@code [1,C,H,W]} logits when the model outputs {@link SegmentationOutput#LOGITS}, else null. */
    public final FloatBuffer logits;
    /**
     * Class ids as the model wrote them when it outputs {@link SegmentationOutput#CLASS_IDS} (element type given by
     * {@link #classIdBytes}), else null.
     */
    public final ByteBuffer classIds;
    /** Bytes per class id in {@link #classIds}: 1, 4 or 8 (little-endian integers); 0 with logits. */
    public final int classIdBytes;
    /** {@code [1,1,H,W]} depth in metres. */
    public final FloatBuffer depth;

    protected TensorBinding(FloatBuffer input, FloatBuffer logits, ByteBuffer classIds, int classIdBytes,
                            FloatBuffer depth) {
        this.input = input;
        this.logits = logits;
        this.classIds = classIds;
        this.classIdBytes = classIdBytes;
        this.depth = depth;
    }

    /** Releases native resources the engine attached to this binding. Safe to call twice. */
    @Override
    public abstract void close();
}
