package io.roadseg.engine;

import java.nio.FloatBuffer;

/**
 * Test-time flip averaging around any backend: each frame is run twice, as it is and mirrored left to right, and the
 * two outputs are averaged (the mirrored run's mirrored back): the class scores (logits) and the depth. The same
 * network, twice the inference time per frame — for offline work (evaluation, a fleet's drives), not the car's
 * real-time loop, where `roadseg run` keeps one run per frame unless asked.
 *
 * <p>Only models that output logits can be averaged; a model that outputs class ids is refused when the wrapper is
 * made. Each binding holds the backend's binding for the frame (whose buffers it exposes) and a second one for the
 * mirrored copy, both allocated once; {@link #infer} allocates nothing.
 *
 * <p>Threading: as the wrapped engine ({@link #infer} from one thread at a time).
 */
public final class FlipAveragingEngine implements InferenceEngine {
    private final InferenceEngine inner;

    /**
     * @param inner the opened backend; closed with this engine
     * @throws InferenceException when the model outputs class ids (there are no scores to average)
     */
    public FlipAveragingEngine(InferenceEngine inner) throws InferenceException {
        if (inner.model().segmentation() != SegmentationOutput.LOGITS) {
            String file = String.valueOf(inner.model().file());
            inner.close();
            throw new InferenceException("model " + file + ": flip averaging needs a model that outputs logits "
                    + "(this one outputs class ids)");
        }
        this.inner = inner;
    }

    @Override
    public String backend() {
        return inner.backend();
    }

    @Override
    public String describe() {
        return inner.describe() + "; flip-averaged (each frame run as it is and mirrored, outputs averaged)";
    }

    @Override
    public ModelInfo model() {
        return inner.model();
    }

    @Override
    public TensorBinding allocate() throws InferenceException {
        TensorBinding frame = inner.allocate();
        try {
            return new Pair(frame, inner.allocate());
        } catch (InferenceException | RuntimeException e) {
            frame.close();
            throw e;
        }
    }

    /** @return the backend's time for both runs, in nanoseconds (the mirroring and averaging are not in it) */
    @Override
    public long infer(TensorBinding binding) throws InferenceException {
        Pair p = (Pair) binding;
        ModelInfo m = inner.model();
        int w = m.inputWidth();
        int h = m.inputHeight();
        mirror(p.frame.input, p.mirrored.input, 3, h, w);
        long ns = inner.infer(p.frame) + inner.infer(p.mirrored);
        averageMirrored(p.frame.logits, p.mirrored.logits, m.classCount(), h, w);
        averageMirrored(p.frame.depth, p.mirrored.depth, 1, h, w);
        return ns;
    }

    /** Writes {@code src}'s {@code planes} planes of {@code h}×{@code w}, each row reversed, into {@code dst}. */
    static void mirror(FloatBuffer src, FloatBuffer dst, int planes, int h, int w) {
        for (int row = 0; row < planes * h; row++) {
            int base = row * w;
            for (int x = 0; x < w; x++) {
                dst.put(base + w - 1 - x, src.get(base + x));
            }
        }
    }

    /** {@code out[i] = (out[i] + mirrored[i mirrored back]) / 2} over {@code planes} planes of {@code h}×{@code w}. */
    static void averageMirrored(FloatBuffer out, FloatBuffer mirrored, int planes, int h, int w) {
        for (int row = 0; row < planes * h; row++) {
            int base = row * w;
            for (int x = 0; x < w; x++) {
                out.put(base + x, 0.5f * (out.get(base + x) + mirrored.get(base + w - 1 - x)));
            }
        }
    }

    @Override
    public void close() {
        inner.close();
    }

    /** The frame's binding (its buffers are this binding's) and the mirrored copy's. */
    private static final class Pair extends TensorBinding {
        final TensorBinding frame;
        final TensorBinding mirrored;

        Pair(TensorBinding frame, TensorBinding mirrored) {
            super(frame.input, frame.logits, frame.classIds, frame.classIdBytes, frame.depth);
            this.frame = frame;
            this.mirrored = mirrored;
        }

        @Override
        public void close() {
            frame.close();
            mirrored.close();
        }
    }
}
