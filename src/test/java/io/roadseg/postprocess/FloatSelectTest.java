package io.roadseg.postprocess;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Selection in place against a full sort, on random values, ties, sorted and reversed input and input made of runs;
 * and the reason it exists: the probes it serves allocate nothing on the input where {@code Arrays.sort} does.
 */
class FloatSelectTest {
    @Test
    void everyRankAgreesWithASort() {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 400; trial++) {
            int n = 1 + r.nextInt(0, 120);
            int pattern = trial % 5;
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = switch (pattern) {
                    case 0 -> (float) r.nextDouble(0, 80);
                    case 1 -> r.nextInt(0, 4);                 // many ties
                    case 2 -> i;                               // sorted
                    case 3 -> n - i;                           // reversed
                    default -> (i / 17) * 5 + (i % 17) * 0.5f; // ascending runs
                };
            }
            float[] sorted = a.clone();
            Arrays.sort(sorted);
            int k = r.nextInt(0, n);
            float[] work = a.clone();
            assertEquals(sorted[k], FloatSelect.kth(work, n, k), "pattern " + pattern + ", n " + n + ", k " + k);
            for (int i = 0; i < n; i++) {
                assertTrue(i <= k ? work[i] <= sorted[k] : work[i] >= sorted[k], "partitioned around rank " + k);
            }
            float median = (n & 1) == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            assertEquals(median, FloatSelect.median(a.clone(), n), "median, pattern " + pattern + ", n " + n);
        }
    }

    @Test
    void onlyThePrefixCounts() {
        float[] a = {5, 1, 4, 0, -100, -100};
        assertEquals(4f, FloatSelect.kth(a, 4, 2));
        assertEquals(5f, FloatSelect.kth(a, 4, 3));
        assertEquals(-100f, a[4], "beyond n untouched");
        assertThrows(IllegalArgumentException.class, () -> FloatSelect.kth(new float[3], 3, 3));
        assertThrows(IllegalArgumentException.class, () -> FloatSelect.kth(new float[3], 0, 0));
    }

    @Test
    void theProbesAllocateNothingOnAnObjectsColumns() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter here");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
        int w = 544;
        int h = 304;
        ByteBuffer ids = ByteBuffer.allocateDirect(w * h);
        FloatBuffer depth = ByteBuffer.allocateDirect(4 * w * h).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean car = y > 150 && y < 200 && (x / 60) % 2 == 0; // cars side by side: runs of distances
                ids.put(y * w + x, (byte) (car ? 8 : 3));
                depth.put(y * w + x, car ? 10 + (x % 60) * 0.2f + (x / 60) : 60 - y * 0.15f);
            }
        }
        float[] out = new float[11];
        NearestAheadProbe path = NearestAheadProbe.inPath(w, h, 11, new int[]{8}, 300, 271.5, 20);
        NearestAheadProbe band = new NearestAheadProbe(w, h, 11, new int[]{8});
        RoadAheadProbe road = new RoadAheadProbe(w, h, 3);
        RoadCurve curve = new RoadCurve(w, h, 3, new int[]{8}, 300, 271.5);
        for (int i = 0; i < 2000; i++) { // compiled, as in a run
            curve.update(i * 40_000L, ids, depth);
            path.setPath(curve.curvature());
            path.measure(ids, depth, out);
            path.apparentHeight(ids, depth, out[8]);
            band.measure(ids, depth, out);
            road.measure(ids, depth);
        }
        long id = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(id);
        for (int i = 0; i < 200; i++) {
            curve.update(i * 40_000L, ids, depth);
            path.setPath(curve.curvature());
            path.measure(ids, depth, out);
            path.apparentHeight(ids, depth, out[8]);
            band.measure(ids, depth, out);
            road.measure(ids, depth);
        }
        long bytes = mx.getThreadAllocatedBytes(id) - before;
        assertTrue(bytes < 200 * 16, bytes + " bytes over 200 frames");
        // what the selection replaced: a sort of the same columns' distances allocates
        float[] columns = new float[w];
        for (int x = 0; x < w; x++) {
            columns[x] = 10 + (x % 60) * 0.2f + (x / 60);
        }
        for (int i = 0; i < 2000; i++) {
            Arrays.sort(columns.clone(), 0, w);
        }
        float[] scratch = new float[w];
        before = mx.getThreadAllocatedBytes(id);
        for (int i = 0; i < 200; i++) {
            System.arraycopy(columns, 0, scratch, 0, w);
            Arrays.sort(scratch, 0, w);
        }
        assumeTrue(mx.getThreadAllocatedBytes(id) - before > 0, "this JDK's sort does not allocate on runs either");
    }
}
