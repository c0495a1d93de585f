package io.roadseg.pipeline;

import io.roadseg.metrics.ConfidenceScore;
import io.roadseg.metrics.DepthScore;
import io.roadseg.metrics.LeadScore;
import io.roadseg.metrics.NearestAheadScore;
import io.roadseg.metrics.SegmentationScore;
import io.roadseg.postprocess.LeadTracker;
import io.roadseg.postprocess.NearestAheadProbe;
import io.roadseg.preprocess.Rectification;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * The pipeline scoring itself against a source's ground truth, frame by frame: the truth is brought to the model's
 * size (nearest neighbour, so ids and depths stay exact values) and added to running per-class IoU and depth
 * errors (depth evaluated up to the model's maximum depth), and the distance to the nearest road user ahead is
 * measured on the truth the same way as on the prediction ({@link NearestAheadScore}). So is the lead in the
 * vehicle's path ({@link LeadScore}): the same path probe, bent along the path the source says was driven
 * ({@link io.roadseg.source.FrameSource#groundTruthPathCurvature}; straight where it does not say), its track
 * followed by the truth's tracker ({@link LeadTracker#truth}: exact distances, a short window, strict tracks) for the
 * true closing speed and time to contact; and the predicted path against the one driven.
 *
 * <p>Threading: {@link #score} on the postprocess thread only; the running headline figures
 * ({@link #meanIou()}, {@link #absRel()}, {@link #delta1()}) are volatile and safe from any thread; the full
 * scores ({@link #segmentation()}, {@link #depth()}) are for the run's owner after the ring has drained.
 */
public final class LiveAccuracy implements AutoCloseable {
    private final SegmentationScore segmentation;
    private final DepthScore depth = new DepthScore();
    private final Size modelSize;
    private final int pixels;
    private volatile double meanIou = Double.NaN;
    private volatile double absRel = Double.NaN;
    private volatile double delta1 = Double.NaN;

    private final float depthCap;
    private final NearestAheadProbe truthAhead;
    private final int[] roadUsers;
    private final float[] truthNearest;
    private final NearestAheadScore nearestAhead;
    private final NearestAheadProbe truthPath;
    private final float[] truthInPath;
    private final LeadTracker truthLead;
    private final LeadScore lead = new LeadScore();
    private final ConfidenceScore confidence = new ConfidenceScore();
    /** The camera's distortion and roll undone on the picture, so on the truth as well; null: none. */
    private final Rectification rectification;
    private final Mat rectifiedClasses = new Mat();
    private final Mat rectifiedDepth = new Mat();
    private final Scalar noClass = new Scalar(255); // beyond the source's edges: no class, scored nowhere
    private final Scalar noDepth = new Scalar(0);

    /**
     * @param roadUsers the class ids whose nearest distance ahead the pipeline reports (-1 entries ignored)
     * @param truthPath the probe of the vehicle's path the prediction is read with, to read the truth with; null
     *                  where the pipeline reads none (a model that does not say its focal length)
     * @param rectification the lens undone on the pictures, to undo on the truth (not owned); null: none
     */
    LiveAccuracy(int classes, int modelWidth, int modelHeight, float depthCap, int[] roadUsers,
                 NearestAheadProbe truthPath, Rectification rectification) {
        this.depthCap = depthCap;
        this.rectification = rectification;
        segmentation = new SegmentationScore(classes);
        modelSize = new Size(modelWidth, modelHeight);
        pixels = modelWidth * modelHeight;
        truthAhead = new NearestAheadProbe(modelWidth, modelHeight, classes, roadUsers);
        this.roadUsers = truthAhead.trackedIds();
        truthNearest = new float[Math.max(classes, 1)];
        nearestAhead = new NearestAheadScore(Math.max(classes, 1));
        this.truthPath = truthPath;
        truthInPath = new float[Math.max(classes, 1)];
        java.util.Arrays.fill(truthInPath, Float.NaN);
        truthLead = LeadTracker.truth(this.roadUsers, depthCap);
    }

    void score(FrameSlot slot) {
        resize(slot.truthClassSource, slot.truthClassModel, modelSize, 0, 0, INTER_NEAREST);
        resize(slot.truthDepthSource, slot.truthDepthModel, modelSize, 0, 0, INTER_NEAREST);
        if (rectification != null) {
            // the truth as the rectified camera sees it, in place (the slot's views stay on the same memory)
            rectification.applyNearest(slot.truthClassModel, rectifiedClasses, noClass);
            rectifiedClasses.copyTo(slot.truthClassModel);
            rectification.applyNearest(slot.truthDepthModel, rectifiedDepth, noDepth);
            rectifiedDepth.copyTo(slot.truthDepthModel);
        }
        segmentation.add(slot.classIds, slot.truthClassModelView, pixels);
        if (slot.hasConfidence) {
            confidence.add(slot.classIds, slot.confidence, slot.truthClassModelView, pixels, segmentation.classes());
        }
        depth.add(slot.tensors.depth, slot.truthDepthModelView, pixels, depthCap);
        truthAhead.measure(slot.truthClassModelView, slot.truthDepthModelView, truthNearest);
        nearestAhead.add(roadUsers, slot.nearestAhead, truthNearest);
        if (truthPath != null) {
            double k = slot.truthCurvature; // the path driven; straight where the source does not know it
            truthPath.setPath(k);
            truthPath.measure(slot.truthClassModelView, slot.truthDepthModelView, truthInPath);
            truthLead.update(slot.sourceMicros, truthInPath);
            lead.add(slot.leadClass, slot.leadDistance, slot.leadClosing, slot.leadTimeToContact,
                    truthLead.leadClass(), truthLead.distance(), truthLead.closingSpeed(), truthLead.timeToContact());
            lead.addPath(slot.pathCurvature, k);
            if (slot.leadClass >= 0 && truthLead.leadClass() >= 0) {
                truthPath.apparentHeight(slot.truthClassModelView, slot.truthDepthModelView, truthLead.distance());
                lead.addLateral(slot.leadLateral, truthPath.lateralOffset());
            }
        }
        meanIou = segmentation.meanIou();
        absRel = depth.absRel();
        delta1 = depth.delta1();
    }

    public double meanIou() {
        return meanIou;
    }

    public double absRel() {
        return absRel;
    }

    public double delta1() {
        return delta1;
    }

    public SegmentationScore segmentation() {
        return segmentation;
    }

    public DepthScore depth() {
        return depth;
    }

    /** The distance to the nearest road user ahead against the truth's, per class (road users only). */
    public NearestAheadScore nearestAhead() {
        return nearestAhead;
    }

    /** The confidence's calibration against the truth; null for a model without scores. */
    public ConfidenceScore confidence() {
        return confidence.pixels() == 0 ? null : confidence;
    }

    /** The lead in the vehicle's path against the truth's; null where the pipeline reads no path. */
    public LeadScore lead() {
        return truthPath == null ? null : lead;
    }

    @Override
    public void close() {
        modelSize.close();
        rectifiedClasses.close();
        rectifiedDepth.close();
        noClass.close();
        noDepth.close();
    }
}
