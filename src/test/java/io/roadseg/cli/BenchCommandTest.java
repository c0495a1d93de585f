package io.roadseg.cli;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code roadseg bench} on the shipped recording (its default source) through the real runtime, with {@code --against}
 * comparing two models in interleaved rounds; no timing is asserted beyond what any machine gives.
 */
class BenchCommandTest {
    private static final Pattern RATIO = Pattern.compile(
            "ratio roadseg\\.onnx/roadseg\\.onnx = ([0-9.]+) \\(per round ([0-9.]+)–([0-9.]+)\\)");

    @Test
    void aModelComparedAgainstAnotherGetsBothMediansAndTheRatioOfEachRound() throws Exception {
        Cli.Outcome o = Cli.run("bench", "--frames", "24", "--warmup", "2", "--rounds", "3", "--hop-waits", "NONE",
                "--no-video", "--against", "engines/roadseg.onnx");
        assertEquals(0, o.exit(), o.stderr());
        assertTrue(o.stdout().contains("bench: recordings/town-drive"), o.stdout());
        Matcher m = RATIO.matcher(o.stdout());
        assertTrue(m.find(), o.stdout());
        double median = Double.parseDouble(m.group(1));
        double low = Double.parseDouble(m.group(2));
        double high = Double.parseDouble(m.group(3));
        assertTrue(low <= median && median <= high, m.group());
        assertTrue(median > 0.2 && median < 5, "one model against itself: " + m.group());
        // the preprocess stage part by part, on the drive's 4:3 frames at the model's size
        assertTrue(Pattern.compile("preprocess per frame at 480x352, p50: resize [0-9.]+ ms, normalise [0-9.]+ ms, "
                + "camera check [0-9.]+ ms \\(ratio camera check / normalise = [0-9.]+\\)").matcher(o.stdout()).find(),
                o.stdout());
        // (b) three times in the main rounds, then each model once per round of (i)
        assertEquals(3 + 2 * 3, o.stderr().split("\\(b\\) inference only:", -1).length - 1, o.stderr());
    }

    @Test
    void aModelToCompareAgainstThatCannotBeOpenedIsOneLineBeforeAnythingIsMeasured() throws Exception {
        Cli.Outcome o = Cli.run("bench", "--frames", "24", "--warmup", "2", "--hop-waits", "NONE", "--against",
                "no/such.onnx");
        assertEquals(1, o.exit(), o.stderr());
        // the first engine's "engine auto: …" line, then the error in one line, no stack trace
        String last = o.stderr().strip().lines().reduce((a, b) -> b).orElse("");
        assertEquals("roadseg: model no/such.onnx: file not found", last, o.stderr());
        assertFalse(o.stderr().contains("\tat ") || o.stderr().contains("Exception"), o.stderr());
        assertFalse(o.stdout().contains("inference only"), o.stdout());
    }
}
