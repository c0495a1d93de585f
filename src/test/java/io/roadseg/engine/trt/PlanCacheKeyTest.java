package io.roadseg.engine.trt;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanCacheKeyTest {
    static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    static PlanCacheKey key() {
        return new PlanCacheKey("roadseg", SHA, "NVIDIA H100 80GB HBM3", "9.0", "10.15.1", TrtPrecision.FP16,
                "3x352x480", 4, "class_ids", "");
    }

    /** The key with each field changed in turn. */
    static List<PlanCacheKey> variants() {
        PlanCacheKey k = key();
        String other = SHA.replace('0', 'f');
        List<PlanCacheKey> v = new ArrayList<>();
        v.add(new PlanCacheKey("other", k.modelSha256(), k.gpuName(), k.computeCapability(), k.tensorRtVersion(),
                k.precision(), k.inputShape(), k.maxBatch(), k.outputs(), k.calibration()));
        v.add(new PlanCacheKey(k.modelName(), other, k.gpuName(), k.computeCapability(), k.tensorRtVersion(),
                k.precision(), k.inputShape(), k.maxBatch(), k.outputs(), k.calibration()));
        v.add(new PlanCacheKey(k.modelName(), k.modelSha256(), "NVIDIA A100-SXM4-40GB", k.computeCapability(),
                k.tensorRtVersion(), k.precision(), k.inputShape(), k.maxBatch(), k.outputs(), k.calibration()));
        v.add(new PlanCacheKey(k.modelName(), k.modelSha256(), k.gpuName(), "8.0", k.tensorRtVersion(),
                k.precision(), k.inputShape(), k.maxBatch(), k.outputs(), k.calibration()));
        v.add(new PlanCacheKey(k.modelName(), k.modelSha256(), k.gpuName(), k.computeCapability(), "10.15.0",
                k.precision(), k.inputShape(), k.maxBatch(), k.outputs(), k.calibration()));
        v.add(new PlanCacheKey(k.modelName(), k.modelSha256(), k.gpuName(), k.computeCapability(),
                k.tensorRtVersion(), TrtPrecision.FP32, k.inputShape(), k.maxBatch(), k.outputs(), k.calibration()));
        v.add(new PlanCacheKey(k.modelName(), k.modelSha256(), k.gpuName(), k.computeCapability(),
                k.tensorRtVersion(), TrtPrecision.INT8, k.inputShape(), k.maxBatch(), k.outputs(), other));
        v.add(new PlanCacheKey(k.modelName(), k.modelSha256(), k.gpuName(), k.computeCapability(),
                k.tensorRtVersion(), k.precision(), "3x176x240", k.maxBatch(), k.outputs(), k.calibration()));
        v.add(new PlanCacheKey(k.modelName(), k.modelSha256(), k.gpuName(), k.computeCapability(),
                k.tensorRtVersion(), k.precision(), k.inputShape(), 1, k.outputs(), k.calibration()));
        v.add(new PlanCacheKey(k.modelName(), k.modelSha256(), k.gpuName(), k.computeCapability(),
                k.tensorRtVersion(), k.precision(), k.inputShape(), k.maxBatch(), "logits", k.calibration()));
        v.add(new PlanCacheKey(k.modelName(), k.modelSha256(), k.gpuName(), k.computeCapability(),
                k.tensorRtVersion(), k.precision(), k.inputShape(), k.maxBatch(), k.outputs(), k.calibration(),
                "1"));
        return v;
    }

    @Test
    void sameInputsGiveTheSameKeyDigestAndFileName() {
        assertEquals(key(), key());
        assertEquals(key().digest(), key().digest());
        assertEquals(key().fileStem(), key().fileStem());
    }

    @Test
    void everyFieldChangesTheDigestAndTheFileName() {
        Set<String> digests = new HashSet<>();
        Set<String> stems = new HashSet<>();
        digests.add(key().digest());
        stems.add(key().fileStem());
        for (PlanCacheKey v : variants()) {
            assertNotEquals(key(), v);
            assertTrue(digests.add(v.digest()), "digest repeated for " + v);
            assertTrue(stems.add(v.fileStem()), "file name repeated for " + v);
        }
        assertEquals(12, digests.size());
    }

    @Test
    void fileNameIsStableAcrossRunsAndReadable() {
        // Pinned: a change here orphans every cached plan on every vehicle — as recipe 2 did on purpose (plans built
        // by recipe 1 had another arg-max and INT8 profile and must not be reused).
        assertEquals("roadseg-fp16-b4-" + key().digest().substring(0, 16), key().fileStem());
        assertEquals("9077e0a588e5aead", key().digest().substring(0, 16));
    }

    @Test
    void oddCharactersInTheModelNameAreReplacedInTheFileName() {
        PlanCacheKey k = new PlanCacheKey("my model/v2", SHA, "g", "9.0", "10.15.1", TrtPrecision.FP32, "3x8x8", 1,
                "logits", "");
        assertTrue(k.fileStem().startsWith("my_model_v2-fp32-b1-"), k.fileStem());
    }

    @Test
    void fieldsRoundTrip() {
        for (PlanCacheKey v : variants()) {
            assertEquals(v, PlanCacheKey.fromFields(v.fields()));
        }
    }

    @Test
    void differencesNameTheFieldAndBothValues() {
        PlanCacheKey a100 = variants().get(2);
        List<String> diff = key().differences(a100);
        assertEquals(List.of("gpu.name 'NVIDIA A100-SXM4-40GB' (here 'NVIDIA H100 80GB HBM3')"), diff);
        assertTrue(key().differences(key()).isEmpty());
    }

    @Test
    void int8NeedsACalibrationTableAndOthersTakeNone() {
        PlanCacheKey k = key();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PlanCacheKey(
                k.modelName(), SHA, k.gpuName(), k.computeCapability(), k.tensorRtVersion(), TrtPrecision.INT8,
                k.inputShape(), 4, k.outputs(), ""));
        assertTrue(e.getMessage().contains("INT8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> k.withCalibration(SHA));
    }

    @Test
    void malformedHashIsRejectedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PlanCacheKey("m",
                "XYZ", "g", "9.0", "10", TrtPrecision.FP32, "3x8x8", 1, "logits", ""));
        assertTrue(e.getMessage().contains("'XYZ'"), e.getMessage());
    }

    @Test
    void aPlanFromAnOlderBuildRecipeIsNotTheSamePlan() {
        PlanCacheKey now = key();
        java.util.Map<String, String> oldSidecar = now.fields();
        oldSidecar.remove("builder.recipe"); // sidecars written before the recipe was part of the key
        PlanCacheKey old = PlanCacheKey.fromFields(oldSidecar);
        org.junit.jupiter.api.Assertions.assertNotEquals(now, old);
        org.junit.jupiter.api.Assertions.assertNotEquals(now.digest(), old.digest());
        org.junit.jupiter.api.Assertions.assertEquals(PlanCacheKey.RECIPE, now.recipe());
    }
}
