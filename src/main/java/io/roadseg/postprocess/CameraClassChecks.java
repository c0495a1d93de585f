package io.roadseg.postprocess;

import io.roadseg.engine.ModelInfo;
import io.roadseg.preprocess.CameraIssue;
import io.roadseg.preprocess.CameraReading;

import java.nio.ByteBuffer;

/**
 * The camera checks that need the network's classes, after the picture's own ({@code preprocess.CameraHealth}):
 * which way is up ({@link Orientation}) and a smear over part of the lens ({@link LensSmear}). Both count only frames
 * the picture check finds readable, and add what they find to the frame's {@link CameraReading}. One definition for
 * {@code run}'s postprocess stage and for the drives scored by {@code eval --drive} and the fleet job, so that their
 * camera counts agree. Stateful (each looks back over about a second): one instance per stream, frames in order.
 */
public final class CameraClassChecks {
    /** Null for a model without sky and ground classes. */
    private final Orientation orientation;
    private final LensSmear smear;

    /** Checks of a network that sees the camera's own picture. */
    public CameraClassChecks(ModelInfo model) {
        this(model, null);
    }

    /**
     * @param cameraRegion per class-map pixel, the camera check's region it shows where the network sees the picture
     *                     rectified or turned ({@link io.roadseg.preprocess.RegionGrid#seenThrough}); null: the same
     */
    public CameraClassChecks(ModelInfo model, byte[] cameraRegion) {
        int[] sky = model.classIds("sky");
        int[] ground = model.classIds("road", "pavement");
        this.orientation = sky.length > 0 && ground.length > 0
                ? new Orientation(model.inputWidth(), model.inputHeight(), sky, ground) : null;
        this.smear = new LensSmear(model.inputWidth(), model.inputHeight(), sky, cameraRegion);
    }

    /**
     * Reads one frame's classes and adds the issues found ({@link CameraIssue#UPSIDE_DOWN},
     * {@link CameraIssue#SIDEWAYS}, {@link CameraIssue#SMEARED}) to its reading, with the smear check's figures.
     *
     * @param reading  the picture check's reading of the frame
     * @param classIds the frame's class ids at the model's input size, row by row (absolute reads)
     */
    public void read(CameraReading reading, ByteBuffer classIds) {
        // read where the picture check finds the picture readable: the sky below or beside the road, a smear
        boolean readable = reading.issues() == 0;
        if (orientation != null) {
            CameraIssue turned = orientation.read(classIds, readable);
            if (turned != null) {
                reading.add(turned);
            }
        }
        if (smear.read(reading, classIds, readable) != null) {
            reading.add(CameraIssue.SMEARED);
        }
    }
}
