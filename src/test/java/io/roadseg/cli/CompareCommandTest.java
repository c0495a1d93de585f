package io.roadseg.cli;

import io.roadseg.TestData;
import io.roadseg.ros.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code roadseg compare} on reports that {@code eval --json} wrote with two real models (the shipped one and a
 * random-weight one) on two small depth scenes and a synthetic drive: the differences it prints are the reports' own,
 * a report against itself is level with an interval of zero width, a shifted copy is certainly worse, and bad input
 * gets one line.
 */
class CompareCommandTest {
    private static final String CAMERA = "{\"fx\": 100, \"fy\": 100, \"cx\": 31.5, \"cy\": 23.5, \"width\": 64, "
            + "\"height\": 48, \"camera_height_m\": 1.5, \"depth_scale\": 256}";

    @TempDir
    static Path dir;
    static Path shipped;
    static Path random;

    /** A scene of {@code frames} 64x48 frames: a grey road below a blue sky, true depth a wall at {@code metres}. */
    private static void scene(Path data, String name, int frames, int metres) throws IOException {
        Path scene = data.resolve(name);
        Files.createDirectories(scene.resolve("image"));
        Files.createDirectories(scene.resolve("depth"));
        Files.writeString(scene.resolve("camera.json"), CAMERA);
        for (int f = 0; f < frames; f++) {
            BufferedImage rgb = new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR);
            BufferedImage depth = new BufferedImage(64, 48, BufferedImage.TYPE_USHORT_GRAY);
            for (int y = 0; y < 48; y++) {
                for (int x = 0; x < 64; x++) {
                    rgb.setRGB(x, y, y < 24 ? 0x6090e0 + f * 8 : 0x505050 + f * 0x030303);
                    depth.getRaster().setSample(x, y, 0, metres * 256 + y);
                }
            }
            ImageIO.write(rgb, "png", scene.resolve("image/f" + f + ".png").toFile());
            ImageIO.write(depth, "png", scene.resolve("depth/f" + f + ".png").toFile());
        }
    }

    @BeforeAll
    static void evaluateTwoModels() throws Exception {
        Path data = dir.resolve("data");
        scene(data, "scene-a", 1, 10);
        scene(data, "scene-b", 2, 25);
        Path small = TestData.smallModel(dir);
        shipped = dir.resolve("shipped");
        random = dir.resolve("random");
        for (Object[] m : new Object[][]{{"engines/roadseg.onnx", shipped}, {small.toString(), random}}) {
            Path out = (Path) m[1];
            Files.createDirectories(out);
            Cli.Outcome o = Cli.run("eval", "--depth", data.toString(), "--model", (String) m[0], "--json",
                    out.resolve("depth.json").toString());
            assertEquals(0, o.exit(), o.stderr());
            o = Cli.run("eval", "--drive", "sim://town?seed=999&frames=2", "--model", (String) m[0], "--json",
                    out.resolve("sim.json").toString());
            assertEquals(0, o.exit(), o.stderr());
        }
        Files.writeString(shipped.resolve("only-here.json"), Files.readString(shipped.resolve("sim.json")));
    }

    private static double sceneFigure(Path report, String scene, String figure) throws IOException {
        Object doc = Json.parse(Files.readString(report));
        return (Double) Json.at(doc, "fused", "scenes", scene, "metric", figure);
    }

    private static double printed(String out, String label) {
        Matcher m = Pattern.compile("  " + Pattern.quote(label) + " +[0-9.]+( %)? against [0-9.]+( %)?: ([-+][0-9.]+), "
                + "95 % \\[([-+][0-9.]+), ([-+][0-9.]+)\\] → (\\w+)").matcher(out);
        assertTrue(m.find(), "no line for " + label + " in:\n" + out);
        return Double.parseDouble(m.group(3));
    }

    @Test
    void theDepthDifferenceIsTheFrameWeightedMeanOfTheScenes() throws Exception {
        Cli.Outcome o = Cli.run("compare", shipped.resolve("depth.json").toString(),
                random.resolve("depth.json").toString());
        assertEquals(0, o.exit(), o.stderr());
        Path a = shipped.resolve("depth.json");
        Path b = random.resolve("depth.json");
        double expected = (1 * (sceneFigure(a, "scene-a", "abs_rel") - sceneFigure(b, "scene-a", "abs_rel"))
                + 2 * (sceneFigure(a, "scene-b", "abs_rel") - sceneFigure(b, "scene-b", "abs_rel"))) / 3;
        String fused = o.stdout().substring(o.stdout().indexOf("fused depth"), o.stdout().indexOf("network depth"));
        assertEquals(expected, printed(fused, "AbsRel"), 1e-4);
        assertTrue(fused.contains("2 scenes, 3 frames"), fused);
    }

    @Test
    void aReportAgainstItselfIsLevelWithAnIntervalOfZeroWidth() {
        Cli.Outcome o = Cli.run("compare", shipped.resolve("depth.json").toString(),
                shipped.resolve("depth.json").toString());
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stdout().contains("+0.0000, 95 % [+0.0000, +0.0000] → level"), o.stdout());
        assertFalse(o.stdout().contains("→ worse") || o.stdout().contains("→ better"), o.stdout());
    }

    /** The shipped model's depth report with every fused metric AbsRel (scenes and all) 0.05 higher. */
    private static Path worseCopy() throws IOException {
        String text = Files.readString(shipped.resolve("depth.json"));
        int fused = text.indexOf("\"fused\"");
        Matcher m = Pattern.compile("\"metric\": \\{\"abs_rel\": ([0-9.]+)").matcher(text);
        StringBuilder b = new StringBuilder();
        int last = 0;
        while (m.find(fused)) {
            b.append(text, last, m.start(1)).append(String.format(Locale.ROOT, "%.4f",
                    Double.parseDouble(m.group(1)) + 0.05));
            last = m.end(1);
            fused = m.end();
        }
        b.append(text.substring(last));
        Path worse = dir.resolve("worse.json");
        Files.writeString(worse, b.toString());
        return worse;
    }

    @Test
    void aCopyWorseOnEverySceneIsCertainlyWorse() throws Exception {
        Path worse = worseCopy();
        Cli.Outcome o = Cli.run("compare", worse.toString(), shipped.resolve("depth.json").toString());
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stdout().contains("+0.0500, 95 % [+0.0500, +0.0500] → worse (higher on 2 of 2 scenes, lower on 0)"),
                o.stdout());
        String network = o.stdout().substring(o.stdout().indexOf("network depth"));
        assertEquals(0, printed(network, "AbsRel"), 0, "the network's figures were not touched");
    }

    @Test
    void aFusionWithAnotherModelsClassesIsNoted() throws Exception {
        Path mixed = dir.resolve("mixed.json");
        Files.writeString(mixed, Files.readString(shipped.resolve("depth.json"))
                .replaceFirst("^\\{", "{\"classes_from\": \"other.onnx\", "));
        Cli.Outcome o = Cli.run("compare", mixed.toString(), shipped.resolve("depth.json").toString());
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stdout().contains("note: " + mixed + " fused its depth with the classes of other.onnx"),
                o.stdout());
    }

    @Test
    void reportsMadeWithOtherSettingsAreNoted() throws Exception {
        String sim = Files.readString(shipped.resolve("sim.json"));
        assertTrue(sim.startsWith("{\"settings\": {\"input_size\": \"auto\", \"flip_average\": false}, "), sim);
        Path flipped = dir.resolve("flipped.json");
        Files.writeString(flipped, sim.replace("\"flip_average\": false", "\"flip_average\": true")
                .replace("\"input_size\": \"auto\"", "\"input_size\": \"auto:640x480\""));
        Cli.Outcome o = Cli.run("compare", flipped.toString(), shipped.resolve("sim.json").toString());
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stdout().contains("note: the reports were made with other settings — " + flipped
                + ": --input-size auto:640x480, --flip-average; " + shipped.resolve("sim.json")
                + ": --input-size auto"), o.stdout());
        Path depth = shipped.resolve("depth.json");
        assertTrue(Files.readString(depth).startsWith("{\"settings\": {\"input_size\": \"auto\""), "depth too");
        Cli.Outcome same = Cli.run("compare", depth.toString(), depth.toString());
        assertTrue(!same.stdout().contains("other settings"), same.stdout());
    }

    @Test
    void foldersAreComparedReportByReport() {
        Cli.Outcome o = Cli.run("compare", shipped.toString(), random.toString());
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stdout().contains("depth.json against"), o.stdout());
        assertTrue(o.stdout().contains("sim.json against"), o.stdout());
        assertTrue(o.stdout().contains("mean IoU"), o.stdout());
        assertTrue(o.stdout().contains("depth AbsRel"), "the drive's depth line: " + o.stdout());
        assertTrue(Pattern.compile("\nfence +(—|[0-9.]+) +(—|[0-9.]+) +— +— +—\n").matcher(o.stdout()).find(),
                "no fence on the drive's two frames: no IoU, no difference, no ratio: " + o.stdout());
        assertTrue(o.stdout().contains("only in the candidate [only-here.json]"), o.stdout());
        assertTrue(o.stdout().contains("note: 337920 evaluated pixels against 84480"), "480x352 against 240x176: "
                + o.stdout());
    }

    /** @return the class with the largest predicted/true pixel ratio in a report, and that ratio */
    private static Object[] largestRatio(Path report) throws IOException {
        Object doc = Json.parse(Files.readString(report));
        Object[] largest = {null, -1.0};
        long truthSum = 0;
        long predictedSum = 0;
        for (String k : Json.object(Json.at(doc, "iou")).keySet()) {
            double t = (Double) Json.at(doc, "truth_pixels", k);
            double n = (Double) Json.at(doc, "predicted_pixels", k);
            truthSum += (long) t;
            predictedSum += (long) n;
            if (t > 0 && n / t > (Double) largest[1]) {
                largest = new Object[]{k, n / t};
            }
        }
        double evaluated = (Double) Json.at(doc, "evaluated_pixels");
        assertEquals((long) evaluated, truthSum, "every evaluated pixel has one true class: " + report);
        assertEquals((long) evaluated, predictedSum, "and one predicted class: " + report);
        return largest;
    }

    @Test
    void eachClassesPredictedOverTruePixelsIsPrintedWithTheLargestAgainstTheBound() throws Exception {
        Path a = random.resolve("sim.json");
        Path b = shipped.resolve("sim.json");
        Object[] la = largestRatio(a);
        Object[] lb = largestRatio(b);
        Cli.Outcome o = Cli.run("compare", a.toString(), b.toString());
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stdout().contains(" pred/true     base\n"), o.stdout());
        Object doc = Json.parse(Files.readString(b));
        double roadRatio = (Double) Json.at(doc, "predicted_pixels", "road") / (Double) Json.at(doc, "truth_pixels", "road");
        assertTrue(Pattern.compile("\nroad .* " + Pattern.quote(String.format(Locale.ROOT, "%.2fx", roadRatio)) + "\n")
                .matcher(o.stdout()).find(), "the baseline's road ratio, last on its line: " + o.stdout());
        boolean overA = (Double) la[1] > 2;
        boolean overB = (Double) lb[1] > 2;
        String verdict = overA == overB ? (overA ? "both over it" : "both within it")
                : overA ? "the candidate crosses it" : "the candidate comes back within it";
        assertTrue(o.stdout().contains(String.format(Locale.ROOT, "largest predicted/true: %s %.2fx against %s %.2fx "
                + "(the issue's bound on a held-out sequence: 2.00x; %s)", la[0], la[1], lb[0], lb[1], verdict)),
                o.stdout());
        // a report written before the counts were (no truth_pixels / predicted_pixels): the table as it was
        Path old = dir.resolve("before-counts.json");
        Files.writeString(old, Files.readString(b).replaceAll("\"truth_pixels\": \\{[^}]*\\}, \"predicted_pixels\": "
                + "\\{[^}]*\\}, ", ""));
        assertFalse(Files.readString(old).contains("_pixels\": {"), Files.readString(old));
        Cli.Outcome before = Cli.run("compare", a.toString(), old.toString());
        assertEquals(0, before.exit(), before.stderr());
        assertFalse(before.stdout().contains("pred/true"), before.stdout());
        assertFalse(before.stdout().contains("largest predicted/true"), before.stdout());
        assertTrue(before.stdout().contains("mean IoU"), before.stdout());
    }

    /** The shipped model's drive report with a nearest_ahead object of its own in place of any it has. */
    private static Path withNearestAhead(String name, String nearest) throws IOException {
        String sim = Files.readString(shipped.resolve("sim.json")).trim();
        sim = sim.replaceFirst(", \"nearest_ahead\": \\{.*}}$", "}");
        Path p = dir.resolve(name);
        Files.writeString(p, sim.substring(0, sim.length() - 1) + ", \"nearest_ahead\": " + nearest + "}\n");
        return p;
    }

    @Test
    void theNearestRoadUserAheadIsComparedClassByClass() throws Exception {
        Path a = withNearestAhead("ahead-a.json", "{\"car\": {\"frames\": 40, \"abs_rel\": 0.1, "
                + "\"delta_1_25\": 0.9, \"missed\": 2, \"phantom\": 1}}");
        Path b = withNearestAhead("ahead-b.json", "{\"car\": {\"frames\": 40, \"abs_rel\": 0.125, "
                + "\"delta_1_25\": 0.85, \"missed\": 3, \"phantom\": 0}, \"pedestrian\": {\"frames\": 0, "
                + "\"abs_rel\": null, \"delta_1_25\": null, \"missed\": 7, \"phantom\": 0}}");
        Cli.Outcome o = Cli.run("compare", a.toString(), b.toString());
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stdout().contains("nearest road user ahead (per frame; no interval):"), o.stdout());
        assertTrue(Pattern.compile("\ncar +0\\.1000 +0\\.1250 +-0\\.0250 +90\\.0 +85\\.0 +\\+5\\.0 +2/1 vs 3/0\n")
                .matcher(o.stdout()).find(), o.stdout());
        assertTrue(Pattern.compile("\npedestrian +— +— +— +— +— +— +—/— vs 7/0\n").matcher(o.stdout()).find(),
                "a class only the baseline saw: " + o.stdout());
        Path none = dir.resolve("no-ahead.json");
        Files.writeString(none, Files.readString(shipped.resolve("sim.json")).trim()
                .replaceFirst(", \"nearest_ahead\": \\{.*}}$", "}"));
        assertFalse(Files.readString(none).contains("nearest_ahead"), Files.readString(none));
        Cli.Outcome without = Cli.run("compare", a.toString(), none.toString());
        assertEquals(0, without.exit(), without.stderr());
        assertFalse(without.stdout().contains("nearest road user ahead"), "only where both reports have it: "
                + without.stdout());
    }

    @Test
    void theLeadInThePathIsCompared() throws Exception {
        String shippedSim = Files.readString(shipped.resolve("sim.json")).trim();
        assertTrue(shippedSim.contains("\"lead\": {\"frames\": "), "eval --drive --json reports the lead");
        String lead = ", \"lead\": {\"frames\": 100, \"same_class\": 90, \"missed\": %d, \"phantom\": 1, \"abs_rel\": "
                + "%s, \"delta_1_25\": %s, \"closing_frames\": 80, \"closing_mae_mps\": %s, \"lateral_frames\": 90, "
                + "\"lateral_mae_m\": %s, \"warning_s\": 3.0, \"true_warnings\": 10, \"warned\": %d, "
                + "\"false_warnings\": %d}}\n";
        String base = shippedSim.replaceFirst(", \"confidence\": \\{[^}]*}}$", "}") // the lead, last but the confidence
                .replaceFirst(", \"lead\": \\{[^}]*}}$", "}");
        assertFalse(base.contains("\"lead\""), base);
        Path a = dir.resolve("lead-a.json");
        Files.writeString(a, base.substring(0, base.length() - 1) + String.format(Locale.ROOT, lead, 2, "0.08",
                "0.97", "3.5", "0.12", 6, 2));
        Path b = dir.resolve("lead-b.json");
        Files.writeString(b, base.substring(0, base.length() - 1) + String.format(Locale.ROOT, lead, 5, "0.15",
                "0.75", "18.25", "0.3", 7, 0));
        Cli.Outcome o = Cli.run("compare", a.toString(), b.toString());
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stdout().contains("lead in the vehicle's path (per frame; no interval): distance AbsRel 0.0800 "
                + "against 0.1500 (-0.0700), δ<1.25 97.0 % against 75.0 % (+22.0); closing speed MAE 3.50 against "
                + "18.25 m/s (-14.75); warnings given 6/10 against 7/10, false 2 against 0; missed/phantom 2/1 "
                + "against 5/1; lateral position MAE 0.12 against 0.30 m (-0.18)"), o.stdout());
        Path none = dir.resolve("lead-none.json");
        Files.writeString(none, base + "\n");
        assertFalse(Cli.run("compare", a.toString(), none.toString()).stdout().contains("lead in the"),
                "only where both reports have it");
    }

    @Test
    void theConfidencesCalibrationIsCompared() throws Exception {
        // the shipped model against the small random-weight one, on the same two synthetic frames (eval --drive)
        Object a = Json.parse(Files.readString(shipped.resolve("sim.json")));
        Object b = Json.parse(Files.readString(random.resolve("sim.json")));
        Cli.Outcome o = Cli.run("compare", shipped.resolve("sim.json").toString(), random.resolve("sim.json").toString());
        assertEquals(0, o.exit(), o.stderr());
        String expected = String.format(Locale.ROOT, "confidence: ECE %.4f against %.4f (%+.4f)",
                (Double) Json.at(a, "confidence", "ece"), (Double) Json.at(b, "confidence", "ece"),
                (Double) Json.at(a, "confidence", "ece") - (Double) Json.at(b, "confidence", "ece"));
        assertTrue(o.stdout().contains(expected), expected + " in:\n" + o.stdout());
        assertTrue(o.stdout().contains("(temperature 1.65 against 1.00)"), o.stdout());
    }

    @Test
    void theGateChecksTheDepthPartsOfTheShipRule() throws Exception {
        Cli.Outcome same = Cli.run("compare", "--gate", shipped.toString(), shipped.toString());
        assertEquals(0, same.exit(), same.stdout());
        assertTrue(same.stdout().contains("ship rule, depth parts: passes"), same.stdout());
        // the random model: worse fused depth, and its synthetic depth far outside the bounds
        Cli.Outcome untrained = Cli.run("compare", "--gate", random.toString(), shipped.toString());
        assertEquals(CompareCommand.GATE_FAILED, untrained.exit(), untrained.stdout());
        assertTrue(untrained.stdout().contains("ship rule, depth parts: fails — "), untrained.stdout());
        assertTrue(untrained.stdout().contains("sim.json: depth AbsRel"), untrained.stdout());
        // a copy worse by 0.05 on every scene fails on that figure alone
        Cli.Outcome worse = Cli.run("compare", "--gate", worseCopy().toString(), shipped.resolve("depth.json").toString());
        assertEquals(CompareCommand.GATE_FAILED, worse.exit(), worse.stdout());
        assertTrue(worse.stdout().contains("fails — fused real depth AbsRel"), worse.stdout());
        assertFalse(worse.stdout().contains("fused real depth RMSE"), "only the worse figure is named: " + worse.stdout());
        // without a real-depth report the rule cannot be judged
        Cli.Outcome segOnly = Cli.run("compare", "--gate", shipped.resolve("sim.json").toString(),
                shipped.resolve("sim.json").toString());
        assertEquals(CompareCommand.GATE_FAILED, segOnly.exit(), segOnly.stdout());
        assertTrue(segOnly.stdout().contains("no real-depth report"), segOnly.stdout());
        assertEquals(0, Cli.run("compare", shipped.resolve("sim.json").toString(),
                shipped.resolve("sim.json").toString()).exit(), "without --gate, no verdict and exit 0");
    }

    private static void assertOneLineError(Cli.Outcome o, int exit, String... mustContain) {
        Cli.assertOneLineError(o, exit, mustContain);
    }

    @Test
    void badInputGetsOneLine() throws Exception {
        String depth = shipped.resolve("depth.json").toString();
        assertOneLineError(Cli.run("compare", depth, random.toString()), 2, "a folder with a folder");
        assertOneLineError(Cli.run("compare", depth, dir.resolve("none.json").toString()), 1, "none.json",
                "cannot be read");
        Path notJson = dir.resolve("not.json");
        Files.writeString(notJson, "{\"fused\": ");
        assertOneLineError(Cli.run("compare", depth, notJson.toString()), 1, "not.json", "not JSON");
        Path fleet = dir.resolve("fleet.json");
        Files.writeString(fleet, "{\"model\": \"m\", \"drives\": []}");
        assertOneLineError(Cli.run("compare", fleet.toString(), depth), 1, "fleet.json", "roadseg-fleet evaluate",
                "--baseline");
        assertOneLineError(Cli.run("compare", shipped.resolve("sim.json").toString(), depth), 1, "depth.json",
                "real-depth", "segmentation");
        Path otherScenes = dir.resolve("other-scenes.json");
        Files.writeString(otherScenes, Files.readString(shipped.resolve("depth.json")).replace("scene-b", "scene-c"));
        assertOneLineError(Cli.run("compare", depth, otherScenes.toString()), 1, "other-scenes.json", "[scene-b]",
                "[scene-c]");
        Path fewer = dir.resolve("fewer.json");
        Files.writeString(fewer, Files.readString(shipped.resolve("depth.json")).replace("\"frames\": 2", "\"frames\": 1"));
        assertOneLineError(Cli.run("compare", depth, fewer.toString()), 1, "scene-b", "1 frames");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertOneLineError(Cli.run("compare", shipped.toString(), empty.toString()), 1, "no report");
        assertOneLineError(Cli.run("compare", depth, depth, "--resamples", "10"), 2, "--resamples 10");
        // impossible figures in a hand-edited report (were printed as 500.00 % and -8810.80x)
        String sim = Files.readString(shipped.resolve("sim.json"));
        java.util.regex.Matcher mean = java.util.regex.Pattern.compile("\"mean_iou\": ([0-9.]+)").matcher(sim);
        assertTrue(mean.find(), sim);
        Path five = Files.writeString(dir.resolve("five.json"), sim.replace(mean.group(), "\"mean_iou\": 5.0"));
        assertOneLineError(Cli.run("compare", five.toString(), shipped.resolve("sim.json").toString()), 1,
                "five.json", "not a share from 0 to 1");
        Path negative = Files.writeString(dir.resolve("negative.json"), sim.replaceFirst(
                "(\"truth_pixels\": \\{\"[a-z]+\": )", "$1-"));
        assertOneLineError(Cli.run("compare", negative.toString(), shipped.resolve("sim.json").toString()), 1,
                "negative.json", "negative pixel count");
    }
}
