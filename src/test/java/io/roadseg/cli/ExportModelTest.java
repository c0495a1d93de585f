package io.roadseg.cli;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.LogitAdjustment;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import io.roadseg.model.OnnxWeightsReader;
import io.roadseg.train.TrainingCheckpoint;
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
    void aConfidenceTemperatureIsRecordedWithTheWeightsUnchangedAndTheRuntimeReadsIt() throws Exception {
        FcnArchitecture arch = FcnArchitecture.defaults();
        FcnWeights weights = FcnWeights.random(arch, 4);
        Path model = dir.resolve("trained.onnx");
        OnnxModelWriter.write(weights, ModelContract.defaultMetadata(arch, "test"), model);
        Path out = dir.resolve("calibrated.onnx");
        Cli.Outcome ok = Cli.run("export-model", "--from", model.toString(), "--temperature", "1.65",
                "-o", out.toString());
        assertEquals(0, ok.exit(), ok.stderr());
        assertTrue(ok.stderr().contains("confidence temperature 1.650"), ok.stderr());
        OnnxWeightsReader.Model m = OnnxWeightsReader.readModel(out, arch);
        assertEquals(weights, m.weights(), "the weights unchanged");
        assertEquals("1.650", m.metadata().get(ModelContract.CONFIDENCE_TEMPERATURE));
        try (io.roadseg.engine.InferenceEngine e = io.roadseg.engine.InferenceEngines.open("cpu", out,
                new io.roadseg.engine.EngineOptions(1), s -> { })) {
            assertEquals(1.65f, e.model().confidenceTemperature(), 1e-6);
        }
        try (io.roadseg.engine.InferenceEngine e = io.roadseg.engine.InferenceEngines.open("cpu", model,
                new io.roadseg.engine.EngineOptions(1), s -> { })) {
            assertEquals(1f, e.model().confidenceTemperature(), "none recorded: the logits as they are");
        }

        // refusals: out of range, a checkpoint out, and a model whose recorded temperature is not a positive number
        Cli.Outcome range = Cli.run("export-model", "--from", model.toString(), "--temperature", "0",
                "-o", dir.resolve("t0.onnx").toString());
        assertEquals(2, range.exit(), range.stderr());
        assertTrue(range.stderr().contains("--temperature 0.0: must be in (0.05, 20)"), range.stderr());
        Cli.Outcome alone = Cli.run("export-model", "--temperature", "1.5", "-o", dir.resolve("t1.onnx").toString());
        assertEquals(2, alone.exit(), alone.stderr());
        assertTrue(alone.stderr().contains("go with --from MODEL"), alone.stderr());
        java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(ModelContract.defaultMetadata(arch, "t"));
        meta.put(ModelContract.CONFIDENCE_TEMPERATURE, "-1");
        Path bad = dir.resolve("bad-t.onnx");
        OnnxModelWriter.write(weights, meta, bad);
        Cli.Outcome run = Cli.run("eval", "--camvid", dir.toString(), "--model", bad.toString());
        assertEquals(1, run.exit(), run.stderr());
        assertTrue(run.stderr().strip().startsWith("roadseg: model " + bad + ": metadata "
                + ModelContract.CONFIDENCE_TEMPERATURE + " must be a positive number, got -1"), run.stderr());
    }

    @Test
    void contrastNormalisationIsRecordedWithTheWeightsUnchangedAndRemovedAgain() throws Exception {
        FcnArchitecture arch = FcnArchitecture.defaults();
        FcnWeights weights = FcnWeights.random(arch, 5);
        Path model = dir.resolve("trained.onnx");
        OnnxModelWriter.write(weights, ModelContract.defaultMetadata(arch, "test"), model);
        Path out = dir.resolve("ac.onnx");
        Cli.Outcome ok = Cli.run("export-model", "--from", model.toString(), "--auto-contrast", "0.005,3",
                "-o", out.toString());
        assertEquals(0, ok.exit(), ok.stderr());
        assertTrue(ok.stderr().contains("contrast normalisation 0.005,3"), ok.stderr());
        OnnxWeightsReader.Model m = OnnxWeightsReader.readModel(out, arch);
        assertEquals(weights, m.weights(), "the weights unchanged");
        assertEquals("0.005,3", m.metadata().get(ModelContract.AUTO_CONTRAST));
        try (io.roadseg.engine.InferenceEngine e = io.roadseg.engine.InferenceEngines.open("cpu", out,
                new io.roadseg.engine.EngineOptions(1), s -> { })) {
            assertArrayEquals(new float[] {0.005f, 3f}, e.model().autoContrast());
        }
        Path none = dir.resolve("none.onnx");
        Cli.Outcome off = Cli.run("export-model", "--from", out.toString(), "--auto-contrast", "none",
                "-o", none.toString());
        assertEquals(0, off.exit(), off.stderr());
        assertFalse(OnnxWeightsReader.readModel(none, arch).metadata().containsKey(ModelContract.AUTO_CONTRAST));

        Cli.Outcome bad = Cli.run("export-model", "--from", model.toString(), "--auto-contrast", "0.5,3",
                "-o", dir.resolve("bad.onnx").toString());
        assertEquals(2, bad.exit(), bad.stderr());
        assertTrue(bad.stderr().contains("--auto-contrast 0.5,3: expected P,G with P in (0, 0.2)"), bad.stderr());
        java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(ModelContract.defaultMetadata(arch, "t"));
        meta.put(ModelContract.AUTO_CONTRAST, "0.01");
        Path broken = dir.resolve("broken-ac.onnx");
        OnnxModelWriter.write(weights, meta, broken);
        Cli.Outcome run = Cli.run("eval", "--camvid", dir.toString(), "--model", broken.toString());
        assertEquals(1, run.exit(), run.stderr());
        assertTrue(run.stderr().strip().startsWith("roadseg: model " + broken + ": metadata "
                + ModelContract.AUTO_CONTRAST + "=0.01 must have 2 numbers"), run.stderr());
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

    /**
     * A run's checkpoint (here in the training form of known weights, as another trainer would leave it) exports to
     * exactly those weights with the metadata its settings give; a diverged, cut or foreign checkpoint is refused in
     * one line naming the file.
     */
    @Test
    void aRunsCheckpointExportsWithBatchNormFoldedAndItsProvenance() throws Exception {
        FcnArchitecture arch = FcnArchitecture.defaults();
        FcnWeights weights = FcnWeights.random(arch, 4);
        java.util.Map<String, String> props = new java.util.LinkedHashMap<>();
        for (String[] kv : new String[][] {{"splits", "train,val"}, {"held_out", "0006R0"}, {"steps", "9888"},
                {"camvid_per_batch", "16"}, {"sim_per_batch", "4"}, {"crop", "480x352"}, {"seed", "1"},
                {"step", "9888"}, {"architecture", FcnArchitecture.NAME}, {"class_weights", WEIGHTS},
                {"held_out_miou", "0.4286"}, {"trainer", "scripts/gpu_train.py (PyTorch 2.11.0 on NVIDIA H200)"}}) {
            props.put(kv[0], kv[1]);
        }
        java.util.Map<String, TrainingCheckpoint.Tensor> form = TrainingCheckpoint.trainingForm(weights);
        Path run = dir.resolve("run.ckpt");
        new TrainingCheckpoint(props, form).write(run);
        Path out = dir.resolve("run.onnx");
        Cli.Outcome ok = Cli.run("export-model", "--from", run.toString(), "-o", out.toString());
        assertEquals(0, ok.exit(), ok.stderr());
        OnnxWeightsReader.Model m = OnnxWeightsReader.readModel(out, arch);
        for (String name : weights.names()) {
            assertArrayEquals(weights.values(name), m.weights().values(name), 1e-6f, name);
        }
        assertEquals("trained by scripts/gpu_train.py (PyTorch 2.11.0 on NVIDIA H200): step 9888 of 9888, 16 CamVid"
                + " + 4 synthetic 480x352 crops per batch, seed 1", m.metadata().get(ModelContract.WEIGHTS));
        assertEquals("CamVid sequence 0006R0, mIoU 42.86 % at step 9888", m.metadata().get(ModelContract.HELD_OUT));
        assertEquals("CamVid train+val without sequence 0006R0; synthetic town drives (roadseg sim, seed 1)",
                m.metadata().get(ModelContract.TRAINING_DATA));

        java.util.Map<String, TrainingCheckpoint.Tensor> diverged = new java.util.LinkedHashMap<>(form);
        float[] nan = form.get("param/enc.stem.weight").values().clone();
        nan[3] = Float.NaN;
        diverged.put("param/enc.stem.weight", new TrainingCheckpoint.Tensor(form.get("param/enc.stem.weight")
                .shape(), nan));
        Path bad = dir.resolve("nan.ckpt");
        new TrainingCheckpoint(props, diverged).write(bad);
        Cli.Outcome refused = Cli.run("export-model", "--from", bad.toString(), "-o", dir.resolve("x.onnx").toString());
        assertEquals(1, refused.exit(), refused.stderr());
        assertTrue(refused.stderr().strip().startsWith("roadseg: model " + bad + ": param/enc.stem.weight holds a"
                + " value that is not finite"), refused.stderr());

        diverged.remove("param/enc.stem.weight");
        new TrainingCheckpoint(props, diverged).write(bad);
        Cli.Outcome missing = Cli.run("export-model", "--from", bad.toString(), "-o", dir.resolve("x.onnx").toString());
        assertEquals(1, missing.exit(), missing.stderr());
        assertTrue(missing.stderr().contains("lacks param/enc.stem.weight"), missing.stderr());

        Path junk = Files.write(dir.resolve("junk.ckpt"), new byte[] {1, 2, 3});
        Cli.Outcome notOne = Cli.run("export-model", "--from", junk.toString(), "-o", dir.resolve("x.onnx").toString());
        assertEquals(1, notOne.exit(), notOne.stderr());
        assertTrue(notOne.stderr().contains("not a roadseg training checkpoint"), notOne.stderr());
        assertFalse(Files.exists(dir.resolve("x.onnx")));
    }

    /** Two runs restarted from one checkpoint, seeds 4 and 5 (random weights in training form); {@code props} tweaks. */
    private Path[] twoRestarts(java.util.function.Consumer<java.util.Map<String, String>> secondProps)
            throws Exception {
        Path[] runs = new Path[2];
        for (int r = 0; r < 2; r++) {
            java.util.Map<String, String> props = new java.util.LinkedHashMap<>();
            for (String[] kv : new String[][] {{"splits", "train,val"}, {"held_out", "0006R0"}, {"steps", "5000"},
                    {"camvid_per_batch", "6"}, {"sim_per_batch", "2"}, {"crop", "320x240"}, {"seed", "" + (4 + r)},
                    {"step", "5000"}, {"architecture", FcnArchitecture.NAME}, {"class_weights", WEIGHTS},
                    {"held_out_miou", "0.43"}, {"warm_start", "start.ckpt"}}) {
                props.put(kv[0], kv[1]);
            }
            if (r == 1) {
                secondProps.accept(props);
            }
            runs[r] = dir.resolve("run" + (4 + r) + ".ckpt");
            new TrainingCheckpoint(props, TrainingCheckpoint.trainingForm(
                    FcnWeights.random(FcnArchitecture.defaults(), 4 + r))).write(runs[r]);
        }
        return runs;
    }

    @Test
    void theWeightAverageOfTwoRestartsIsExportedWithBothRunsInItsProvenance() throws Exception {
        FcnArchitecture arch = FcnArchitecture.defaults();
        Path[] runs = twoRestarts(p -> { });
        Path out = dir.resolve("average.onnx");
        Cli.Outcome ok = Cli.run("export-model", "--from", runs[0].toString(), "--average", runs[1].toString(),
                "--logit-adjust", "0.5", "-o", out.toString());
        assertEquals(0, ok.exit(), ok.stderr());
        OnnxWeightsReader.Model m = OnnxWeightsReader.readModel(out, arch);
        FcnWeights a = FcnWeights.random(arch, 4);
        FcnWeights b = FcnWeights.random(arch, 5);
        java.util.Map<String, FcnWeights.Tensor> mean = new java.util.LinkedHashMap<>();
        for (String name : a.names()) {
            float[] va = a.values(name);
            float[] vb = b.values(name);
            float[] v = new float[va.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = (va[i] + vb[i]) / 2;
            }
            mean.put(name, new FcnWeights.Tensor(a.tensor(name).shape(), v));
        }
        // BatchNorm in training form folds linearly here (gamma 1, variance 1 - eps), so the folded average is the
        // average of the two exported networks; the head then gets the logit adjustment
        FcnWeights expected = LogitAdjustment.apply(FcnWeights.of(arch, mean), LogitAdjustment.parseWeights(WEIGHTS),
                0.5);
        for (String name : expected.names()) {
            assertArrayEquals(expected.values(name), m.weights().values(name), 1e-5f, name);
        }
        String weights = m.metadata().get(ModelContract.WEIGHTS);
        assertTrue(weights.startsWith("uniform average of the weights of 2 runs restarted from start.ckpt: run4.ckpt"
                + " (trained by roadseg train: step 5000 of 5000, 6 CamVid + 2 synthetic 320x240 crops per batch,"
                + " seed 4); run5.ckpt ("), weights);
        assertTrue(weights.endsWith("seed 5), logit-adjusted (tau 0.50)"), weights);
        assertEquals("CamVid sequence 0006R0", m.metadata().get(ModelContract.HELD_OUT), "no run's score is the "
                + "average's");
        assertTrue(m.metadata().get(ModelContract.TRAINING_DATA).contains("(roadseg sim, seed 4); warm restart from start.ckpt | CamVid"), m.metadata().toString());
    }

    /** The average written as a training checkpoint: a start for more runs, exporting to what the average exports. */
    @Test
    void theWeightAverageIsWrittenAsACheckpointToStartRunsFrom() throws Exception {
        FcnArchitecture arch = FcnArchitecture.defaults();
        Path[] runs = twoRestarts(p -> { });
        TrainingCheckpoint first = TrainingCheckpoint.read(runs[0]);
        java.util.Map<String, String> resumable = new java.util.LinkedHashMap<>(first.properties());
        resumable.put("adam_steps", "5000"); // the first run's properties are the average's: as a finished run's
        new TrainingCheckpoint(resumable, first.tensors()).write(runs[0]);
        Path soup = dir.resolve("soup.ckpt");
        Cli.Outcome ok = Cli.run("export-model", "--from", runs[0].toString(), "--average", runs[1].toString(),
                "-o", soup.toString());
        assertEquals(0, ok.exit(), ok.stderr());
        TrainingCheckpoint c = TrainingCheckpoint.read(soup);
        assertFalse(c.properties().containsKey("adam_steps"), "a start, not a resume: " + c.properties());
        assertEquals("dropped", c.properties().get("optimiser_state"));
        assertEquals("run4.ckpt + run5.ckpt", c.properties().get("averaged"));
        assertTrue(c.tensors().keySet().stream().noneMatch(n -> n.startsWith("adam.")), c.tensors().keySet()
                .toString());
        Path direct = dir.resolve("direct.onnx");
        Path viaSoup = dir.resolve("via-soup.onnx");
        assertEquals(0, Cli.run("export-model", "--from", runs[0].toString(), "--average", runs[1].toString(),
                "-o", direct.toString()).exit());
        Cli.Outcome again = Cli.run("export-model", "--from", soup.toString(), "-o", viaSoup.toString());
        assertEquals(0, again.exit(), again.stderr());
        FcnWeights a = OnnxWeightsReader.readModel(direct, arch).weights();
        FcnWeights b = OnnxWeightsReader.readModel(viaSoup, arch).weights();
        for (String name : a.names()) {
            assertArrayEquals(a.values(name), b.values(name), name);
        }
        Cli.Outcome single = Cli.run("export-model", "--from", runs[0].toString(), "-o", dir.resolve("one.ckpt")
                .toString());
        assertEquals(2, single.exit(), single.stderr());
        assertTrue(single.stderr().contains("a .ckpt is written only for a weight average"), single.stderr());
        Cli.Outcome adjusted = Cli.run("export-model", "--from", runs[0].toString(), "--average", runs[1].toString(),
                "--logit-adjust", "0.5", "-o", dir.resolve("adj.ckpt").toString());
        assertEquals(2, adjusted.exit(), adjusted.stderr());
        Cli.Outcome random = Cli.run("export-model", "--seed", "3", "-o", dir.resolve("random.ckpt").toString());
        assertEquals(2, random.exit(), "random weights are a model, not a training checkpoint: " + random.stderr());
        assertFalse(Files.exists(dir.resolve("one.ckpt")) || Files.exists(dir.resolve("adj.ckpt"))
                || Files.exists(dir.resolve("random.ckpt")));
    }

    @Test
    void runsThatDoNotShareTheirStartAndDataAreNotAveraged() throws Exception {
        String out = dir.resolve("x.onnx").toString();
        Path[] heldIn = twoRestarts(p -> p.put("held_out", ""));
        Cli.Outcome data = Cli.run("export-model", "--from", heldIn[0].toString(), "--average", heldIn[1].toString(),
                "-o", out);
        assertEquals(1, data.exit(), data.stderr());
        assertEquals(1, data.stderr().strip().lines().count(), data.stderr());
        assertTrue(data.stderr().contains("run5.ckpt has held_out = (none) where run4.ckpt has 0006R0"), data.stderr());
        Path[] otherStart = twoRestarts(p -> p.put("warm_start", "other.ckpt"));
        Cli.Outcome start = Cli.run("export-model", "--from", otherStart[0].toString(), "--average",
                otherStart[1].toString(), "-o", out);
        assertEquals(1, start.exit(), start.stderr());
        assertTrue(start.stderr().contains("warm_start = other.ckpt"), start.stderr());
        assertTrue(start.stderr().contains("(--across-starts for a later round's runs of one lineage)"),
                start.stderr());
        Cli.Outcome across = Cli.run("export-model", "--from", otherStart[0].toString(), "--average",
                otherStart[1].toString(), "--across-starts", "-o", out);
        assertEquals(0, across.exit(), across.stderr());
        assertTrue(OnnxWeightsReader.readMetadata(Path.of(out)).get(ModelContract.WEIGHTS).startsWith(
                "uniform average of the weights of 2 runs restarted from start.ckpt (1), other.ckpt (1): run4.ckpt"));
        Files.delete(Path.of(out));
        heldIn = twoRestarts(p -> p.put("held_out", "")); // the same files, written again
        Cli.Outcome acrossData = Cli.run("export-model", "--from", heldIn[0].toString(), "--average",
                heldIn[1].toString(), "--across-starts", "-o", out);
        assertEquals(1, acrossData.exit(), "only the start is lifted: " + acrossData.stderr());
        Cli.Outcome acrossAlone = Cli.run("export-model", "--from", otherStart[0].toString(), "--across-starts",
                "-o", out);
        assertEquals(2, acrossAlone.exit(), acrossAlone.stderr());
        assertTrue(acrossAlone.stderr().contains("--across-starts goes with --from RUN.ckpt --average"),
                acrossAlone.stderr());
        otherStart = twoRestarts(p -> p.put("warm_start", "other.ckpt"));
        Cli.Outcome missing = Cli.run("export-model", "--from", otherStart[0].toString(), "--average",
                dir.resolve("none.ckpt").toString(), "-o", out);
        assertEquals(1, missing.exit(), missing.stderr());
        assertTrue(missing.stderr().contains("none.ckpt: file not found"), missing.stderr());
        Cli.Outcome noFrom = Cli.run("export-model", "--average", otherStart[1].toString(), "-o", out);
        assertEquals(2, noFrom.exit(), noFrom.stderr());
        Cli.Outcome itself = Cli.run("export-model", "--from", otherStart[0].toString(), "--average",
                otherStart[1].toString(), "-o", otherStart[1].toString());
        assertEquals(2, itself.exit(), itself.stderr());
        assertFalse(Files.exists(Path.of(out)));
    }

    /** A network of other widths: written with its widths in the metadata, read back and adjusted by them. */
    @Test
    void otherChannelWidthsAreRecordedAndReadBack() throws Exception {
        Path wide = dir.resolve("wide.onnx");
        Cli.Outcome ok = Cli.run("export-model", "--channels", "24,48,128,224", "--seed", "2", "-o", wide.toString());
        assertEquals(0, ok.exit(), ok.stderr());
        java.util.Map<String, String> meta = OnnxWeightsReader.readMetadata(wide);
        assertEquals("24,48,128,224", meta.get(ModelContract.CHANNELS));
        FcnArchitecture arch = ModelContract.architecture(meta);
        assertArrayEquals(new int[] {24, 48, 128, 224}, arch.channels());
        assertEquals(FcnWeights.random(arch.withInputSize(352, 480), 2), OnnxWeightsReader.readModel(wide, arch)
                .weights());
        Path adjusted = dir.resolve("wide-adjusted.onnx");
        Cli.Outcome adjust = Cli.run("export-model", "--from", wide.toString(), "--logit-adjust", "0.5",
                "--class-weights", WEIGHTS, "-o", adjusted.toString());
        assertEquals(0, adjust.exit(), adjust.stderr());
        assertEquals("24,48,128,224", OnnxWeightsReader.readMetadata(adjusted).get(ModelContract.CHANNELS));

        Cli.Outcome bad = Cli.run("export-model", "--channels", "24,48,128", "-o", dir.resolve("b.onnx").toString());
        assertEquals(2, bad.exit(), bad.stderr());
        assertTrue(bad.stderr().contains("--channels 24,48,128: channels '24,48,128': expected four widths"),
                bad.stderr());
        Cli.Outcome mixed = Cli.run("export-model", "--channels", "8,8,8,8", "--from", wide.toString(),
                "--logit-adjust", "0.5", "-o", dir.resolve("c.onnx").toString());
        assertEquals(2, mixed.exit(), mixed.stderr());
    }
}
