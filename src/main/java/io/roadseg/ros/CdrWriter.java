package io.roadseg.ros;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodes ROS 2 messages in CDR (OMG XCDR1, little-endian, {@code CDR_LE} encapsulation), as rmw implementations put
 * them on the wire and rosbag2 stores them: a 4-byte encapsulation header, then fields in declaration order, each
 * primitive aligned to its size counted from the end of the header, strings as uint32 length including the NUL,
 * sequences as uint32 count then elements, fixed arrays as elements only.
 *
 * <p>Written into one reused, growable array: encoding a message allocates only when it is larger than any before.
 *
 * <p>Threading: one thread.
 */
public final class CdrWriter {
    private byte[] data;
    private int size;

    public CdrWriter(int capacity) {
        data = new byte[Math.max(64, capacity)];
    }

    /** Starts a message: the encapsulation header {@code 00 01 00 00} (CDR, little-endian). */
    public CdrWriter begin() {
        size = 0;
        ensure(4);
        data[0] = 0;
        data[1] = 1;
        data[2] = 0;
        data[3] = 0;
        size = 4;
        return this;
    }

    public byte[] array() {
        return data;
    }

    /** @return bytes of the message so far, header included */
    public int size() {
        return size;
    }

    private void ensure(int more) {
        if (size + more > data.length) {
            data = Arrays.copyOf(data, Math.max(2 * data.length, size + more));
        }
    }

    private void align(int n) {
        int pad = (n - (size - 4) % n) % n;
        ensure(pad);
        for (int i = 0; i < pad; i++) {
            data[size++] = 0;
        }
    }

    public CdrWriter uint8(int v) {
        ensure(1);
        data[size++] = (byte) v;
        return this;
    }

    public CdrWriter bool(boolean v) {
        return uint8(v ? 1 : 0);
    }

    public CdrWriter int32(int v) {
        align(4);
        ensure(4);
        data[size++] = (byte) v;
        data[size++] = (byte) (v >>> 8);
        data[size++] = (byte) (v >>> 16);
        data[size++] = (byte) (v >>> 24);
        return this;
    }

    public CdrWriter uint32(long v) {
        return int32((int) v);
    }

    public CdrWriter float64(double v) {
        align(8);
        ensure(8);
        long bits = Double.doubleToLongBits(v);
        for (int i = 0; i < 8; i++) {
            data[size++] = (byte) (bits >>> (8 * i));
        }
        return this;
    }

    /** A string: uint32 length including the terminating NUL, the UTF-8 bytes, NUL. */
    public CdrWriter string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return string(b, 0, b.length);
    }

    /** A string from UTF-8 bytes (no allocation). */
    public CdrWriter string(byte[] utf8, int offset, int length) {
        uint32(length + 1L);
        ensure(length + 1);
        System.arraycopy(utf8, offset, data, size, length);
        size += length;
        data[size++] = 0;
        return this;
    }

    /** A {@code uint8[]} sequence: uint32 count, the bytes. */
    public CdrWriter uint8Sequence(byte[] b, int offset, int length) {
        uint32(length);
        ensure(length);
        System.arraycopy(b, offset, data, size, length);
        size += length;
        return this;
    }

    /**
     * Starts a {@code uint8[]} sequence of {@code length} bytes the caller fills in place at the returned offset of
     * {@link #array()} (e.g. straight from native memory); the space is reserved.
     */
    public int uint8SequenceInPlace(int length) {
        uint32(length);
        ensure(length);
        int at = size;
        size += length;
        return at;
    }

    /** A {@code float64[]} sequence (count first), or a fixed {@code float64[N]} array with {@code counted=false}. */
    public CdrWriter float64s(double[] values, boolean counted) {
        if (counted) {
            uint32(values.length);
        }
        for (double v : values) {
            float64(v);
        }
        return this;
    }

    /** {@code builtin_interfaces/Time} from nanoseconds since the epoch, then the frame id: a {@code std_msgs/Header}. */
    public CdrWriter header(long stampNanos, byte[] frameIdUtf8) {
        long sec = Math.floorDiv(stampNanos, 1_000_000_000L);
        int32((int) sec);
        uint32(Math.floorMod(stampNanos, 1_000_000_000L));
        return string(frameIdUtf8, 0, frameIdUtf8.length);
    }
}
