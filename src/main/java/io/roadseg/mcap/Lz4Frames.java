package io.roadseg.mcap;

/**
 * Decodes LZ4 frames (the LZ4 frame format, magic {@code 0x184D2204}), what MCAP's {@code lz4} chunk compression
 * means, and a ROS 1 bag's lz4 chunks (roslz4 writes the same frames). Written here because writers differ in their frame flags: the C++ and Go MCAP writers use LZ4's default
 * <i>linked</i> blocks (a block may refer back into the previous ones), which lz4-java's frame reader refuses.
 * Decoding a whole chunk into one array makes linked and independent blocks the same case: every back-reference
 * lands in bytes already written. Block and content checksums are skipped (MCAP chunks carry their own CRC);
 * skippable frames are skipped; several frames in a row are decoded one after another.
 *
 * <p>Stateless; allocation-free.
 */
public final class Lz4Frames {
    private static final int MAGIC = 0x184D2204;

    private Lz4Frames() {
    }

    /**
     * Decodes {@code src[offset, offset+length)} into {@code dst[0, dstLength)}.
     *
     * @return bytes written
     * @throws IllegalArgumentException when the input is not a valid LZ4 frame or does not fit {@code dst}
     */
    public static int decompress(byte[] src, int offset, int length, byte[] dst, int dstLength) {
        int ip = offset;
        int end = offset + length;
        int op = 0;
        while (ip < end) {
            need(ip, 4, end);
            int magic = le32(src, ip);
            ip += 4;
            if ((magic & 0xFFFFFFF0) == 0x184D2A50) { // skippable frame
                need(ip, 4, end);
                ip += 4 + le32(src, ip);
                continue;
            }
            if (magic != MAGIC) {
                throw new IllegalArgumentException("not an LZ4 frame (magic 0x" + Integer.toHexString(magic) + ")");
            }
            need(ip, 3, end);
            int flg = src[ip] & 0xff;
            if ((flg >>> 6) != 1) {
                throw new IllegalArgumentException("LZ4 frame version " + (flg >>> 6) + " not supported");
            }
            boolean blockChecksum = (flg & 0x10) != 0;
            boolean contentSize = (flg & 0x08) != 0;
            boolean contentChecksum = (flg & 0x04) != 0;
            boolean dictionary = (flg & 0x01) != 0;
            ip += 2; // FLG, BD
            if (contentSize) {
                ip += 8;
            }
            if (dictionary) {
                throw new IllegalArgumentException("LZ4 frame with an external dictionary not supported");
            }
            ip += 1; // header checksum
            while (true) {
                need(ip, 4, end);
                int block = le32(src, ip);
                ip += 4;
                if (block == 0) {
                    break;
                }
                boolean stored = block < 0; // high bit: uncompressed
                int size = block & 0x7FFFFFFF;
                need(ip, size, end);
                if (stored) {
                    if (op + size > dstLength) {
                        throw new IllegalArgumentException("LZ4 data larger than announced");
                    }
                    System.arraycopy(src, ip, dst, op, size);
                    op += size;
                } else {
                    op = block(src, ip, ip + size, dst, op, dstLength);
                }
                ip += size + (blockChecksum ? 4 : 0);
            }
            ip += contentChecksum ? 4 : 0;
        }
        return op;
    }

    /** One LZ4 block; back-references may reach into everything decoded before it. Returns the new end. */
    private static int block(byte[] src, int ip, int end, byte[] dst, int op, int dstLength) {
        while (ip < end) {
            int token = src[ip++] & 0xff;
            int literals = token >>> 4;
            if (literals == 15) {
                int b;
                do {
                    need(ip, 1, end);
                    b = src[ip++] & 0xff;
                    literals += b;
                } while (b == 255);
            }
            need(ip, literals, end);
            if (op + literals > dstLength) {
                throw new IllegalArgumentException("LZ4 data larger than announced");
            }
            System.arraycopy(src, ip, dst, op, literals);
            ip += literals;
            op += literals;
            if (ip >= end) {
                break; // the last sequence has literals only
            }
            need(ip, 2, end);
            int distance = (src[ip] & 0xff) | (src[ip + 1] & 0xff) << 8;
            ip += 2;
            int match = token & 15;
            if (match == 15) {
                int b;
                do {
                    need(ip, 1, end);
                    b = src[ip++] & 0xff;
                    match += b;
                } while (b == 255);
            }
            match += 4;
            int from = op - distance;
            if (distance == 0 || from < 0 || op + match > dstLength) {
                throw new IllegalArgumentException("LZ4 back-reference out of range");
            }
            if (distance >= match) {
                System.arraycopy(dst, from, dst, op, match);
                op += match;
            } else {
                for (int i = 0; i < match; i++) {
                    dst[op++] = dst[from++];
                }
            }
        }
        return op;
    }

    private static void need(int at, int n, int end) {
        if (n < 0 || at + n > end) {
            throw new IllegalArgumentException("LZ4 frame ends early");
        }
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
