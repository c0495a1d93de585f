package io.roadseg.engine.trt;

import io.roadseg.engine.InferenceException;
import io.roadseg.engine.InputSize;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.ModelMetadata;
import io.roadseg.engine.SegmentationOutput;

import java.nio.file.Path;

/**
 * The roadseg tensor contract as the TensorRT backend reads it from the ONNX file, checked with the same rules and
 * messages as the CPU backend: one float input {@code [N,3,H,W]} (symbolic H and W are fixed here, at the size the
 * engine is built for, as the CPU backend chooses it); a float depth output
 * {@code [N,1,H,W]}; a segmentation output, float logits {@code [N,C,H,W]} or integer class ids {@code [N,H,W]}.
 * Pure Java (no GPU needed).
 *
 * <p>Immutable.
 *
 * @param input       name of the image input
 * @param width       input width W
 * @param height      input height H
 * @param fixedBatch  the input's batch size when the file fixes it, else -1 (dynamic)
 * @param segmentation name of the segmentation output in the ONNX graph
 * @param logits      true when the model outputs logits (then {@code classes} is their channel count)
 * @param classes     number of classes
 * @param depth       name of the depth output
 * @param model       the model description; its {@link ModelInfo#segmentation()} is what the engine will output
 *                    ({@link SegmentationOutput#CLASS_IDS} when the arg-max is appended on the GPU)
 */
record TrtModelContract(String input, int width, int height, long fixedBatch, String segmentation, boolean logits,
                        int classes, String depth, ModelInfo model) {

    /** Name the appended arg-max output gets in the engine. */
    static final String CLASS_IDS = "class_ids";

    /**
     * @param gpuArgmax whether logits will be reduced to class ids inside the engine
     * @throws InferenceException naming the file and the tensor that breaks the contract, or the metadata problem
     */
    static TrtModelContract of(Path file, OnnxModelSummary onnx, boolean gpuArgmax) throws InferenceException {
        return of(file, onnx, gpuArgmax, null, null, null);
    }

    /**
     * @param requested the input size to build for, or null (then {@code source}'s fitted size, else the metadata's)
     * @param source    the camera's frame size, or null
     * @param budget    the size whose pixel count a fitted input keeps, or null for the metadata's
     */
    static TrtModelContract of(Path file, OnnxModelSummary onnx, boolean gpuArgmax, InputSize requested,
                               InputSize source, InputSize budget) throws InferenceException {
        if (onnx.inputs().size() != 1) {
            throw new InferenceException("model " + file + ": has " + onnx.inputs().size()
                    + " inputs, expected one image input [N,3,H,W]");
        }
        OnnxModelSummary.Tensor in = onnx.inputs().get(0);
        long[] s = in.dims();
        if (in.elemType() != OnnxModelSummary.FLOAT || s.length != 4 || s[1] != 3) {
            throw new InferenceException("model " + file + ": input '" + in.name() + "' is " + in.typeName() + " "
                    + in.shapeText() + ", expected FLOAT [N,3,H,W]");
        }
        ModelMetadata.requireRoadsegModel(file, onnx.metadata());
        boolean dynamic = s[2] <= 0 || s[3] <= 0;
        InputSize size = ModelMetadata.inputSize(file, onnx.metadata(), dynamic ? -1 : (int) s[3],
                dynamic ? -1 : (int) s[2], requested, source, budget);
        int h = size.height();
        int w = size.width();
        String depth = null;
        String seg = null;
        boolean logits = false;
        int classes = -1;
        for (OnnxModelSummary.Tensor out : onnx.outputs()) {
            long[] d = out.dims();
            boolean spatial = d.length >= 3 && fits(d[d.length - 2], h) && fits(d[d.length - 1], w);
            boolean isFloat = out.elemType() == OnnxModelSummary.FLOAT;
            if (d.length == 4 && d[1] == 1 && spatial && isFloat && (depth == null || out.name().equals("depth"))) {
                depth = out.name();
            } else if (d.length == 4 && d[1] > 1 && spatial && isFloat) {
                seg = out.name();
                logits = true;
                classes = (int) d[1];
            } else if (d.length == 3 && spatial && (out.elemType() == OnnxModelSummary.INT64
                    || out.elemType() == OnnxModelSummary.INT32 || out.elemType() == OnnxModelSummary.UINT8)) {
                seg = out.name();
                logits = false;
            } else {
                throw new InferenceException("model " + file + ": output '" + out.name() + "' is " + out.typeName()
                        + " " + out.shapeText() + ", expected depth FLOAT [N,1," + h + "," + w + "], logits FLOAT [N,C,"
                        + h + "," + w + "] or class ids INT [N," + h + "," + w + "]");
            }
        }
        if (depth == null) {
            throw new InferenceException("model " + file + ": no depth output [N,1," + h + "," + w + "]");
        }
        if (seg == null) {
            throw new InferenceException("model " + file + ": no segmentation output (logits [N,C," + h + "," + w
                    + "] or class ids [N," + h + "," + w + "])");
        }
        SegmentationOutput kind = logits && !gpuArgmax ? SegmentationOutput.LOGITS : SegmentationOutput.CLASS_IDS;
        ModelInfo info = ModelMetadata.read(file, onnx.metadata(), w, h, classes, kind);
        return new TrtModelContract(in.name(), w, h, s[0], seg, logits, info.classCount(), depth, info);
    }

    /** A dimension of an output matches a size when it is that size or symbolic. */
    private static boolean fits(long dim, int size) {
        return dim == size || dim <= 0;
    }

    /** Whether the engine appends an arg-max to this model's logits. */
    boolean appendsArgmax() {
        return logits && model.segmentation() == SegmentationOutput.CLASS_IDS;
    }

    /** The engine's segmentation output name: the model's, or {@value #CLASS_IDS} when the arg-max is appended. */
    String engineSegmentation() {
        return appendsArgmax() ? CLASS_IDS : segmentation;
    }

    /** Per-frame input shape {@code 3xHxW}, as the plan cache keys it. */
    String inputShape() {
        return "3x" + height + "x" + width;
    }
}
