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

/** ONNX Runtime's natives come from one cache folder per version, not a copy in /tmp per start. */
class OrtNativeLibrariesTest {
    @TempDir
    Path dir;

    /** Library files under /tmp/onnxruntime-java* (ONNX Runtime's own folder may exist, empty, until exit). */
    private static List<Path> tmpOrtLibraries() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            List<Path> folders = s.filter(p -> p.getFileName().toString().startsWith("onnxruntime-java")).toList();
            List<Path> libs = new java.util.ArrayList<>();
            for (Path f : folders) {
                if (Files.isDirectory(f)) {
                    try (Stream<Path> inside = Files.list(f)) {
                        libs.addAll(inside.toList());
                    }
                }
            }
            return libs.stream().sorted().toList();
        }
    }

    @Test
    void openingAnEngineExtractsNothingToTmpAndUsesTheCachedLibraries() throws Exception {
        Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")), "linux-x64 only");
        List<Path> before = tmpOrtLibraries();
        try (InferenceEngine e = InferenceEngines.open("cpu", TestData.smallModel(dir), new EngineOptions(1),
                l -> { })) {
            assertEquals("cpu", e.backend());
        }
        assertEquals(before, tmpOrtLibraries(), "no library extracted under /tmp");
        Path cache = Path.of(System.getProperty(OrtNativeLibraries.PROPERTY));
        assertTrue(Files.isRegularFile(cache.resolve("libonnxruntime.so")), cache.toString());
        assertTrue(Files.isRegularFile(cache.resolve("libonnxruntime4j_jni.so")), cache.toString());
    }
}
