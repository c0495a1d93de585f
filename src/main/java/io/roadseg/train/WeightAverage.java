package io.roadseg.train;

import io.roadseg.model.ModelContract;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The uniform average of the weights of several runs restarted from one checkpoint (a "model soup", Wortsman et al.,
 * ICML 2022; stochastic weight averaging, Izmailov et al. 2018, is the same over one run's trajectory). Runs that start
 * from the same weights and train on the same data end in one basin of the loss, so their average is a network of
 * its own, usually better than each of them, at no cost at run time: it is one network of the same size.
 *
 * <p>Averaged: every trainable parameter and the BatchNorm running statistics (then folded at export as for any
 * run); not the optimiser's moments — an average is exported, never resumed. Refused, naming the setting, where the
 * runs differ in what the model's metadata states or the average relies on: the architecture and widths, the CamVid
 * splits and the held-out sequence (an average of a run that saw 0006R0 has seen it), the class weights (the logit
 * adjustment reads them; runs written before the checkpoint recorded them are compared by their {@code c}), and the
 * checkpoint they were restarted from (runs from different starts do not share a basin; their average is no network
 * at all). That last check alone is lifted on request ({@code acrossStarts}) for runs whose starts descend from one
 * another within one basin — a second round of restarts from the first round's average, averaged with the first
 * round's runs: the caller vouches for the lineage, which a checkpoint does not record, and the metadata names every
 * start.
 *
 * <p>Stateless; thread-safe.
 */
public final class WeightAverage {
    /** Settings every averaged run must share. */
    static final List<String> SHARED = List.of("architecture", TrainingCheckpoint.CHANNELS, "splits", "held_out",
            "class_weight_c", Trainer.CLASS_WEIGHTS, "warm_start");

    private WeightAverage() {
    }

    /**
     * @param runs  two or more finished runs' checkpoints
     * @param names their names (file names), for messages and the metadata
     * @return a checkpoint with the first run's properties (less its held-out score, which the average does not
     *         have) and the averaged parameters and BatchNorm statistics; no optimiser state
     * @throws IllegalArgumentException naming the run and the setting that differs, or a tensor one run lacks
     */
    public static TrainingCheckpoint average(List<TrainingCheckpoint> runs, List<String> names) {
        return average(runs, names, false);
    }

    /**
     * As {@link #average(List, List)}; with {@code acrossStarts} the runs may have been restarted from different
     * checkpoints (each must still be a warm restart, and every other shared setting must agree).
     */
    public static TrainingCheckpoint average(List<TrainingCheckpoint> runs, List<String> names,
                                             boolean acrossStarts) {
        if (runs.size() < 2 || runs.size() != names.size()) {
            throw new IllegalArgumentException("a weight average needs two or more runs, with a name each");
        }
        TrainingCheckpoint first = runs.get(0);
        for (int r = 0; r < (acrossStarts ? runs.size() : 1); r++) {
            if (runs.get(r).properties().getOrDefault("warm_start", "").isEmpty()) {
                throw new IllegalArgumentException(names.get(r) + " is not a warm restart (no warm_start); weights "
                        + "average only across runs restarted from the same checkpoint"
                        + (acrossStarts ? " or from checkpoints of one lineage" : ""));
            }
        }
        for (int r = 1; r < runs.size(); r++) {
            for (String key : SHARED) {
                if (acrossStarts && key.equals("warm_start")) {
                    continue;
                }
                String a = setting(first, key);
                String b = setting(runs.get(r), key);
                boolean unrecorded = key.equals(Trainer.CLASS_WEIGHTS) && (a == null || b == null);
                if (!unrecorded && !java.util.Objects.equals(a, b)) { // runs older than the record: same c, same data
                    throw new IllegalArgumentException(names.get(r) + " has " + key + " = " + shown(b) + " where "
                            + names.get(0) + " has " + shown(a) + "; weights average only across runs restarted from the "
                            + "same checkpoint on the same data");
                }
            }
        }
        Map<String, TrainingCheckpoint.Tensor> averaged = new LinkedHashMap<>();
        for (Map.Entry<String, TrainingCheckpoint.Tensor> e : first.tensors().entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(TrainingCheckpoint.PARAM) && !name.startsWith(TrainingCheckpoint.BUFFER)) {
                continue; // optimiser state
            }
            double[] sum = new double[e.getValue().values().length];
            for (int r = 0; r < runs.size(); r++) {
                TrainingCheckpoint.Tensor t = runs.get(r).tensors().get(name);
                if (t == null || !java.util.Arrays.equals(t.shape(), e.getValue().shape())) {
                    throw new IllegalArgumentException(names.get(r) + " lacks " + name + " of the shape "
                            + java.util.Arrays.toString(e.getValue().shape()) + " that " + names.get(0) + " has");
                }
                float[] v = t.values();
                for (int i = 0; i < v.length; i++) {
                    sum[i] += v[i];
                }
            }
            float[] mean = new float[sum.length];
            for (int i = 0; i < sum.length; i++) {
                mean[i] = (float) (sum[i] / runs.size());
            }
            averaged.put(name, new TrainingCheckpoint.Tensor(e.getValue().shape().clone(), mean));
        }
        Map<String, String> properties = new LinkedHashMap<>(first.properties());
        properties.remove(Trainer.HELD_OUT_MIOU);
        properties.put("averaged", String.join(" + ", names));
        return new TrainingCheckpoint(properties, averaged);
    }

    /**
     * Runs read from their checkpoint files and averaged ({@link #read}).
     *
     * @param mean  what {@link #average} returned for them
     * @param runs  the runs, in the order given
     * @param names their file names
     */
    public record Averaged(TrainingCheckpoint mean, List<TrainingCheckpoint> runs, List<String> names) {
        /** @return {@link WeightAverage#modelMetadata} of the average */
        public Map<String, String> modelMetadata() {
            return WeightAverage.modelMetadata(mean, runs, names);
        }

        /**
         * @return the average as a training checkpoint to start runs from ({@code train --from}, {@code
         *         gpu_train.py --init}), never to resume: no optimiser state, marked as {@code gpu_train.py
         *         --weights-only} marks it
         */
        public TrainingCheckpoint start() {
            Map<String, String> properties = new LinkedHashMap<>(mean.properties());
            properties.remove("adam_steps");
            properties.put("optimiser_state", "dropped");
            return new TrainingCheckpoint(properties, mean.tensors());
        }

        /** @return the runs' file names, comma-separated, e.g. for a warm start's name */
        public String namesText() {
            return String.join(", ", names);
        }
    }

    /**
     * Reads the runs' checkpoints and {@link #average averages} them.
     *
     * @throws IOException              naming a file that is missing or not a training checkpoint
     * @throws IllegalArgumentException as {@link #average} does
     */
    public static Averaged read(List<Path> files) throws IOException {
        return read(files, false);
    }

    /** As {@link #read(List)}, with {@link #average(List, List, boolean)}'s {@code acrossStarts}. */
    public static Averaged read(List<Path> files, boolean acrossStarts) throws IOException {
        List<TrainingCheckpoint> runs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw new IOException("checkpoint " + file + ": file not found");
            }
            runs.add(TrainingCheckpoint.read(file));
            names.add(file.getFileName().toString());
        }
        return new Averaged(average(runs, names, acrossStarts), List.copyOf(runs), List.copyOf(names));
    }

    /** A shared setting of a run; the widths as {@link TrainingCheckpoint#architecture} reads them (unset: defaults). */
    private static String setting(TrainingCheckpoint run, String key) {
        String value = run.properties().get(key);
        return key.equals(TrainingCheckpoint.CHANNELS)
                ? io.roadseg.model.FcnArchitecture.withChannelsOrDefaults(value).channelsText() : value;
    }

    private static String shown(String value) {
        return value == null ? "(unset)" : value.isEmpty() ? "(none)" : value;
    }

    /**
     * The model metadata of the average: {@link Trainer#modelMetadata} of it (the first run's settings, no held-out
     * score), with {@code roadseg.weights} and {@code roadseg.training_data} naming every run's (each run's own text,
     * joined where they differ).
     *
     * @param average what {@link #average} returned for these runs and names
     */
    public static Map<String, String> modelMetadata(TrainingCheckpoint average, List<TrainingCheckpoint> runs,
                                                    List<String> names) {
        Map<String, String> metadata = new LinkedHashMap<>(Trainer.modelMetadata(average));
        List<String> weights = new ArrayList<>();
        Set<String> data = new LinkedHashSet<>();
        for (int r = 0; r < runs.size(); r++) {
            Map<String, String> m = Trainer.modelMetadata(runs.get(r));
            weights.add(names.get(r) + " (" + m.get(ModelContract.WEIGHTS) + ")");
            data.add(m.get(ModelContract.TRAINING_DATA));
        }
        Map<String, Integer> starts = new LinkedHashMap<>();
        for (TrainingCheckpoint run : runs) {
            starts.merge(run.properties().get("warm_start"), 1, Integer::sum);
        }
        List<String> startText = new ArrayList<>();
        starts.forEach((start, count) -> startText.add(starts.size() == 1 ? start : start + " (" + count + ")"));
        metadata.put(ModelContract.WEIGHTS, "uniform average of the weights of " + runs.size()
                + " runs restarted from " + String.join(", ", startText) + ": " + String.join("; ", weights));
        metadata.put(ModelContract.TRAINING_DATA, String.join(" | ", data));
        return metadata;
    }
}
