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
import java.util.zip.CRC32;

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
 * <p><b>Damage.</b> A chunk whose records do not decompress, or whose CRC-32 (where the writer stated one) does not
 * match them, is a damaged part ({@link DamagedParts}): a cursor skips its messages and counts them
 * ({@link Cursor#skipped()}), a scan skips the chunk and goes on with the next record; a message record that runs past
 * its chunk is skipped alone. A summary that fails the footer's CRC-32, and chunk indexes or message indexes that do
 * not point where they say, make the file be scanned instead. A stated size that cannot be true (stored bytes not the
 * uncompressed size, a zstd frame stating another size) is damage found before anything is allocated for it.
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

    /** A chunk: where its record starts (its place in {@link #damage}) and its records, and their CRC-32 (0: none). */
    private record ChunkRef(long recordStart, long recordsOffset, long compressedSize, long uncompressedSize,
                            Compression compression, long crc) {
    }

    /** A damaged message record's place: its chunk's record and its offset in the chunk's records. */
    private record MessagePlace(long chunk, long offset) {
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
    private final DamagedParts damage = new DamagedParts();
    private final CRC32 crc32 = new CRC32();

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

    @Override
    public DamagedParts damage() {
        return damage;
    }

    /**
     * Every chunk decompressed and checked once, whatever the number of channels in it (where reading each channel's
     * messages would decompress a chunk once per channel), and every message record located in it.
     */
    @Override
    public Map<Integer, Integer> checkEveryMessage() throws IOException {
        // the messages by chunk: channel and offset of each
        int[] perChunk = new int[chunks.size()];
        for (Plan p : plans.values()) {
            for (int i = 0; i < p.size; i++) {
                if (p.chunk[i] >= 0) {
                    perChunk[p.chunk[i]]++;
                }
            }
        }
        int[][] channelOf = new int[chunks.size()][];
        long[][] offsetOf = new long[chunks.size()][];
        for (int c = 0; c < chunks.size(); c++) {
            channelOf[c] = new int[perChunk[c]];
            offsetOf[c] = new long[perChunk[c]];
            perChunk[c] = 0;
        }
        Map<Integer, Integer> lost = new TreeMap<>();
        byte[] head = new byte[9];
        for (Map.Entry<Integer, Plan> e : plans.entrySet()) {
            Plan p = e.getValue();
            for (int i = 0; i < p.size; i++) {
                int c = p.chunk[i];
                if (c >= 0) {
                    channelOf[c][perChunk[c]] = e.getKey();
                    offsetOf[c][perChunk[c]++] = p.offset[i];
                } else if (unchunkedLength(p.offset[i], head) < 0) {
                    lost.merge(e.getKey(), 1, Integer::sum);
                }
            }
        }
        byte[] records = new byte[0];
        for (int c = 0; c < chunks.size(); c++) {
            ChunkRef ref = chunks.get(c);
            byte[] loaded = chunkRecords(ref, records);
            boolean damaged = loaded == null;
            records = damaged ? records : loaded;
            for (int k = 0; k < channelOf[c].length; k++) {
                if (damaged || messageLength(ref, records, offsetOf[c][k]) < 0) {
                    lost.merge(channelOf[c][k], 1, Integer::sum);
                }
            }
        }
        return lost;
    }

    /**
     * Chunk {@code ref}'s records, decompressed into {@code buffer} or, where that is too small, into a new one the
     * caller keeps in its place; null where the chunk is damaged (noted, and passed over from then on) — the one load
     * the cursor and {@code --check} share.
     */
    private byte[] chunkRecords(ChunkRef ref, byte[] buffer) throws IOException {
        if (damage.has(ref.recordStart())) {
            return null;
        }
        try {
            checkSizes(ref);
            byte[] records = buffer.length < ref.uncompressedSize() ? new byte[(int) ref.uncompressedSize()] : buffer;
            decompress(ref, records);
            return records;
        } catch (DamagedPartException e) {
            damage.note(ref.recordStart(), e.getMessage());
            return null;
        }
    }

    /**
     * The length of the message record at {@code at} of chunk {@code ref}'s {@code records}; -1 where no whole message
     * record is there (noted as a damaged part).
     */
    private long messageLength(ChunkRef ref, byte[] records, long at) {
        long size = ref.uncompressedSize();
        long length = at >= 0 && at + 9 <= size && records[(int) at] == OP_MESSAGE ? LeBytes.u64(records, (int) at + 1)
                : -1;
        if (length < 22 || at + 9 + length > size) {
            damage.note(new MessagePlace(ref.recordStart(), at), "input " + file + ": a message index points at a "
                    + "damaged record (byte " + at + " of the chunk at byte " + ref.recordStart() + ")");
            return -1;
        }
        return length;
    }

    /**
     * The length of the message record at {@code offset} outside chunks, its head read into {@code head} (9 bytes);
     * -1 where no whole message record is there (noted as a damaged part).
     */
    private long unchunkedLength(long offset, byte[] head) throws IOException {
        if (offset >= 0 && offset + 9 <= fileSize) {
            readFully(ByteBuffer.wrap(head), offset);
            long length = head[0] == OP_MESSAGE ? LeBytes.u64(head, 1) : -1;
            if (length >= 22 && offset + 9 + length <= fileSize && length <= Integer.MAX_VALUE - 16) {
                return length;
            }
        }
        damage.note(offset, "input " + file + ": damaged message record at byte " + offset);
        return -1;
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
        boolean summarised;
        try {
            summarised = loadSummary();
        } catch (McapException | IllegalStateException e) {
            summarised = false; // a summary or indexes that do not read as they say: the scan finds what is there
        }
        if (!summarised) {
            schemas.clear();
            channels.clear();
            chunks.clear();
            plans.clear();
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
        if (summaryStart < MAGIC.length || summaryStart >= footerAt) {
            return false;
        }
        byte[] summary = read(summaryStart, (int) (footerAt - summaryStart));
        long summaryCrc = LeBytes.u32(tail, 9 + 16);
        if (summaryCrc != 0) {
            // the summary and the footer up to its CRC field, as the writer checksummed them: damaged, it is not used
            crc32.reset();
            crc32.update(summary);
            crc32.update(tail, 0, 9 + 16);
            if (crc32.getValue() != summaryCrc) {
                return false;
            }
        }
        Map<Integer, Schema> s = new TreeMap<>();
        Map<Integer, Channel> c = new TreeMap<>();
        List<long[]> chunkIndexes = new ArrayList<>();
        List<Map<Integer, Long>> indexOffsets = new ArrayList<>();
        List<Compression> compressions = new ArrayList<>();
        long statisticsMessages = -1;
        int at = 0;
        while (at + 9 <= summary.length) {
            int op = summary[at] & 0xff;
            long len = LeBytes.u64(summary, at + 1);
            if (len < 0 || at + 9 + len > summary.length) {
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
            indexedMessages += indexChunk(chunkIndexes.get(i), compressions.get(i), indexOffsets.get(i));
        }
        if (statisticsMessages > indexedMessages) {
            return false; // messages outside chunks, which the chunk indexes do not list: scan instead
        }
        indexed = true;
        return true;
    }

    /**
     * One chunk index: the chunk's record (checked to be one) and its message indexes, into the plans.
     *
     * @return the messages it lists
     * @throws McapException where an offset does not point at the record it names
     */
    private long indexChunk(long[] ci, Compression compression, Map<Integer, Long> indexOffsets) throws IOException {
        long chunkOffset = ci[2];
        if (chunkOffset < 0 || ci[3] < 9 || chunkOffset + ci[3] > fileSize) {
            throw new McapException("chunk index outside the file");
        }
        byte[] head = read(chunkOffset, (int) Math.min(ci[3], 9 + 28 + 4 + 64));
        if (head[0] != OP_CHUNK) {
            throw new McapException("chunk index points at byte " + chunkOffset + ", which is not a chunk");
        }
        Fields cf = new Fields(head, 9, head.length - 9);
        cf.u64();
        cf.u64();
        cf.u64();
        long crc = cf.u32();
        cf.string();
        cf.u64();
        chunks.add(new ChunkRef(chunkOffset, chunkOffset + cf.at, ci[4], ci[5], compression, crc));
        long listed = 0;
        for (Map.Entry<Integer, Long> e : indexOffsets.entrySet()) {
            if (e.getValue() < 0 || e.getValue() + 9 > fileSize) {
                throw new McapException("message index outside the file");
            }
            byte[] mh = read(e.getValue(), 9);
            long length = LeBytes.u64(mh, 1);
            if (mh[0] != OP_MESSAGE_INDEX || length < 0 || e.getValue() + 9 + length > fileSize) {
                throw new McapException("message index offset " + e.getValue() + " does not point at a message index");
            }
            Fields mi = new Fields(read(e.getValue() + 9, (int) length));
            int channelId = mi.u16();
            long bytes = mi.u32();
            Plan plan = plans.computeIfAbsent(channelId, k -> new Plan());
            for (long k = 0; k < bytes / 16; k++) {
                plan.add(mi.u64(), chunks.size() - 1, mi.u64());
                listed++;
            }
        }
        return listed;
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
        f.u64(); // message start and end time
        f.u64();
        long uncompressed = f.u64();
        long crc = f.u32();
        String compressionId;
        try {
            compressionId = f.string();
        } catch (IllegalStateException e) {
            damage.note(recordStart, "input " + file + ": damaged chunk at byte " + recordStart + " (its compression"
                    + " field runs past its record)");
            return;
        }
        Compression compression = Compression.of(compressionId);
        if (compression == null) {
            throw new McapException("input " + file + ": chunk at byte " + recordStart + " is compressed with '"
                    + compressionId + "', which this reader does not support (zstd, lz4 or none)");
        }
        long compressedSize = f.u64();
        ChunkRef ref = new ChunkRef(recordStart, content + f.at, compressedSize, uncompressed, compression, crc);
        byte[] records;
        try {
            if (ref.recordsOffset() + compressedSize > content + len || compressedSize < 0) {
                throw new DamagedPartException("input " + file + ": damaged chunk at byte " + recordStart + " (its "
                        + compressedSize + " bytes run past its record)", true);
            }
            checkSizes(ref);
            records = decompress(ref, new byte[(int) uncompressed]);
        } catch (DamagedPartException e) {
            damage.note(recordStart, e.getMessage()); // its messages are not known: the scan goes on past it
            return;
        }
        chunks.add(ref);
        int at = 0;
        while (at + 9 <= uncompressed) {
            int op = records[at] & 0xff;
            long rl = LeBytes.u64(records, at + 1);
            if (rl < 0 || at + 9 + rl > uncompressed) {
                damage.note(recordStart, "input " + file + ": damaged chunk at byte " + recordStart
                        + " (a record runs past its end; the messages before it kept)");
                return;
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

    /**
     * The sizes a chunk states, checked against what its bytes can hold before a buffer is made for them.
     *
     * @throws DamagedPartException where they cannot be true
     */
    private void checkSizes(ChunkRef ref) throws IOException {
        long n = ref.uncompressedSize();
        long stored = ref.compressedSize();
        String why = null;
        if (n < 0 || stored < 0 || n > Integer.MAX_VALUE - 16 || stored > Integer.MAX_VALUE - 16) {
            why = n > Integer.MAX_VALUE - 16 ? "states " + n + " bytes, over the 2 GiB a chunk may hold here"
                    : "a negative size";
        } else if (ref.compression() == Compression.NONE && n != stored) {
            why = "stored, " + stored + " bytes, but states " + n;
        } else if (ref.compression() == Compression.LZ4 && n > 256 * stored + 1024) {
            why = "lz4, " + stored + " bytes, cannot hold the " + n + " it states";
        } else if (ref.compression() == Compression.ZSTD) {
            byte[] src = readCompressed(ref.recordsOffset(), (int) Math.min(stored, 18));
            long framed;
            try {
                framed = Zstd.getFrameContentSize(src, 0, (int) Math.min(stored, 18));
            } catch (RuntimeException e) { // zstd-jni throws where the bytes are no zstd frame's header
                framed = -2;
                why = "its records do not start with a zstd frame (" + e.getMessage() + ")";
            }
            if (framed >= 0 && framed != n) {
                why = "its zstd frame holds " + framed + " bytes, the chunk states " + n;
            }
        }
        if (why != null) {
            throw new DamagedPartException("input " + file + ": damaged chunk at byte " + ref.recordStart() + " ("
                    + why + ")", true);
        }
    }

    /**
     * A chunk's records, decompressed into {@code into} and checked against the chunk's CRC-32 where it states one.
     *
     * @throws DamagedPartException when they do not decompress to the stated size or fail the check
     */
    private byte[] decompress(ChunkRef ref, byte[] into) throws IOException {
        int n = (int) ref.uncompressedSize();
        switch (ref.compression()) {
            case NONE -> readFully(ByteBuffer.wrap(into, 0, n), ref.recordsOffset());
            case ZSTD -> {
                int length = (int) ref.compressedSize();
                byte[] src = readCompressed(ref.recordsOffset(), length);
                long got;
                try {
                    got = Zstd.decompressByteArray(into, 0, n, src, 0, length);
                } catch (RuntimeException e) { // zstd-jni throws for some damage, returns an error code for other
                    throw damaged(ref, e.getMessage());
                }
                if (Zstd.isError(got) || got != n) {
                    throw damaged(ref, Zstd.isError(got) ? Zstd.getErrorName(got) : got + " bytes, " + n + " stated");
                }
            }
            case LZ4 -> {
                int length = (int) ref.compressedSize();
                byte[] src = readCompressed(ref.recordsOffset(), length);
                int got;
                try {
                    got = Lz4Frames.decompress(src, 0, length, into, n);
                } catch (IllegalArgumentException e) {
                    throw damaged(ref, e.getMessage());
                }
                if (got != n) {
                    throw damaged(ref, got + " bytes, " + n + " stated");
                }
            }
        }
        if (ref.crc() != 0) {
            crc32.reset();
            crc32.update(into, 0, n);
            if (crc32.getValue() != ref.crc()) {
                throw damaged(ref, "its records fail their CRC-32: " + String.format("%08x", crc32.getValue())
                        + " read, " + String.format("%08x", ref.crc()) + " stated");
            }
        }
        return into;
    }

    private DamagedPartException damaged(ChunkRef ref, String why) {
        return new DamagedPartException("input " + file + ": damaged " + ref.compression().name()
                .toLowerCase(java.util.Locale.ROOT) + " chunk at byte " + ref.recordStart() + " (" + why + ")", true);
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
        private int skipped;
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

        /** @return messages skipped because their chunk or record is damaged ({@link #damage()}) */
        @Override
        public int skipped() {
            return skipped;
        }

        /** Moves to the next message, past damaged ones (counted in {@link #skipped()}); false at the end. */
        public boolean next() throws IOException {
            while (index + 1 < plan.size) {
                index++;
                if (read(plan.chunk[index], plan.offset[index])) {
                    return true;
                }
                skipped++;
            }
            index = plan.size;
            return false;
        }

        /** Reads the message at {@code offset} of chunk {@code c} (-1: outside chunks); false when it is damaged. */
        private boolean read(int c, long offset) throws IOException {
            byte[] src;
            int at;
            long length;
            if (c >= 0) {
                ChunkRef ref = chunks.get(c);
                if (c != loadedChunk) {
                    loadedChunk = -1; // the buffer may be half overwritten by a chunk that turns out damaged
                    byte[] loaded = chunkRecords(ref, chunkBytes);
                    if (loaded == null) {
                        return false;
                    }
                    chunkBytes = loaded;
                    loadedChunk = c;
                }
                src = chunkBytes;
                length = messageLength(ref, src, offset);
                if (length < 0) {
                    return false;
                }
                at = (int) offset + 9;
            } else {
                length = unchunkedLength(offset, head);
                if (length < 0) {
                    return false;
                }
                if (single.length < length) {
                    single = new byte[(int) length];
                }
                readFully(ByteBuffer.wrap(single, 0, (int) length), offset + 9);
                src = single;
                at = 0;
            }
            sequence = LeBytes.u32(src, at + 2);
            logTime = LeBytes.u64(src, at + 6);
            publishTime = LeBytes.u64(src, at + 14);
            payloadArray = src;
            payloadOffset = at + 22;
            payloadLength = (int) length - 22;
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
            if (n < 0 || at + n > end) {
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
