package io.roadseg.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ONNX file is the project's checkpoint: writing and reading it back restores identical weights. */
class OnnxWeightsReaderTest {
    @TempDir
    Path dir;

    @Test
    void aCheckpointRoundTripRestoresIdenticalWeights() throws IOException {
        FcnArchitecture arch = FcnArchitecture.defaults();
        FcnWeights weights = FcnWeights.random(arch, 21);
        Path file = dir.resolve("ckpt.onnx");
        OnnxModelWriter.write(weights, ModelContract.defaultMetadata(arch, "ckpt"), file);
        assertEquals(weights, OnnxWeightsReader.read(file, arch));
    }

    @Test
    void aCheckpointOfAnotherArchitectureIsRefusedNamingTheParameter() throws IOException {
        FcnArchitecture narrow = FcnArchitecture.defaults().withChannels(8, 16, 32, 64);
        Path file = dir.resolve("narrow.onnx");
        OnnxModelWriter.write(FcnWeights.random(narrow, 1), ModelContract.defaultMetadata(narrow, "narrow"), file);
        IOException e = assertThrows(IOException.class,
                () -> OnnxWeightsReader.read(file, FcnArchitecture.defaults()));
        assertTrue(e.getMessage().startsWith("checkpoint " + file), e.getMessage());
        assertTrue(e.getMessage().contains("enc."), e.getMessage());
    }

    @Test
    void aFileThatIsNotOnnxIsRefused() throws IOException {
        Path junk = Files.write(dir.resolve("junk.onnx"), new byte[]{(byte) 0xff, (byte) 0xff, 1, 2});
        IOException e = assertThrows(IOException.class, () -> OnnxWeightsReader.read(junk, FcnArchitecture.defaults()));
        assertTrue(e.getMessage().contains("junk.onnx"), e.getMessage());
    }
}
