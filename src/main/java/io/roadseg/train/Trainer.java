package io.roadseg.train;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.sim.CameraCalibration;
import io.roadseg.sim.SimDataset;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.CrossEntropyLossOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Trains the FCN with libtorch on mixed batches — CamVid crops (classes only) and synthetic crops (classes and
 * exact depth) — with the asymmetric loss: class-weighted cross-entropy where classes exist (void ignored), a
 * scale-aware log-depth L1 only where depth exists. Augmentation: random scale, crops, horizontal flips and colour
 * jitter (brightness, contrast). Inputs are
 * normalised by the pipeline's own {@link Preprocessor}, so training sees what inference sees.
 *
 * <p>Threading: one thread; the synthetic samples come from {@link SimDataset}'s background thread.
 */
public final class Trainer {
    /** Training settings. */
    /** @param augment random scale (0.8–1.25×) and colour jitter on top of the crops and flips */
    public record Settings(Path camvid, int steps, int camvidPerBatch, int simPerBatch, int cropWidth,
                           int cropHeight, double learningRate, long seed, int threads, boolean augment) {
    }

    private final Settings settings;
    private final PrintStream log;
    private final FcnArchitecture modelArchitecture = FcnArchitecture.defaults();

    public Trainer(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    /** CamVid train images and labels at the model's input size, held in memory. */
    private static final class CamVid {
        final int count;
        final byte[][] bgr;
        final byte[][] labels;

        CamVid(LabelledFolder folder, int w, int h) throws IOException {
            count = folder.size();
            bgr = new byte[count][];
            labels = new byte[count][];
            try (Mat image = new Mat(h, w, CV_8UC3); Mat label = new Mat(h, w, CV_8UC1); Size size = new Size(w, h)) {
                for (int i = 0; i < count; i++) {
                    try (LabelledFolder.Sample s = folder.read(i)) {
                        resize(s.image(), image, size, 0, 0, INTER_AREA);
                        resize(s.labels(), label, size, 0, 0, INTER_NEAREST);
                    }
                    bgr[i] = new byte[w * h * 3];
                    labels[i] = new byte[w * h];
                    image.data().get(bgr[i]);
                    label.data().get(labels[i]);
                }
            }
        }
    }

    /** Median-frequency class weights from the CamVid labels (rare classes weigh more); void excluded. */
    static float[] classWeights(byte[][] labels, int classes) {
        long[] counts = new long[classes];
        for (byte[] l : labels) {
            for (byte b : l) {
                int c = b & 0xff;
                if (c < classes) {
                    counts[c]++;
                }
            }
        }
        double[] freq = new double[classes];
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        for (int c = 0; c < classes; c++) {
            freq[c] = counts[c] / (double) Math.max(1, total);
        }
        double[] sorted = freq.clone();
        java.util.Arrays.sort(sorted);
        double median = sorted[classes / 2];
        float[] w = new float[classes];
        for (int c = 0; c < classes; c++) {
            w[c] = (float) Math.min(10, median / Math.max(freq[c], 1e-6));
        }
        return w;
    }

    /** What a run ends with: the weights and the smoothed losses at its start and end. */
    public record Result(FcnWeights weights, double firstSegLoss, double lastSegLoss, double firstDepthLoss,
                         double lastDepthLoss) {
    }

    /** Runs the training and writes the model (every 200 steps and at the end). */
    public Result train(FcnWeights start, Path out) throws IOException {
        torch.set_num_threads(settings.threads());
        torch.manual_seed(settings.seed());
        int mw = modelArchitecture.inputWidth();
        int mh = modelArchitecture.inputHeight();
        int cw = settings.cropWidth();
        int ch = settings.cropHeight();
        int classes = modelArchitecture.classes();
        long t0 = System.nanoTime();
        CamVid camvid = new CamVid(LabelledFolder.camvid(settings.camvid(), "train"), mw, mh);
        float[] weights = classWeights(camvid.labels, classes);
        log.printf(Locale.ROOT, "train: %d CamVid images in memory (%.1f s); class weights %s%n", camvid.count,
                (System.nanoTime() - t0) / 1e9, java.util.Arrays.toString(weights));
        CameraCalibration camvidCamera = new CameraCalibration("camvid", 480, 360, 400, 400, 240, 180, 0, 0, 0, 0,
                1.4, 2, 0);
        FcnArchitecture cropArchitecture = FcnArchitecture.defaults().withInputSize(ch, cw);
        boolean cuda = torch.cuda_is_available();
        org.bytedeco.pytorch.Device device = new org.bytedeco.pytorch.Device(
                cuda ? torch.DeviceType.CUDA : torch.DeviceType.CPU);
        log.println("train: libtorch on " + (cuda ? "CUDA (" + torch.cuda_device_count() + " device(s))"
                : "the CPU, " + settings.threads() + " threads (no CUDA device found)"));
        TorchFcn net = new TorchFcn(FcnWeights.of(cropArchitecture, start.tensors()), device);
        Preprocessor pre = new Preprocessor(cw, ch, ModelContract.imagenetMean(), ModelContract.imagenetStd(), true,
                false);
        int batch = settings.camvidPerBatch() + settings.simPerBatch();
        int cropPixels = cw * ch;
        ByteBuffer crop = ByteBuffer.allocateDirect(cropPixels * 3);
        FloatBuffer planes = ByteBuffer.allocateDirect(4 * 3 * cropPixels).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        float[] images = new float[batch * 3 * cropPixels];
        long[] targets = new long[batch * cropPixels];
        float[] depths = new float[batch * cropPixels];
        float[] tmp = new float[3 * cropPixels];
        SplittableRandom random = new SplittableRandom(settings.seed());
        Tensor classWeight = Tensor.create(weights, classes).to(device, torch.ScalarType.Float);
        Adam adam = new Adam(net.parameterVector(), new AdamOptions(settings.learningRate()));
        double emaSeg = Double.NaN;
        double emaDepth = Double.NaN;
        double firstSeg = Double.NaN;
        double firstDepth = Double.NaN;
        long started = System.nanoTime();
        try (SimDataset sim = new SimDataset(settings.seed(), camvidCamera, mw, mh, 8, 0)) {
            for (int step = 1; step <= settings.steps(); step++) {
                if (step == (int) (settings.steps() * 0.6) || step == (int) (settings.steps() * 0.85)) {
                    // step schedule: the learning rate drops to 1/5 at 60 % and again at 85 % of the run
                    adam.close();
                    adam = new Adam(net.parameterVector(), new AdamOptions(settings.learningRate()
                            * (step == (int) (settings.steps() * 0.6) ? 0.2 : 0.04)));
                }
                for (int b = 0; b < batch; b++) {
                    byte[] bgr;
                    byte[] ids;
                    float[] depth;
                    if (b < settings.camvidPerBatch()) {
                        int i = random.nextInt(camvid.count);
                        bgr = camvid.bgr[i];
                        ids = camvid.labels[i];
                        depth = null;
                    } else {
                        SimDataset.Sample s = sim.next();
                        bgr = s.bgr();
                        ids = s.classIds();
                        depth = s.depth();
                    }
                    // random scale (nearest-neighbour resampling; depth divided by the zoom, as a longer focal
                    // length would see it), random crop, horizontal flip, colour jitter
                    double zoom = settings.augment() ? 0.8 + 0.45 * random.nextDouble() : 1.0;
                    int regionW = Math.min(mw, (int) Math.round(cw / zoom));
                    int regionH = Math.min(mh, (int) Math.round(ch / zoom));
                    double sx = (double) regionW / cw;
                    double sy = (double) regionH / ch;
                    int x0 = random.nextInt(mw - regionW + 1);
                    int y0 = random.nextInt(mh - regionH + 1);
                    boolean flip = random.nextBoolean();
                    double gain = settings.augment() ? 0.75 + 0.5 * random.nextDouble() : 1.0;
                    double contrast = settings.augment() ? 0.75 + 0.5 * random.nextDouble() : 1.0;
                    float depthFactor = (float) (cw / (regionW * 1.0));
                    for (int y = 0; y < ch; y++) {
                        int srcY = y0 + Math.min(regionH - 1, (int) (y * sy));
                        for (int x = 0; x < cw; x++) {
                            int xx = flip ? cw - 1 - x : x;
                            int srcX = x0 + Math.min(regionW - 1, (int) (xx * sx));
                            int src = srcY * mw + srcX;
                            int dst = y * cw + x;
                            for (int k = 0; k < 3; k++) {
                                double v = ((bgr[src * 3 + k] & 0xff) - 128) * contrast + 128;
                                crop.put(dst * 3 + k, (byte) Math.max(0, Math.min(255, (int) (v * gain))));
                            }
                            targets[b * cropPixels + dst] = ids[src] & 0xff;
                            depths[b * cropPixels + dst] = depth == null ? 0f : depth[src] / depthFactor;
                        }
                    }
                    pre.toTensor(crop, planes);
                    planes.get(0, tmp);
                    System.arraycopy(tmp, 0, images, b * 3 * cropPixels, 3 * cropPixels);
                }
                double seg;
                double dep;
                try (PointerScope scope = new PointerScope()) {
                    Tensor x = Tensor.create(images, batch, 3, ch, cw).to(device, torch.ScalarType.Float);
                    Tensor y = Tensor.create(targets, batch, ch, cw).to(device, torch.ScalarType.Long);
                    Tensor d = Tensor.create(depths, batch, 1, ch, cw).to(device, torch.ScalarType.Float);
                    Tensor[] outputs = net.forward(x);
                    CrossEntropyLossOptions ce = new CrossEntropyLossOptions();
                    ce.ignore_index().put(ModelContract.CAMVID_CLASSES.size());
                    ce.weight().put(classWeight);
                    Tensor segLoss = torch.cross_entropy(outputs[0], y, ce);
                    // log-depth L1 where depth is known (synthetic samples; CamVid has none)
                    Tensor mask = d.gt(new Scalar(0.5)).logical_and(d.lt(new Scalar(79.0)));
                    Tensor maskF = mask.to(torch.ScalarType.Float);
                    Tensor logDiff = outputs[1].clamp_min(new Scalar(1e-3)).log()
                            .sub(d.clamp_min(new Scalar(1e-3)).log()).abs();
                    Tensor depthLoss = logDiff.mul(maskF).sum().div(maskF.sum().clamp_min(new Scalar(1.0)));
                    Tensor loss = segLoss.add(depthLoss);
                    adam.zero_grad();
                    loss.backward();
                    adam.step();
                    seg = segLoss.item_float();
                    dep = depthLoss.item_float();
                }
                emaSeg = Double.isNaN(emaSeg) ? seg : 0.95 * emaSeg + 0.05 * seg;
                emaDepth = Double.isNaN(emaDepth) ? dep : 0.95 * emaDepth + 0.05 * dep;
                if (step == 1) {
                    firstSeg = seg;
                    firstDepth = dep;
                }
                if (step % 10 == 0 || step == settings.steps()) {
                    double seconds = (System.nanoTime() - started) / 1e9;
                    log.printf(Locale.ROOT, "epoch %.1f  step %d/%d  seg %.4f  depth %.4f  %.1f images/s  ETA %.0f s%n",
                            step * (double) settings.camvidPerBatch() / camvid.count, step,
                            settings.steps(), emaSeg, emaDepth, step * batch / seconds,
                            seconds / step * (settings.steps() - step));
                }
                if (step % 200 == 0 || step == settings.steps()) {
                    FcnWeights w = net.weights(modelArchitecture);
                    OnnxModelWriter.write(w, ModelContract.metadata(modelArchitecture, ModelContract.CAMVID_CLASSES,
                            400.0, String.format(Locale.ROOT, "trained: %d steps of %d CamVid + %d synthetic "
                                    + "%dx%d crops, seed %d", step, settings.camvidPerBatch(),
                                    settings.simPerBatch(), cw, ch, settings.seed())), out);
                }
            }
        } finally {
            adam.close();
            classWeight.close();
            pre.close();
        }
        return new Result(net.weights(modelArchitecture), firstSeg, emaSeg, firstDepth, emaDepth);
    }

}
