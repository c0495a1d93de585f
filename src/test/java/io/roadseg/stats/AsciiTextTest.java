package io.roadseg.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void overflowIsDroppedNotThrown() {
        AsciiText t = new AsciiText(4);
        t.append(123456L);
        assertEquals(4, t.length());
    }
}
