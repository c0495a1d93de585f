package io.roadseg.pipeline;

import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceException;
import io.roadseg.engine.ModelInfo;
import io.roadseg.postprocess.RoadCurve;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.preprocess.Rectification;
import io.roadseg.source.FrameSource;
import io.roadseg.source.SourceException;
import io.roadseg.source.SourceInfo;
import io.roadseg.stats.LatencyStats;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Wires a source, an engine and sinks through the ring and runs it. The thread that calls {@link #run()} is the
 * capture stage; each other stage has its own thread, started by {@link #run()} and stopped when the ring has
 * drained.
 *
 * <p>Ownership: the pipeline owns its slots (pixels, tensors) and stage helpers and frees them in
 * {@link #close()}; the caller owns and closes the source, the engine, the sinks and the statistics, after the
 * pipeline.
 *
 * <p>Threading: {@link #run()} once, from one thread; {@link #requestStop()} from any thread (signal handlers).
 */
public final class Pipeline implements AutoCloseable {
    private final FrameSource source;
    private final SourceInfo sourceInfo;
    private final PipelineConfig config;
    private final LatencyStats stats;
    private final FrameSlot[] slots;
    private final Preprocessor preprocessor;
    /** The calibrated lens undone on every picture (and on the truth); null: none. */
    private final Rectification rectification;
    private final Stages.Preprocess preprocess;
    private final Stages.Sinks sinkStage;
    private final Stages.Postprocess postprocess;
    private final VehicleMotion vehicleMotion = new VehicleMotion();
    private final LiveAccuracy accuracy;
    private final Disruptor<FrameSlot> disruptor;
    private final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopRequested;
    /** Longest single wait of paced replay between checks for a stop (a recording may pause for minutes). */
    private static final long PACE_SLICE_NANOS = 50_000_000L;
    volatile Thread captureWaiter;
    private boolean closed;

    public Pipeline(FrameSource source, InferenceEngine engine, List<FrameSink> sinks, PipelineConfig config,
                    LatencyStats stats) throws InferenceException {
        this.source = source;
        this.sourceInfo = source.info();
        this.config = config;
        this.stats = stats;
        ModelInfo model = engine.model();
        slots = new FrameSlot[config.ringSize()];
        try {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new FrameSlot(sourceInfo.width(), sourceInfo.height(), model, engine.allocate(),
                        source.hasGroundTruth());
            }
        } catch (InferenceException | RuntimeException e) {
            closeSlots();
            throw e;
        }
        preprocessor = new Preprocessor(model);
        rectification = config.lens() == null ? null
                : new Rectification(config.lens(), model.inputWidth(), model.inputHeight());
        WaitStrategy waitStrategy = config.waitKind().create();
        Consumer<Throwable> errors = this::fail;
        accuracy = source.hasGroundTruth()
                ? new LiveAccuracy(model.classCount(), model.inputWidth(), model.inputHeight(), model.maxDepth(),
                        FrameResult.roadUserIds(model.classNames()), config.path().probe(model,
                        (float) config.depthScale(), FrameResult.roadUserIds(model.classNames())), rectification)
                : null;
        postprocess = new Stages.Postprocess(model, stats, config.hud(), (float) config.depthScale(),
                config.groundPlane(), config.path(), vehicleMotion, accuracy, config.showUncertain(),
                // the camera check reads the camera's own picture, the network the rectified one
                rectification == null ? null : new io.roadseg.preprocess.RegionGrid(model.inputWidth(),
                        model.inputHeight()).seenThrough(rectification), waitStrategy, errors);
        int[] next = {0};
        disruptor = new Disruptor<>(() -> slots[next[0]++], slots.length, r -> {
            Thread t = new Thread(r, "roadseg-stage"); // renamed by its handler on start
            t.setDaemon(true);
            threads.add(t);
            return t;
        }, ProducerType.SINGLE, waitStrategy);
        disruptor.setDefaultExceptionHandler(new StageErrors());
        boolean fresh = config.mode().dropsFrames();
        long interval = config.mode().dropsFrames() ? Math.round(1e9 / sourceInfo.fps()) : 0;
        disruptor.handleEventsWith(preprocess = new Stages.Preprocess(preprocessor, rectification,
                        sourceInfo.framesCodedApart(), vehicleMotion, fresh, stats, waitStrategy, errors))
                .then(new Stages.Inference(engine, fresh, stats, waitStrategy, errors))
                .then(postprocess)
                .then(sinkStage = new Stages.Sinks(sinks.toArray(new FrameSink[0]), stats, interval, this,
                        waitStrategy, errors));
    }

    /** The stage threads and (once running) the capture thread: what allocation and CPU are measured over. */
    public List<Thread> threads() {
        synchronized (threads) {
            return List.copyOf(threads);
        }
    }

    /**
     * The live score against the source's ground truth, or null when the source has none. Its full scores are
     * complete once {@link #run()} has returned.
     */
    public LiveAccuracy accuracy() {
        return accuracy;
    }

    /**
     * Where an embedder gives the vehicle's motion (speed and yaw rate, from its odometry or CAN bus), any time, from
     * any thread: a path shaped by the vehicle ({@link PipelineConfig.Path.Shape#VEHICLE}) follows it in the frames
     * of a source that records none itself.
     */
    public VehicleMotion vehicleMotion() {
        return vehicleMotion;
    }

    /** Frames delivered per camera issue ({@link io.roadseg.preprocess.CameraHealth}); read after {@link #run()}. */
    public io.roadseg.preprocess.CameraIssueCounts cameraIssues() {
        return sinkStage.cameraIssues();
    }

    /** Frames whose path followed the vehicle's motion (a path shaped by the vehicle); read after {@link #run()}. */
    public long framesPathFromVehicle() {
        return postprocess.framesPathFromVehicle();
    }

    /**
     * The horizon the road's edges converged to over the run ({@link RoadCurve#horizonMedian}), as a row of the
     * model's input; null where the path does not follow the road or no frame gave one. Read after {@link #run()}.
     */
    public RoadHorizon roadHorizon() {
        RoadCurve curve = postprocess.curve();
        return curve == null || curve.horizonReadings() == 0 ? null
                : new RoadHorizon(curve.horizonReadings(), curve.horizonMedian());
    }

    /**
     * @param frames frames whose road gave a horizon
     * @param row    the median horizon row of the last readings, at the model's input size (pixel centres at integers)
     */
    public record RoadHorizon(long frames, double row) {
    }

    /** @return frames in the ring now (captured, not yet through the last sink): 0 to the ring size */
    public long ringOccupancy() {
        com.lmax.disruptor.RingBuffer<FrameSlot> ring = disruptor.getRingBuffer();
        return Math.max(0, ring.getCursor() - ring.getMinimumGatingSequence());
    }

    /** @return slots in the ring */
    public int ringSize() {
        return slots.length;
    }

    /** Asks the run to stop: capture ends, frames already in the ring are finished, outputs finalised. */
    public void requestStop() {
        stopRequested = true;
        source.interrupt();
    }

    /** Runs until the source ends, {@code maxFrames} is reached, a stop is requested or a stage fails. */
    public RunResult run() throws SourceException {
        RingBuffer<FrameSlot> ring = disruptor.start();
        threads.add(Thread.currentThread());
        String callerName = Thread.currentThread().getName();
        Thread.currentThread().setName("roadseg-capture");
        try {
            return capture(ring);
        } finally {
            Thread.currentThread().setName(callerName);
        }
    }

    private RunResult capture(RingBuffer<FrameSlot> ring) throws SourceException {
        long entered = 0;
        boolean endOfStream = false;
        SourceException sourceError = null;
        try {
            if (config.mode() == PipelineMode.EVERY_FRAME) {
                while (!stopped(entered)) {
                    if (!awaitFreeSlot(ring)) {
                        break;
                    }
                    long seq = ring.next();
                    FrameSlot slot = ring.get(seq);
                    slot.grabStartNanos = System.nanoTime();
                    long pts;
                    try {
                        pts = source.read(slot.sourceBgr);
                        slot.vehicleCurvature = source.vehicleCurvature();
                        if (pts != FrameSource.END_OF_STREAM && slot.truthClassSource != null) {
                            source.readGroundTruth(slot.truthClassSourceView, slot.truthDepthSourceView);
                            slot.truthCurvature = source.groundTruthPathCurvature();
                        }
                    } catch (SourceException e) {
                        slot.state = FrameSlot.State.END; // the claimed slot is published, empty, so the ring drains
                        ring.publish(seq);
                        throw e;
                    }
                    if (pts == FrameSource.END_OF_STREAM) {
                        slot.state = FrameSlot.State.END;
                        ring.publish(seq);
                        endOfStream = !stopRequested;
                        break;
                    }
                    slot.capturedNanos = System.nanoTime();
                    stats.countCaptured();
                    fill(slot, entered++, pts, 0);
                    slot.stampNanos = stamp(source, pts, false);
                    slot.publishedNanos = System.nanoTime();
                    ring.publish(seq);
                }
            } else {
                endOfStream = captureDropping(ring);
                entered = stats.captured() - stats.droppedAtCapture();
            }
        } catch (SourceException e) {
            sourceError = e;
        } finally {
            drain(ring);
        }
        if (sourceError != null) {
            throw sourceError;
        }
        return new RunResult(entered, endOfStream, stopRequested, failure.get());
    }

    /** @param read frames read from the source so far (in every-frame mode, those that entered the ring) */
    private boolean stopped(long read) {
        return stopRequested || failure.get() != null || (config.maxFrames() > 0 && read >= config.maxFrames());
    }

    private boolean awaitFreeSlot(RingBuffer<FrameSlot> ring) {
        while (!ring.hasAvailableCapacity(1)) {
            if (stopRequested || failure.get() != null) {
                return false;
            }
            captureWaiter = Thread.currentThread();
            if (!ring.hasAvailableCapacity(1)) {
                LockSupport.parkNanos(1_000_000);
            }
            captureWaiter = null;
        }
        return true;
    }

    /** Live and paced capture: drain the source continuously, drop what finds the ring full. */
    private boolean captureDropping(RingBuffer<FrameSlot> ring) throws SourceException {
        ByteBuffer scratch = ByteBuffer.allocateDirect(sourceInfo.frameBytes());
        boolean truth = source.hasGroundTruth();
        int pixels = sourceInfo.width() * sourceInfo.height();
        ByteBuffer truthClasses = truth ? ByteBuffer.allocateDirect(pixels) : null;
        java.nio.FloatBuffer truthDepth = truth
                ? ByteBuffer.allocateDirect(4 * pixels).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer() : null;
        boolean paced = config.mode() == PipelineMode.PACED;
        long index = 0;
        long droppedSinceEntered = 0;
        long firstPts = Long.MIN_VALUE;
        long startNanos = 0;
        while (!stopped(index)) { // frames read, dropped ones included: --frames N is the source's first N
            long grabStart = System.nanoTime();
            long pts = source.read(scratch);
            if (pts == FrameSource.END_OF_STREAM) {
                return !stopRequested;
            }
            double vehicleCurvature = source.vehicleCurvature();
            double truthCurvature = Double.NaN;
            if (truth) {
                source.readGroundTruth(truthClasses, truthDepth);
                truthCurvature = source.groundTruthPathCurvature();
            }
            long captured = System.nanoTime();
            if (paced) {
                if (firstPts == Long.MIN_VALUE) {
                    firstPts = pts;
                    startNanos = captured;
                }
                long due = startNanos + (pts - firstPts) * 1000;
                for (long now = System.nanoTime(); now < due && !stopRequested; now = System.nanoTime()) {
                    // in slices: a stop asked during a long gap in the recording's timestamps is seen at once
                    LockSupport.parkNanos(Math.min(due - now, PACE_SLICE_NANOS));
                }
                long decode = captured - grabStart;
                captured = System.nanoTime();
                grabStart = captured - decode;
            }
            stats.countCaptured();
            long frameIndex = index++;
            if (!ring.hasAvailableCapacity(1)) {
                stats.countDroppedAtCapture();
                droppedSinceEntered++;
                continue;
            }
            long seq = ring.next();
            FrameSlot slot = ring.get(seq);
            slot.sourceBgr.put(0, scratch, 0, sourceInfo.frameBytes());
            if (truth) {
                slot.truthClassSourceView.put(0, truthClasses, 0, pixels);
                slot.truthDepthSourceView.put(0, truthDepth, 0, pixels);
                slot.truthCurvature = truthCurvature;
            }
            slot.vehicleCurvature = vehicleCurvature;
            slot.grabStartNanos = grabStart;
            slot.capturedNanos = captured;
            fill(slot, frameIndex, pts, droppedSinceEntered);
            slot.stampNanos = stamp(source, pts, sourceInfo.live());
            droppedSinceEntered = 0;
            slot.publishedNanos = System.nanoTime();
            ring.publish(seq);
        }
        return false;
    }

    /** {@link FrameResult#stampNanos}: the source's own stamp, else wall clock (live) or presentation time. */
    static long stamp(FrameSource source, long pts, boolean live) {
        long own = source.frameStampNanos();
        if (own != FrameSource.NO_STAMP) {
            return own;
        }
        if (live) {
            return EPOCH_NANOS_AT_ORIGIN + (System.nanoTime() - NANO_TIME_ORIGIN);
        }
        return pts * 1000;
    }

    // the wall clock read once, then advanced by the monotonic clock: no allocation, no jumps within a run
    private static final long NANO_TIME_ORIGIN = System.nanoTime();
    private static final long EPOCH_NANOS_AT_ORIGIN;

    static {
        java.time.Instant now = java.time.Instant.now();
        EPOCH_NANOS_AT_ORIGIN = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static void fill(FrameSlot slot, long index, long pts, long dropped) {
        slot.state = FrameSlot.State.FRAME;
        slot.frameIndex = index;
        slot.sourceMicros = pts;
        slot.droppedBefore = dropped;
    }

    /**
     * Lets every published frame finish its stages, then stops the stage threads. Waits parked (woken by the sink
     * stage), not in the Disruptor's own busy loop, so the last frames keep both cores.
     */
    private void drain(RingBuffer<FrameSlot> ring) {
        long last = ring.getCursor();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (ring.getMinimumGatingSequence() < last && System.nanoTime() < deadline) {
            captureWaiter = Thread.currentThread();
            if (ring.getMinimumGatingSequence() < last) {
                LockSupport.parkNanos(1_000_000);
            }
            captureWaiter = null;
        }
        try {
            disruptor.shutdown(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            failure.compareAndSet(null, new IllegalStateException("pipeline did not drain within 60 s; halted"));
            disruptor.halt();
        }
    }

    /** Frees slots and stage helpers. Call after {@link #run()} returned. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        postprocess.close();
        if (accuracy != null) {
            accuracy.close();
        }
        preprocessor.close();
        preprocess.close();
        if (rectification != null) {
            rectification.close();
        }
        closeSlots();
    }

    private void closeSlots() {
        for (int i = slots.length - 1; i >= 0; i--) {
            if (slots[i] != null) {
                slots[i].close();
            }
        }
    }

    /** A stage error is kept (the first one wins), the run is asked to stop, and the ring keeps draining. */
    private void fail(Throwable ex) {
        failure.compareAndSet(null, ex);
        stopRequested = true;
        source.interrupt();
    }

    /** Errors that escape a stage's own handling (start-up, shutdown) end the run the same way. */
    private final class StageErrors implements ExceptionHandler<FrameSlot> {
        @Override
        public void handleEventException(Throwable ex, long sequence, FrameSlot slot) {
            fail(ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            failure.compareAndSet(null, ex);
            stopRequested = true;
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            failure.compareAndSet(null, ex);
        }
    }
}
