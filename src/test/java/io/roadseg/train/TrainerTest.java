package io.roadseg.train;

import io.roadseg.TestData;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.TensorBinding;
import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import io.roadseg.preprocess.Preprocessor;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training with libtorch on real CamVid crops, and the equivalence of what is trained with what is exported. */
class TrainerTest {
    @TempDir
    Path dir;

    private static Path camvid() {
        Path p = TestData.root().resolve("camvid");
        Assumptions.assumeTrue(Files.isDirectory(p.resolve("train")), p + " not present (set -Droadseg.data)");
        return p;
    }

    @Test
    void aFewStepsOnRealCamVidCropsMakeTheLossFall() throws Exception {
        Trainer.Settings s = new Trainer.Settings(camvid(), 40, 3, 1, 96, 64, 0.003, 5, 2, true);
        Trainer.Result r = new Trainer(s, System.err).train(FcnWeights.random(FcnArchitecture.defaults(), 5),
                dir.resolve("m.onnx"));
        assertTrue(r.lastSegLoss() < 0.8 * r.firstSegLoss(), "segmentation loss " + r.firstSegLoss() + " → "
                + r.lastSegLoss());
        assertTrue(r.lastDepthLoss() < r.firstDepthLoss(), "depth loss " + r.firstDepthLoss() + " → "
                + r.lastDepthLoss());
        assertTrue(Files.size(dir.resolve("m.onnx")) > 100_000);
    }

    @Test
    void theLibtorchForwardAndTheShippedOnnxAgreeOnARealFrame() throws Exception {
        Path camvid = camvid();
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(176, 240);
        // the shipped, trained weights, re-exported at a smaller input size (the network is fully convolutional)
        FcnWeights shipped = io.roadseg.model.OnnxWeightsReader.read(Path.of("engines/roadseg.onnx"),
                FcnArchitecture.defaults());
        FcnWeights weights = FcnWeights.of(arch, shipped.tensors());
        Path model = dir.resolve("eq.onnx");
        OnnxModelWriter.write(weights, ModelContract.defaultMetadata(arch, "equivalence"), model);
        LabelledFolder val = LabelledFolder.camvid(camvid, "val");
        try (InferenceEngine ort = InferenceEngines.open("cpu", model, new EngineOptions(2), m -> { });
             TensorBinding b = ort.allocate();
             Preprocessor pre = new Preprocessor(ort.model());
             Mat small = new Mat(176, 240, CV_8UC3);
             LabelledFolder.Sample sample = val.read(0);
             PointerScope scope = new PointerScope()) {
            pre.resizeToModel(sample.image(), small);
            ByteBuffer pixels = small.data().capacity(240 * 176 * 3).asByteBuffer();
            pre.toTensor(pixels, b.input);
            ort.infer(b);
            float[] input = new float[3 * 240 * 176];
            b.input.get(0, input);
            TorchFcn torch = new TorchFcn(weights);
            Tensor[] out = torch.forward(Tensor.create(input, 1, 3, 176, 240));
            float[] logits = new float[11 * 240 * 176];
            out[0].contiguous().data_ptr_float().get(logits);
            float[] depth = new float[240 * 176];
            out[1].contiguous().data_ptr_float().get(depth);
            double maxLogit = 0;
            for (int i = 0; i < logits.length; i++) {
                maxLogit = Math.max(maxLogit, Math.abs(logits[i] - b.logits.get(i)));
            }
            double maxDepth = 0;
            for (int i = 0; i < depth.length; i++) {
                maxDepth = Math.max(maxDepth, Math.abs(depth[i] - b.depth.get(i)));
            }
            assertTrue(maxLogit <= 1e-4, "max |Δ logit| " + maxLogit);
            assertTrue(maxDepth <= 1e-4, "max |Δ depth| " + maxDepth + " m");
        }
    }
}
