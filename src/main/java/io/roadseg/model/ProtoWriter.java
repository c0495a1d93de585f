package io.roadseg.model;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal Protocol Buffers encoder (wire format only, no schema): enough to write an ONNX {@code ModelProto}.
 * Each message is built in its own writer and embedded in its parent with {@link #message}. Repeated scalar fields
 * are written unpacked (one tag per element), which every proto2 and proto3 parser accepts.
 *
 * <p>See <a href="https://protobuf.dev/programming-guides/encoding/">the encoding guide</a>: a field is a key
 * {@code (fieldNumber << 3) | wireType} as a varint, then its payload: varint (type 0), 64-bit little-endian
 * (type 1), length-prefixed bytes (type 2) or 32-bit little-endian (type 5).
 *
 * <p>Not thread-safe: one writer per message under construction, used by one thread.
 */
final class ProtoWriter {

    private static final int VARINT = 0;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final ByteArrayOutputStream out;

    ProtoWriter() {
        this(64);
    }

    ProtoWriter(int initialCapacity) {
        out = new ByteArrayOutputStream(initialCapacity);
    }

    /** Writes an int32, int64, uint64 or enum field; negative values take ten bytes, as the format requires. */
    ProtoWriter int64(int field, long value) {
        key(field, VARINT);
        varint(value);
        return this;
    }

    /** Writes a {@code float} field (fixed32, IEEE 754 little-endian). */
    ProtoWriter float32(int field, float value) {
        key(field, FIXED32);
        int bits = Float.floatToRawIntBits(value);
        out.write(bits);
        out.write(bits >>> 8);
        out.write(bits >>> 16);
        out.write(bits >>> 24);
        return this;
    }

    /** Writes a {@code string} field as UTF-8. */
    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a {@code bytes} field. */
    ProtoWriter bytes(int field, byte[] value) {
        key(field, LENGTH_DELIMITED);
        varint(value.length);
        out.write(value, 0, value.length);
        return this;
    }

    /** Embeds a finished sub-message as a length-delimited field. */
    ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.toByteArray());
    }

    /** @return the encoded message so far */
    byte[] toByteArray() {
        return out.toByteArray();
    }

    /** @return the number of bytes encoded so far */
    int size() {
        return out.size();
    }

    private void key(int field, int wireType) {
        if (field < 1 || field > 0x1FFFFFFF) {
            throw new IllegalArgumentException("protobuf field number " + field + " must be in 1..2^29-1");
        }
        varint(((long) field << 3) | wireType);
    }

    /** Base-128 varint: seven bits per byte, least significant first, high bit set on all but the last byte. */
    private void varint(long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
