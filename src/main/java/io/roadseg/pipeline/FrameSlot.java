package io.roadseg.pipeline;

import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.TensorBinding;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/**
 * One frame in flight: every buffer a frame needs from capture to the last sink, allocated once when the ring is
 * built and reused for every frame the slot carries. The slot owns its native images ({@link Mat}s) and its
 * {@link TensorBinding} and frees them in {@link #close()}.
 *
 * <p>Threading: a slot is written by one stage at a time; the ring's sequence barriers order the hand-offs, so the
 * plain fields need no further synchronisation.
 */
public final class FrameSlot implements FrameResult, AutoCloseable {
    enum State { FRAME, END, STALE, FAILED }

    // ---- identity and timing (System.nanoTime) -----------------------------------------------------------------
    State state = State.FRAME;
    long frameIndex;
    long sourceMicros;
    long stampNanos;
    long droppedBefore;
    long grabStartNanos;
    long capturedNanos;
    long publishedNanos;
    long preStartNanos;
    long preEndNanos;
    long inferStartNanos;
    long inferEndNanos;
    long inferEngineNanos;
    long postStartNanos;
    long postEndNanos;
    long sinkStartNanos;
    /** Ring hand-off delays: handler start minus the later of (work available, handler free). */
    long hopPreNanos;
    long hopInferNanos;
    long hopPostNanos;
    long hopSinkNanos;

    /** The camera's picture as measured in preprocess ({@link FrameResult#camera}). */
    final io.roadseg.preprocess.CameraReading camera = new io.roadseg.preprocess.CameraReading();

    // ---- pixels and tensors --------------------------------------------------------------------------------------
    /** Decoded frame at the source's size, BGR24. */
    final Mat sourceMat;
    final ByteBuffer sourceBgr;
    /** The frame at the model's input size, BGR24 (what the model saw; the overlay is drawn on it). */
    final Mat modelBgr;
    final ByteBuffer modelBgrView;
    final TensorBinding tensors;
    final Mat classMat;
    final ByteBuffer classIds;
    /** The confidence in each pixel's class ({@link FrameResult#confidence}); its figures NaN without one. */
    final Mat confidenceMat;
    final ByteBuffer confidence;
    boolean hasConfidence;
    float uncertainShare = Float.NaN;
    float meanConfidence = Float.NaN;
    private final FloatPointer depthPointer;
    final Mat depthMat;
    final Mat canvas;
    private final Rect leftRect;
    private final Rect rightRect;
    final Mat overlayPane;
    final Mat depthPane;
    final ByteBuffer canvasView;
    final int[] classCounts;
    float roadAhead = Float.NaN;
    /** Per class id: metres to the nearest of its pixels ahead (road users only; NaN for the others). */
    final float[] nearestAhead;
    /** Per class id: metres to the nearest of its pixels in the vehicle's path (road users only; NaN elsewhere). */
    final float[] inPath;
    /** The path's shape ({@link io.roadseg.postprocess.RoadCurve}); NaN where no path is read. */
    float pathCurvature = Float.NaN;
    /** The lead road user in the path and its track ({@link io.roadseg.postprocess.LeadTracker}). */
    int leadClass = -1;
    float leadDistance = Float.NaN;
    float leadLateral = Float.NaN;
    float leadConfidence = Float.NaN;
    float leadClosing = Float.NaN;
    float leadTimeToContact = Float.NaN;

    /** The curvature the vehicle drove, as the source records it ({@code FrameSource#vehicleCurvature}); NaN: none. */
    double vehicleCurvature = Double.NaN;

    // ---- ground truth, when the source has it (else null) ----------------------------------------------------------
    /**
     * The curvature of the path the vehicle drove, 1/m
     * ({@link io.roadseg.source.FrameSource#groundTruthPathCurvature}); NaN where the source does not know it.
     */
    double truthCurvature = Double.NaN;
    final Mat truthClassSource;
    final ByteBuffer truthClassSourceView;
    final Mat truthDepthSource;
    final FloatBuffer truthDepthSourceView;
    final Mat truthClassModel;
    final ByteBuffer truthClassModelView;
    final Mat truthDepthModel;
    final FloatBuffer truthDepthModelView;

    private final int mapWidth;
    private final int mapHeight;
    private final ByteBuffer classIdsView;
    private final ByteBuffer confidenceView;
    private final FloatBuffer depthView;
    private final ByteBuffer canvasReadOnly;
    private boolean closed;

    FrameSlot(int sourceWidth, int sourceHeight, ModelInfo model, TensorBinding tensors, boolean truth) {
        this.tensors = tensors;
        mapWidth = model.inputWidth();
        mapHeight = model.inputHeight();
        int hw = mapWidth * mapHeight;
        sourceMat = new Mat(sourceHeight, sourceWidth, CV_8UC3);
        sourceBgr = view(sourceMat, (long) sourceWidth * sourceHeight * 3);
        modelBgr = new Mat(mapHeight, mapWidth, CV_8UC3);
        modelBgrView = view(modelBgr, hw * 3L);
        classMat = new Mat(mapHeight, mapWidth, CV_8UC1);
        classIds = view(classMat, hw);
        confidenceMat = new Mat(mapHeight, mapWidth, CV_8UC1);
        confidence = view(confidenceMat, hw);
        depthPointer = new FloatPointer(tensors.depth);
        depthMat = new Mat(mapHeight, mapWidth, CV_32FC1, depthPointer);
        canvas = new Mat(mapHeight, mapWidth * 2, CV_8UC3);
        leftRect = new Rect(0, 0, mapWidth, mapHeight);
        rightRect = new Rect(mapWidth, 0, mapWidth, mapHeight);
        overlayPane = canvas.apply(leftRect);
        depthPane = canvas.apply(rightRect);
        canvasView = view(canvas, hw * 6L);
        classCounts = new int[Math.max(model.classCount(), 1)];
        nearestAhead = new float[classCounts.length];
        Arrays.fill(nearestAhead, Float.NaN);
        inPath = new float[classCounts.length];
        Arrays.fill(inPath, Float.NaN);
        classIdsView = classIds.asReadOnlyBuffer();
        confidenceView = confidence.asReadOnlyBuffer();
        depthView = tensors.depth.asReadOnlyBuffer();
        canvasReadOnly = canvasView.asReadOnlyBuffer();
        if (truth) {
            truthClassSource = new Mat(sourceHeight, sourceWidth, CV_8UC1);
            truthClassSourceView = view(truthClassSource, (long) sourceWidth * sourceHeight);
            truthDepthSource = new Mat(sourceHeight, sourceWidth, CV_32FC1);
            truthDepthSourceView = view(truthDepthSource, 4L * sourceWidth * sourceHeight).asFloatBuffer();
            truthClassModel = new Mat(mapHeight, mapWidth, CV_8UC1);
            truthClassModelView = view(truthClassModel, hw);
            truthDepthModel = new Mat(mapHeight, mapWidth, CV_32FC1);
            truthDepthModelView = view(truthDepthModel, 4L * hw).asFloatBuffer();
        } else {
            truthClassSource = null;
            truthClassSourceView = null;
            truthDepthSource = null;
            truthDepthSourceView = null;
            truthClassModel = null;
            truthClassModelView = null;
            truthDepthModel = null;
            truthDepthModelView = null;
        }
    }

    private static ByteBuffer view(Mat mat, long bytes) {
        return mat.data().capacity(bytes).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    @Override
    public long frameIndex() {
        return frameIndex;
    }

    @Override
    public long sourceTimeMicros() {
        return sourceMicros;
    }

    @Override
    public long stampNanos() {
        return stampNanos;
    }

    @Override
    public int mapWidth() {
        return mapWidth;
    }

    @Override
    public int mapHeight() {
        return mapHeight;
    }

    @Override
    public ByteBuffer classIds() {
        return classIdsView;
    }

    @Override
    public ByteBuffer confidence() {
        return hasConfidence ? confidenceView : null;
    }

    @Override
    public float uncertainShare() {
        return uncertainShare;
    }

    @Override
    public float meanConfidence() {
        return meanConfidence;
    }

    @Override
    public FloatBuffer depth() {
        return depthView;
    }

    @Override
    public io.roadseg.preprocess.CameraReading camera() {
        return camera;
    }

    @Override
    public int classPixels(int classId) {
        return classId >= 0 && classId < classCounts.length ? classCounts[classId] : 0;
    }

    @Override
    public float roadAheadMetres() {
        return roadAhead;
    }

    @Override
    public float nearestAheadMetres(int classId) {
        return classId >= 0 && classId < nearestAhead.length ? nearestAhead[classId] : Float.NaN;
    }

    @Override
    public float pathCurvature() {
        return pathCurvature;
    }

    @Override
    public int leadClassId() {
        return leadClass;
    }

    @Override
    public float leadDistanceMetres() {
        return leadDistance;
    }

    @Override
    public float leadLateralMetres() {
        return leadLateral;
    }

    @Override
    public float leadConfidence() {
        return leadConfidence;
    }

    @Override
    public float leadClosingSpeed() {
        return leadClosing;
    }

    @Override
    public float leadTimeToContactSeconds() {
        return leadTimeToContact;
    }

    @Override
    public ByteBuffer annotatedBgr() {
        return canvasReadOnly;
    }

    @Override
    public int annotatedWidth() {
        return mapWidth * 2;
    }

    @Override
    public int annotatedHeight() {
        return mapHeight;
    }

    @Override
    public long captureNanos() {
        return capturedNanos - grabStartNanos;
    }

    @Override
    public long preprocessNanos() {
        return preEndNanos - preStartNanos;
    }

    @Override
    public long inferenceNanos() {
        return inferEngineNanos;
    }

    @Override
    public long postprocessNanos() {
        return postEndNanos - postStartNanos;
    }

    @Override
    public long capturedAtNanos() {
        return capturedNanos;
    }

    @Override
    public long droppedBefore() {
        return droppedBefore;
    }

    /** Frees the slot's native images and its tensor binding, in reverse order of creation. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (truthClassSource != null) {
            truthDepthModel.close();
            truthClassModel.close();
            truthDepthSource.close();
            truthClassSource.close();
        }
        depthPane.close();
        overlayPane.close();
        rightRect.close();
        leftRect.close();
        canvas.close();
        depthMat.close();
        depthPointer.close();
        classMat.close();
        confidenceMat.close();
        modelBgr.close();
        sourceMat.close();
        tensors.close();
    }
}
