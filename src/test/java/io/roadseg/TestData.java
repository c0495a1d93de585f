package io.roadseg;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shared real data lives, and small models for fast tests. */
public final class TestData {
    private TestData() {
    }

    /** {@code ../shared/data}, or the folder given by {@code -Droadseg.data}. */
    public static Path root() {
        return Path.of(System.getProperty("roadseg.data", "../shared/data"));
    }

    /** The real dash-camera clip (960x540, 25 fps, 221 frames); skips the test when it is absent. */
    public static Path drive() {
        Path p = root().resolve("drives/solidWhiteRight.mp4");
        Assumptions.assumeTrue(Files.isRegularFile(p), p + " not present (set -Droadseg.data to the shared data)");
        return p;
    }

    /**
     * A drive that is always there: the real clip when the shared data is present, else the repository's own
     * synthetic recording (so tests of the pipeline's mechanics run on a fresh clone too).
     */
    public static Path anyDrive() {
        Path real = root().resolve("drives/solidWhiteRight.mp4");
        return Files.isRegularFile(real) ? real : Path.of("recordings/town-drive/video.mp4");
    }

    /** A random-weight roadseg model with a small input (240x176), written into {@code dir}. */
    public static Path smallModel(Path dir) throws IOException {
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(176, 240);
        Path file = dir.resolve("small.onnx");
        OnnxModelWriter.write(FcnWeights.random(arch, 3), ModelContract.defaultMetadata(arch, "test"), file);
        return file;
    }
}
