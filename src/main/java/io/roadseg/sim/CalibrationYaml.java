package io.roadseg.sim;

import io.roadseg.preprocess.Distortion;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A camera's calibration as the usual tools write it, read into a {@link CameraCalibration}:
 * <ul>
 *   <li><b>ROS</b> {@code camera_calibration} / {@code camera_calibration_parsers} ({@code ost.yaml}, what
 *       {@code camera_info_url} points at): {@code image_width}, {@code image_height}, {@code camera_name},
 *       {@code camera_matrix} ({@code rows, cols, data}), {@code distortion_model} ({@code plumb_bob},
 *       {@code rational_polynomial}, {@code equidistant}), {@code distortion_coefficients};</li>
 *   <li><b>OpenCV</b> {@code FileStorage} YAML, as its calibration samples write it: the same names,
 *       {@code !!opencv-matrix} nodes, 4, 5, 8, 12 or 14 coefficients (those past the eighth 0), {@code fisheye_model:
 *       1} (or a {@code distortion_model}) for {@code cv::fisheye}'s four;</li>
 *   <li><b>Kalibr</b> camera chains: {@code cam0}'s (or, given as {@code FILE#cam1}, another camera's)
 *       {@code camera_model: pinhole}, {@code intrinsics [fu fv pu pv]},
 *       {@code resolution [w h]}, {@code distortion_model} ({@code radtan}, {@code equidistant} or {@code none}),
 *       {@code distortion_coeffs}.</li>
 * </ul>
 * These give the lens, not the mount: the top level may carry roadseg's {@code mount_height_m}, {@code pitch_deg}
 * and {@code roll_deg} beside them (ROS and OpenCV ignore names they do not read), else the camera has no mount
 * ({@link CameraCalibration#hasMount}). K's pixel centres are at integers in all three (ROS's and OpenCV's
 * convention) and are moved to roadseg's +0.5. For raw pictures the rectification and projection matrices are not
 * read: roadseg undoes the lens and keeps K (the camera's own axes and focal length). {@code FILE#rectified} is the
 * camera of the pictures {@code image_proc} rectified with a ROS or OpenCV file ({@code image_rect}): its
 * {@code projection_matrix}'s intrinsics and no lens. Other fields are ignored; a field of the wrong shape, a model roadseg
 * cannot undo or a broken rule is an error naming the file and the field.
 *
 * <p>The file is read as YAML nodes only (SnakeYAML's composer): no object is constructed from it, so OpenCV's tags
 * need no classes and no tag can run code.
 */
public final class CalibrationYaml {
    /** {@code FILE#rectified}: the camera of the pictures rectified with a ROS file, its projection matrix. */
    static final String RECTIFIED = "rectified";
    private static final Pattern KIND = Pattern.compile("(?m)^(%YAML|camera_matrix\\s*:|cam\\d+\\s*:)");

    private CalibrationYaml() {
    }

    /** Whether a calibration file's text is one of these formats rather than roadseg's flat one. */
    static boolean isOne(String text) {
        return KIND.matcher(text).find();
    }

    /**
     * Reads the calibration; {@code text} is the file's content, {@code pick} the camera of a Kalibr chain
     * ({@code cam1}; null: {@code cam0}).
     */
    static CameraCalibration read(Path file, String text, String pick) throws IOException {
        Fields top = new Fields(file, "", root(file, text));
        Fields camera = top;
        String cam = pick == null ? "cam0" : pick;
        boolean kalibr = !top.has("camera_matrix") && top.has("cam0");
        if (kalibr) {
            if (!top.has(cam)) {
                throw top.error("", "has no camera " + cam + " (its cameras: " + String.join(", ",
                        top.keys().stream().filter(k -> k.matches("cam\\d+")).toList()) + ")");
            }
            camera = top.map(cam);
        } else if (!top.has("camera_matrix")) {
            throw top.error("", "neither camera_matrix (a ROS or OpenCV calibration) nor cam0 (Kalibr) is there");
        } else if (pick != null && !pick.equals(RECTIFIED)) {
            throw top.error("", "'#" + pick + "' picks a camera of a Kalibr chain, and this file calibrates one camera"
                    + " ('#" + RECTIFIED + "': its rectified pictures' camera, from projection_matrix)");
        }
        boolean rectified = RECTIFIED.equals(pick);
        if (rectified && (kalibr || !top.has("projection_matrix"))) {
            throw top.error("", "has no projection_matrix, which '#" + RECTIFIED + "' takes the rectified pictures' "
                    + "camera from (a ROS camera_calibration file has one)");
        }
        double[] k = new double[4];     // fx, fy, cx, cy: pixel centres at integers
        int width;
        int height;
        String model;
        double[] d;
        if (kalibr) {
            String projection = camera.string("camera_model", "pinhole");
            if (!projection.equals("pinhole")) {
                throw camera.error("camera_model", "is '" + projection + "': roadseg takes pinhole cameras");
            }
            double[] intrinsics = camera.numbers("intrinsics", 4, "fu, fv, pu, pv");
            System.arraycopy(intrinsics, 0, k, 0, 4);
            double[] resolution = camera.numbers("resolution", 2, "width, height");
            width = camera.whole("resolution", resolution[0]);
            height = camera.whole("resolution", resolution[1]);
            model = camera.string("distortion_model", "none");
            d = camera.has("distortion_coeffs") ? camera.numbers("distortion_coeffs", -1, null) : new double[0];
            if (model.equals("none")) {
                model = Distortion.PLUMB_BOB;
                if (d.length > 0) {
                    throw camera.error("distortion_coeffs", "given for distortion_model none");
                }
            } else if (!model.equals("radtan") && !model.equals(Distortion.EQUIDISTANT)) {
                throw camera.error("distortion_model", "is '" + model + "': roadseg undoes radtan (k1 k2 p1 p2) "
                        + "and equidistant (k1..k4)");
            }
        } else {
            width = top.whole("image_width", top.number("image_width"));
            height = top.whole("image_height", top.number("image_height"));
            double[] matrix = top.matrix("camera_matrix", 9);
            boolean pinhole = matrix[3] == 0 && matrix[6] == 0 && matrix[7] == 0 && matrix[8] == 1
                    && Math.abs(matrix[1]) <= 1e-6 * Math.abs(matrix[0]);
            if (!pinhole) {
                throw top.error("camera_matrix", "is not a pinhole camera's [fx 0 cx; 0 fy cy; 0 0 1]");
            }
            k[0] = matrix[0];
            k[1] = matrix[4];
            k[2] = matrix[2];
            k[3] = matrix[5];
            boolean fisheyeFlag = top.has("fisheye_model") && top.number("fisheye_model") != 0;
            model = top.string("distortion_model", fisheyeFlag ? Distortion.EQUIDISTANT : Distortion.PLUMB_BOB);
            d = top.has("distortion_coefficients") ? top.matrix("distortion_coefficients", -1) : new double[0];
            if (rectified) {
                // the pictures image_proc rectified with this file: P's camera, no lens left (R turned them; a
                // stereo pair's baseline, P's fourth column, is not a property of one camera's pictures)
                double[] p = top.matrix("projection_matrix", 12);
                boolean pinholeP = p[4] == 0 && p[8] == 0 && p[9] == 0 && p[10] == 1 && p[11] == 0 && p[0] > 0
                        && p[5] > 0 && Math.abs(p[1]) <= 1e-6 * p[0];
                if (!pinholeP) {
                    throw top.error("projection_matrix", "is not a pinhole projection [fx 0 cx Tx; 0 fy cy Ty; 0 0 1 0]");
                }
                k[0] = p[0];
                k[1] = p[5];
                k[2] = p[2];
                k[3] = p[6];
                model = Distortion.PLUMB_BOB;
                d = new double[0];
            }
        }
        // the model and its coefficients as everywhere else (a recording's CameraInfo too): Distortion
        String coefficients = kalibr ? "distortion_coeffs" : "distortion_coefficients";
        boolean fisheye;
        try {
            fisheye = Distortion.fisheye(model);
        } catch (IllegalArgumentException e) {
            throw camera.error("distortion_model", e.getMessage());
        }
        if (kalibr && !fisheye && d.length > 4) {
            throw camera.error(coefficients, "has " + d.length + " numbers; radtan has 4 (k1 k2 p1 p2)");
        }
        double[] lens;  // Brown–Conrady k1 k2 p1 p2 k3 k4 k5 k6, or equidistant k1 k2 k3 k4
        try {
            lens = Distortion.of(model, d).coefficients();
        } catch (IllegalArgumentException e) {
            throw camera.error(coefficients, e.getMessage());
        }
        String name = top.has("camera_name") ? top.string("camera_name", "") : kalibr
                ? file.getFileName().toString().replaceFirst("\\.ya?ml$", "") + "-" + cam
                : file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        double mount = top.has("mount_height_m") ? top.number("mount_height_m") : Double.NaN;
        if (Double.isNaN(mount) && top.has("pitch_deg")) {
            throw top.error("mount_height_m", "is missing: pitch_deg without the height gives no ground plane");
        }
        double pitch = top.has("pitch_deg") ? top.number("pitch_deg") : 0;
        if (!Double.isNaN(mount) && !top.has("pitch_deg")) {
            throw top.error("pitch_deg", "is missing: the ground plane needs the camera's tilt with its height");
        }
        double roll = top.has("roll_deg") ? top.number("roll_deg") : 0;
        try {
            return fisheye
                    ? new CameraCalibration(name, width, height, k[0], k[1], k[2] + 0.5, k[3] + 0.5, lens[0],
                    lens[1], 0, 0, lens[2], lens[3], 0, 0, true, mount, pitch, roll)
                    : new CameraCalibration(name, width, height, k[0], k[1], k[2] + 0.5, k[3] + 0.5, lens[0],
                    lens[1], lens[2], lens[3], lens[4], lens[5], lens[6], lens[7], false, mount, pitch, roll);
        } catch (IllegalArgumentException e) {
            throw CameraCalibration.named(e, name, "calibration " + file);
        }
    }

    private static MappingNode root(Path file, String text) throws IOException {
        // OpenCV's FileStorage starts with "%YAML:1.0", which is not YAML's directive syntax
        String yamlText = text.startsWith("%YAML:") ? "#" + text : text;
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(10);
        options.setTagInspector(tag -> true); // OpenCV's !!opencv-matrix: nodes are composed, never constructed
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(yamlText));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new IOException("calibration " + file + ": not YAML"
                    + (mark != null ? " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) : "")
                    + ": " + (e.getProblem() != null ? e.getProblem() : e.getContext()));
        } catch (YAMLException e) {
            throw new IOException("calibration " + file + ": not YAML: " + e.getMessage().lines().findFirst()
                    .orElse(""));
        }
        if (!(root instanceof MappingNode map)) {
            throw new IOException("calibration " + file + ": not a calibration (a YAML mapping of fields)");
        }
        return map;
    }

    /** A YAML mapping's fields by name, with errors naming the file and the field's path and line. */
    private static final class Fields {
        private final Path file;
        private final String path;
        private final Map<String, Node> fields = new LinkedHashMap<>();

        Fields(Path file, String path, MappingNode map) throws IOException {
            this.file = file;
            this.path = path;
            for (NodeTuple t : map.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
                if (key == null) {
                    throw new IOException("calibration " + file + ": line " + line(t.getKeyNode())
                            + " has a key that is not a name");
                }
                if (fields.put(key, t.getValueNode()) != null) {
                    throw error(key, "is given twice (line " + line(t.getKeyNode()) + ")");
                }
            }
        }

        boolean has(String key) {
            return fields.containsKey(key);
        }

        java.util.Set<String> keys() {
            return fields.keySet();
        }

        Node node(String key) throws IOException {
            Node n = fields.get(key);
            if (n == null) {
                throw error(key, "is missing");
            }
            return n;
        }

        IOException error(String key, String problem) {
            String field = path.isEmpty() ? key : key.isEmpty() ? path : path + "." + key;
            return new IOException("calibration " + file + ": " + (field.isEmpty() ? "" : field + " ") + problem);
        }

        Fields map(String key) throws IOException {
            if (!(node(key) instanceof MappingNode m)) {
                throw error(key, "must be a mapping of fields (line " + line(node(key)) + ")");
            }
            return new Fields(file, path.isEmpty() ? key : path + "." + key, m);
        }

        String string(String key, String fallback) throws IOException {
            if (!has(key)) {
                return fallback;
            }
            if (!(node(key) instanceof ScalarNode s)) {
                throw error(key, "must be a single value (line " + line(node(key)) + ")");
            }
            return s.getValue().strip();
        }

        double number(String key) throws IOException {
            return parse(key, node(key));
        }

        int whole(String key, double value) throws IOException {
            if (value != Math.rint(value) || value < 16 || value > 8192) {
                throw error(key, "must be a whole number of pixels in 16..8192, got " + value);
            }
            return (int) value;
        }

        /** A sequence of numbers; {@code count} -1 for any length. */
        double[] numbers(String key, int count, String meaning) throws IOException {
            if (!(node(key) instanceof SequenceNode s)) {
                throw error(key, "must be a list of numbers [a, b, …] (line " + line(node(key)) + ")");
            }
            List<Node> items = s.getValue();
            if (count >= 0 && items.size() != count) {
                throw error(key, "has " + items.size() + " numbers, not " + count + " (" + meaning + ")");
            }
            double[] out = new double[items.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = parse(key + "[" + i + "]", items.get(i));
            }
            return out;
        }

        /**
         * A matrix as ROS and OpenCV write it, {@code {rows, cols, data: [...]}} (OpenCV's {@code dt} ignored), or a
         * bare list; {@code count} -1 for a vector of any length.
         */
        double[] matrix(String key, int count) throws IOException {
            Node n = node(key);
            if (n instanceof SequenceNode) {
                return numbers(key, count, count == 9 ? "a 3x3 matrix, row by row" : null);
            }
            Fields m = map(key);
            double[] data = m.numbers("data", -1, null);
            int rows = m.count("rows");
            int cols = m.count("cols");
            if (rows * cols != data.length) {
                throw m.error("data", "has " + data.length + " numbers, not rows × cols = " + rows * cols);
            }
            if (count == 9 && (rows != 3 || cols != 3)) {
                throw error(key, "is " + rows + "x" + cols + ", not 3x3");
            }
            if (count < 0 && rows != 1 && cols != 1) {
                throw error(key, "is " + rows + "x" + cols + ", not a vector");
            }
            return data;
        }

        /** A matrix's rows or columns: a whole number in 1..64. */
        private int count(String key) throws IOException {
            double value = number(key);
            if (value != Math.rint(value) || value < 1 || value > 64) {
                throw error(key, "must be a whole number in 1..64, got " + value);
            }
            return (int) value;
        }

        private double parse(String key, Node n) throws IOException {
            if (!(n instanceof ScalarNode s)) {
                throw error(key, "must be a number (line " + line(n) + ")");
            }
            try {
                double d = Double.parseDouble(s.getValue().strip());
                if (Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException ignored) {
                // said below
            }
            throw error(key, "is not a number: '" + s.getValue() + "' (line " + line(n) + ")");
        }

        private static int line(Node n) {
            return n.getStartMark() != null ? n.getStartMark().getLine() + 1 : 0;
        }
    }
}
