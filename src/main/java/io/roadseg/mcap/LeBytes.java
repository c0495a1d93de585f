package io.roadseg.mcap;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * A growable little-endian byte array that MCAP records are built in; reused (reset) record after record, so it
 * allocates only when a record is larger than any before it.
 *
 * <p>Threading: one thread.
 */
final class LeBytes {
    byte[] data;
    int size;

    LeBytes(int capacity) {
        data = new byte[Math.max(16, capacity)];
    }

    void reset() {
        size = 0;
    }

    void ensure(int more) {
        if (size + more > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, size + more));
        }
    }

    LeBytes u8(int v) {
        ensure(1);
        data[size++] = (byte) v;
        return this;
    }

    LeBytes u16(int v) {
        ensure(2);
        data[size++] = (byte) v;
        data[size++] = (byte) (v >>> 8);
        return this;
    }

    LeBytes u32(long v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            data[size++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    LeBytes u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            data[size++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    /** MCAP string: u32 byte length, UTF-8 bytes. */
    LeBytes string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u32(b.length);
        return raw(b, 0, b.length);
    }

    /** MCAP bytes with a u32 length prefix. */
    LeBytes bytes32(byte[] b) {
        u32(b.length);
        return raw(b, 0, b.length);
    }

    LeBytes raw(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, data, size, len);
        size += len;
        return this;
    }

    /** MCAP {@code Map<string, string>}: u32 byte length of the entries, then key, value, key, value… */
    LeBytes map(Map<String, String> m) {
        int lengthAt = size;
        u32(0);
        for (Map.Entry<String, String> e : m.entrySet()) {
            string(e.getKey());
            string(e.getValue());
        }
        putU32(lengthAt, size - lengthAt - 4);
        return this;
    }

    void putU32(int at, long v) {
        for (int i = 0; i < 4; i++) {
            data[at + i] = (byte) (v >>> (8 * i));
        }
    }

    void putU64(int at, long v) {
        for (int i = 0; i < 8; i++) {
            data[at + i] = (byte) (v >>> (8 * i));
        }
    }

    static long u64(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xffL);
        }
        return v;
    }

    static long u32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }
}
