package io.roadseg.pipeline;

import com.lmax.disruptor.WaitStrategy;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.SegmentationOutput;
import io.roadseg.engine.TensorBinding;
import io.roadseg.postprocess.AnnotationRenderer;
import io.roadseg.postprocess.CameraClassChecks;
import io.roadseg.postprocess.ClassMaps;
import io.roadseg.postprocess.GroundPlaneDepth;
import io.roadseg.postprocess.LeadTracker;
import io.roadseg.postprocess.NearestAheadProbe;
import io.roadseg.postprocess.RoadAheadProbe;
import io.roadseg.postprocess.RoadCurve;
import io.roadseg.preprocess.CameraHealth;
import io.roadseg.preprocess.CameraIssue;
import io.roadseg.preprocess.CameraIssueCounts;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.preprocess.Rectification;
import io.roadseg.stats.AsciiText;
import io.roadseg.stats.LatencyStats;
import io.roadseg.stats.Stage;
import org.bytedeco.opencv.opencv_core.Mat;

import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY_INV;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

/**
 * The four ring stages. Each is a {@link RingStage} run by its own thread; none allocates per frame.
 * Package-private: {@link Pipeline} wires them.
 */
final class Stages {
    private Stages() {
    }

    /**
     * The curvature the vehicle drives at the slot's frame: the source's record of it, else the embedder's latest
     * reading ({@link VehicleMotion}); NaN where neither gives one — none, or the vehicle under a walking pace.
     */
    static double vehicleCurvature(FrameSlot slot, VehicleMotion vehicleMotion) {
        return !Double.isNaN(slot.vehicleCurvature) ? slot.vehicleCurvature
                : vehicleMotion == null ? Double.NaN : vehicleMotion.curvature(slot.capturedNanos);
    }

    /**
     * A stage that, in a dropping mode, works only on the newest slot available to it: any slot with a fresher one
     * already waiting behind it is marked stale (and counted) instead — the freshest-frame policy.
     */
    abstract static class FreshestStage extends SlotStage {
        private final boolean freshestOnly;
        private final LatencyStats stats;

        FreshestStage(String name, boolean freshestOnly, LatencyStats stats, WaitStrategy wait,
                      Consumer<Throwable> errors) {
            super(name, wait, errors);
            this.freshestOnly = freshestOnly;
            this.stats = stats;
        }

        /** True when this stage should work on the slot. */
        final boolean takes(FrameSlot slot, boolean endOfBatch) {
            if (slot.state != FrameSlot.State.FRAME) {
                return false;
            }
            if (freshestOnly && !endOfBatch) {
                slot.state = FrameSlot.State.STALE;
                stats.countSkippedStale();
                return false;
            }
            return true;
        }
    }

    /** A ring stage over frame slots: a failed slot is skipped by the stages after it. */
    abstract static class SlotStage extends RingStage<FrameSlot> {
        SlotStage(String name, WaitStrategy wait, Consumer<Throwable> errors) {
            super(name, wait, errors);
        }

        @Override
        void failed(FrameSlot slot) {
            slot.state = FrameSlot.State.FAILED;
        }
    }

    /**
     * Resize, normalise, HWC→CHW into the slot's input tensor; the camera's picture checked on the way
     * ({@link CameraHealth}). In a dropping mode, skips all but the newest.
     */
    static final class Preprocess extends FreshestStage implements AutoCloseable {
        private final Preprocessor preprocessor;
        /** The calibrated lens undone on the resized picture; null: none. */
        private final Rectification rectification;
        /** The resized picture before rectification, and its bytes (what the camera check reads); null without one. */
        private final Mat resized;
        private final java.nio.ByteBuffer resizedView;
        private final CameraHealth camera;
        /** The embedder's reading of the vehicle's motion, for a source that records none; null: none. */
        private final VehicleMotion vehicleMotion;
        private long lastEnd;

        /**
         * @param rectification the lens to undo (not owned); null: none
         * @param framesCodedApart whether the source's frames are each coded on their own
         *                         ({@link io.roadseg.source.SourceInfo#framesCodedApart})
         */
        Preprocess(Preprocessor preprocessor, Rectification rectification, boolean framesCodedApart,
                   VehicleMotion vehicleMotion,
                   boolean freshestOnly, LatencyStats stats, WaitStrategy wait, Consumer<Throwable> errors) {
            super("preprocess", freshestOnly, stats, wait, errors);
            this.preprocessor = preprocessor;
            this.rectification = rectification;
            this.resized = rectification == null ? null
                    : new Mat(preprocessor.height(), preprocessor.width(), CV_8UC3);
            this.resizedView = resized == null ? null
                    : resized.data().capacity(3L * preprocessor.width() * preprocessor.height()).asByteBuffer();
            this.camera = new CameraHealth(preprocessor.width(), preprocessor.height(), framesCodedApart);
            this.vehicleMotion = vehicleMotion;
        }

        @Override
        void process(FrameSlot slot, long sequence, boolean endOfBatch) {
            long start = System.nanoTime();
            if (!takes(slot, endOfBatch)) {
                return;
            }
            slot.preStartNanos = start;
            slot.hopPreNanos = start - Math.max(slot.publishedNanos, lastEnd);
            if (rectification == null) {
                preprocessor.resizeToModel(slot.sourceMat, slot.modelBgr);
            } else {
                preprocessor.resizeToModel(slot.sourceMat, resized);
                rectification.apply(resized, slot.modelBgr);
            }
            preprocessor.toTensor(slot.modelBgrView, slot.tensors.input);
            // moving: a finite curvature, which the vehicle's motion gives only above a walking pace
            boolean moving = Double.isFinite(vehicleCurvature(slot, vehicleMotion));
            // the camera's own picture, not the rectified one (whose edges repeat where the camera saw nothing)
            camera.measure(resized == null ? slot.modelBgrView : resizedView, slot.sourceMicros, moving, slot.camera);
            slot.preEndNanos = lastEnd = System.nanoTime();
        }

        @Override
        public void close() {
            if (resized != null) {
                resized.close();
            }
        }
    }

    /** Runs the engine on the slot's binding. In a dropping mode, skips all but the newest preprocessed slot. */
    static final class Inference extends FreshestStage {
        private final InferenceEngine engine;
        private long lastEnd;

        Inference(InferenceEngine engine, boolean freshestOnly, LatencyStats stats, WaitStrategy wait,
                  Consumer<Throwable> errors) {
            super("inference", freshestOnly, stats, wait, errors);
            this.engine = engine;
        }

        @Override
        void process(FrameSlot slot, long sequence, boolean endOfBatch) throws Exception {
            long start = System.nanoTime();
            if (!takes(slot, endOfBatch)) {
                return;
            }
            slot.inferStartNanos = start;
            slot.hopInferNanos = start - Math.max(slot.preEndNanos, lastEnd);
            slot.inferEngineNanos = engine.infer(slot.tensors);
            slot.inferEndNanos = lastEnd = System.nanoTime();
        }
    }

    /** Class map, class shares, road ahead and the nearest road users ahead, annotated picture with HUD. */
    static final class Postprocess extends SlotStage implements AutoCloseable {
        private final ModelInfo model;
        private final AnnotationRenderer renderer;
        private final RoadAheadProbe roadAhead;
        private final NearestAheadProbe nearestAhead;
        /** The road users in the vehicle's path and the lead among them; null when the model has no focal length. */
        private final NearestAheadProbe inPath;
        /** The road's shape the path is bent along; null for a straight path. */
        private final RoadCurve curve;
        /** Whether the path follows the vehicle's motion where a frame has it ({@link VehicleMotion}). */
        private final boolean byVehicle;
        private final VehicleMotion vehicleMotion;
        private volatile long framesPathFromVehicle;
        private final double pathHalfWidth;
        private final LeadTracker lead;
        /** The camera checks that read the classes: which way is up, a smear over part of the lens. */
        private final CameraClassChecks cameraChecks;
        /** The road users' class ids and their names for the HUD, in {@link FrameResult#ROAD_USERS}' order. */
        private final int[] roadUsers;
        private final byte[][] roadUserLabels;
        /** Per class id, the lead's name for the HUD (road users only). */
        private final byte[][] leadLabels;
        private final LatencyStats stats;
        private final boolean hud;
        private final AsciiText line = new AsciiText(160);
        private final LiveAccuracy accuracy;
        private final float depthScale;
        private final GroundPlaneDepth groundPlane;
        private final int pixels;
        /** The model's confidence temperature (1 where it records none). */
        private final float temperature;
        /** Where the overlay shows the camera's picture: the uncertain pixels ({@code run --show-uncertain}); null: off. */
        private final Mat uncertainMask;
        private long lastEnd;

        Postprocess(ModelInfo model, LatencyStats stats, boolean hud, float depthScale,
                    PipelineConfig.GroundPlane plane, PipelineConfig.Path path, VehicleMotion vehicleMotion,
                    LiveAccuracy accuracy, boolean showUncertain, byte[] cameraRegions,
                    WaitStrategy wait, Consumer<Throwable> errors) {
            super("postprocess", wait, errors);
            this.depthScale = depthScale;
            this.groundPlane = plane == null ? null : new GroundPlaneDepth(model.inputWidth(), model.inputHeight(),
                    plane.fy(), plane.cy(), plane.cameraHeight(), plane.pitchDownDeg(), model.maxDepth(),
                    model.classIds("road", "pavement"), model.classIds("sky"), GroundPlaneDepth.standingIds(model),
                    GroundPlaneDepth.PITCH_WINDOW_DEG);
            this.accuracy = accuracy;
            this.model = model;
            this.renderer = new AnnotationRenderer(model);
            this.roadAhead = new RoadAheadProbe(model.inputWidth(), model.inputHeight(),
                    model.classNames().indexOf("road"));
            this.nearestAhead = new NearestAheadProbe(model.inputWidth(), model.inputHeight(), model.classCount(),
                    FrameResult.roadUserIds(model.classNames()));
            this.roadUsers = nearestAhead.trackedIds();
            this.inPath = path.probe(model, depthScale, roadUsers);
            this.curve = inPath == null ? null : path.curve(model, depthScale, roadUsers);
            this.pathHalfWidth = path.halfWidthMetres();
            this.byVehicle = path.shape() == PipelineConfig.Path.Shape.VEHICLE;
            this.vehicleMotion = vehicleMotion;
            this.lead = new LeadTracker(roadUsers, model.maxDepth());
            this.cameraChecks = new CameraClassChecks(model, cameraRegions);
            this.roadUserLabels = new byte[roadUsers.length][];
            this.leadLabels = new byte[Math.max(model.classCount(), 1)][];
            for (int k = 0; k < roadUsers.length; k++) {
                roadUserLabels[k] = AsciiText.ascii(" m  " + model.classNames().get(roadUsers[k]) + " ");
                leadLabels[roadUsers[k]] = AsciiText.ascii(model.classNames().get(roadUsers[k]) + " ");
            }
            this.stats = stats;
            this.hud = hud;
            this.pixels = model.inputPixels();
            this.temperature = model.confidenceTemperature();
            this.uncertainMask = showUncertain && model.segmentation() == SegmentationOutput.LOGITS
                    ? new Mat(model.inputHeight(), model.inputWidth(), CV_8UC1) : null;
        }

        @Override
        void process(FrameSlot slot, long sequence, boolean endOfBatch) {
            long start = System.nanoTime();
            if (slot.state != FrameSlot.State.FRAME) {
                return;
            }
            slot.postStartNanos = start;
            slot.hopPostNanos = start - Math.max(slot.inferEndNanos, lastEnd);
            TensorBinding t = slot.tensors;
            if (model.segmentation() == SegmentationOutput.LOGITS) {
                ClassMaps.argmax(t.logits, model.classCount(), pixels, temperature, slot.classIds, slot.confidence);
                slot.hasConfidence = true;
                slot.uncertainShare = ClassMaps.uncertainPixels(slot.confidence, pixels) / (float) pixels;
                slot.meanConfidence = ClassMaps.meanProbability(slot.confidence, pixels);
            } else {
                ClassMaps.narrow(t.classIds, t.classIdBytes, pixels, model.classCount(), model.voidId(),
                        slot.classIds);
            }
            cameraChecks.read(slot.camera, slot.classIds);
            if (depthScale != 1f) {
                // a camera with another focal length than the training one sees sizes scaled: so is depth
                for (int i = 0; i < pixels; i++) {
                    t.depth.put(i, t.depth.get(i) * depthScale);
                }
            }
            if (curve != null) {
                // the road's bend from the network's own depth, before any fusion with a calibrated ground plane: the
                // horizon it reads then checks the calibration (RunCommand) instead of echoing it
                curve.update(slot.sourceMicros, slot.classIds, t.depth);
            }
            if (groundPlane != null) {
                groundPlane.apply(slot.classIds, t.depth);
            }
            ClassMaps.histogram(slot.classIds, pixels, slot.classCounts);
            slot.roadAhead = roadAhead.measure(slot.classIds, t.depth);
            nearestAhead.measure(slot.classIds, t.depth, slot.nearestAhead);
            if (inPath != null) {
                double k = curve == null ? 0 : curve.curvature();
                if (byVehicle) {
                    // the vehicle's own curvature: the source's record of it, else the embedder's latest reading
                    double v = vehicleCurvature(slot, vehicleMotion);
                    if (Double.isFinite(v)) {
                        k = v;
                        framesPathFromVehicle = framesPathFromVehicle + 1; // one writer: this stage
                    }
                }
                inPath.setPath(k);
                slot.pathCurvature = (float) k;
                inPath.measure(slot.classIds, t.depth, slot.inPath);
                lead.update(slot.sourceMicros, slot.inPath, inPath, slot.classIds, t.depth);
                slot.leadClass = lead.leadClass();
                slot.leadDistance = lead.distance();
                slot.leadLateral = lead.lateral();
                // the lead's apparent height was the path probe's last reading: its pixels are the lead's
                slot.leadConfidence = slot.leadClass >= 0 && slot.hasConfidence
                        ? inPath.meanConfidence(slot.confidence) : Float.NaN;
                slot.leadClosing = lead.closingSpeed();
                slot.leadTimeToContact = lead.timeToContact();
            }
            if (accuracy != null) {
                accuracy.score(slot);
            }
            renderer.render(slot.modelBgr, slot.classMat, slot.depthMat, slot.overlayPane, slot.depthPane);
            if (uncertainMask != null) {
                // what the network is unsure of is shown as the camera saw it, not in a class's colour
                threshold(slot.confidenceMat, uncertainMask, ClassMaps.UNCERTAIN_BYTE - 1, 255, THRESH_BINARY_INV);
                slot.modelBgr.copyTo(slot.overlayPane, uncertainMask);
            }
            if (curve != null) {
                renderer.drawPath(slot.canvasView, 2 * model.inputWidth(), curve, slot.pathCurvature, pathHalfWidth);
            }
            if (hud) {
                // figures that do not exist yet (the first second of a run) are shown as '-'
                line.clear().append('#').append(slot.frameIndex).append(' ').append(' ');
                figure(stats.recentFps(), 1).append(FPS);
                figure(stats.recentEndToEndMillis(), 1).append(MS_INFER)
                        .append(slot.inferEngineNanos / 1e6, 1).append(MS);
                renderer.hudLine(slot.canvas, 0, line);
                line.clear().append(ROAD);
                if (Float.isNaN(slot.roadAhead)) {
                    line.append(NA);
                } else {
                    line.append(slot.roadAhead, 1);
                }
                int nearest = -1; // the nearest road user ahead, where one is seen
                for (int k = 0; k < roadUsers.length; k++) {
                    float d = slot.nearestAhead[roadUsers[k]];
                    if (!Float.isNaN(d) && (nearest < 0 || d < slot.nearestAhead[roadUsers[nearest]])) {
                        nearest = k;
                    }
                }
                if (nearest >= 0) {
                    line.append(roadUserLabels[nearest]).append(slot.nearestAhead[roadUsers[nearest]], 1);
                }
                line.append(M_DROPPED)
                        .append(stats.droppedAtCapture() + stats.skippedStale());
                if (slot.hasConfidence) {
                    line.append(CONFIDENCE).append(slot.meanConfidence, 2);
                    if (slot.meanConfidence < ClassMaps.LOW_CONFIDENCE_FRAME) {
                        line.append(LOW); // a frame the network cannot read (night, a covered lens)
                    }
                }
                renderer.hudLine(slot.canvas, 1, line);
                int row = 2;
                int issues = slot.camera.issues();
                if (issues != 0) { // what is wrong with the picture, before any figure read from it
                    CameraIssue.append(line.clear().append(CAMERA), issues, CAMERA_ISSUES, COMMA);
                    renderer.hudLine(slot.canvas, row++, line);
                }
                if (slot.leadClass >= 0) {
                    line.clear().append(LEAD).append(leadLabels[slot.leadClass]).append(slot.leadDistance, 1)
                            .append(M);
                    if (!Float.isNaN(slot.leadLateral)) { // where it stands across, from the camera's axis
                        if (Math.abs(slot.leadLateral) < 0.05f) {
                            line.append(CENTRED);
                        } else {
                            line.append(' ').append(' ').append(Math.abs(slot.leadLateral), 1)
                                    .append(slot.leadLateral < 0 ? M_LEFT : M_RIGHT);
                        }
                    }
                    line.append(CLOSING);
                    figure(slot.leadClosing, 1).append(MPS);
                    if (!Float.isNaN(slot.leadTimeToContact)) {
                        line.append(TTC).append(slot.leadTimeToContact, 1).append(S);
                    }
                    renderer.hudLine(slot.canvas, row++, line);
                }
                if (accuracy != null) {
                    line.clear().append(MIOU);
                    figure(100 * accuracy.meanIou(), 1).append(ABSREL);
                    figure(accuracy.absRel(), 3).append(DELTA);
                    figure(100 * accuracy.delta1(), 1).append('%');
                    renderer.hudLine(slot.canvas, row, line);
                }
            }
            slot.postEndNanos = lastEnd = System.nanoTime();
        }

        private AsciiText figure(double v, int decimals) {
            return Double.isNaN(v) || Double.isInfinite(v) ? line.append('-') : line.append(v, decimals);
        }

        private static final byte[] FPS = AsciiText.ascii(" fps  e2e p50 ");
        private static final byte[] MS_INFER = AsciiText.ascii(" ms  infer ");
        private static final byte[] MS = AsciiText.ascii(" ms");
        private static final byte[] ROAD = AsciiText.ascii("road ahead ");
        private static final byte[] CONFIDENCE = AsciiText.ascii("  conf ");
        private static final byte[] LOW = AsciiText.ascii(" LOW");
        private static final byte[] NA = AsciiText.ascii("n/a");
        private static final byte[] CAMERA = AsciiText.ascii("CAMERA ");
        private static final byte[] COMMA = AsciiText.ascii(", ");
        private static final byte[][] CAMERA_ISSUES = CameraIssue.names(i -> i.key().replace('_', ' '));
        private static final byte[] LEAD = AsciiText.ascii("lead ");
        private static final byte[] M = AsciiText.ascii(" m");
        private static final byte[] CENTRED = AsciiText.ascii("  centred");
        private static final byte[] M_LEFT = AsciiText.ascii(" m left");
        private static final byte[] M_RIGHT = AsciiText.ascii(" m right");
        private static final byte[] CLOSING = AsciiText.ascii("  closing ");
        private static final byte[] MPS = AsciiText.ascii(" m/s");
        private static final byte[] TTC = AsciiText.ascii("  contact in ");
        private static final byte[] S = AsciiText.ascii(" s");
        private static final byte[] M_DROPPED = AsciiText.ascii(" m  dropped ");
        private static final byte[] MIOU = AsciiText.ascii("live mIoU ");
        private static final byte[] ABSREL = AsciiText.ascii("%  AbsRel ");
        private static final byte[] DELTA = AsciiText.ascii("  d<1.25 ");

        @Override
        public void close() {
            renderer.close();
            if (uncertainMask != null) {
                uncertainMask.close();
            }
        }

        /** The road's bend reader, for the horizon it read over the run; null for a straight path. */
        RoadCurve curve() {
            return curve;
        }

        /** Frames whose path followed the vehicle's motion; read once the stage has stopped. */
        long framesPathFromVehicle() {
            return framesPathFromVehicle;
        }
    }

    /** Hands each frame to the sinks, records its latencies, releases the slot to capture. */
    static final class Sinks extends SlotStage {
        private final FrameSink[] sinks;
        private final LatencyStats stats;
        private final long expectedIntervalNanos;
        private final Pipeline pipeline;
        private final CameraIssueCounts cameraIssues = new CameraIssueCounts();
        private long staleSinceDelivered;
        private long lastEnd;

        /** @param pipeline whose capture thread to wake when a slot frees, or null outside a ring */
        Sinks(FrameSink[] sinks, LatencyStats stats, long expectedIntervalNanos, Pipeline pipeline,
              WaitStrategy wait, Consumer<Throwable> errors) {
            super("sinks", wait, errors);
            this.sinks = sinks;
            this.stats = stats;
            this.expectedIntervalNanos = expectedIntervalNanos;
            this.pipeline = pipeline;
        }

        @Override
        void process(FrameSlot slot, long sequence, boolean endOfBatch) throws Exception {
            {
                long start = System.nanoTime();
                if (slot.state == FrameSlot.State.STALE) {
                    staleSinceDelivered++;
                    return;
                }
                if (slot.state != FrameSlot.State.FRAME) {
                    return;
                }
                slot.sinkStartNanos = start;
                slot.hopSinkNanos = start - Math.max(slot.postEndNanos, lastEnd);
                slot.droppedBefore += staleSinceDelivered;
                staleSinceDelivered = 0;
                cameraIssues.count(slot.camera);
                for (FrameSink sink : sinks) {
                    sink.accept(slot);
                }
                long end = lastEnd = System.nanoTime();
                stats.record(Stage.CAPTURE, slot.capturedNanos - slot.grabStartNanos);
                stats.record(Stage.PREPROCESS, slot.preEndNanos - slot.preStartNanos);
                stats.record(Stage.INFERENCE, slot.inferEngineNanos);
                stats.record(Stage.POSTPROCESS, slot.postEndNanos - slot.postStartNanos);
                stats.record(Stage.SINK, end - start);
                stats.record(Stage.HOP_PREPROCESS, slot.hopPreNanos);
                stats.record(Stage.HOP_INFERENCE, slot.hopInferNanos);
                stats.record(Stage.HOP_POSTPROCESS, slot.hopPostNanos);
                stats.record(Stage.HOP_SINK, slot.hopSinkNanos);
                stats.recordEndToEnd(end - slot.capturedNanos, expectedIntervalNanos);
            }
        }

        /** Frames delivered per camera issue; read once the stage has stopped. */
        CameraIssueCounts cameraIssues() {
            return cameraIssues;
        }

        @Override
        void afterRelease() {
            Thread waiter = pipeline == null ? null : pipeline.captureWaiter;
            if (waiter != null) {
                LockSupport.unpark(waiter);
            }
        }
    }
}
