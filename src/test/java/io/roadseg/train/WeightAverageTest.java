package io.roadseg.train;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightAverageTest {
    private static TrainingCheckpoint run(float param, float runningVar, String warmStart) {
        Map<String, String> props = new LinkedHashMap<>(Map.of("architecture", "fcn-md-v2", "splits", "train,val",
                "held_out", "0006R0", "class_weights", "1,2", "held_out_miou", "0.4"));
        if (warmStart != null) {
            props.put("warm_start", warmStart);
        }
        Map<String, TrainingCheckpoint.Tensor> t = new LinkedHashMap<>();
        t.put("param/c.weight", new TrainingCheckpoint.Tensor(new long[] {2}, new float[] {param, -2 * param}));
        t.put("buffer/c.bn.running_var", new TrainingCheckpoint.Tensor(new long[] {1}, new float[] {runningVar}));
        t.put("adam.m/c.weight", new TrainingCheckpoint.Tensor(new long[] {2}, new float[] {9, 9}));
        return new TrainingCheckpoint(props, t);
    }

    @Test
    void parametersAndBatchNormStatisticsAreAveragedAndTheOptimiserStateDropped() {
        TrainingCheckpoint mean = WeightAverage.average(List.of(run(1, 1, "s.ckpt"), run(2, 4, "s.ckpt"),
                run(6, 7, "s.ckpt")), List.of("a.ckpt", "b.ckpt", "c.ckpt"));
        assertArrayEquals(new float[] {3, -6}, mean.tensors().get("param/c.weight").values());
        assertArrayEquals(new float[] {4}, mean.tensors().get("buffer/c.bn.running_var").values());
        assertFalse(mean.tensors().containsKey("adam.m/c.weight"), "an average is exported, never resumed");
        assertEquals("a.ckpt + b.ckpt + c.ckpt", mean.properties().get("averaged"));
        assertFalse(mean.properties().containsKey(Trainer.HELD_OUT_MIOU), "no run's held-out score is the average's");
    }

    @Test
    void runsFromDifferentStartsOrDataOrWithoutAStartAreRefusedNamingTheSetting() {
        IllegalArgumentException start = assertThrows(IllegalArgumentException.class, () -> WeightAverage.average(
                List.of(run(1, 1, "s.ckpt"), run(2, 2, "t.ckpt")), List.of("a", "b")));
        assertTrue(start.getMessage().startsWith("b has warm_start = t.ckpt where a has s.ckpt"), start.getMessage());
        TrainingCheckpoint other = run(2, 2, "s.ckpt");
        Map<String, String> props = new LinkedHashMap<>(other.properties());
        props.put("held_out", "");
        IllegalArgumentException data = assertThrows(IllegalArgumentException.class, () -> WeightAverage.average(
                List.of(run(1, 1, "s.ckpt"), new TrainingCheckpoint(props, other.tensors())), List.of("a", "b")));
        assertTrue(data.getMessage().contains("held_out"), data.getMessage());
        IllegalArgumentException scratch = assertThrows(IllegalArgumentException.class, () -> WeightAverage.average(
                List.of(run(1, 1, null), run(2, 2, null)), List.of("a", "b")));
        assertTrue(scratch.getMessage().contains("not a warm restart"), scratch.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WeightAverage.average(List.of(run(1, 1, "s.ckpt")),
                List.of("a")));
        IllegalArgumentException widths = assertThrows(IllegalArgumentException.class, () -> WeightAverage.average(
                List.of(run(1, 1, "s.ckpt"), withChannels(run(2, 2, "s.ckpt"), "24,48,128,256")), List.of("a", "b")));
        assertTrue(widths.getMessage().startsWith("b has channels = 24,48,128,256 where a has 16,32,96,192"),
                widths.getMessage());
    }

    /**
     * A second round restarted from the first round's average, averaged with the first round's runs when asked (the
     * metadata naming every start: ExportModelTest).
     */
    @Test
    void acrossStartsLiftsTheSameStartCheckAlone() {
        List<TrainingCheckpoint> runs = List.of(run(1, 1, "s.ckpt"), run(2, 2, "s.ckpt"), run(6, 3, "soup.ckpt"));
        List<String> names = List.of("a", "b", "c");
        assertThrows(IllegalArgumentException.class, () -> WeightAverage.average(runs, names));
        TrainingCheckpoint mean = WeightAverage.average(runs, names, true);
        assertArrayEquals(new float[] {3, -6}, mean.tensors().get("param/c.weight").values());
        assertEquals("a + b + c", mean.properties().get("averaged"));
        TrainingCheckpoint other = run(2, 2, "soup.ckpt");
        Map<String, String> props = new LinkedHashMap<>(other.properties());
        props.put("held_out", "");
        IllegalArgumentException data = assertThrows(IllegalArgumentException.class, () -> WeightAverage.average(
                List.of(run(1, 1, "s.ckpt"), new TrainingCheckpoint(props, other.tensors())), List.of("a", "b"), true));
        assertTrue(data.getMessage().contains("held_out"), data.getMessage());
        IllegalArgumentException scratch = assertThrows(IllegalArgumentException.class, () -> WeightAverage.average(
                List.of(run(1, 1, "s.ckpt"), run(2, 2, null)), List.of("a", "b"), true));
        assertTrue(scratch.getMessage().startsWith("b is not a warm restart"), scratch.getMessage());
    }

    /** A run that records the default widths (gpu_train.py always does) averages with one that does not (Java's). */
    @Test
    void unrecordedWidthsAreTheDefaults() {
        String defaults = io.roadseg.model.FcnArchitecture.defaults().channelsText();
        TrainingCheckpoint mean = WeightAverage.average(List.of(run(1, 1, "s.ckpt"),
                withChannels(run(3, 3, "s.ckpt"), defaults)), List.of("java.ckpt", "gpu.ckpt"));
        assertArrayEquals(new float[] {2, -4}, mean.tensors().get("param/c.weight").values());
    }

    private static TrainingCheckpoint withChannels(TrainingCheckpoint run, String channels) {
        Map<String, String> props = new LinkedHashMap<>(run.properties());
        props.put(TrainingCheckpoint.CHANNELS, channels);
        return new TrainingCheckpoint(props, run.tensors());
    }
}
