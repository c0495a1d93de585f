package io.roadseg.sim;

import io.roadseg.preprocess.Distortion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A camera mounted on a car: intrinsics (resolution, focal lengths, principal point, lens distortion) and mounting
 * (height of the optical centre above the road, pitch, roll). Read from roadseg's flat {@code key: value} file (a
 * YAML subset, {@code #} comments), from a ROS {@code camera_calibration} / OpenCV {@code FileStorage} / Kalibr
 * file ({@link CalibrationYaml}) or from a {@code camera.json}, all documented in {@code calibration/README.md};
 * every rule broken is reported with the file and the field.
 *
 * <p>The lens is Brown–Conrady ({@code k1, k2, p1, p2, k3}, OpenCV's and ROS's {@code plumb_bob}, with the rational
 * model's denominator {@code k4, k5, k6}, ROS's {@code rational_polynomial}) or, with
 * {@code fisheye}, the equidistant model ({@code θd = θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸)} of the angle θ off the
 * axis, OpenCV's {@code cv::fisheye} and ROS's {@code equidistant}).
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param k3           Brown–Conrady's sixth-order radial term, or the equidistant model's third coefficient
 * @param k4           Brown–Conrady: the rational model's denominator, second order (OpenCV's eight coefficients, ROS's
 *                     {@code rational_polynomial}); equidistant: its fourth coefficient
 * @param k5           the rational model's denominator, fourth order (Brown–Conrady only)
 * @param k6           the rational model's denominator, sixth order (Brown–Conrady only)
 * @param fisheye      the equidistant model (then p1 and p2 are 0)
 * @param mountHeightM the optical centre's height above the road; NaN where the file gives no mount (a camera's
 *                     own calibration: the lens and focal length hold, the ground plane is not known)
 * @param pitchDeg     positive when the camera looks down
 * @param rollDeg      positive when the image is rotated clockwise
 */
public record CameraCalibration(String name, int width, int height, double fx, double fy, double cx, double cy,
                                double k1, double k2, double p1, double p2, double k3, double k4, double k5,
                                double k6, boolean fisheye, double mountHeightM, double pitchDeg, double rollDeg) {
    private static final Set<String> REQUIRED = Set.of("width", "height", "fx", "fy", "cx", "cy", "mount_height_m",
            "pitch_deg");
    private static final List<String> KNOWN = List.of("name", "width", "height", "fx", "fy", "cx", "cy",
            "distortion_model", "k1", "k2", "p1", "p2", "k3", "k4", "k5", "k6", "mount_height_m", "pitch_deg",
            "roll_deg");

    public CameraCalibration {
        String where = "calibration " + name;
        validate(where, width, height, fx, fy, cx, cy, mountHeightM, pitchDeg, rollDeg);
        double corner = io.roadseg.preprocess.Rectification.cornerRadius(width, height, fx, fy, cx, cy);
        double[] terms = {k1, k2, p1, p2, k3, k4, k5, k6};
        String[] names = {"k1", "k2", "p1", "p2", "k3", "k4", "k5", "k6"};
        for (int i = 0; i < terms.length; i++) {
            // real lenses, rational models included, stay within tens; 1e30 is a unit or exponent gone wrong
            rule(where, names[i], Double.isFinite(terms[i]) && Math.abs(terms[i]) <= 1000, "= " + terms[i]
                    + " is no lens's distortion coefficient (at most 1000 in size)");
        }
        if (fisheye) {
            rule(where, "p1", p1 == 0 && p2 == 0, "and p2 must be 0 for the equidistant model (it has no tangential "
                    + "terms), got " + p1 + ", " + p2);
            rule(where, "k5", k5 == 0 && k6 == 0, "and k6 are the rational model's, not the equidistant one's, got "
                    + k5 + ", " + k6);
            rule(where, "k1", io.roadseg.preprocess.Rectification.fisheyeUndoable(k1, k2, k3, k4, corner),
                    String.format(Locale.ROOT, "..k4 (%s, %s, %s, %s) make an equidistant lens that folds back "
                    + "within %.0f° of the axis, inside the view rectified to a pinhole camera: not a lens (a sign or "
                    + "a scale wrong?)", k1, k2, k3, k4, Math.toDegrees(Math.atan(corner))));
        } else {
            double reach = io.roadseg.preprocess.Rectification.reach(k1, k2, k3, k4, k5, k6);
            rule(where, "k1", corner < reach, String.format(Locale.ROOT, "and k2 (%s, %s%s%s) make a lens that "
                    + "folds back at a normalised radius of %.2f, inside the picture, whose corners lie at %.2f: not a "
                    + "lens (a sign or a scale wrong?)", k1, k2, k3 == 0 ? "" : ", k3 " + k3, k4 == 0 && k5 == 0
                    && k6 == 0 ? "" : ", k4..k6 " + k4 + ", " + k5 + ", " + k6, reach, corner));
        }
    }

    /** A Brown–Conrady camera without k3 (the simulator's and most calibration files'). */
    public CameraCalibration(String name, int width, int height, double fx, double fy, double cx, double cy,
                             double k1, double k2, double p1, double p2, double mountHeightM, double pitchDeg,
                             double rollDeg) {
        this(name, width, height, fx, fy, cx, cy, k1, k2, p1, p2, 0, 0, 0, 0, false, mountHeightM, pitchDeg, rollDeg);
    }

    /** The same camera and mount at {@code width x height} (field of view, lens and mounting kept). */
    public CameraCalibration resized(String newName, int newWidth, int newHeight) {
        double sx = (double) newWidth / width;
        double sy = (double) newHeight / height;
        return new CameraCalibration(newName, newWidth, newHeight, fx * sx, fy * sy, cx * sx, cy * sy, k1, k2, p1,
                p2, k3, k4, k5, k6, fisheye, mountHeightM, pitchDeg, rollDeg);
    }

    /**
     * This camera's lens and the given roll at other intrinsics (the model's input size, OpenCV's pixel centres), as
     * the rectification undoes it: the distortion is in normalised coordinates, the same at any size.
     */
    public io.roadseg.preprocess.Rectification.Lens lensAt(double fxAt, double fyAt, double cxAt, double cyAt,
                                                          double roll) {
        return io.roadseg.preprocess.Rectification.Lens.of(distortion(), fxAt, fyAt, cxAt, cyAt, roll);
    }

    /** The lens's distortion as every calibration roadseg reads is held ({@link Distortion}). */
    public Distortion distortion() {
        return new Distortion(fisheye, fisheye ? new double[] {k1, k2, k3, k4}
                : new double[] {k1, k2, p1, p2, k3, k4, k5, k6});
    }

    /** Whether the file gave the camera's mount (height and pitch), which the ground plane and the simulator need. */
    public boolean hasMount() {
        return !Double.isNaN(mountHeightM);
    }

    private static void validate(String where, int width, int height, double fx, double fy, double cx, double cy,
                                 double mountHeightM, double pitchDeg, double rollDeg) {
        rule(where, "width", width >= 16 && width <= 8192, "must be in 16..8192, got " + width);
        rule(where, "height", height >= 16 && height <= 8192, "must be in 16..8192, got " + height);
        // 0.05·width is a 170° fisheye, 50·width a 1° telephoto: outside that the value is a typo, not a lens
        rule(where, "fx", fx >= 0.05 * width && fx <= 50.0 * width, "focal length must be in "
                + 0.05 * width + ".." + 50.0 * width + " px for a " + width + " px wide image, got " + fx);
        rule(where, "fy", fy >= 0.05 * height && fy <= 50.0 * width, "focal length must be in "
                + 0.05 * height + ".." + 50.0 * width + " px for this image, got " + fy);
        rule(where, "cx", cx >= 0 && cx <= width, "principal point must lie inside the image (0.." + width
                + "), got " + cx);
        rule(where, "cy", cy >= 0 && cy <= height, "principal point must lie inside the image (0.." + height
                + "), got " + cy);
        rule(where, "mount_height_m", Double.isNaN(mountHeightM) || mountHeightM > 0 && mountHeightM <= 50,
                "camera must be above the road, at most 50 m, got " + mountHeightM);
        rule(where, "pitch_deg", Math.abs(pitchDeg) < 45, "must be within ±45°, got " + pitchDeg);
        rule(where, "roll_deg", Math.abs(rollDeg) < 45, "must be within ±45°, got " + rollDeg);
    }

    private static void rule(String where, String field, boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(where + ": " + field + " " + message);
        }
    }

    /**
     * Reads and validates a calibration file; errors name the file, the line or field and the rule broken. Three
     * kinds besides roadseg's own flat file: a file whose text starts with <code>{</code> is a {@code camera.json} as
     * {@code eval --depth} reads it ({@code fx, fy, cx, cy} with pixel centres at integers, {@code width, height,
     * camera_height_m}, optionally {@code optical_axis_pitch_down_deg}; no distortion), so a camera described for
     * evaluation runs as it is; a ROS {@code camera_calibration}, OpenCV {@code FileStorage} or Kalibr YAML file (one
     * with a {@code camera_matrix} or a {@code cam0}) is read by {@link CalibrationYaml}.
     */
    public static CameraCalibration read(Path file) throws IOException {
        // FILE#camN: that camera of a Kalibr chain (FILE alone: cam0); FILE#rectified: the rectified pictures'
        // camera of a ROS file; where no file has the whole name
        String camera = null;
        String whole = file.getFileName() == null ? "" : file.getFileName().toString();
        int pick = whole.lastIndexOf('#');
        if (pick > 0 && !Files.exists(file)) {
            camera = whole.substring(pick + 1);
            file = file.resolveSibling(whole.substring(0, pick));
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("calibration " + file + ": file not found");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException("calibration " + file + ": not a text file (not UTF-8)");
        } catch (IOException e) {
            throw new IOException("calibration " + file + ": cannot read (" + e.getMessage() + ")");
        }
        String text = String.join("\n", lines);
        if (text.strip().startsWith("{")) {
            return fromCameraJson(file);
        }
        if (CalibrationYaml.isOne(text)) {
            return CalibrationYaml.read(file, text, camera);
        }
        if (camera != null) {
            throw new IOException("calibration " + file + ": '#" + camera + "' picks a camera of a Kalibr chain or a ROS "
                    + "file's rectified one, and this file is neither");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("calibration " + file + ": line " + (i + 1) + " is not 'key: value': "
                        + lines.get(i).strip());
            }
            String key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            if (!KNOWN.contains(key)) {
                throw new IOException("calibration " + file + ": unknown field '" + key + "' on line " + (i + 1)
                        + " (known: " + String.join(", ", KNOWN) + ")");
            }
            if (values.put(key, line.substring(colon + 1).strip()) != null) {
                throw new IOException("calibration " + file + ": field '" + key + "' given twice");
            }
        }
        for (String key : KNOWN) {
            if (REQUIRED.contains(key) && !values.containsKey(key)) {
                throw new IOException("calibration " + file + ": required field '" + key + "' is missing");
            }
        }
        String model = values.getOrDefault("distortion_model", Distortion.PLUMB_BOB);
        boolean fisheye = fisheye(file, model);
        String name = values.getOrDefault("name", file.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        try {
            return new CameraCalibration(name, size(file, values, "width"), size(file, values, "height"),
                    number(file, values, "fx", 0), number(file, values, "fy", 0),
                    number(file, values, "cx", 0), number(file, values, "cy", 0), number(file, values, "k1", 0),
                    number(file, values, "k2", 0), number(file, values, "p1", 0), number(file, values, "p2", 0),
                    number(file, values, "k3", 0), number(file, values, "k4", 0), number(file, values, "k5", 0),
                    number(file, values, "k6", 0), fisheye,
                    number(file, values, "mount_height_m", 0), number(file, values, "pitch_deg", 0),
                    number(file, values, "roll_deg", 0));
        } catch (IllegalArgumentException e) {
            throw named(e, name, "calibration " + file);
        }
    }

    /**
     * {@link #read}, for the simulator's camera, which renders the road under it: a camera's own calibration without
     * {@code mount_height_m} and {@code pitch_deg}, and a fisheye whose corners see beyond 90° off the axis, are
     * errors saying so.
     */
    public static CameraCalibration readForRendering(Path file) throws IOException {
        CameraCalibration camera = read(file);
        if (!camera.hasMount()) {
            throw new IOException("calibration " + file + ": gives no mount_height_m and pitch_deg, which a camera "
                    + "over the road needs (add them to the file: calibration/README.md)");
        }
        if (!camera.seesOnlyAhead()) {
            throw new IOException("calibration " + file + ": a fisheye whose corners see more than 90° off the axis, "
                    + "which the simulator does not render");
        }
        return camera;
    }

    /** Whether a {@code distortion_model} is the equidistant one; an unknown model is an error naming it. */
    static boolean fisheye(Path file, String model) throws IOException {
        try {
            return Distortion.fisheye(model);
        } catch (IllegalArgumentException e) {
            throw new IOException("calibration " + file + ": distortion_model " + e.getMessage());
        }
    }

    /** A broken rule reported under the calibration's name, renamed to the file it was read from. */
    static IOException named(IllegalArgumentException e, String name, String where) {
        return new IOException(e.getMessage().replaceFirst("^calibration " + java.util.regex.Pattern.quote(name),
                java.util.regex.Matcher.quoteReplacement(where)));
    }

    private static CameraCalibration fromCameraJson(Path file) throws IOException {
        io.roadseg.metrics.DepthScenes.Camera c = io.roadseg.metrics.DepthScenes.camera(file);
        if (Double.isNaN(c.cameraHeight())) {
            throw new IOException("camera " + file + ": missing 'camera_height_m' (the camera's height above the "
                    + "road, which the ground plane needs)");
        }
        String name = file.getFileName().toString().replaceFirst("\\.json$", "");
        if (name.equals("camera") && file.toAbsolutePath().getParent() != null) {
            name = file.toAbsolutePath().getParent().getFileName().toString();
        }
        try {
            // camera.json puts pixel centres at integers (OpenCV), this class at +0.5
            return new CameraCalibration(name, c.width(), c.height(), c.fx(), c.fy(), c.cx() + 0.5, c.cy() + 0.5,
                    0, 0, 0, 0, c.cameraHeight(), c.pitchDownDeg(), 0);
        } catch (IllegalArgumentException e) {
            throw named(e, name, "camera " + file);
        }
    }

    private static double number(Path file, Map<String, String> values, String key, double fallback)
            throws IOException {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IOException("calibration " + file + ": field '" + key + "' is not a number: " + v);
        }
    }

    /** A width or height: a whole number in 16..8192 (checked here, before narrowing, so huge values are named). */
    private static int size(Path file, Map<String, String> values, String key) throws IOException {
        double d = number(file, values, key, 0);
        if (d != Math.rint(d)) {
            throw new IOException("calibration " + file + ": field '" + key + "' must be a whole number, got "
                    + values.get(key));
        }
        if (d < 16 || d > 8192) {
            throw new IOException("calibration " + file + ": " + key + " must be in 16..8192, got " + values.get(key));
        }
        return (int) d;
    }

    /**
     * The calibration as roadseg's flat file text, readable by {@link #read}; a camera without a mount (read from a
     * camera's own calibration) is written with its mount lines commented out, to be filled in.
     */
    public String toText() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, """
                # roadseg camera calibration (format: calibration/README.md)
                name: %s
                width: %d
                height: %d
                fx: %s
                fy: %s
                cx: %s
                cy: %s
                """, name, width, height, fx, fy, cx, cy));
        if (fisheye) {
            s.append(String.format(Locale.ROOT, "distortion_model: %s%nk1: %s%nk2: %s%nk3: %s%nk4: %s%n",
                    Distortion.EQUIDISTANT, k1, k2, k3, k4));
        } else {
            s.append(String.format(Locale.ROOT, "k1: %s%nk2: %s%np1: %s%np2: %s%n", k1, k2, p1, p2));
            if (k3 != 0) {
                s.append(String.format(Locale.ROOT, "k3: %s%n", k3));
            }
            if (isRational()) {
                s.append(String.format(Locale.ROOT, "k4: %s%nk5: %s%nk6: %s%n", k4, k5, k6));
            }
        }
        String mount = hasMount() ? "" : "# ";
        s.append(String.format(Locale.ROOT, "%smount_height_m: %s%n%spitch_deg: %s%nroll_deg: %s%n", mount,
                hasMount() ? mountHeightM : "?", mount, pitchDeg, rollDeg));
        return s.toString();
    }

    /** Row of the horizon (where a level road meets the sky at infinity) for zero roll, in pixels from the top. */
    public double horizonRow() {
        return cy - fy * StrictMath.tan(StrictMath.toRadians(pitchDeg));
    }

    /**
     * Whether every pixel sees a ray in front of the camera (less than 90° off the axis): always for Brown–Conrady,
     * not for a fisheye whose corners see farther (one of more than 180° across), which only the simulator minds.
     */
    public boolean seesOnlyAhead() {
        return !fisheye || io.roadseg.preprocess.Rectification.cornerRadius(width, height, fx, fy, cx, cy)
                < io.roadseg.preprocess.Rectification.reachFisheye(k1, k2, k3, k4);
    }

    /** Whether the lens bends rays (an equidistant lens always does: its projection is not the pinhole's). */
    public boolean hasDistortion() {
        return fisheye || k1 != 0 || k2 != 0 || p1 != 0 || p2 != 0 || k3 != 0 || isRational();
    }

    /** Whether the lens is Brown–Conrady with the rational model's denominator (k4..k6 not all 0). */
    public boolean isRational() {
        return !fisheye && (k4 != 0 || k5 != 0 || k6 != 0);
    }

    /**
     * Pixel to ray in the camera frame: the normalised image coordinates (x/z, y/z of the ray in camera coordinates,
     * x right, y down, z forward) of image point (u, v), with the distortion removed (Brown–Conrady by fixed-point
     * iteration to convergence, the equidistant model by Newton's method on the angle). Pixel (u, v)'s centre is at
     * (u + 0.5, v + 0.5). Writes into {@code out[0..1]}.
     */
    public void undistort(double u, double v, double[] out) {
        double xd = (u - cx) / fx;
        double yd = (v - cy) / fy;
        double x = xd;
        double y = yd;
        if (fisheye) {
            double rd = StrictMath.sqrt(xd * xd + yd * yd);
            double theta = rd;
            for (int i = 0; i < 20 && rd > 0; i++) {
                double t2 = theta * theta;
                double f = theta * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4)))) - rd;
                double df = 1 + t2 * (3 * k1 + t2 * (5 * k2 + t2 * (7 * k3 + t2 * 9 * k4)));
                double step = f / df;
                theta = Math.min(Math.max(theta - step, 0), Math.PI / 2 - 1e-9);
                if (Math.abs(step) < 1e-12) {
                    break;
                }
            }
            double scale = rd > 0 ? StrictMath.tan(theta) / rd : 1;
            x = xd * scale;
            y = yd * scale;
        } else if (hasDistortion()) {
            // to convergence: a strong lens's corners take dozens of steps (OpenCV's default of 5 stops short)
            for (int i = 0; i < 200; i++) {
                double r2 = x * x + y * y;
                double radial = (1 + r2 * (k1 + r2 * (k2 + r2 * k3))) / (1 + r2 * (k4 + r2 * (k5 + r2 * k6)));
                double dx = 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
                double dy = p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
                double nx = (xd - dx) / radial;
                double ny = (yd - dy) / radial;
                boolean done = Math.abs(nx - x) + Math.abs(ny - y) < 1e-13;
                x = nx;
                y = ny;
                if (done) {
                    break;
                }
            }
        }
        out[0] = x;
        out[1] = y;
    }

    /**
     * Ray to pixel, the lens model forward (the inverse of {@link #undistort}): normalised image coordinates (x, y) of
     * a ray in front of the camera to the pixel it lands on (centres at index + 0.5). A ray beyond the radius where
     * the lens model folds back (outside the picture, {@link io.roadseg.preprocess.Rectification#reach}) lands where a
     * pinhole camera would put it, farther out than the picture's corners, not folded back into the picture. Writes
     * (u, v) into {@code out[0..1]}.
     */
    public void distort(double x, double y, double[] out) {
        double xd = x;
        double yd = y;
        double r2 = x * x + y * y;
        if (fisheye) {
            if (r2 > 0) {
                double r = StrictMath.sqrt(r2);
                double theta = StrictMath.atan(r);
                double t2 = theta * theta;
                double slope = 1 + t2 * (3 * k1 + t2 * (5 * k2 + t2 * (7 * k3 + t2 * 9 * k4)));
                if (slope > 0) {
                    double scale = theta * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4)))) / r;
                    xd = x * scale;
                    yd = y * scale;
                }
            }
        } else if (hasDistortion()) {
            double numerator = 1 + r2 * (k1 + r2 * (k2 + r2 * k3));
            double denominator = 1 + r2 * (k4 + r2 * (k5 + r2 * k6));
            double radial = numerator / denominator;
            // d/dr of r·N/D, times D²: (N + r·N')·D − r·N·D'
            double slope = (numerator + r2 * (2 * k1 + r2 * (4 * k2 + r2 * 6 * k3))) * denominator
                    - numerator * r2 * (2 * k4 + r2 * (4 * k5 + r2 * 6 * k6));
            if (denominator > 0 && radial > 0 && slope > 0) {
                xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
                yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
            }
        }
        out[0] = cx + fx * xd;
        out[1] = cy + fy * yd;
    }

    /**
     * Pixel to ray in the road frame under the camera (X right, Y up, Z forward along the road; the camera's
     * optical centre at height {@link #mountHeightM()} above the origin), with lens distortion, roll and pitch
     * applied. The direction is scaled so that its component along the optical axis is 1: the point at ray
     * parameter t lies at depth t. Writes (X, Y, Z) into {@code out[0..2]}.
     *
     * @param u image x, pixels from the left edge (a pixel's centre is at its index + 0.5)
     * @param v image y, pixels from the top edge
     */
    public void rayInRoadFrame(double u, double v, double[] out) {
        undistort(u, v, out);
        double pitch = StrictMath.toRadians(pitchDeg);
        double roll = StrictMath.toRadians(rollDeg);
        double sinPitch = StrictMath.sin(pitch);
        double cosPitch = StrictMath.cos(pitch);
        double sinRoll = StrictMath.sin(roll);
        double cosRoll = StrictMath.cos(roll);
        // undo roll in the image plane, then pitch: camera (x right, y down, z forward) -> road (X, Y up, Z)
        double xr = out[0] * cosRoll - out[1] * sinRoll;
        double yr = out[0] * sinRoll + out[1] * cosRoll;
        out[0] = xr;
        out[1] = -yr * cosPitch - sinPitch;
        out[2] = -yr * sinPitch + cosPitch;
    }
}
