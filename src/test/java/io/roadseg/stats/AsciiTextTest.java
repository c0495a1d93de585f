package io.roadseg.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Allocation-free ASCII numbers for JSON lines and the HUD: exact integers, fixed-point, NaN as null. */
class AsciiTextTest {
    @Test
    void integersIncludingTheExtremes() {
        AsciiText t = new AsciiText(64);
        t.append(0L).append(' ').append(-42L).append(' ').append(Long.MIN_VALUE);
        assertEquals("0 -42 -9223372036854775808", t.toString());
    }

    @Test
    void fixedPointRoundsHalfAwayFromZeroAndPadsTheFraction() {
        AsciiText t = new AsciiText(64);
        t.append(1.25, 1).append(' ').append(-0.04, 1).append(' ').append(3.0, 3).append(' ').append(-12.5, 0);
        assertEquals("1.3 0.0 3.000 -13", t.toString(), "no negative zero; half rounds away from zero");
    }

    @Test
    void nanIsJsonNull() {
        assertEquals("null", new AsciiText(8).append(Double.NaN, 2).toString());
    }

    @Test
    void infinitiesAreJsonNullToo() {
        AsciiText t = new AsciiText(16);
        t.append(Double.POSITIVE_INFINITY, 1).append(' ').append(Double.NEGATIVE_INFINITY, 1);
        assertEquals("null null", t.toString());
    }

    @Test
    void theLargestLongAndTheReuseOfAClearedLine() {
        AsciiText t = new AsciiText(32);
        t.append(Long.MAX_VALUE);
        assertEquals("9223372036854775807", t.toString());
        assertEquals("7", t.clear().append(7L).toString());
    }

    @Test
    void overflowIsDroppedNotThrown() {
        AsciiText t = new AsciiText(4);
        t.append(123456L);
        assertEquals(4, t.length());
    }

    @Test
    void aNumberCutByTheCapacityKeepsItsLeadingDigits() {
        // What is dropped is what did not fit: the tail. "3456" would be a different, wrong number.
        assertEquals("ab12", new AsciiText(4).append('a').append('b').append(123456L).toString());
        assertEquals("-12", new AsciiText(3).append(-12345L).toString());
    }
}
