package io.roadseg.mcap;

/**
 * Constants of the MCAP container format, version 0 (<a href="https://mcap.dev/spec">mcap.dev/spec</a>): the magic,
 * the record opcodes and the chunk compressions this project reads and writes. All integers in MCAP are little-endian.
 */
public final class McapFormat {
    /** Leading and trailing magic: 0x89 'M' 'C' 'A' 'P' '0' '\r' '\n' (major version '0'). */
    public static final byte[] MAGIC = {(byte) 0x89, 'M', 'C', 'A', 'P', '0', '\r', '\n'};

    public static final int OP_HEADER = 0x01;
    public static final int OP_FOOTER = 0x02;
    public static final int OP_SCHEMA = 0x03;
    public static final int OP_CHANNEL = 0x04;
    public static final int OP_MESSAGE = 0x05;
    public static final int OP_CHUNK = 0x06;
    public static final int OP_MESSAGE_INDEX = 0x07;
    public static final int OP_CHUNK_INDEX = 0x08;
    public static final int OP_ATTACHMENT = 0x09;
    public static final int OP_ATTACHMENT_INDEX = 0x0A;
    public static final int OP_STATISTICS = 0x0B;
    public static final int OP_METADATA = 0x0C;
    public static final int OP_METADATA_INDEX = 0x0D;
    public static final int OP_SUMMARY_OFFSET = 0x0E;
    public static final int OP_DATA_END = 0x0F;

    /** Footer record content: summary_start u64, summary_offset_start u64, summary_crc u32. */
    public static final int FOOTER_CONTENT_BYTES = 20;

    /** Chunk compression as the spec names it in Chunk and Chunk Index records. */
    public enum Compression {
        NONE(""), ZSTD("zstd"), LZ4("lz4");

        private final String id;

        Compression(String id) {
            this.id = id;
        }

        /** @return the record's compression string ({@code ""}, {@code zstd}, {@code lz4}) */
        public String id() {
            return id;
        }

        /** @return the compression named by a record, or null when this reader does not know it */
        public static Compression of(String id) {
            for (Compression c : values()) {
                if (c.id.equals(id)) {
                    return c;
                }
            }
            return null;
        }

        /** @return the compression for a user's word: none, zstd or lz4 */
        public static Compression parse(String word) {
            return switch (word.toLowerCase(java.util.Locale.ROOT)) {
                case "none", "" -> NONE;
                case "zstd" -> ZSTD;
                case "lz4" -> LZ4;
                default -> throw new IllegalArgumentException("compression " + word + ": expected none, zstd or lz4");
            };
        }
    }

    private McapFormat() {
    }
}
