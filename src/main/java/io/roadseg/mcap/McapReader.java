package io.roadseg.mcap;

import com.github.luben.zstd.Zstd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.roadseg.mcap.McapFormat.*;

/**
 * Reads an MCAP file (<a href="https://mcap.dev/spec">spec</a>) for replay: its schemas and channels, and each
 * channel's messages in log-time order.
 *
 * <p><b>How it finds the messages.</b> When the file ends in a footer that points to a summary with chunk indexes,
 * the chunk indexes and each chunk's message index give every message's log time and place without decompressing
 * anything. Otherwise (no summary, no indexes, or a file cut short by a crash) it scans the data section record by
 * record, decompressing each chunk once; a file that ends mid-record is read up to its last complete record and
 * {@link #truncation()} says where it stopped. Either way the plan is three numbers per message; payloads are read
 * when {@link Cursor#next()} reaches them, a chunk decompressed once into a reused buffer while its messages are
 * consumed in order.
 *
 * <p>Chunk compressions: none, zstd and lz4 (frame format). Messages outside chunks are read too.
 *
 * <p>Threading: one thread per reader; a cursor belongs to the thread that made it.
 */
public final class McapReader implements Recording {
    /** A schema record. */
    public record Schema(int id, String name, String encoding, byte[] data) {
        /** @return the schema data as text (ros2msg, ros2idl, jsonschema) */
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** A channel record. */
    public record Channel(int id, int schemaId, String topic, String messageEncoding, Map<String, String> metadata) {
    }

    private record ChunkRef(long recordsOffset, long compressedSize, long uncompressedSize, Compression compression,
                            long messageStart, long messageEnd) {
    }

    /** Where a channel's messages are: per message its log time, chunk (-1: outside chunks) and offset. */
    private static final class Plan {
        long[] logTime = new long[64];
        int[] chunk = new int[64];
        long[] offset = new long[64];
        int size;

        void add(long time, int chunkIndex, long at) {
            if (size == logTime.length) {
                logTime = Arrays.copyOf(logTime, size * 2);
                chunk = Arrays.copyOf(chunk, size * 2);
                offset = Arrays.copyOf(offset, size * 2);
            }
            logTime[size] = time;
            chunk[size] = chunkIndex;
            offset[size] = at;
            size++;
        }

        /** Stable sort by log time (file order breaks ties), as the spec asks of log-time-ordered reading. */
        void sort() {
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            boolean sorted = true;
            for (int i = 1; i < size && sorted; i++) {
                sorted = logTime[i - 1] <= logTime[i];
            }
            if (sorted) {
                return;
            }
            Arrays.sort(order, (a, b) -> Long.compare(logTime[a], logTime[b]));
            long[] t = new long[size];
            int[] c = new int[size];
            long[] o = new long[size];
            for (int i = 0; i < size; i++) {
                t[i] = logTime[order[i]];
                c[i] = chunk[order[i]];
                o[i] = offset[order[i]];
            }
            logTime = t;
            chunk = c;
            offset = o;
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final long fileSize;
    private String profile = "";
    private String library = "";
    private final Map<Integer, Schema> schemas = new TreeMap<>();
    private final Map<Integer, Channel> channels = new TreeMap<>();
    private final List<ChunkRef> chunks = new ArrayList<>();
    private final Map<Integer, Plan> plans = new TreeMap<>();
    private boolean indexed;
    private String truncation;

    private McapReader(Path file, FileChannel channel) throws IOException {
        this.file = file;
        this.channel = channel;
        this.fileSize = channel.size();
    }

    /**
     * Opens and indexes an MCAP file.
     *
     * @throws McapException when it is not MCAP, is damaged before its first message, or uses a compression this
     *                       reader does not know; the message names the file
     */
    public static McapReader open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        McapReader r = new McapReader(file, ch);
        try {
            r.load();
            return r;
        } catch (IllegalStateException e) {
            r.close();
            throw new McapException("input " + file + ": damaged MCAP file (" + e.getMessage() + ")");
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** @return true when the first bytes of {@code file} are MCAP's magic */
    public static boolean isMcap(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(MAGIC.length);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // fill
            }
            return !b.hasRemaining() && Arrays.equals(b.array(), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    public Path file() {
        return file;
    }

    public String profile() {
        return profile;
    }

    public String library() {
        return library;
    }

    public Map<Integer, Schema> schemas() {
        return Collections.unmodifiableMap(schemas);
    }

    public Map<Integer, Channel> channels() {
        return Collections.unmodifiableMap(channels);
    }

    /** @return the schema of a channel, or null (schema id 0: schemaless) */
    public Schema schemaOf(Channel c) {
        return schemas.get(c.schemaId());
    }

    /** @return true when messages were located through the summary's indexes, false after a linear scan */
    public boolean indexed() {
        return indexed;
    }

    /** @return null for a complete file, else where and why reading stopped early (a file cut short) */
    public String truncation() {
        return truncation;
    }

    /** @return messages of a channel found in the file */
    public int messageCount(int channelId) {
        Plan p = plans.get(channelId);
        return p == null ? 0 : p.size;
    }

    /** @return log time of a channel's first and last message, nanoseconds; {0, 0} without messages */
    public long[] timeRange(int channelId) {
        Plan p = plans.get(channelId);
        return p == null || p.size == 0 ? new long[] {0, 0} : new long[] {p.logTime[0], p.logTime[p.size - 1]};
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    // ---------------------------------------------------------------------------------------------- loading

    private void load() throws IOException {
        if (fileSize < MAGIC.length || !Arrays.equals(read(0, MAGIC.length), MAGIC)) {
            throw new McapException("input " + file + ": not an MCAP file (it does not start with MCAP's magic)");
        }
        long pos = MAGIC.length;
        if (fileSize < pos + 9) {
            throw new McapException("input " + file + ": MCAP file cut short before its header");
        }
        byte[] h = read(pos, 9);
        if (h[0] != OP_HEADER) {
            throw new McapException("input " + file + ": damaged MCAP file (first record is opcode 0x"
                    + Integer.toHexString(h[0] & 0xff) + ", not a header)");
        }
        long headerLength = LeBytes.u64(h, 1);
        if (pos + 9 + headerLength > fileSize) {
            throw new McapException("input " + file + ": MCAP file cut short in its header");
        }
        Fields hf = new Fields(read(pos + 9, (int) headerLength));
        profile = hf.string();
        library = hf.string();
        long dataStart = pos + 9 + headerLength;
        if (!loadSummary()) {
            scan(dataStart);
        }
        for (Plan p : plans.values()) {
            p.sort();
        }
    }

    /** Reads schemas, channels and message places from the summary and indexes; false if the file has none. */
    private boolean loadSummary() throws IOException {
        int footerRecord = 1 + 8 + FOOTER_CONTENT_BYTES;
        if (fileSize < MAGIC.length * 2L + footerRecord) {
            return false;
        }
        long footerAt = fileSize - MAGIC.length - footerRecord;
        byte[] tail = read(footerAt, footerRecord + MAGIC.length);
        if (!Arrays.equals(Arrays.copyOfRange(tail, footerRecord, tail.length), MAGIC) || tail[0] != OP_FOOTER) {
            return false;
        }
        long summaryStart = LeBytes.u64(tail, 9);
        if (summaryStart == 0 || summaryStart >= footerAt) {
            return false;
        }
        Map<Integer, Schema> s = new TreeMap<>();
        Map<Integer, Channel> c = new TreeMap<>();
        List<long[]> chunkIndexes = new ArrayList<>();
        List<Map<Integer, Long>> indexOffsets = new ArrayList<>();
        List<Compression> compressions = new ArrayList<>();
        long statisticsMessages = -1;
        byte[] summary = read(summaryStart, (int) (footerAt - summaryStart));
        int at = 0;
        while (at + 9 <= summary.length) {
            int op = summary[at] & 0xff;
            long len = LeBytes.u64(summary, at + 1);
            if (at + 9 + len > summary.length) {
                return false;
            }
            Fields f = new Fields(summary, at + 9, (int) len);
            switch (op) {
                case OP_SCHEMA -> {
                    Schema schema = schema(f);
                    s.put(schema.id(), schema);
                }
                case OP_CHANNEL -> {
                    Channel channel = channel(f);
                    c.put(channel.id(), channel);
                }
                case OP_CHUNK_INDEX -> {
                    long start = f.u64();
                    long end = f.u64();
                    long chunkOffset = f.u64();
                    long chunkLength = f.u64();
                    Map<Integer, Long> offsets = new LinkedHashMap<>();
                    int mapEnd = f.at + 4 + (int) f.u32();
                    while (f.at < mapEnd) {
                        offsets.put(f.u16(), f.u64());
                    }
                    f.u64(); // message index length
                    Compression comp = Compression.of(f.string());
                    if (comp == null) {
                        throw new McapException("input " + file + ": chunk compression not supported (zstd, lz4 or"
                                + " none are)");
                    }
                    chunkIndexes.add(new long[] {start, end, chunkOffset, chunkLength, f.u64(), f.u64()});
                    indexOffsets.add(offsets);
                    compressions.add(comp);
                }
                case OP_STATISTICS -> statisticsMessages = f.u64();
                default -> {
                    // summary offsets, metadata and attachment indexes: not needed for replay
                }
            }
            at += 9 + (int) len;
        }
        if (chunkIndexes.isEmpty() && statisticsMessages != 0) {
            return false; // a summary without chunk indexes: find messages by scanning
        }
        long indexedMessages = 0;
        for (int i = 0; i < chunkIndexes.size(); i++) {
            long[] ci = chunkIndexes.get(i);
            if (indexOffsets.get(i).isEmpty() && ci[5] > 0) {
                return false; // chunks without message indexes
            }
        }
        schemas.putAll(s);
        channels.putAll(c);
        for (int i = 0; i < chunkIndexes.size(); i++) {
            long[] ci = chunkIndexes.get(i);
            long chunkOffset = ci[2];
            byte[] head = read(chunkOffset, (int) Math.min(ci[3], 9 + 28 + 4 + 64));
            if (head[0] != OP_CHUNK) {
                throw new McapException("input " + file + ": chunk index points at byte " + chunkOffset
                        + ", which is not a chunk");
            }
            Fields cf = new Fields(head, 9, head.length - 9);
            cf.u64();
            cf.u64();
            cf.u64();
            cf.u32();
            cf.string();
            cf.u64();
            chunks.add(new ChunkRef(chunkOffset + cf.at, ci[4], ci[5], compressions.get(i), ci[0], ci[1]));
            for (Map.Entry<Integer, Long> e : indexOffsets.get(i).entrySet()) {
                byte[] mh = read(e.getValue(), 9);
                if (mh[0] != OP_MESSAGE_INDEX) {
                    throw new McapException("input " + file + ": message index offset " + e.getValue()
                            + " does not point at a message index");
                }
                Fields mi = new Fields(read(e.getValue() + 9, (int) LeBytes.u64(mh, 1)));
                int channelId = mi.u16();
                long bytes = mi.u32();
                Plan plan = plans.computeIfAbsent(channelId, k -> new Plan());
                for (long k = 0; k < bytes / 16; k++) {
                    plan.add(mi.u64(), chunks.size() - 1, mi.u64());
                    indexedMessages++;
                }
            }
        }
        if (statisticsMessages > indexedMessages) {
            // messages outside chunks, which the chunk indexes do not list: scan instead
            schemas.clear();
            channels.clear();
            chunks.clear();
            plans.clear();
            return false;
        }
        indexed = true;
        return true;
    }

    /** Linear scan of the data section from {@code pos}; stops at the data end, the footer or the file's end. */
    private void scan(long pos) throws IOException {
        byte[] head = new byte[9];
        ByteBuffer headBuffer = ByteBuffer.wrap(head);
        while (pos < fileSize) {
            if (pos + 9 > fileSize) {
                truncation = "ends inside a record header at byte " + pos + " of " + fileSize;
                return;
            }
            headBuffer.clear();
            readFully(headBuffer, pos);
            int op = head[0] & 0xff;
            long len = LeBytes.u64(head, 1);
            if (len < 0 || pos + 9 + len > fileSize) {
                truncation = "ends inside a record (opcode 0x" + Integer.toHexString(op) + ", " + len
                        + " bytes) that starts at byte " + pos + " of " + fileSize;
                return;
            }
            long content = pos + 9;
            switch (op) {
                case OP_SCHEMA, OP_CHANNEL -> record(op, new Fields(read(content, (int) len)));
                case OP_MESSAGE -> {
                    Fields f = new Fields(read(content, (int) Math.min(len, 22)));
                    int channelId = f.u16();
                    f.u32();
                    plans.computeIfAbsent(channelId, k -> new Plan()).add(f.u64(), -1, pos);
                }
                case OP_CHUNK -> scanChunk(content, len, pos);
                case OP_DATA_END, OP_FOOTER -> {
                    return;
                }
                default -> {
                    // message indexes, attachments, metadata: not needed for replay
                }
            }
            pos = content + len;
        }
        truncation = "ends without a data-end record or footer (the writer did not finish) at byte " + fileSize;
    }

    private void scanChunk(long content, long len, long recordStart) throws IOException {
        byte[] head = read(content, (int) Math.min(len, 28 + 4 + 64));
        Fields f = new Fields(head);
        long start = f.u64();
        long end = f.u64();
        long uncompressed = f.u64();
        f.u32();
        String compressionId = f.string();
        Compression compression = Compression.of(compressionId);
        if (compression == null) {
            throw new McapException("input " + file + ": chunk at byte " + recordStart + " is compressed with '"
                    + compressionId + "', which this reader does not support (zstd, lz4 or none)");
        }
        long compressedSize = f.u64();
        ChunkRef ref = new ChunkRef(content + f.at, compressedSize, uncompressed, compression, start, end);
        chunks.add(ref);
        byte[] records = decompress(ref, new byte[(int) uncompressed]);
        int at = 0;
        while (at + 9 <= uncompressed) {
            int op = records[at] & 0xff;
            long rl = LeBytes.u64(records, at + 1);
            if (at + 9 + rl > uncompressed) {
                throw new McapException("input " + file + ": damaged chunk at byte " + recordStart
                        + " (a record runs past its end)");
            }
            Fields rf = new Fields(records, at + 9, (int) rl);
            switch (op) {
                case OP_SCHEMA, OP_CHANNEL -> record(op, rf);
                case OP_MESSAGE -> {
                    int channelId = rf.u16();
                    rf.u32();
                    plans.computeIfAbsent(channelId, k -> new Plan()).add(rf.u64(), chunks.size() - 1, at);
                }
                default -> {
                }
            }
            at += 9 + (int) rl;
        }
    }

    private void record(int op, Fields f) {
        if (op == OP_SCHEMA) {
            Schema s = schema(f);
            schemas.putIfAbsent(s.id(), s);
        } else {
            Channel c = channel(f);
            channels.putIfAbsent(c.id(), c);
        }
    }

    private static Schema schema(Fields f) {
        int id = f.u16();
        String name = f.string();
        String encoding = f.string();
        int n = (int) f.u32();
        return new Schema(id, name, encoding, f.bytes(n));
    }

    private static Channel channel(Fields f) {
        int id = f.u16();
        int schemaId = f.u16();
        String topic = f.string();
        String encoding = f.string();
        Map<String, String> metadata = new LinkedHashMap<>();
        int end = f.at + 4 + (int) f.u32();
        while (f.at < end) {
            metadata.put(f.string(), f.string());
        }
        return new Channel(id, schemaId, topic, encoding, Collections.unmodifiableMap(metadata));
    }

    private byte[] decompress(ChunkRef ref, byte[] into) throws IOException {
        if (ref.uncompressedSize() > Integer.MAX_VALUE - 16 || ref.compressedSize() > Integer.MAX_VALUE - 16) {
            throw new McapException("input " + file + ": chunk larger than 2 GiB");
        }
        int n = (int) ref.uncompressedSize();
        switch (ref.compression()) {
            case NONE -> readFully(ByteBuffer.wrap(into, 0, n), ref.recordsOffset());
            case ZSTD -> {
                int length = (int) ref.compressedSize();
                byte[] src = readCompressed(ref.recordsOffset(), length);
                long got = Zstd.decompressByteArray(into, 0, n, src, 0, length);
                if (Zstd.isError(got) || got != n) {
                    throw new McapException("input " + file + ": damaged zstd chunk at byte " + ref.recordsOffset()
                            + (Zstd.isError(got) ? " (" + Zstd.getErrorName(got) + ")" : ""));
                }
            }
            case LZ4 -> {
                int length = (int) ref.compressedSize();
                byte[] src = readCompressed(ref.recordsOffset(), length);
                int got;
                try {
                    got = Lz4Frames.decompress(src, 0, length, into, n);
                } catch (IllegalArgumentException e) {
                    throw new McapException("input " + file + ": damaged lz4 chunk at byte " + ref.recordsOffset()
                            + " (" + e.getMessage() + ")");
                }
                if (got != n) {
                    throw new McapException("input " + file + ": damaged lz4 chunk at byte " + ref.recordsOffset()
                            + " (" + got + " bytes, " + n + " announced)");
                }
            }
        }
        return into;
    }

    /**
     * A chunk's compressed bytes, read into a buffer the reader keeps (grown to the largest chunk met), so that a
     * replay decompressing chunk after chunk allocates nothing once it has met its largest; valid until the next call.
     */
    private byte[] readCompressed(long pos, int n) throws IOException {
        if (compressed.length < n) {
            compressed = new byte[n];
        }
        readFully(ByteBuffer.wrap(compressed, 0, n), pos);
        return compressed;
    }

    private byte[] compressed = new byte[0];

    private byte[] read(long pos, int n) throws IOException {
        byte[] b = new byte[n];
        readFully(ByteBuffer.wrap(b), pos);
        return b;
    }

    private void readFully(ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) {
                throw new McapException("input " + file + ": unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    // ---------------------------------------------------------------------------------------------- reading

    /** Iterates over one channel's messages in log-time order. */
    public Cursor messages(int channelId) {
        Plan p = plans.get(channelId);
        return new Cursor(p == null ? new Plan() : p);
    }

    /**
     * One channel's messages in log-time order. {@link #payload()} is a view into a reused buffer, valid until the
     * next {@link #next()}.
     */
    public final class Cursor implements Recording.Cursor {
        private final Plan plan;
        private int index = -1;
        private int loadedChunk = -1;
        private byte[] chunkBytes = new byte[0];
        private byte[] single = new byte[0];
        private byte[] payloadArray;
        private int payloadOffset;
        private int payloadLength;
        private long logTime;
        private long publishTime;
        private long sequence;
        private final byte[] head = new byte[9];

        private Cursor(Plan plan) {
            this.plan = plan;
        }

        /** @return messages this cursor will have delivered in all */
        public int size() {
            return plan.size;
        }

        /**
         * Back before the first message, keeping the buffers (and the chunk in them) for a replay that loops: a second
         * pass allocates nothing.
         */
        public void rewind() {
            index = -1;
        }

        /** Moves to the next message; false at the end. */
        public boolean next() throws IOException {
            if (index + 1 >= plan.size) {
                index = plan.size;
                return false;
            }
            index++;
            int c = plan.chunk[index];
            byte[] src;
            int at;
            int length;
            if (c >= 0) {
                if (c != loadedChunk) {
                    ChunkRef ref = chunks.get(c);
                    if (chunkBytes.length < ref.uncompressedSize()) {
                        chunkBytes = new byte[(int) ref.uncompressedSize()];
                    }
                    decompress(ref, chunkBytes);
                    loadedChunk = c;
                }
                src = chunkBytes;
                at = (int) plan.offset[index];
                if (src[at] != OP_MESSAGE) {
                    throw new McapException("input " + file + ": a message index points at a record that is not a"
                            + " message");
                }
                length = (int) LeBytes.u64(src, at + 1);
                at += 9;
            } else {
                ByteBuffer hb = ByteBuffer.wrap(head);
                readFully(hb, plan.offset[index]);
                length = (int) LeBytes.u64(head, 1);
                if (single.length < length) {
                    single = new byte[length];
                }
                readFully(ByteBuffer.wrap(single, 0, length), plan.offset[index] + 9);
                src = single;
                at = 0;
            }
            if (length < 22) {
                throw new McapException("input " + file + ": damaged message record (" + length + " bytes)");
            }
            sequence = LeBytes.u32(src, at + 2);
            logTime = LeBytes.u64(src, at + 6);
            publishTime = LeBytes.u64(src, at + 14);
            payloadArray = src;
            payloadOffset = at + 22;
            payloadLength = length - 22;
            return true;
        }

        /** @return index of the current message among this cursor's, from 0 */
        public int index() {
            return index;
        }

        public long logTime() {
            return logTime;
        }

        public long publishTime() {
            return publishTime;
        }

        public long sequence() {
            return sequence;
        }

        public byte[] payloadArray() {
            return payloadArray;
        }

        public int payloadOffset() {
            return payloadOffset;
        }

        public int payloadLength() {
            return payloadLength;
        }
    }

    /** Little-endian field reader over a record's content. */
    static final class Fields {
        final byte[] b;
        int at;
        final int end;

        Fields(byte[] b) {
            this(b, 0, b.length);
        }

        Fields(byte[] b, int offset, int length) {
            this.b = b;
            this.at = offset;
            this.end = offset + length;
        }

        private void need(int n) {
            if (at + n > end) {
                throw new IllegalStateException("record shorter than its fields");
            }
        }

        int u16() {
            need(2);
            int v = LeBytes.u16(b, at);
            at += 2;
            return v;
        }

        long u32() {
            need(4);
            long v = LeBytes.u32(b, at);
            at += 4;
            return v;
        }

        long u64() {
            need(8);
            long v = LeBytes.u64(b, at);
            at += 8;
            return v;
        }

        String string() {
            int n = (int) u32();
            need(n);
            String s = new String(b, at, n, StandardCharsets.UTF_8);
            at += n;
            return s;
        }

        byte[] bytes(int n) {
            need(n);
            byte[] r = Arrays.copyOfRange(b, at, at + n);
            at += n;
            return r;
        }
    }
}
