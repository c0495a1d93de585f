package io.roadseg.preprocess;

import java.util.Locale;

/**
 * A lens's distortion as ROS and OpenCV name it — a model's name and its coefficients — read by one rule wherever
 * roadseg meets one: a recording's {@code sensor_msgs/CameraInfo}, a ROS {@code ost.yaml}, an OpenCV
 * {@code FileStorage} file, a Kalibr chain, roadseg's own calibration file. What it reads:
 * <ul>
 *   <li>{@value #PLUMB_BOB}, {@value #RATIONAL_POLYNOMIAL} and Kalibr's {@code radtan}: OpenCV's distortion vector,
 *       its model told by its length as OpenCV and ROS's {@code image_geometry} tell it — 4 (k1 k2 p1 p2), 5 (and
 *       k3), 8 (and the rational model's k4 k5 k6), 12 or 14 (and the thin-prism and tilt terms, which must be 0: roadseg
 *       does not undo them); fewer are completed with zeros;</li>
 *   <li>{@value #EQUIDISTANT} (also {@code fisheye}, and Foxglove's {@value #KANNALA_BRANDT}): {@code cv::fisheye}'s
 *       k1..k4 of the angle off the axis;</li>
 *   <li>no name: no distortion, where no coefficient is given (an uncalibrated CameraInfo).</li>
 * </ul>
 * Names are read without regard to case. Until 2026-11-28 a CameraInfo's {@code plumb_bob} had to have 5
 * coefficients at most and a file's 14; ROS's own {@code image_geometry} hands either to OpenCV whatever its length.
 *
 * @param fisheye      the equidistant fisheye model ({@code coefficients} its k1..k4), else Brown–Conrady's
 * @param coefficients Brown–Conrady's {@code {k1, k2, p1, p2, k3, k4, k5, k6}} or the fisheye's {@code {k1, k2, k3,
 *                     k4}}, missing ones 0
 */
public record Distortion(boolean fisheye, double[] coefficients) {
    /** Brown–Conrady's k1 k2 p1 p2 k3 (ROS's name). */
    public static final String PLUMB_BOB = "plumb_bob";
    /** OpenCV's eight-coefficient rational model: Brown–Conrady's five and a denominator's k4..k6. */
    public static final String RATIONAL_POLYNOMIAL = "rational_polynomial";
    /** The fisheye model ({@code cv::fisheye}): k1..k4 of the angle off the axis. */
    public static final String EQUIDISTANT = "equidistant";
    /** Foxglove's name for the same fisheye model ({@code foxglove.CameraCalibration}). */
    public static final String KANNALA_BRANDT = "kannala_brandt";
    /** The models roadseg undoes, in words: for a message saying which it does. */
    public static final String UNDONE = PLUMB_BOB + " (Brown–Conrady k1 k2 p1 p2 k3), " + RATIONAL_POLYNOMIAL
            + " (its k4..k6 added) and " + EQUIDISTANT + " (the fisheye's k1..k4)";
    /** Coefficients past the rational model's eight: thin prism s1..s4, tilt τx, τy (OpenCV's order). */
    private static final String[] BEYOND_EIGHT = {"s1", "s2", "s3", "s4", "tauX", "tauY"};

    /**
     * Whether {@code model} names the fisheye model.
     *
     * @throws IllegalArgumentException {@code is 'NAME', not a model roadseg undoes (…)}: the problem of the field
     *                                  that names the model
     */
    public static boolean fisheye(String model) {
        return switch (model.strip().toLowerCase(Locale.ROOT)) {
            case PLUMB_BOB, RATIONAL_POLYNOMIAL, "radtan", "" -> false;
            case EQUIDISTANT, "fisheye", KANNALA_BRANDT -> true;
            default -> throw new IllegalArgumentException("is '" + model + "', not a model roadseg undoes (it undoes "
                    + UNDONE + ")");
        };
    }

    /**
     * The distortion {@code model} with coefficients {@code d} (as given, not copied into the result).
     *
     * @throws IllegalArgumentException the problem of the field that gives the coefficients (too many for the model,
     *                                  none named, thin-prism or tilt terms); call {@link #fisheye} first for the
     *                                  model's own field
     */
    public static Distortion of(String model, double[] d) {
        boolean fisheye = fisheye(model);
        double[] out = new double[fisheye ? 4 : 8];
        if (fisheye) {
            if (d.length > 4) {
                throw new IllegalArgumentException("has " + d.length + " numbers; the equidistant model has 4 (k1..k4)");
            }
        } else {
            if (model.isBlank() && d.length > 0) {
                throw new IllegalArgumentException("has " + d.length + (d.length == 1 ? " number" : " numbers")
                        + " but no distortion model names them");
            }
            if (d.length > 14) {
                throw new IllegalArgumentException("has " + d.length + " numbers; OpenCV's models have at most 14");
            }
            for (int i = 8; i < d.length; i++) {
                if (d[i] != 0) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "gives %s = %s: roadseg undoes "
                            + "Brown–Conrady's k1 k2 p1 p2 k3 and the rational model's k4 k5 k6, not the thin-prism "
                            + "or tilted model's further terms", BEYOND_EIGHT[i - 8], d[i]));
                }
            }
        }
        System.arraycopy(d, 0, out, 0, Math.min(out.length, d.length));
        return new Distortion(fisheye, out);
    }

    /** Whether it distorts at all: any coefficient not 0. */
    public boolean any() {
        for (double c : coefficients) {
            if (c != 0) {
                return true;
            }
        }
        return false;
    }
}
