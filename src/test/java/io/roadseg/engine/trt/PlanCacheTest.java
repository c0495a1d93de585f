package io.roadseg.engine.trt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanCacheTest {
    @TempDir
    Path dir;

    final List<String> warnings = new ArrayList<>();

    static final byte[] PLAN = "fake serialized TensorRT plan: not a real engine".getBytes(StandardCharsets.UTF_8);

    PlanCache cache() {
        return new PlanCache(dir.resolve("engines"), warnings::add);
    }

    @Test
    void storedPlanIsFoundAgainByAnEqualKey() {
        PlanCache c = cache();
        assertTrue(c.store(PlanCacheKeyTest.key(), PLAN));
        assertArrayEquals(PLAN, c.lookup(PlanCacheKeyTest.key()).orElseThrow());
        assertArrayEquals(PLAN, new PlanCache(dir.resolve("engines"), warnings::add)
                .lookup(PlanCacheKeyTest.key()).orElseThrow(), "a later run finds it");
        assertTrue(Files.isRegularFile(dir.resolve("engines").resolve(PlanCacheKeyTest.key().fileStem() + ".plan")));
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void absentPlanIsAQuietMiss() {
        assertTrue(cache().lookup(PlanCacheKeyTest.key()).isEmpty());
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void aPlanIsNotReusedWhenAnyKeyPartDiffers() {
        PlanCache c = cache();
        c.store(PlanCacheKeyTest.key(), PLAN);
        for (PlanCacheKey other : PlanCacheKeyTest.variants()) {
            assertTrue(c.lookup(other).isEmpty(), "reused for " + other);
        }
    }

    @Test
    void sidecarRecordsKeySizeAndHash() throws IOException {
        PlanCache c = cache();
        c.store(PlanCacheKeyTest.key(), PLAN);
        String side = Files.readString(c.sidecarFile(PlanCacheKeyTest.key()));
        assertTrue(side.contains("gpu.name=NVIDIA H100 80GB HBM3"), side);
        assertTrue(side.contains("plan.bytes=" + PLAN.length), side);
        assertTrue(side.contains("plan.sha256=" + PlanCacheKey.sha256(PLAN)), side);
    }

    @Test
    void aPlanCopiedFromAnotherGpuIsRebuiltWithOneWarningNamingTheDifference() throws IOException {
        PlanCache c = cache();
        PlanCacheKey here = PlanCacheKeyTest.key();
        PlanCacheKey a100 = PlanCacheKeyTest.variants().get(2);
        c.store(a100, PLAN);
        Files.move(c.planFile(a100), c.planFile(here));
        Files.move(c.sidecarFile(a100), c.sidecarFile(here));
        assertTrue(c.lookup(here).isEmpty());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("warning: engine cache " + c.planFile(here)), warnings.get(0));
        assertTrue(warnings.get(0).contains("gpu.name 'NVIDIA A100-SXM4-40GB'"), warnings.get(0));
        assertTrue(warnings.get(0).endsWith("rebuilding"), warnings.get(0));
    }

    @Test
    void aCorruptPlanIsRebuiltWithOneWarning() throws IOException {
        PlanCache c = cache();
        c.store(PlanCacheKeyTest.key(), PLAN);
        byte[] damaged = PLAN.clone();
        damaged[7] ^= 0x5a;
        Files.write(c.planFile(PlanCacheKeyTest.key()), damaged);
        assertTrue(c.lookup(PlanCacheKeyTest.key()).isEmpty());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("corrupt"), warnings.get(0));
        assertTrue(warnings.get(0).contains(c.planFile(PlanCacheKeyTest.key()).toString()), warnings.get(0));
    }

    @Test
    void aTruncatedPlanIsRebuiltWithOneWarningGivingTheSizes() throws IOException {
        PlanCache c = cache();
        c.store(PlanCacheKeyTest.key(), PLAN);
        Files.write(c.planFile(PlanCacheKeyTest.key()), new byte[10]);
        assertTrue(c.lookup(PlanCacheKeyTest.key()).isEmpty());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("10 bytes, its sidecar says " + PLAN.length), warnings.get(0));
    }

    @Test
    void aPlanWithoutSidecarIsNotTrusted() throws IOException {
        PlanCache c = cache();
        c.store(PlanCacheKeyTest.key(), PLAN);
        Files.delete(c.sidecarFile(PlanCacheKeyTest.key()));
        assertTrue(c.lookup(PlanCacheKeyTest.key()).isEmpty());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("no sidecar"), warnings.get(0));
    }

    @Test
    void aGarbageSidecarIsReportedAsCorrupt() throws IOException {
        PlanCache c = cache();
        c.store(PlanCacheKeyTest.key(), PLAN);
        Files.write(c.sidecarFile(PlanCacheKeyTest.key()), new byte[]{0, 1, 2, (byte) 0xff, '\n', '=', '='});
        assertTrue(c.lookup(PlanCacheKeyTest.key()).isEmpty());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("sidecar"), warnings.get(0));
    }

    @Test
    void aRebuiltPlanOverwritesTheRejectedOne() {
        PlanCache c = cache();
        c.store(PlanCacheKeyTest.key(), PLAN);
        c.reject(PlanCacheKeyTest.key(), "TensorRT cannot load it: version tag mismatch");
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("TensorRT cannot load it: version tag mismatch; rebuilding"),
                warnings.get(0));
        assertFalse(Files.exists(c.planFile(PlanCacheKeyTest.key())));
        byte[] rebuilt = "rebuilt".getBytes(StandardCharsets.UTF_8);
        assertTrue(c.store(PlanCacheKeyTest.key(), rebuilt));
        assertArrayEquals(rebuilt, c.lookup(PlanCacheKeyTest.key()).orElseThrow());
    }

    @Test
    void anUnwritableCacheWarnsOnceSayingWhereAndKeepsGoing() throws IOException {
        Path blocker = dir.resolve("not-a-folder");
        Files.writeString(blocker, "a file where the cache folder should be");
        Path cacheDir = blocker.resolve("engines");
        PlanCache c = new PlanCache(cacheDir, warnings::add);
        assertFalse(c.store(PlanCacheKeyTest.key(), PLAN));
        assertFalse(c.store(PlanCacheKeyTest.variants().get(5), PLAN));
        assertFalse(new PlanCache(cacheDir, warnings::add).store(PlanCacheKeyTest.key(), PLAN),
                "a second engine in the same process");
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.get(0);
        assertTrue(w.startsWith("warning: engine cache: cannot write " + cacheDir.resolve(
                PlanCacheKeyTest.key().fileStem() + ".plan")), w);
        assertTrue(w.contains("make " + cacheDir + " writable"), w);
        assertTrue(w.contains("ROADSEG_TRT_CACHE_DIR"), w);
        assertTrue(w.contains("in memory for this run only"), w);
        assertTrue(c.lookup(PlanCacheKeyTest.key()).isEmpty());
    }

    @Test
    void anInt8PlanIsFoundWithoutItsCalibrationImages() {
        PlanCache c = cache();
        PlanCacheKey int8 = PlanCacheKeyTest.variants().get(6);
        c.store(PlanCacheKeyTest.key(), PLAN);
        byte[] int8Plan = "int8 plan".getBytes(StandardCharsets.UTF_8);
        c.store(int8, int8Plan);
        Optional<Map.Entry<PlanCacheKey, byte[]>> found = c.lookupAnyCalibration(int8.withCalibration("pending"));
        assertEquals(int8, found.orElseThrow().getKey());
        assertArrayEquals(int8Plan, found.get().getValue());
        PlanCacheKey otherGpu = new PlanCacheKey(int8.modelName(), int8.modelSha256(), "Orin", "8.7",
                int8.tensorRtVersion(), TrtPrecision.INT8, int8.inputShape(), int8.maxBatch(), int8.outputs(),
                "pending");
        assertTrue(c.lookupAnyCalibration(otherGpu).isEmpty());
    }
}
