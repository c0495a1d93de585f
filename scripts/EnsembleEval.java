// A research measurement, not a product path: the mean IoU of a logit ensemble of several models (their segmentation
// logits summed per pixel, then the arg-max) on CamVid frames, scored exactly as `roadseg eval --camvid` scores one
// model (each model at its metadata's input size, the class map brought to the labels' resolution). It says how much
// an ensemble of trained models — and so, at most, distilling one into a single network — could add over one of them
// (model card, *Ten seeds instead of four*). Run from the repository root after `./roadseg --version` has built the jar:
//
//   java -cp "target/roadseg.jar:$(ls target/lib/*.jar | tr '\n' :)" scripts/EnsembleEval.java \
//       ../shared/data/camvid train 0006R0 MODEL.onnx MODEL.onnx …
//
// Arguments: CamVid root, split, sequence prefix ("" for every frame), then two or more models of the same input size
// and classes (logits, not class ids; logit-adjusted models are summed as they are).
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.SegmentationOutput;
import io.roadseg.engine.TensorBinding;
import io.roadseg.fleet.DriveEvaluator;
import io.roadseg.metrics.SegmentationScore;
import io.roadseg.postprocess.ClassMaps;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.train.LabelledFolder;
import org.bytedeco.opencv.opencv_core.Mat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

public final class EnsembleEval {
    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: EnsembleEval CAMVID SPLIT SEQUENCE MODEL MODEL [MODEL…]");
            System.exit(64);
        }
        List<InferenceEngine> engines = new ArrayList<>();
        List<TensorBinding> bindings = new ArrayList<>();
        try {
            for (int i = 3; i < args.length; i++) {
                InferenceEngine e = InferenceEngines.open("cpu", Path.of(args[i]), new EngineOptions(2), s -> { });
                engines.add(e);
                bindings.add(e.allocate());
                ModelInfo first = engines.get(0).model();
                ModelInfo m = e.model();
                if (m.segmentation() != SegmentationOutput.LOGITS || m.inputWidth() != first.inputWidth()
                        || m.inputHeight() != first.inputHeight() || m.classCount() != first.classCount()) {
                    throw new IllegalArgumentException(args[i] + ": not logits of " + first.classCount()
                            + " classes at " + first.inputWidth() + "x" + first.inputHeight());
                }
            }
            System.out.println(score(Path.of(args[0]), args[1], args[2], engines, bindings));
        } finally {
            bindings.forEach(TensorBinding::close);
            engines.forEach(InferenceEngine::close);
        }
    }

    private static String score(Path camvid, String split, String sequence, List<InferenceEngine> engines,
                                List<TensorBinding> bindings) throws Exception {
        ModelInfo m = engines.get(0).model();
        int w = m.inputWidth();
        int h = m.inputHeight();
        int classes = m.classCount();
        int pixels = w * h;
        SegmentationScore seg = new SegmentationScore(classes);
        float[] sum = new float[classes * pixels];
        FloatBuffer summed = ByteBuffer.allocateDirect(Float.BYTES * sum.length).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        int n = 0;
        try (Preprocessor pre = new Preprocessor(m);
             Mat small = new Mat(h, w, CV_8UC3);
             Mat predicted = new Mat(h, w, CV_8UC1);
             Mat scratch = new Mat()) {
            ByteBuffer smallView = small.data().capacity(3L * pixels).asByteBuffer();
            ByteBuffer predictedView = predicted.data().capacity(pixels).asByteBuffer();
            LabelledFolder folder = LabelledFolder.camvid(camvid, split);
            for (int i = 0; i < folder.size(); i++) {
                if (!folder.name(i).startsWith(sequence)) {
                    continue;
                }
                try (LabelledFolder.Sample s = folder.read(i)) {
                    pre.resizeToModel(s.image(), small);
                    Arrays.fill(sum, 0f);
                    for (int k = 0; k < engines.size(); k++) {
                        TensorBinding b = bindings.get(k);
                        pre.toTensor(smallView, b.input);
                        engines.get(k).infer(b);
                        for (int j = 0; j < sum.length; j++) {
                            sum[j] += b.logits.get(j);
                        }
                    }
                    summed.put(0, sum);
                    ClassMaps.argmax(summed, classes, pixels, predictedView);
                    DriveEvaluator.scoreAtLabels(seg, predicted, s.labels(), scratch);
                }
                n++;
            }
        }
        return String.format("ensemble of %d models, %d frames of %s%s: mean IoU %.2f %%", engines.size(), n, split,
                sequence.isEmpty() ? "" : " (sequence " + sequence + ")", 100 * seg.meanIou());
    }
}
