package io.roadseg.postprocess;

import io.roadseg.engine.ModelInfo;
import io.roadseg.stats.AsciiText;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
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
 * saw) on the left, the depth panel on the right, and the HUD text on the overlay. The depth panel maps the
 * <i>logarithm</i> of depth from {@value #NEAR_M} m (warm) to the model's maximum depth (cool) with the TURBO colour
 * map, so near structure keeps its contrast (a linear map spends most colours on the far half and paints the whole
 * road one red), with a small scale bar in metres at its bottom. Scratch images are allocated once per renderer;
 * the canvas belongs to the slot.
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
    /** Depth at the warm end of the colour map, metres. */
    static final double NEAR_M = 1.0;
    private final double depthAlpha;
    private final double depthBeta;
    private final Mat depthLog;
    private final Mat nearFloor;
    private final Mat legend;
    /** Where the legend goes in the depth pane; null where the pane is too small to hold it. */
    private final Mat legendRoi;
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
        double span = Math.log(model.maxDepth()) - Math.log(NEAR_M);
        depthAlpha = -255.0 / span;
        depthBeta = 255.0 * Math.log(model.maxDepth()) / span;
        depthLog = new Mat(height, width, org.bytedeco.opencv.global.opencv_core.CV_32FC1);
        nearFloor = new Mat(height, width, org.bytedeco.opencv.global.opencv_core.CV_32FC1,
                new Scalar(NEAR_M, 0, 0, 0));
        fontScale = Math.max(0.35, width / 1100.0);
        legend = legend(model.maxDepth());
        legendRoi = width < legend.cols() + 6 || height < legend.rows() + 6 ? null
                : new Mat(depthColor, new org.bytedeco.opencv.opencv_core.Rect(width - legend.cols() - 6,
                height - legend.rows() - 6, legend.cols(), legend.rows()));
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
        org.bytedeco.opencv.global.opencv_core.max(depth, nearFloor, depthLog);
        org.bytedeco.opencv.global.opencv_core.log(depthLog, depthLog);
        depthLog.convertTo(depth8, CV_8U, depthAlpha, depthBeta);
        applyColorMap(depth8, depthColor, COLORMAP_TURBO);
        if (legendRoi != null) {
            legend.copyTo(legendRoi);
        }
        depthColor.copyTo(depthPane);
    }

    /**
     * Draws the vehicle's path on the overlay: the corridor's two edges, {@code halfWidthMetres} each side of the
     * centre line {@code ½·curvature·d²} (the road's bend {@link RoadCurve} read, or the vehicle's own), in each row
     * where {@code curve} read the road's distance (a dot per edge and row, two pixels wide, in the path's colour), so
     * the picture shows where the lead is looked for.
     *
     * @param canvas      the annotated picture, packed BGR, the overlay in its left {@link #width} columns
     * @param canvasWidth the canvas's width in pixels
     * @param curvature   the path's, 1/m, positive turning right
     */
    public void drawPath(java.nio.ByteBuffer canvas, int canvasWidth, RoadCurve curve, double curvature,
                         double halfWidthMetres) {
        for (int y = 0; y < height; y++) {
            float z = curve.rowMetres(y);
            if (Float.isNaN(z)) {
                continue;
            }
            double centre = 0.5 * curvature * z * z;
            for (int side = -1; side <= 1; side += 2) {
                int u = (int) Math.round(curve.column(centre + side * halfWidthMetres, z));
                for (int x = u; x <= u + 1; x++) {
                    if (x >= 0 && x < width) {
                        int i = 3 * (y * canvasWidth + x);
                        canvas.put(i, PATH_BGR[0]).put(i + 1, PATH_BGR[1]).put(i + 2, PATH_BGR[2]);
                    }
                }
            }
        }
    }

    /** The path's colour on the overlay, BGR: a light yellow that no class of the palette uses. */
    private static final byte[] PATH_BGR = {(byte) 120, (byte) 255, (byte) 255};

    /** Colour of a depth on the panel's scale, 0..255 (255 = {@link #NEAR_M} or nearer). */
    int level(double metres) {
        double v = depthAlpha * Math.log(Math.max(NEAR_M, metres)) + depthBeta;
        return (int) Math.round(Math.max(0, Math.min(255, v)));
    }

    /** The scale bar: the colour map from near (left) to far (right) with ticks and labels in metres. */
    private Mat legend(double maxDepth) {
        int w = Math.max(120, width / 3);
        int barH = Math.max(6, height / 40);
        double scale = Math.max(0.3, fontScale * 0.8);
        int textH = (int) Math.round(22 * scale) + 4;
        Mat bar = new Mat(textH + barH, w, CV_8UC3, new Scalar(0, 0, 0, 0));
        try (Mat levels = new Mat(1, w, CV_8UC1); Mat colours = new Mat(1, w, CV_8UC3)) {
            byte[] row = new byte[w];
            double logNear = Math.log(NEAR_M);
            double logFar = Math.log(maxDepth);
            for (int x = 0; x < w; x++) {
                row[x] = (byte) level(Math.exp(logNear + (logFar - logNear) * x / (w - 1.0)));
            }
            levels.data().put(row);
            applyColorMap(levels, colours, COLORMAP_TURBO);
            for (int y = textH; y < textH + barH; y++) {
                try (Mat r = bar.row(y)) {
                    colours.copyTo(r);
                }
            }
            for (double tick : new double[] {2, 5, 10, 20, maxDepth}) {
                if (tick > maxDepth) {
                    continue;
                }
                int x = (int) Math.round((Math.log(tick) - logNear) / (logFar - logNear) * (w - 1));
                String label = tick == maxDepth ? Math.round(tick) + " m" : Long.toString(Math.round(tick));
                try (BytePointer t = new BytePointer(label); IntPointer base = new IntPointer(1);
                     org.bytedeco.opencv.opencv_core.Size size = org.bytedeco.opencv.global.opencv_imgproc
                             .getTextSize(t, FONT_HERSHEY_SIMPLEX, scale, 1, base);
                     Point at = new Point(Math.max(0, Math.min(w - size.width() - 1, x - size.width() / 2)),
                             textH - 4)) {
                    putText(bar, t, at, FONT_HERSHEY_SIMPLEX, scale, ink, 1, LINE_AA, false);
                }
            }
        }
        return bar;
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
        if (legendRoi != null) {
            legendRoi.close();
        }
        legend.close();
        depthLog.close();
        nearFloor.close();
        depthColor.close();
        palette.close();
        text.close();
        origin.close();
        shadow.close();
        ink.close();
    }
}
