package io.roadseg.preprocess;

import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import static org.bytedeco.opencv.global.opencv_calib3d.fisheyeInitUndistortRectifyMap;
import static org.bytedeco.opencv.global.opencv_calib3d.initUndistortRectifyMap;
import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_core.CV_16SC2;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_64FC1;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.convertMaps;
import static org.bytedeco.opencv.global.opencv_imgproc.remap;

/**
 * Undoes a calibrated camera's lens distortion and roll on the picture at the model's input size, so that the network
 * and the geometry after it see the pinhole camera, level about its optical axis, that both assume: the network was
 * trained on such pictures, and the ground plane's depth ({@link io.roadseg.postprocess.GroundPlaneDepth}) is a
 * function of the row alone only for a level pinhole camera. The rectified camera keeps the calibration's focal lengths
 * and principal point (brought to the input size) and its pitch, so the figures computed from them hold unchanged;
 * what the source had beyond the rectified picture's edges is cut, and what it lacks there (a rolled picture's
 * corners, a pincushion lens's edges) repeats the nearest edge pixel, which the network reads as more of the same
 * rather than as a black shape.
 *
 * <p>One {@code remap} through fixed-point maps made once (OpenCV's {@code initUndistortRectifyMap}): about the cost
 * of the resize before it, no allocation per frame. The maps are read-only once made, so one instance serves the
 * preprocess stage and the scoring of the truth ({@link #applyNearest}) on their own threads; {@link #close} after both
 * have stopped.
 */
public final class Rectification implements AutoCloseable {
    /** For the picture: fixed-point maps, OpenCV's fastest bilinear remap. */
    private final Mat map1 = new Mat();
    private final Mat map2 = new Mat();
    /**
     * For exact values: the same maps in floating point, which nearest-neighbour remapping rounds (the fixed-point
     * maps' integer part alone would floor, putting every value half a pixel off on average).
     */
    private final Mat mapX = new Mat();
    private final Mat mapY = new Mat();
    private final int width;
    private final int height;
    private final Scalar fill = new Scalar();

    /**
     * The lens to undo at the model's input size, OpenCV's conventions (pixel centres at integers; distortion in
     * normalised coordinates, so the same at any size).
     *
     * @param fx      horizontal focal length, pixels at the input size
     * @param fy      vertical focal length, pixels at the input size
     * @param cx      principal point column, pixels at the input size (pixel centres at integers)
     * @param cy      principal point row
     * @param k1      radial distortion (Brown–Conrady)
     * @param k2      radial distortion, fourth order
     * @param p1      tangential distortion
     * @param p2      tangential distortion
     * @param k3      radial distortion, sixth order
     * @param k4      Brown–Conrady: the rational model's denominator, second order (OpenCV's eight coefficients, ROS's
     *                {@code rational_polynomial}); equidistant: its fourth coefficient
     * @param k5      the rational model's denominator, fourth order (0 otherwise)
     * @param k6      the rational model's denominator, sixth order (0 otherwise)
     * @param fisheye the equidistant (fisheye) model, {@code θd = θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸)} of the angle θ
     *                off the axis, as OpenCV's {@code cv::fisheye} and ROS's {@code equidistant}: then k1..k4 are
     *                its coefficients and p1, p2, k5, k6 unused; else Brown–Conrady, radial factor
     *                {@code (1 + k1r² + k2r⁴ + k3r⁶) / (1 + k4r² + k5r⁴ + k6r⁶)}, with p1, p2
     * @param rollDeg the camera's roll about its optical axis, degrees, positive clockwise in the picture
     */
    public record Lens(double fx, double fy, double cx, double cy, double k1, double k2, double p1, double p2,
                       double k3, double k4, double k5, double k6, boolean fisheye, double rollDeg) {
        /** A Brown–Conrady lens (five coefficients, ROS's {@code plumb_bob}). */
        public Lens(double fx, double fy, double cx, double cy, double k1, double k2, double p1, double p2,
                    double k3, double rollDeg) {
            this(fx, fy, cx, cy, k1, k2, p1, p2, k3, 0, 0, 0, false, rollDeg);
        }

        /** A Brown–Conrady lens with the rational model's denominator (OpenCV's eight coefficients). */
        public static Lens rational(double fx, double fy, double cx, double cy, double k1, double k2, double p1,
                                    double p2, double k3, double k4, double k5, double k6, double rollDeg) {
            return new Lens(fx, fy, cx, cy, k1, k2, p1, p2, k3, k4, k5, k6, false, rollDeg);
        }

        /** An equidistant (fisheye) lens. */
        public static Lens fisheye(double fx, double fy, double cx, double cy, double k1, double k2, double k3,
                                   double k4, double rollDeg) {
            return new Lens(fx, fy, cx, cy, k1, k2, 0, 0, k3, k4, 0, 0, true, rollDeg);
        }

        /**
         * The lens {@code distortion} describes (a recording's CameraInfo, a calibration file), at the intrinsics
         * {@code fx..cy} and rolled by {@code rollDeg}.
         */
        public static Lens of(Distortion distortion, double fx, double fy, double cx, double cy, double rollDeg) {
            double[] c = distortion.coefficients();
            return distortion.fisheye() ? fisheye(fx, fy, cx, cy, c[0], c[1], c[2], c[3], rollDeg)
                    : rational(fx, fy, cx, cy, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], rollDeg);
        }

        /** The same lens rolled by {@code degrees} instead (180: a camera mounted upside down). */
        public Lens withRoll(double degrees) {
            return new Lens(fx, fy, cx, cy, k1, k2, p1, p2, k3, k4, k5, k6, fisheye, degrees);
        }

        /**
         * Whether there is anything to undo (an equidistant lens always bends: its projection is not the pinhole's
         * even with every coefficient 0).
         */
        public boolean isPinholeAndLevel() {
            return !fisheye && k1 == 0 && k2 == 0 && p1 == 0 && p2 == 0 && k3 == 0 && k4 == 0 && k5 == 0 && k6 == 0
                    && rollDeg == 0;
        }

        /**
         * What is undone, for the run's log: e.g. {@code k1 -0.300, k2 0.080, roll 4.0°}, {@code equidistant k1
         * 0.100, k2 0.010}.
         */
        public String describe() {
            StringBuilder s = new StringBuilder();
            String[] names = fisheye ? new String[] {"k1", "k2", "k3", "k4"}
                    : new String[] {"k1", "k2", "p1", "p2", "k3", "k4", "k5", "k6"};
            double[] values = fisheye ? new double[] {k1, k2, k3, k4}
                    : new double[] {k1, k2, p1, p2, k3, k4, k5, k6};
            for (int i = 0; i < names.length; i++) {
                if (values[i] != 0) {
                    s.append(s.length() == 0 ? "" : ", ").append(String.format("%s %.3f", names[i], values[i]));
                }
            }
            if (fisheye) {
                s.insert(0, s.length() == 0 ? "the equidistant projection" : "equidistant ");
            }
            if (rollDeg != 0) {
                s.append(s.length() == 0 ? "" : ", ").append(String.format("roll %.1f°", rollDeg));
            }
            return s.toString();
        }
    }

    /**
     * @param lens   the camera at the input size
     * @param width  the model's input width
     * @param height the model's input height
     */
    public Rectification(Lens lens, int width, int height) {
        if (width < 1 || height < 1 || !(lens.fx() > 0) || !(lens.fy() > 0)) {
            throw new IllegalArgumentException("rectification: size " + width + "x" + height + " and focal lengths "
                    + lens.fx() + ", " + lens.fy() + " must be positive");
        }
        this.width = width;
        this.height = height;
        double roll = Math.toRadians(lens.rollDeg());
        try (Mat k = matrix(lens.fx(), 0, lens.cx(), 0, lens.fy(), lens.cy(), 0, 0, 1);
             // the level camera from the rolled one: its normalised coordinates turned by the roll about the axis
             // (CameraCalibration.rayInRoadFrame's convention: the renderer rolls the same way)
             Mat r = matrix(Math.cos(roll), -Math.sin(roll), 0, Math.sin(roll), Math.cos(roll), 0, 0, 0, 1);
             Mat d = lens.fisheye() ? matrix(lens.k1(), lens.k2(), lens.k3(), lens.k4())
                     : lens.k4() == 0 && lens.k5() == 0 && lens.k6() == 0
                     ? matrix(lens.k1(), lens.k2(), lens.p1(), lens.p2(), lens.k3())
                     : matrix(lens.k1(), lens.k2(), lens.p1(), lens.p2(), lens.k3(), lens.k4(), lens.k5(), lens.k6());
             Size size = new Size(width, height)) {
            if (lens.fisheye()) {
                fisheyeInitUndistortRectifyMap(k, d, r, k, size, CV_32FC1, mapX, mapY);
            } else {
                initUndistortRectifyMap(k, d, r, k, size, CV_32FC1, mapX, mapY);
            }
            convertMaps(mapX, mapY, map1, map2, CV_16SC2, false);
        }
    }

    /**
     * The rectified picture.
     *
     * @param picture the picture at the input size, as the camera gave it
     * @param out     where the rectified picture goes (same size and type; not {@code picture})
     */
    public void apply(Mat picture, Mat out) {
        remap(picture, out, map1, map2, INTER_LINEAR, BORDER_REPLICATE, fill);
    }

    /**
     * A map of exact values (class ids, depths) brought to the rectified camera: nearest neighbour, so that every
     * value is one of the map's own.
     *
     * @param valueMap a map at the input size, as the camera's picture
     * @param out      where the rectified map goes (not {@code valueMap})
     * @param outside  the value where the rectified camera sees beyond the source's edges (a void id, a depth of 0)
     */
    public void applyNearest(Mat valueMap, Mat out, Scalar outside) {
        remap(valueMap, out, mapX, mapY, INTER_NEAREST, BORDER_CONSTANT, outside);
    }

    /**
     * The largest distorted radius (normalised image coordinates) a radial lens model reaches before it folds back:
     * {@code r(1 + k1 r² + k2 r⁴ + k3 r⁶)} grows with the undistorted radius r only up to where its slope turns, and a
     * picture whose corners lie farther out cannot have been taken through that lens (a coefficient of the wrong sign
     * or scale). Infinite where it does not fold within r = 10 (160° off the axis at f = 1).
     */
    public static double reach(double k1, double k2, double k3) {
        return reach(k1, k2, k3, 0, 0, 0, 0, 10, Double.POSITIVE_INFINITY);
    }

    /**
     * The same for the rational model, {@code r(1 + k1r² + k2r⁴ + k3r⁶) / (1 + k4r² + k5r⁴ + k6r⁶)}; a denominator
     * that reaches 0 ends it there.
     */
    public static double reach(double k1, double k2, double k3, double k4, double k5, double k6) {
        return reach(k1, k2, k3, 0, k4, k5, k6, 10, Double.POSITIVE_INFINITY);
    }

    /**
     * The same for an equidistant lens, whose distorted radius {@code θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸)} is a
     * function of the angle θ off the axis, up to 90° (a lens that sees farther is beyond a pinhole's maps).
     */
    public static double reachFisheye(double k1, double k2, double k3, double k4) {
        return reach(k1, k2, k3, k4, 0, 0, 0, Math.PI / 2, Double.NaN);
    }

    /**
     * The largest {@code x(1 + k1x² + k2x⁴ + k3x⁶ + k4x⁸) / (1 + d1x² + d2x⁴ + d3x⁶)} before it stops growing, over
     * x up to {@code limit}.
     */
    private static double reach(double k1, double k2, double k3, double k4, double d1, double d2, double d3,
                                double limit, double noFold) {
        double previous = 0;
        int steps = 10_000;
        for (int i = 1; i <= steps; i++) {
            double x = i * limit / steps;
            double x2 = x * x;
            double denominator = 1 + x2 * (d1 + x2 * (d2 + x2 * d3));
            double f = x * (1 + x2 * (k1 + x2 * (k2 + x2 * (k3 + x2 * k4)))) / denominator;
            if (!(denominator > 0) || f <= previous) {
                return previous;
            }
            previous = f;
        }
        return Double.isNaN(noFold) ? previous : noFold;
    }

    /**
     * Whether an equidistant lens can be undone over the view the rectified camera keeps: its distorted radius
     * {@code θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸)} grows with θ up to the angle of the rectified (pinhole) picture's
     * farthest corner, {@code atan(corner)}. A fisheye whose own corners see beyond 90° (more than 180° across) is
     * undone so: the pinhole view at the same focal length is its middle.
     *
     * @param corner the picture's farthest corner in normalised coordinates ({@link #cornerRadius})
     */
    public static boolean fisheyeUndoable(double k1, double k2, double k3, double k4, double corner) {
        double limit = Math.atan(corner);
        for (int i = 0; i <= 1000; i++) {
            double t2 = Math.pow(i * limit / 1000, 2);
            if (1 + t2 * (3 * k1 + t2 * (5 * k2 + t2 * (7 * k3 + t2 * 9 * k4))) <= 0) {
                return false;
            }
        }
        return true;
    }


    /**
     * The farthest corner of a {@code width × height} picture from the principal point, in normalised image
     * coordinates (the distorted radius {@link #reach} must exceed).
     */
    public static double cornerRadius(int width, int height, double fx, double fy, double cx, double cy) {
        double dx = Math.max(cx, width - cx) / fx;
        double dy = Math.max(cy, height - cy) / fy;
        return Math.hypot(dx, dy);
    }

    /** @return the input width the maps were made for */
    public int width() {
        return width;
    }

    /** @return the input height the maps were made for */
    public int height() {
        return height;
    }

    private static Mat matrix(double... values) {
        int rows = values.length == 9 ? 3 : 1;
        Mat m = new Mat(rows, values.length / rows, CV_64FC1);
        try (DoubleIndexer idx = m.createIndexer()) {
            for (int i = 0; i < values.length; i++) {
                idx.put(i / (values.length / rows), i % (values.length / rows), values[i]);
            }
        }
        return m;
    }

    @Override
    public void close() {
        map1.close();
        map2.close();
        mapX.close();
        mapY.close();
        fill.close();
    }
}
