package io.roadseg.postprocess;

import io.roadseg.engine.ModelInfo;
import io.roadseg.stats.AsciiText;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.LUT;
import static org.bytedeco.opencv.global.opencv_core.addWeighted;
import static org.bytedeco.opencv.global.opencv_imgproc.COLORMAP_TURBO;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.applyColorMap;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;

/**
 * Draws the annotated picture for one frame: the class overlay (palette colours blended with the frame the model
 * saw) on the left, the depth panel (near = warm, far = cool, TURBO colour map) on the right, and the HUD text on
 * the overlay. Scratch images are allocated once per renderer; the canvas belongs to the slot.
 *
 * <p>Threading: one instance per postprocess thread.
 */
public final class AnnotationRenderer implements AutoCloseable {
    private final int width;
    private final int height;
    private final Mat class3;
    private final Mat colorMask;
    private final Mat depth8;
    private final Mat depthColor;
    private final Mat palette;
    private final double depthAlpha;
    private final BytePointer text = new BytePointer(256);
    private final Point origin = new Point();
    private final Scalar shadow = new Scalar(0, 0, 0, 0);
    private final Scalar ink = new Scalar(255, 255, 255, 0);
    private final double fontScale;

    public AnnotationRenderer(ModelInfo model) {
        width = model.inputWidth();
        height = model.inputHeight();
        class3 = new Mat(height, width, CV_8UC3);
        colorMask = new Mat(height, width, CV_8UC3);
        depth8 = new Mat(height, width, CV_8UC1);
        depthColor = new Mat(height, width, CV_8UC3);
        palette = new Mat(1, 256, CV_8UC3);
        byte[] lut = new byte[256 * 3];
        int[] colors = model.classColors();
        for (int i = 0; i < 256; i++) {
            int rgb = i < colors.length ? colors[i] : 0;
            lut[i * 3] = (byte) (rgb & 0xff);
            lut[i * 3 + 1] = (byte) ((rgb >> 8) & 0xff);
            lut[i * 3 + 2] = (byte) ((rgb >> 16) & 0xff);
        }
        palette.data().put(lut);
        depthAlpha = -255.0 / model.maxDepth();
        fontScale = Math.max(0.35, width / 1100.0);
    }

    /**
     * @param modelBgr  the frame at the model's input size (CV_8UC3)
     * @param classIds  class id per pixel (CV_8UC1, model size)
     * @param depth     metres per pixel (CV_32FC1, model size)
     * @param overlay   left half of the canvas (CV_8UC3, model size), written
     * @param depthPane right half of the canvas, written
     */
    public void render(Mat modelBgr, Mat classIds, Mat depth, Mat overlay, Mat depthPane) {
        cvtColor(classIds, class3, COLOR_GRAY2BGR);
        LUT(class3, palette, colorMask);
        addWeighted(modelBgr, 0.45, colorMask, 0.55, 0, overlay);
        depth.convertTo(depth8, CV_8U, depthAlpha, 255);
        applyColorMap(depth8, depthColor, COLORMAP_TURBO);
        depthColor.copyTo(depthPane);
    }

    /** Writes one HUD line at text row {@code row} (0 = top) with a dark outline for legibility. */
    public void hudLine(Mat canvas, int row, AsciiText line) {
        int n = Math.min(line.length(), (int) text.capacity() - 1);
        text.position(0).put(line.bytes(), 0, n).put(n, (byte) 0);
        int lineHeight = (int) Math.round(28 * fontScale) + 4;
        origin.x(6).y(6 + lineHeight * (row + 1) - 4);
        putText(canvas, text, origin, FONT_HERSHEY_SIMPLEX, fontScale, shadow, 3, LINE_AA, false);
        putText(canvas, text, origin, FONT_HERSHEY_SIMPLEX, fontScale, ink, 1, LINE_AA, false);
    }

    @Override
    public void close() {
        class3.close();
        colorMask.close();
        depth8.close();
        depthColor.close();
        palette.close();
        text.close();
        origin.close();
        shadow.close();
        ink.close();
    }
}
