package io.roadseg.cli;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.LogitAdjustment;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import io.roadseg.model.OnnxWeightsReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code export-model --from MODEL --logit-adjust TAU}: the adjusted model, its provenance, and its refusals. */
class ExportModelTest {
    private static final String WEIGHTS = "4.6,3.1,9.7,2.9,6.6,5.6,9.6,8.9,7.2,9.8,9.7";

    @TempDir
    Path dir;

    @Test
    void aTrainedModelIsWrittenAgainWithItsHeadAdjustedAndSaysSo() throws Exception {
        FcnArchitecture arch = FcnArchitecture.defaults();
        FcnWeights weights = FcnWeights.random(arch, 9);
        Path model = dir.resolve("trained.onnx");
        OnnxModelWriter.write(weights, ModelContract.defaultMetadata(arch, "test"), model);
        Path out = dir.resolve("adjusted.onnx");

        Cli.Outcome noWeights = Cli.run("export-model", "--from", model.toString(), "--logit-adjust", "0.5",
                "-o", out.toString());
        assertEquals(1, noWeights.exit(), noWeights.stderr());
        assertTrue(noWeights.stderr().contains("does not record the class weights"), noWeights.stderr());
        assertFalse(Files.exists(out));

        Cli.Outcome ok = Cli.run("export-model", "--from", model.toString(), "--logit-adjust", "0.5",
                "--class-weights", WEIGHTS, "-o", out.toString());
        assertEquals(0, ok.exit(), ok.stderr());
        OnnxWeightsReader.Model m = OnnxWeightsReader.readModel(out, arch);
        assertEquals(LogitAdjustment.apply(weights, LogitAdjustment.parseWeights(WEIGHTS), 0.5), m.weights());
        assertTrue(m.metadata().get(ModelContract.LOGIT_ADJUSTMENT).startsWith("tau 0.500"), m.metadata().toString());
        assertTrue(m.metadata().get(ModelContract.WEIGHTS).endsWith(", logit-adjusted (tau 0.50)"),
                m.metadata().toString());
        assertArrayEquals(LogitAdjustment.parseWeights(WEIGHTS),
                LogitAdjustment.parseWeights(m.metadata().get(ModelContract.CLASS_WEIGHTS)));

        // roadseg info shows a model's metadata, the adjustment included
        Cli.Outcome info = Cli.run("info", out.toString());
        assertEquals(0, info.exit(), info.stderr());
        assertTrue(info.stdout().contains("roadseg.logit_adjustment     tau 0.500"), info.stdout());
        Path junk = Files.write(dir.resolve("junk.onnx"), new byte[] {(byte) 0xff, (byte) 0xff, 1, 2});
        Cli.Outcome bad = Cli.run("info", junk.toString());
        assertEquals(1, bad.exit(), bad.stderr());
        assertTrue(bad.stderr().strip().startsWith("roadseg: model " + junk + ": not a readable ONNX file"),
                bad.stderr());

        Cli.Outcome twice = Cli.run("export-model", "--from", out.toString(), "--logit-adjust", "0.5",
                "-o", dir.resolve("twice.onnx").toString());
        assertEquals(1, twice.exit(), twice.stderr());
        assertTrue(twice.stderr().contains("already logit-adjusted"), twice.stderr());
    }

    @Test
    void badAdjustmentsAreUsageErrors() throws Exception {
        Path model = dir.resolve("m.onnx");
        FcnArchitecture arch = FcnArchitecture.defaults();
        OnnxModelWriter.write(FcnWeights.random(arch, 1), ModelContract.defaultMetadata(arch, "test"), model);
        String out = dir.resolve("o.onnx").toString();
        Cli.Outcome range = Cli.run("export-model", "--from", model.toString(), "--logit-adjust", "1.5",
                "--class-weights", WEIGHTS, "-o", out);
        assertEquals(2, range.exit(), range.stderr());
        assertTrue(range.stderr().contains("--logit-adjust 1.5"), range.stderr());
        Cli.Outcome alone = Cli.run("export-model", "--from", model.toString(), "-o", out);
        assertEquals(2, alone.exit(), alone.stderr());
        Cli.Outcome count = Cli.run("export-model", "--from", model.toString(), "--logit-adjust", "0.5",
                "--class-weights", "1,2,3", "-o", out);
        assertEquals(2, count.exit(), count.stderr());
        assertTrue(count.stderr().contains("3 class weights for a head of 11 classes"), count.stderr());
        Cli.Outcome same = Cli.run("export-model", "--from", model.toString(), "--logit-adjust", "0.5",
                "--class-weights", WEIGHTS, "-o", model.toString());
        assertEquals(2, same.exit(), same.stderr());
        Cli.Outcome missing = Cli.run("export-model", "--from", dir.resolve("none.onnx").toString(),
                "--logit-adjust", "0.5", "-o", out);
        assertEquals(1, missing.exit(), missing.stderr());
        assertTrue(missing.stderr().contains("none.onnx: file not found"), missing.stderr());
        assertFalse(Files.exists(Path.of(out)));
    }
}
