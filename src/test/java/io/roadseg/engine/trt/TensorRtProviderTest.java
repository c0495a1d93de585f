package io.roadseg.engine.trt;

import io.roadseg.TestData;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.EngineProvider;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InferenceException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Selection where TensorRT cannot run (this machine and CI): the reasons, the error, the fallback. */
class TensorRtProviderTest {
    @TempDir
    Path dir;

    static String reasonHere() {
        String reason = new TensorRtProvider().unavailableReason();
        Assumptions.assumeTrue(reason != null, "TensorRT runs on this machine; these tests are for machines without");
        return reason;
    }

    @Test
    void isFoundByServiceLoaderAndRanksAboveTheCpuBackend() {
        List<EngineProvider> providers = InferenceEngines.providers();
        EngineProvider trt = providers.stream().filter(p -> p.name().equals("tensorrt")).findFirst().orElseThrow();
        EngineProvider cpu = providers.stream().filter(p -> p.name().equals("cpu")).findFirst().orElseThrow();
        assertTrue(trt instanceof TensorRtProvider);
        assertTrue(trt.rank() > cpu.rank());
        assertTrue(providers.indexOf(trt) < providers.indexOf(cpu), "auto tries tensorrt before cpu");
    }

    @Test
    void theReasonNamesWhatIsMissingInOneLine() {
        String reason = reasonHere();
        assertFalse(reason.contains("\n"), reason);
        assertTrue(reason.matches(".*(libcuda\\.so|libcudart|libnvinfer|libnvonnxparser|no NVIDIA GPU|NVIDIA driver)"
                + ".*"), reason);
        assertEquals(reason, new TensorRtProvider().unavailableReason(), "stable across calls");
    }

    @Test
    void askingForTensorRtIsAClearErrorNotALoaderStackTrace() throws Exception {
        String reason = reasonHere();
        Path model = TestData.smallModel(dir);
        InferenceException e = assertThrows(InferenceException.class,
                () -> InferenceEngines.open("tensorrt", model, EngineOptions.defaults(), line -> { }));
        assertEquals("engine tensorrt cannot run here: " + reason, e.getMessage());
    }

    @Test
    void autoFallsBackToTheCpuAndSaysWhyInTheLogLine() throws Exception {
        String reason = reasonHere();
        Path model = TestData.smallModel(dir);
        List<String> log = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngines.open("auto", model, EngineOptions.defaults(), log::add)) {
            assertEquals("cpu", engine.backend());
        }
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).startsWith("engine auto: cpu"), log.get(0));
        assertTrue(log.get(0).contains("passed over: tensorrt: " + reason), log.get(0));
    }

    @Test
    void buildingAPlanWithoutTensorRtIsTheSameClearError() throws Exception {
        String reason = reasonHere();
        Path model = TestData.smallModel(dir);
        InferenceException e = assertThrows(InferenceException.class,
                () -> TensorRtPlans.prepare(model, TrtOptions.defaults(), false, line -> { }));
        assertEquals("engine tensorrt cannot run here: " + reason, e.getMessage());
    }

    @Test
    void loaderMessagesBecomeOneLineNamingTheLibrary() {
        UnsatisfiedLinkError driver = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/lib");
        driver.initCause(new UnsatisfiedLinkError("/root/.javacpp/cache/x/libjnicudart.so: libcuda.so.1: cannot "
                + "open shared object file: No such file or directory"));
        assertEquals("NVIDIA driver library libcuda.so.1 not found (no NVIDIA driver installed on this machine)",
                TrtNatives.describeLoadFailure("CUDA runtime", driver));
        assertEquals("TensorRT library libnvinfer.so.10 not found (install TensorRT 10.15, or build with "
                + "-Ptensorrt-redist)", TrtNatives.describeLoadFailure("TensorRT", new UnsatisfiedLinkError(
                "/tmp/libjninvinfer.so: libnvinfer.so.10: cannot open shared object file: No such file or directory")));
        String cudart = TrtNatives.describeLoadFailure("CUDA runtime", new UnsatisfiedLinkError(
                "libcudart.so.13: cannot open shared object file"));
        assertTrue(cudart.startsWith("CUDA runtime library libcudart.so.13 not found"), cudart);
        String parser = TrtNatives.describeLoadFailure("TensorRT ONNX parser", new UnsatisfiedLinkError(
                "libnvonnxparser.so.10: cannot open shared object file"));
        assertTrue(parser.startsWith("TensorRT ONNX parser library libnvonnxparser.so.10 not found"), parser);
        String again = TrtNatives.describeLoadFailure("TensorRT", new NoClassDefFoundError(
                "Could not initialize class org.bytedeco.cuda.global.cudart"));
        assertEquals("TensorRT natives failed to load earlier in this process (Could not initialize class "
                + "org.bytedeco.cuda.global.cudart)", again);
        assertNotNull(TrtNatives.describeLoadFailure("TensorRT", new ExceptionInInitializerError()));
    }
}
