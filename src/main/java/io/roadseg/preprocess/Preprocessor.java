package io.roadseg.preprocess;

import io.roadseg.engine.ModelInfo;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Resize + normalise + HWC→CHW for one model. Normalisation is a per-channel lookup table built once from the
 * model's metadata ({@code (pixel/255 - mean)/std}, in the model's channel order), so the per-pixel work is three
 * table reads. Every tool that feeds the model (pipeline, bench, INT8 calibration, eval) goes through this class,
 * so they all see identical tensors.
 *
 * <p><b>Contrast normalisation</b>, where the model asks for it ({@link ModelInfo#autoContrast}, {@code P,G}): each
 * frame's bytes (all three channels together) are stretched linearly so that their {@code P} and {@code 1 − P}
 * quantiles span 0–255, with a gain of at most {@code G} and never under 1 — what a camera's auto-exposure does for a
 * dim, hazy or washed-out frame. One histogram per frame and a per-frame table: no allocation.
 *
 * <p>Threading: {@link #resizeToModel} and {@link #toTensor} keep no state between calls but share one native
 * {@link Size}; use one instance per thread.
 */
public final class Preprocessor implements AutoCloseable {
    private final int width;
    private final int height;
    private final Size size;
    private final float[][] lut = new float[3][256];
    /** For each tensor plane c (model channel order), which BGR byte (0=B, 1=G, 2=R) feeds it. */
    private final int[] sourceByte = new int[3];
    private final int interpolation;
    /** The contrast normalisation's quantile share and largest gain; share 0: none. */
    private final float contrastShare;
    private final float contrastGain;
    private final int[] histogram = new int[256];
    private final float[][] stretched = new float[3][256];

    public Preprocessor(ModelInfo model) {
        this(model.inputWidth(), model.inputHeight(), model.mean(), model.std(), model.rgb(), true,
                model.autoContrast());
    }

    /**
     * @param areaFilter use area averaging when shrinking (sharper labels, slower); bilinear otherwise
     */
    public Preprocessor(int width, int height, float[] mean, float[] std, boolean rgb, boolean areaFilter) {
        this(width, height, mean, std, rgb, areaFilter, null);
    }

    /** @param autoContrast {@code {P, G}} of the contrast normalisation, or null for none */
    private Preprocessor(int width, int height, float[] mean, float[] std, boolean rgb, boolean areaFilter,
                         float[] autoContrast) {
        this.contrastShare = autoContrast == null ? 0 : autoContrast[0];
        this.contrastGain = autoContrast == null ? 1 : autoContrast[1];
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("model input size must be positive, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.size = new Size(width, height);
        this.interpolation = areaFilter ? INTER_AREA : INTER_LINEAR;
        for (int c = 0; c < 3; c++) {
            sourceByte[c] = rgb ? 2 - c : c;
            for (int v = 0; v < 256; v++) {
                lut[c][v] = (v / 255f - mean[c]) / std[c];
            }
        }
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Resizes {@code bgr} (any size, CV_8UC3) into {@code modelBgr} (model size, CV_8UC3, preallocated). */
    public void resizeToModel(Mat bgr, Mat modelBgr) {
        if (bgr.cols() == width && bgr.rows() == height) {
            bgr.copyTo(modelBgr);
        } else {
            resize(bgr, modelBgr, size, 0, 0, interpolation);
        }
    }

    /**
     * Normalises packed BGR pixels of the model's size into a planar tensor.
     *
     * @param modelBgr {@code width*height*3} packed BGR bytes (e.g. the view of the resized image)
     * @param tensor   {@code 3*width*height} floats, written from index 0
     */
    public void toTensor(ByteBuffer modelBgr, FloatBuffer tensor) {
        int hw = width * height;
        float[][] table = contrastShare > 0 ? stretch(modelBgr, 3 * hw) : lut;
        float[] l0 = table[0];
        float[] l1 = table[1];
        float[] l2 = table[2];
        int s0 = sourceByte[0];
        int s1 = sourceByte[1];
        int s2 = sourceByte[2];
        for (int i = 0, p = 0; i < hw; i++, p += 3) {
            tensor.put(i, l0[modelBgr.get(p + s0) & 0xff]);
            tensor.put(hw + i, l1[modelBgr.get(p + s1) & 0xff]);
            tensor.put(2 * hw + i, l2[modelBgr.get(p + s2) & 0xff]);
        }
    }

    /**
     * The normalisation table for this frame: {@link #lut} read at {@code (v − low)·gain}, clamped to 0–255, where
     * {@code low} and {@code high} are the frame's {@link #contrastShare} quantiles and {@code gain} =
     * {@code min(contrastGain, 255 / (high − low))}; {@link #lut} itself where that gain is not over 1.
     */
    private float[][] stretch(ByteBuffer bgr, int bytes) {
        java.util.Arrays.fill(histogram, 0);
        for (int i = 0; i < bytes; i++) {
            histogram[bgr.get(i) & 0xff]++;
        }
        long lowCount = (long) (contrastShare * bytes);
        long highCount = (long) ((1 - contrastShare) * bytes);
        int low = 0;
        int high = 255;
        long seen = 0;
        for (int v = 0; v < 256; v++) {
            seen += histogram[v];
            if (seen <= lowCount) {
                low = v + 1;
            }
            if (seen < highCount) {
                high = v + 1;
            }
        }
        high = Math.min(255, high);
        float gain = Math.min(contrastGain, 255f / Math.max(1, high - low));
        if (!(gain > 1)) {
            return lut;
        }
        for (int v = 0; v < 256; v++) {
            int w = Math.round(Math.max(0, Math.min(255, (v - low) * gain)));
            for (int c = 0; c < 3; c++) {
                stretched[c][v] = lut[c][w];
            }
        }
        return stretched;
    }

    @Override
    public void close() {
        size.close();
    }
}
