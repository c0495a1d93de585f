package io.roadseg.engine.cpu;

import io.roadseg.TestData;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX Runtime's natives come from one cache folder per version, not a new /tmp folder per start. */
class OrtNativeLibrariesTest {
    @TempDir
    Path dir;

    private static List<Path> tmpOrtFolders() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("onnxruntime-java")).sorted().toList();
        }
    }

    @Test
    void openingAnEngineLeavesNothingInTmpAndUsesTheCachedLibraries() throws Exception {
        Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")), "linux-x64 only");
        List<Path> before = tmpOrtFolders();
        try (InferenceEngine e = InferenceEngines.open("cpu", TestData.smallModel(dir), new EngineOptions(1),
                l -> { })) {
            assertEquals("cpu", e.backend());
        }
        assertEquals(before, tmpOrtFolders(), "no new /tmp/onnxruntime-java* folder");
        Path cache = Path.of(System.getProperty(OrtNativeLibraries.PROPERTY));
        assertTrue(Files.isRegularFile(cache.resolve("libonnxruntime.so")), cache.toString());
        assertTrue(Files.isRegularFile(cache.resolve("libonnxruntime4j_jni.so")), cache.toString());
    }
}
