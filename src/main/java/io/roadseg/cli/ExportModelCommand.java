package io.roadseg.cli;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code roadseg export-model}: writes the project's FCN as ONNX with the project's own exporter. Until a trained
 * checkpoint exists this exports seeded random weights (deterministic on every machine).
 */
@Command(name = "export-model", mixinStandardHelpOptions = true,
        description = "Write the multi-decoder FCN (seeded random weights) as an ONNX model with roadseg metadata.")
final class ExportModelCommand implements Callable<Integer> {
    @Option(names = {"-o", "--out"}, required = true,
            description = "Destination, written atomically. Required: random weights must never replace the shipped "
                    + "trained model by default.")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Weight seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--size", defaultValue = "480x352",
            description = "Input WIDTHxHEIGHT, multiples of 16 (default: ${DEFAULT-VALUE}).")
    String size;

    @Override
    public Integer call() throws Exception {
        String[] wh = size.toLowerCase(Locale.ROOT).split("x");
        int w;
        int h;
        try {
            w = Integer.parseInt(wh[0]);
            h = Integer.parseInt(wh[1]);
        } catch (RuntimeException e) {
            throw new UsageError("--size " + size + ": expected WIDTHxHEIGHT, e.g. 480x352");
        }
        FcnArchitecture arch;
        try {
            arch = FcnArchitecture.defaults().withInputSize(h, w);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--size " + size + ": " + e.getMessage());
        }
        FcnWeights weights = FcnWeights.random(arch, seed);
        OnnxModelWriter.write(weights, ModelContract.defaultMetadata(arch, "random (seed " + seed
                + "), untrained"), out);
        System.err.printf(Locale.ROOT, "wrote %s: %s, %,d parameters, %.2f GMAC per frame%n", out, arch,
                arch.parameterCount(), arch.multiplyAccumulates() / 1e9);
        return 0;
    }
}
