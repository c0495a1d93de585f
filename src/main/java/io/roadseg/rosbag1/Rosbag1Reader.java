package io.roadseg.rosbag1;

import io.roadseg.mcap.DamagedPartException;
import io.roadseg.mcap.IndexedRecording;
import io.roadseg.mcap.Lz4Frames;
import io.roadseg.mcap.Recording;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A ROS 1 bag — format 2.0 (<a href="http://wiki.ros.org/Bags/Format/2.0">wiki.ros.org/Bags/Format/2.0</a>), the
 * {@code .bag} files of {@code rosbag record} and of many public driving datasets — read as a {@link Recording}, so it
 * replays as an MCAP recording does: its messages are ROS 1's serialization, which the camera, CameraInfo,
 * {@code /tf_static} and odometry readers take as they take an MCAP file converted from a bag.
 *
 * <p>At open only the index is read: the bag header's pointer to the connection and chunk info records at the end,
 * and after each chunk its index data records (each message's connection, time and offset in the uncompressed chunk),
 * so nothing is decompressed. A channel's messages are then read in time order, each from its chunk, decompressed
 * (lz4, bz2, or stored) into one buffer the cursor keeps and reuses while its messages last. Connections of one topic
 * (one per publisher) are one channel.
 *
 * <p>A bag without its index — a recorder that was killed leaves its bag header's {@code index_pos} at 0 and no
 * connection or chunk info records at the end, and a file cut short loses them — is read as {@code rosbag reindex}
 * reads it: chunk by chunk from the start, each decompressed once at open for its connection and message data
 * records; a chunk cut short at the end, and what follows, are lost, and {@link #truncation()} says the bag was not
 * closed (a replay then ends with exit 1, as for an MCAP file cut short). A bag whose index does not read as it says
 * is read the same way, the index listed as a damaged part ({@link #damage()}).
 *
 * <p>Threading: one thread per instance.
 */
public final class Rosbag1Reader extends IndexedRecording {
    private static final byte[] MAGIC = "#ROSBAG V2.0\n".getBytes(StandardCharsets.US_ASCII);

    private final Path path;
    private final FileChannel file;
    /**
     * Each chunk: where its compressed data starts, its length, its uncompressed size, 0 stored, 1 lz4, 2 bz2, and
     * where its record starts (the position the bag's chunk infos give it, by which it is named).
     */
    private final List<long[]> chunks = new ArrayList<>();
    /** Why the bag has no usable index and where its scan stopped; null for a closed bag read through its index. */
    private String truncation;

    /** One record's header fields (name → value bytes) and where its data is. */
    private record Record(Map<String, byte[]> fields, long dataAt, int dataLength) {
        int op() {
            byte[] op = fields.get("op");
            return op == null || op.length != 1 ? -1 : op[0] & 0xff;
        }

        int int32(String name) throws IOException {
            byte[] v = fields.get(name);
            if (v == null || v.length < 4) {
                throw new IOException("a record without its '" + name + "' field");
            }
            return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }

        long int64(String name) throws IOException {
            byte[] v = fields.get(name);
            if (v == null || v.length < 8) {
                throw new IOException("a record without its '" + name + "' field");
            }
            return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }

        String text(String name) {
            byte[] v = fields.get(name);
            return v == null ? null : new String(v, StandardCharsets.UTF_8);
        }
    }

    private Rosbag1Reader(Path path) throws IOException {
        this.path = path;
        this.file = FileChannel.open(path, StandardOpenOption.READ);
        try {
            readIndex();
        } catch (IOException | RuntimeException e) {
            file.close();
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new IOException(m.startsWith("input ") ? m : "input " + path + ": " + m);
        }
        sortMessages();
    }

    /** Opens a ROS 1 bag. */
    public static Rosbag1Reader open(Path path) throws IOException {
        return new Rosbag1Reader(path);
    }

    /** Whether {@code path} is a ROS 1 bag (format 2.0): a file that starts with its magic line. */
    public static boolean isBag(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (FileChannel f = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(MAGIC.length);
            f.read(b, 0);
            return Arrays.equals(b.array(), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    private void readIndex() throws IOException {
        long size = file.size();
        Record header = record(MAGIC.length);
        if (header.op() != 0x03) {
            throw new IOException("not a ROS 1 bag (no bag header record)");
        }
        long indexPos = header.int64("index_pos");
        Map<Integer, Integer> channelOf = new HashMap<>();
        Map<String, Integer> byTopic = new HashMap<>();
        long from = header.dataAt() + header.dataLength();
        if (indexPos <= 0 || indexPos >= size) {
            scan(from, size, indexPos <= 0 ? "the recorder did not close it: no index" : "its index at byte "
                    + indexPos + " is past the file's end", channelOf, byTopic);
            return;
        }
        try {
            readIndex(indexPos, size, channelOf, byTopic);
        } catch (UnsupportedChunksException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // an index that does not read as it says: the chunks themselves, as rosbag reindex would (a damaged part,
            // not a bag cut short: every chunk is there)
            clearChannels();
            chunks.clear();
            channelOf.clear();
            byTopic.clear();
            damage.note(-1L, "input " + path + ": its index is damaged (" + (e.getMessage() == null ? e
                    : e.getMessage()) + "); its chunks were read from the start instead");
            scan(from, size, null, channelOf, byTopic);
        }
    }

    /** Chunks compressed with what roadseg does not read: the bag cannot be replayed, index or not. */
    private static final class UnsupportedChunksException extends IOException {
        UnsupportedChunksException(String message) {
            super(message);
        }
    }

    /** The bag's index from {@code indexPos}: its connections, its chunks, and each chunk's index data records. */
    private void readIndex(long indexPos, long size, Map<Integer, Integer> channelOf, Map<String, Integer> byTopic)
            throws IOException {
        List<Long> chunkPositions = new ArrayList<>();
        long at = indexPos;
        while (at < size) {
            Record r = record(at);
            if (r.op() == 0x07) {
                connection(r, channelOf, byTopic);
            } else if (r.op() == 0x06) {
                chunkPositions.add(r.int64("chunk_pos"));
            }
            at = r.dataAt() + r.dataLength();
        }
        for (long chunkPos : chunkPositions) {
            Record chunk = record(chunkPos);
            if (chunk.op() != 0x05) {
                throw new IOException("no chunk at " + chunkPos + " where the index says one is (damaged bag)");
            }
            int index = chunks.size();
            chunks.add(chunkOf(chunk, chunkPos));
            // the chunk's index data records follow it: one per connection with messages in it
            long p = chunk.dataAt() + chunk.dataLength();
            while (p < size) {
                Record r = record(p);
                if (r.op() != 0x04) {
                    break;
                }
                Integer channel = channelOf.get(r.int32("conn"));
                int count = r.int32("count");
                if (r.dataLength() < 12L * count) {
                    throw new IOException("an index data record shorter than its " + count + " entries");
                }
                ByteBuffer entries = read(r.dataAt(), 12 * count);
                for (int k = 0; k < count && channel != null; k++) {
                    long sec = entries.getInt(12 * k) & 0xffffffffL;
                    long nsec = entries.getInt(12 * k + 4) & 0xffffffffL;
                    messagesOf(channel).add(sec * 1_000_000_000L + nsec, index, entries.getInt(12 * k + 8), 0);
                }
                p = r.dataAt() + r.dataLength();
            }
        }
    }

    /**
     * A bag without its index, read as {@code rosbag reindex} does: every record from {@code from} on, each chunk
     * decompressed for the connection and message data records in it, until the file ends or a record runs past it.
     */
    private void scan(long from, long size, String why, Map<Integer, Integer> channelOf,
                      Map<String, Integer> byTopic) throws IOException {
        scanned = true;
        ChunkBuffers buffers = new ChunkBuffers(); // let go after the scan
        long at = from;
        while (at < size) {
            Record r;
            try {
                r = record(at);
            } catch (IOException e) {
                truncation = (why == null ? "" : why + "; ") + "it ends inside a record at byte " + at + " of " + size;
                return;
            }
            if (r.op() == 0x07) {
                connection(r.int32("conn"), r.text("topic"), read(r.dataAt(), r.dataLength()), r.dataLength(),
                        channelOf, byTopic);
            } else if (r.op() == 0x05) {
                scanChunk(r, at, buffers, channelOf, byTopic);
            }
            at = r.dataAt() + r.dataLength();
        }
        truncation = why == null ? null : why + "; its chunks were read from the start";
    }

    /**
     * A chunk record as {@link #chunks} keeps it.
     *
     * @throws IOException for a compression roadseg does not read, with what to do
     */
    private static long[] chunkOf(Record chunk, long chunkPos) throws IOException {
        String compression = chunk.text("compression");
        int kind = List.of("none", "lz4", "bz2").indexOf(compression);
        if (kind < 0) {
            throw new UnsupportedChunksException("chunks compressed with " + compression + " (roadseg reads bz2, lz4 "
                    + "and uncompressed bags): 'rosbag decompress' it");
        }
        return new long[] {chunk.dataAt(), chunk.dataLength(), chunk.int32("size"), kind, chunkPos};
    }

    /** One chunk of a bag read without its index: its connections and where each of its messages is. */
    private void scanChunk(Record chunk, long chunkPos, ChunkBuffers buffers, Map<Integer, Integer> channelOf,
                           Map<String, Integer> byTopic) throws IOException {
        int index = chunks.size();
        long[] c = chunkOf(chunk, chunkPos);
        chunks.add(c);
        ByteBuffer data;
        try {
            decompress(c, buffers);
            data = buffers.view;
        } catch (DamagedPartException e) {
            damage.note(chunkPos, e.getMessage()); // its messages are not known: the scan goes on past it
            return;
        }
        int size = (int) c[2];
        int p = 0;
        while (p + 8 <= size) {
            int headerLength = data.getInt(p);
            long dataAt = p + 4L + headerLength + 4;
            if (headerLength < 0 || dataAt > size) {
                break;
            }
            Map<String, byte[]> fields = fields(data.slice(p + 4, headerLength).order(ByteOrder.LITTLE_ENDIAN),
                    headerLength);
            int dataLength = data.getInt(p + 4 + headerLength);
            if (dataLength < 0 || dataAt + dataLength > size) {
                damage.note(chunkPos, "input " + path + ": the chunk at byte " + chunkPos + " holds a record that "
                        + "runs past its end (the messages before it kept)");
                return;
            }
            Record r = new Record(fields, dataAt, dataLength);
            if (r.op() == 0x07) {
                connection(r.int32("conn"), r.text("topic"), data.slice((int) dataAt, dataLength)
                        .order(ByteOrder.LITTLE_ENDIAN), dataLength, channelOf, byTopic);
            } else if (r.op() == 0x02) {
                Integer channel = channelOf.get(r.int32("conn"));
                byte[] t = fields.get("time");
                if (channel != null && t != null && t.length == 8) {
                    ByteBuffer time = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
                    long sec = time.getInt(0) & 0xffffffffL;
                    long nsec = time.getInt(4) & 0xffffffffL;
                    messagesOf(channel).add(sec * 1_000_000_000L + nsec, index, p, 0);
                }
            }
            p = (int) (dataAt + dataLength);
        }
    }

    /** A connection record: its topic is a channel (the first connection of a topic names it). */
    private void connection(Record r, Map<Integer, Integer> channelOf, Map<String, Integer> byTopic)
            throws IOException {
        connection(r.int32("conn"), r.text("topic"), read(r.dataAt(), r.dataLength()), r.dataLength(), channelOf,
                byTopic);
    }

    /** A connection (its id, topic, and its connection header's fields in {@code data}) as a channel. */
    private void connection(int conn, String topic, ByteBuffer data, int length, Map<Integer, Integer> channelOf,
                            Map<String, Integer> byTopic) throws IOException {
        if (channelOf.containsKey(conn)) {
            return; // met again (each chunk repeats its connections, and the index lists them all)
        }
        Map<String, byte[]> header = fields(data, length);
        String type = header.get("type") == null ? "" : new String(header.get("type"), StandardCharsets.UTF_8);
        byte[] definition = header.getOrDefault("message_definition", new byte[0]);
        Integer channel = byTopic.get(topic);
        if (channel == null) {
            channel = conn;
            byTopic.put(topic, channel);
            addChannel(channel, topic, "ros1", type, "ros1msg", definition);
        }
        channelOf.put(conn, channel);
    }

    /** The record at {@code at}: its header's fields, where its data is. */
    private Record record(long at) throws IOException {
        ByteBuffer len = read(at, 4);
        int headerLength = len.getInt(0);
        if (headerLength < 0 || at + 4 + headerLength + 4 > file.size()) {
            throw new IOException("a record at " + at + " runs past the end of the file (damaged or cut short)");
        }
        ByteBuffer h = read(at + 4, headerLength + 4);
        Map<String, byte[]> fields = fields(h, headerLength);
        int dataLength = h.getInt(headerLength);
        long dataAt = at + 4 + headerLength + 4;
        if (dataLength < 0 || dataAt + dataLength > file.size()) {
            throw new IOException("a record at " + at + " runs past the end of the file (damaged or cut short)");
        }
        return new Record(fields, dataAt, dataLength);
    }

    /** {@code name=value} fields, each after its little-endian length. */
    private static Map<String, byte[]> fields(ByteBuffer b, int length) throws IOException {
        Map<String, byte[]> out = new HashMap<>();
        int p = 0;
        while (p + 4 <= length) {
            int n = b.getInt(p);
            if (n < 0 || p + 4 + n > length) {
                throw new IOException("a record header field runs past its header (damaged bag)");
            }
            int eq = -1;
            for (int i = 0; i < n; i++) {
                if (b.get(p + 4 + i) == '=') {
                    eq = i;
                    break;
                }
            }
            if (eq < 0) {
                throw new IOException("a record header field without '=' (damaged bag)");
            }
            byte[] name = new byte[eq];
            b.get(p + 4, name);
            byte[] value = new byte[n - eq - 1];
            b.get(p + 4 + eq + 1, value);
            out.put(new String(name, StandardCharsets.US_ASCII), value);
            p += 4 + n;
        }
        return out;
    }

    private ByteBuffer read(long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        readFully(b, at);
        return b;
    }

    private void readFully(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            if (file.read(b, at + b.position()) < 0) {
                throw new IOException("input " + path + ": cut short at " + (at + b.position()));
            }
        }
    }

    @Override
    public Path file() {
        return path;
    }

    @Override
    public String profile() {
        return "ros1";
    }

    @Override
    public String library() {
        return "rosbag (format 2.0)";
    }

    /** Whether the messages were found through the bag's index (else its chunks were scanned). */
    @Override
    public boolean indexed() {
        return !scanned;
    }

    private boolean scanned;

    @Override
    public String truncation() {
        return truncation;
    }

    /**
     * Every chunk decompressed once, whatever the number of topics in it (where reading each topic's messages would
     * decompress a chunk once per topic), and every message record located in it.
     */
    @Override
    public Map<Integer, Integer> checkEveryMessage() throws IOException {
        Map<Integer, List<int[]>> byChunk = new HashMap<>(); // chunk -> (channel, offset) of each message in it
        for (int channel : channels().keySet()) {
            Messages m = messagesOf(channel);
            for (int i = 0; i < m.n; i++) {
                byChunk.computeIfAbsent(m.a[i], k -> new ArrayList<>()).add(new int[] {channel, m.b[i]});
            }
        }
        Map<Integer, Integer> lost = new java.util.TreeMap<>();
        ChunkBuffers buffers = new ChunkBuffers();
        for (Map.Entry<Integer, List<int[]>> e : new java.util.TreeMap<>(byChunk).entrySet()) {
            long[] c = chunks.get(e.getKey());
            boolean damaged = damage.has(c[4]);
            if (!damaged) {
                try {
                    decompress(c, buffers);
                } catch (DamagedPartException d) {
                    damage.note(c[4], d.getMessage());
                    damaged = true;
                }
            }
            for (int[] message : e.getValue()) {
                if (damaged || payloadAt(buffers.view, message[1], c[2]) < 0) {
                    if (!damaged) {
                        damage.note(List.of(c[4], (long) message[1]), damagedMessage(message[1], c).getMessage());
                    }
                    lost.merge(message[0], 1, Integer::sum);
                }
            }
        }
        return lost;
    }

    @Override
    public Recording.Cursor messages(int channelId) {
        return new Cursor(messagesOf(channelId));
    }

    /**
     * Where the data of the message record at {@code at} of an uncompressed chunk of {@code size} bytes starts (its
     * length the 4 bytes before); -1 where no whole record is there.
     */
    private static int payloadAt(ByteBuffer chunk, int at, long size) {
        if (at < 0 || at + 8 > size) {
            return -1;
        }
        int headerLength = chunk.getInt(at);
        long dataAt = at + 4L + headerLength + 4;
        if (headerLength < 0 || dataAt > size) {
            return -1;
        }
        int length = chunk.getInt((int) dataAt - 4);
        return length >= 0 && dataAt + length <= size ? (int) dataAt : -1;
    }

    private DamagedPartException damagedMessage(int at, long[] chunk) {
        return new DamagedPartException("input " + path + ": a damaged message record at byte " + at + " of the chunk "
                + "at byte " + chunk[4] + " (it runs past its chunk, or the index points beside it)", false);
    }

    /** A chunk's bytes as stored and uncompressed, in buffers that grow to the largest chunk met, once. */
    private static final class ChunkBuffers {
        byte[] compressed = new byte[0];
        ByteBuffer compressedIn = ByteBuffer.wrap(compressed);
        byte[] chunk = new byte[0];
        ByteBuffer view = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Chunk {@code c} uncompressed into {@code b.chunk} ({@code b.view} over it).
     *
     * @throws DamagedPartException where its stated size cannot be true or it does not decompress to it
     */
    private void decompress(long[] c, ChunkBuffers b) throws IOException {
        int stored = (int) c[1];
        int size = (int) c[2];
        if (size < 0 || size > Integer.MAX_VALUE - 16 || c[3] == 0 && size != stored
                || c[3] == 1 && size > 256L * stored + 1024) {
            throw new DamagedPartException("input " + path + ": the chunk at byte " + c[4] + " states " + size
                    + " bytes, which its " + stored + (c[3] == 0 ? " stored" : " compressed") + " bytes cannot"
                    + " hold", true);
        }
        if (b.chunk.length < size) {
            b.chunk = new byte[Math.max(size, 2 * b.chunk.length)];
            b.view = ByteBuffer.wrap(b.chunk).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (c[3] == 0) {
            b.view.clear().limit(stored);
            readFully(b.view, c[0]);
            b.view.clear();
            return;
        }
        if (b.compressed.length < stored) {
            b.compressed = new byte[Math.max(stored, 2 * b.compressed.length)];
            b.compressedIn = ByteBuffer.wrap(b.compressed);
        }
        b.compressedIn.clear().limit(stored);
        readFully(b.compressedIn, c[0]);
        int got;
        try {
            got = c[3] == 1 ? Lz4Frames.decompress(b.compressed, 0, stored, b.chunk, size) : bz2(b, stored, size);
        } catch (IllegalArgumentException | IOException e) {
            throw new DamagedPartException("input " + path + ": " + (c[3] == 1 ? "the lz4" : "the bz2")
                    + " chunk at byte " + c[4] + " does not decompress (" + e.getMessage() + ")", true);
        }
        if (got != size) {
            throw new DamagedPartException("input " + path + ": the chunk at byte " + c[4] + " decompresses"
                    + " to " + got + " bytes, not " + size, true);
        }
    }

    /**
     * A bz2 chunk ({@code rosbag record -j}) decompressed into the chunk buffer. The decoder and its block tables
     * are made for each chunk (commons-compress has no reusable one): bz2 bags cost that allocation per chunk.
     */
    private static int bz2(ChunkBuffers b, int stored, int size) throws IOException {
        try (BZip2CompressorInputStream in = new BZip2CompressorInputStream(
                new ByteArrayInputStream(b.compressed, 0, stored))) {
            return in.readNBytes(b.chunk, 0, size);
        }
    }

    /** One channel's messages in time order, each read from its chunk, which stays loaded while its messages last. */
    private final class Cursor extends IndexedCursor {
        private int loaded = -1;
        private final ChunkBuffers buffers = new ChunkBuffers();
        private int payloadAt;
        private int payloadLength;

        Cursor(Messages m) {
            super(m);
        }

        @Override
        protected long chunkOf(int index) {
            return chunks.get(m.a[index])[4];
        }

        @Override
        protected void read(int index) throws IOException {
            if (loaded != m.a[index]) {
                loaded = -1;
                decompress(chunks.get(m.a[index]), buffers);
                loaded = m.a[index];
            }
            int at = m.b[index];
            long[] c = chunks.get(loaded);
            payloadAt = payloadAt(buffers.view, at, c[2]);
            if (payloadAt < 0) {
                throw damagedMessage(at, c);
            }
            payloadLength = buffers.view.getInt(payloadAt - 4);
        }

        @Override
        public byte[] payloadArray() {
            return buffers.chunk;
        }

        @Override
        public int payloadOffset() {
            return payloadAt;
        }

        @Override
        public int payloadLength() {
            return payloadLength;
        }
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
