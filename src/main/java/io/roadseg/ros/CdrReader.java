package io.roadseg.ros;

import java.nio.charset.StandardCharsets;

/**
 * Decodes CDR-encoded ROS 2 messages (little- or big-endian encapsulation, XCDR1 alignment) from a byte range
 * without copying: strings are returned as offsets where the caller can avoid allocation. Also ROS 1's serialization
 * ({@link #begin(byte[], int, int, boolean)}), which a ROS 1 bag converted to MCAP keeps: little-endian, no
 * encapsulation header, no alignment, strings without their NUL, and a {@code std_msgs/Header} that begins with a
 * sequence number ({@link #stamp}).
 *
 * <p>Threading: one thread; reset with {@link #begin} per message.
 */
public final class CdrReader {
    private byte[] b;
    private int origin;
    private int at;
    private int end;
    private boolean little;
    private boolean ros1;

    /**
     * Starts reading a message from {@code b[offset, offset+length)}.
     *
     * @throws CdrException when the encapsulation header is not plain CDR
     */
    public CdrReader begin(byte[] b, int offset, int length) throws CdrException {
        if (length < 4) {
            throw new CdrException("CDR message shorter than its 4-byte header");
        }
        int kind = (b[offset] & 0xff) << 8 | (b[offset + 1] & 0xff);
        if (kind != 0 && kind != 1) {
            throw new CdrException("CDR encapsulation 0x" + Integer.toHexString(kind) + " not supported (plain CDR"
                    + " big- or little-endian, 0x0000/0x0001, is)");
        }
        this.b = b;
        this.little = kind == 1;
        this.ros1 = false;
        this.origin = offset + 4;
        this.at = origin;
        this.end = offset + length;
        return this;
    }

    /**
     * Starts reading a message in ROS 1's serialization ({@code ros1} true: a channel whose message encoding is
     * {@code ros1}) or in CDR ({@link #begin(byte[], int, int)}).
     */
    public CdrReader begin(byte[] b, int offset, int length, boolean ros1) throws CdrException {
        if (!ros1) {
            return begin(b, offset, length);
        }
        this.b = b;
        this.little = true;
        this.ros1 = true;
        this.origin = offset;
        this.at = offset;
        this.end = offset + length;
        return this;
    }

    /**
     * Reads a time, ROS 2's {@code builtin_interfaces/Time} or ROS 1's {@code time}, as nanoseconds; with
     * {@code header}, the start of a {@code std_msgs/Header}, whose ROS 1 form puts a sequence number before it.
     * The frame id follows.
     */
    public long stamp(boolean header) throws CdrException {
        if (ros1 && header) {
            uint32(); // seq
        }
        long sec = int32();
        long nsec = uint32();
        return sec * 1_000_000_000L + nsec;
    }

    private void align(int n) {
        if (ros1) {
            return;
        }
        at += (n - (at - origin) % n) % n;
    }

    private void need(int n) throws CdrException {
        if (at + n > end || n < 0) {
            throw new CdrException("CDR message ends early (needs " + n + " bytes at offset " + (at - origin) + ")");
        }
    }

    public int uint8() throws CdrException {
        need(1);
        return b[at++] & 0xff;
    }

    public int int32() throws CdrException {
        align(4);
        need(4);
        int v = little
                ? (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24
                : (b[at + 3] & 0xff) | (b[at + 2] & 0xff) << 8 | (b[at + 1] & 0xff) << 16 | (b[at] & 0xff) << 24;
        at += 4;
        return v;
    }

    /** A {@code uint64}/{@code int64}'s bits (a {@code uint64} over 2⁶³ reads negative). */
    public long int64() throws CdrException {
        align(8);
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            int k = little ? 7 - i : i;
            v = (v << 8) | (b[at + k] & 0xffL);
        }
        at += 8;
        return v;
    }

    public long uint32() throws CdrException {
        return int32() & 0xffffffffL;
    }

    public double float64() throws CdrException {
        return Double.longBitsToDouble(int64());
    }

    /** Reads a string's length and skips it; returns its offset in the array (its length: {@link #lastLength}). */
    public int stringOffset() throws CdrException {
        long n = uint32();
        if (n > end - at) {
            throw new CdrException("CDR string of " + n + " bytes runs past the message's end");
        }
        int start = at;
        at += (int) n;
        lastLength = n == 0 || ros1 ? (int) n : (int) n - 1; // without CDR's NUL (ROS 1 has none)
        return start;
    }

    public String string() throws CdrException {
        int o = stringOffset();
        return new String(b, o, lastLength, StandardCharsets.UTF_8);
    }

    /** Reads a {@code uint8[]} sequence's count and skips it; returns its offset (length: {@link #lastLength}). */
    public int bytesOffset() throws CdrException {
        long n = uint32();
        if (n > end - at) {
            throw new CdrException("CDR byte sequence of " + n + " bytes runs past the message's end");
        }
        int start = at;
        at += (int) n;
        lastLength = (int) n;
        return start;
    }

    /** Length of the last string (without NUL) or byte sequence. */
    public int lastLength;

    public byte[] array() {
        return b;
    }

    /** A failure to decode a CDR message. */
    public static final class CdrException extends Exception {
        public CdrException(String message) {
            super(message);
        }
    }
}
