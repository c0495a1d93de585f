package io.roadseg.postprocess;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Class-id maps from model outputs: argmax of logits, narrowing of model-written ids, per-class pixel counts. */
class ClassMapsTest {
    @Test
    void argmaxPicksTheHighestLogitAndBreaksTiesTowardsTheLowerId() {
        // 3 classes, 4 pixels; planes [C][pixels]
        FloatBuffer logits = FloatBuffer.wrap(new float[]{
                1, 0, 5, 2,
                3, 0, 1, 2,
                2, 0, 9, 1});
        ByteBuffer out = ByteBuffer.allocate(4);
        ClassMaps.argmax(logits, 3, 4, out);
        assertEquals(1, out.get(0));
        assertEquals(0, out.get(1));
        assertEquals(2, out.get(2));
        assertEquals(0, out.get(3));
    }

    @Test
    void narrowMapsOutOfRangeIdsToVoid() {
        ByteBuffer ids = ByteBuffer.allocate(3 * 8).order(ByteOrder.LITTLE_ENDIAN);
        ids.putLong(0, 3).putLong(8, 42).putLong(16, -1);
        ByteBuffer out = ByteBuffer.allocate(3);
        ClassMaps.narrow(ids, 8, 3, 11, 11, out);
        assertEquals(3, out.get(0));
        assertEquals(11, out.get(1));
        assertEquals(11, out.get(2));
    }

    @Test
    void histogramCountsEachClass() {
        ByteBuffer ids = ByteBuffer.wrap(new byte[]{0, 1, 1, 2, 2, 2, (byte) 200});
        int[] counts = new int[3];
        ClassMaps.histogram(ids, 7, counts);
        assertEquals(1, counts[0]);
        assertEquals(2, counts[1]);
        assertEquals(3, counts[2]);
    }

    @Test
    void narrowReadsThirtyTwoBitAndEightBitIdsToo() {
        ByteBuffer ints = ByteBuffer.allocate(3 * 4).order(ByteOrder.LITTLE_ENDIAN);
        ints.putInt(0, 10).putInt(4, 11).putInt(8, Integer.MIN_VALUE);
        ByteBuffer out = ByteBuffer.allocate(3);
        ClassMaps.narrow(ints, 4, 3, 11, 255, out);
        assertEquals(10, out.get(0) & 0xff);
        assertEquals(255, out.get(1) & 0xff, "id == classes is out of range");
        assertEquals(255, out.get(2) & 0xff);

        ByteBuffer bytes = ByteBuffer.wrap(new byte[]{0, 7, (byte) 200});
        ClassMaps.narrow(bytes, 1, 3, 11, 11, out);
        assertEquals(0, out.get(0));
        assertEquals(7, out.get(1));
        assertEquals(11, out.get(2), "an unsigned byte id of 200 is out of range");
    }

    @Test
    void histogramClearsThePreviousCounts() {
        int[] counts = {5, 5};
        ClassMaps.histogram(ByteBuffer.wrap(new byte[]{1}), 1, counts);
        assertEquals(0, counts[0]);
        assertEquals(1, counts[1]);
    }
}
