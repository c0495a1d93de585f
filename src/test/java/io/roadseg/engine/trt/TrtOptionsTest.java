package io.roadseg.engine.trt;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TrtOptionsTest {
    static TrtOptions from(Map<String, String> props, Map<String, String> env) {
        return TrtOptions.fromEnvironment(props::get, env);
    }

    @Test
    void withNothingSetTheDefaultsApply() {
        TrtOptions o = from(Map.of(), Map.of());
        assertEquals(TrtOptions.defaults(), o);
        assertEquals(TrtPrecision.FP16, o.precision());
        assertEquals(4, o.maxBatch());
        assertNull(o.cacheDir());
        assertEquals(Path.of("engines").toAbsolutePath(), o.cacheDirFor(Path.of("engines/roadseg.onnx")));
    }

    @Test
    void environmentVariablesSetEveryOption() {
        TrtOptions o = from(Map.of(), Map.of("ROADSEG_TRT_PRECISION", "INT8", "ROADSEG_TRT_MAX_BATCH", "8",
                "ROADSEG_TRT_WORKSPACE_MB", "256", "ROADSEG_TRT_CALIBRATION", "calibration/frames",
                "ROADSEG_TRT_CACHE_DIR", "/var/cache/roadseg", "ROADSEG_TRT_ARGMAX", "host"));
        assertEquals(new TrtOptions(TrtPrecision.INT8, 8, 256, Path.of("calibration/frames"),
                Path.of("/var/cache/roadseg"), false), o);
        assertEquals(Path.of("/var/cache/roadseg"), o.cacheDirFor(Path.of("engines/roadseg.onnx")));
    }

    @Test
    void aSystemPropertyWinsOverTheEnvironment() {
        TrtOptions o = from(Map.of("roadseg.trt.precision", "fp32"), Map.of("ROADSEG_TRT_PRECISION", "int8"));
        assertEquals(TrtPrecision.FP32, o.precision());
    }

    @Test
    void badValuesNameTheVariableAndTheRule() {
        assertEquals("ROADSEG_TRT_PRECISION=fp8: expected fp32, fp16 or int8", assertThrows(
                IllegalArgumentException.class, () -> from(Map.of(), Map.of("ROADSEG_TRT_PRECISION", "fp8")))
                .getMessage());
        assertEquals("-Droadseg.trt.max_batch=0: max batch must be in 1..256, got 0", assertThrows(
                IllegalArgumentException.class, () -> from(Map.of("roadseg.trt.max_batch", "0"), Map.of()))
                .getMessage());
        assertEquals("ROADSEG_TRT_WORKSPACE_MB=lots: expected a whole number", assertThrows(
                IllegalArgumentException.class, () -> from(Map.of(), Map.of("ROADSEG_TRT_WORKSPACE_MB", "lots")))
                .getMessage());
        assertEquals("ROADSEG_TRT_ARGMAX=cpu: expected gpu or host", assertThrows(IllegalArgumentException.class,
                () -> from(Map.of(), Map.of("ROADSEG_TRT_ARGMAX", "cpu"))).getMessage());
    }

    @Test
    void precisionParsesAnyCaseAndListsTheChoices() {
        assertEquals(TrtPrecision.INT8, TrtPrecision.parse(" Int8 "));
        assertEquals("precision 'bf16' is not one of fp32, fp16, int8",
                assertThrows(IllegalArgumentException.class, () -> TrtPrecision.parse("bf16")).getMessage());
        assertFalse(TrtOptions.defaults().withGpuArgmax(false).gpuArgmax());
    }
}
