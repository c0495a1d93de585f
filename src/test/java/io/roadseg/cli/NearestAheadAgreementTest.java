package io.roadseg.cli;

import io.roadseg.ros.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The distance to the nearest road user ahead is scored the same way wherever a drive with ground truth is scored:
 * {@code run} (live, in its statistics) and {@code eval --drive} (the scorer the fleet job uses) give the same figures
 * for the shipped model on the same synthetic drive.
 */
class NearestAheadAgreementTest {
    private static final String DRIVE = "sim://town?seed=999&frames=30";

    @TempDir
    Path dir;

    @Test
    void runAndEvalDriveScoreTheNearestRoadUserAheadAlike() throws Exception {
        Path stats = dir.resolve("stats.json");
        Cli.Outcome run = Cli.run("run", DRIVE, "--out", dir.resolve("v.mp4").toString(), "--stats",
                stats.toString(), "-q");
        assertEquals(0, run.exit(), run.stderr());
        Path eval = dir.resolve("eval.json");
        Cli.Outcome e = Cli.run("eval", "--drive", DRIVE, "--json", eval.toString());
        assertEquals(0, e.exit(), e.stderr());
        assertTrue(e.stdout().contains("nearest road user ahead against the truth's"), e.stdout());
        Map<String, Object> live = Json.object(Json.at(Json.parse(Files.readString(stats)), "accuracy",
                "nearest_ahead"));
        Map<String, Object> scored = Json.object(Json.at(Json.parse(Files.readString(eval)), "nearest_ahead"));
        assertEquals(live.keySet(), scored.keySet());
        // the confidence is scored on the same pixels as the classes: its share of right pixels is theirs
        Object doc = Json.parse(Files.readString(stats));
        assertEquals((Double) Json.at(doc, "accuracy", "pixel_accuracy"), (Double) Json.at(doc, "accuracy",
                "confidence", "accuracy"), 1e-4);
        double ece = (Double) Json.at(doc, "accuracy", "confidence", "ece");
        assertTrue(ece < 0.1, "the confidence is calibrated on a drive never trained on: ECE " + ece);
        assertTrue(live.containsKey("car"), "the drive shows a car ahead: " + live);
        for (String c : live.keySet()) {
            Map<String, Object> a = Json.object(live.get(c));
            Map<String, Object> b = Json.object(scored.get(c));
            for (String k : new String[]{"frames", "missed", "phantom"}) {
                assertEquals(a.get(k), b.get(k), c + " " + k);
            }
            if (a.get("abs_rel") != null) {
                assertEquals((Double) a.get("abs_rel"), (Double) b.get("abs_rel"), 1e-6, c + " AbsRel");
            }
        }
    }
    /**
     * The lead in the vehicle's path, its closing speed and time-to-contact warnings: the same in {@code run}'s
     * statistics and {@code eval --drive}'s report, on 40 frames of the shipped recording (a road user in the path in
     * every one of them).
     */
    @Test
    void runAndEvalDriveScoreTheLeadAlike() throws Exception {
        String drive = "recordings/town-drive";
        Path stats = dir.resolve("lead-stats.json");
        Cli.Outcome run = Cli.run("run", drive, "--frames", "40", "--out", dir.resolve("l.mp4").toString(),
                "--stats", stats.toString(), "-q");
        assertEquals(0, run.exit(), run.stderr());
        Path eval = dir.resolve("lead-eval.json");
        Cli.Outcome e = Cli.run("eval", "--drive", drive, "--limit", "40", "--json", eval.toString());
        assertEquals(0, e.exit(), e.stderr());
        assertTrue(e.stdout().contains("lead (the nearest road user in the vehicle's path) against the truth's"),
                e.stdout());
        Map<String, Object> live = Json.object(Json.at(Json.parse(Files.readString(stats)), "accuracy", "lead"));
        Map<String, Object> scored = Json.object(Json.at(Json.parse(Files.readString(eval)), "lead"));
        assertEquals(live.keySet(), scored.keySet());
        assertTrue((Double) live.get("frames") > 30 && (Double) live.get("closing_frames") > 20, live.toString());
        for (String k : live.keySet()) {
            if (live.get(k) instanceof Double a) {
                assertEquals(a, (Double) scored.get(k), 1e-6, k);
            } else {
                assertEquals(live.get(k), scored.get(k), k);
            }
        }
    }
}
