package io.roadseg.engine.trt;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TensorRT version rule on the numbers libnvinfer and libnvonnxparser report (major·10000 + minor·100 + patch). */
class TrtVersionRuleTest {
    @Test
    void theVersionTheWrappersWereBuiltForAndLaterTenXAreAccepted() {
        assertNull(TrtNatives.versionProblem(101500, 101500));
        assertNull(TrtNatives.versionProblem(101601, 101601));
    }

    @Test
    void anOlderTenXLibraryIsRefusedNamingBothVersions() {
        String problem = TrtNatives.versionProblem(100300, 101500);
        assertTrue(problem != null && problem.contains("10.3.0") && problem.contains("10.15.0")
                && problem.contains("need TensorRT 10.15"), problem);
    }

    @Test
    void anOlderParserIsRefusedToo() {
        String problem = TrtNatives.versionProblem(101500, 100800);
        assertTrue(problem != null && problem.contains("ONNX parser 10.8.0"), problem);
    }

    @Test
    void anotherMajorVersionIsRefused() {
        assertTrue(TrtNatives.versionProblem(110200, 110200) != null);
        assertTrue(TrtNatives.versionProblem(81601, 81601) != null);
    }
}
