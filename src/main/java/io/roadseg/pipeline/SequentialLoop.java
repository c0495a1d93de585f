package io.roadseg.pipeline;

import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceException;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.source.FrameSource;
import io.roadseg.stats.LatencyStats;

import com.lmax.disruptor.WaitStrategy;

import java.util.List;
import java.util.function.Consumer;

/**
 * The same stages as {@link Pipeline}, run one after another on the calling thread with a single slot and no
 * ring: the baseline the pipeline's throughput is compared with ({@code roadseg bench}), and the simplest way to
 * process frames when overlap does not matter.
 *
 * <p>Ownership and threading as for {@link Pipeline}: one thread; the caller owns source, engine, sinks, stats.
 */
public final class SequentialLoop implements AutoCloseable {
    private final FrameSource source;
    private final LatencyStats stats;
    private final FrameSlot slot;
    private final Preprocessor preprocessor;
    private final Stages.Preprocess preprocess;
    private final Stages.Inference inference;
    private final Stages.Postprocess postprocess;
    private final Stages.Sinks sinks;
    private boolean closed;
    private Throwable failure;

    public SequentialLoop(FrameSource source, InferenceEngine engine, List<FrameSink> sinks, boolean hud,
                          LatencyStats stats) throws InferenceException {
        this.source = source;
        this.stats = stats;
        this.slot = new FrameSlot(source.info().width(), source.info().height(), engine.model(), engine.allocate(),
                false);
        this.preprocessor = new Preprocessor(engine.model());
        WaitStrategy none = new ParkingWaitStrategy(); // never waited on: no ring
        Consumer<Throwable> errors = e -> failure = e;
        this.preprocess = new Stages.Preprocess(preprocessor, null, source.info().framesCodedApart(), null, false, stats, none,
                errors);
        this.inference = new Stages.Inference(engine, false, stats, none, errors);
        this.postprocess = new Stages.Postprocess(engine.model(), stats, hud, 1f, null, PipelineConfig.Path.DEFAULT,
                null, null, false, null, none, errors);
        this.sinks = new Stages.Sinks(sinks.toArray(new FrameSink[0]), stats, 0, null, none, errors);
    }

    /** Processes up to {@code maxFrames} frames (≤ 0: until the source ends); returns how many. */
    public long run(long maxFrames) throws Exception {
        long n = 0;
        while (maxFrames <= 0 || n < maxFrames) {
            slot.grabStartNanos = System.nanoTime();
            long pts = source.read(slot.sourceBgr);
            if (pts == FrameSource.END_OF_STREAM) {
                break;
            }
            slot.capturedNanos = System.nanoTime();
            stats.countCaptured();
            slot.state = FrameSlot.State.FRAME;
            slot.frameIndex = n;
            slot.sourceMicros = pts;
            slot.stampNanos = Pipeline.stamp(source, pts, source.info().live());
            slot.droppedBefore = 0;
            slot.publishedNanos = slot.capturedNanos;
            preprocess.onEvent(slot, n, true);
            inference.onEvent(slot, n, true);
            postprocess.onEvent(slot, n, true);
            sinks.onEvent(slot, n, true);
            if (failure != null) {
                Throwable t = failure;
                failure = null;
                if (t instanceof Exception e) {
                    throw e;
                }
                throw (Error) t;
            }
            n++;
        }
        return n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            postprocess.close();
            preprocess.close();
            preprocessor.close();
            slot.close();
        }
    }

}
