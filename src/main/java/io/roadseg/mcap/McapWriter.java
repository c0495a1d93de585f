package io.roadseg.mcap;

import com.github.luben.zstd.Zstd;
import net.jpountz.lz4.LZ4FrameOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static io.roadseg.mcap.McapFormat.*;

/**
 * Writes an MCAP file (<a href="https://mcap.dev/spec">spec</a>): header, schemas and channels at the start of the
 * data section, messages in chunks (none, zstd or lz4) each followed by its message indexes, then a summary section
 * (schemas, channels, statistics, chunk indexes), summary offsets and the footer.
 *
 * <p><b>Crash safety.</b> Every chunk is written whole, with its message indexes, as soon as it fills, so a process
 * killed mid-run leaves a file that MCAP's streaming readers (and {@link McapReader}'s linear scan) read up to its
 * last complete chunk; {@link #close()} (also reached from Ctrl-C and SIGTERM through the pipeline) writes the
 * summary and footer.
 *
 * <p>Steady state is allocation-free apart from lz4's stream per chunk: the chunk and index buffers are reused.
 *
 * <p>Threading: one thread.
 */
public final class McapWriter implements AutoCloseable {
    /** Default uncompressed chunk size: a few frames of results, little lost if the process is killed. */
    public static final int DEFAULT_CHUNK_BYTES = 4 << 20;

    private final OutputStream out;
    private final Compression compression;
    private final int chunkBytes;
    private final int zstdLevel;
    private long position;
    private final LeBytes record = new LeBytes(1 << 10);
    private final LeBytes chunk;
    private byte[] compressed = new byte[0];
    private final CRC32 crc = new CRC32();

    private final LeBytes schemaRecords = new LeBytes(1 << 10);
    private final LeBytes channelRecords = new LeBytes(1 << 10);
    private final LeBytes chunkIndexRecords = new LeBytes(1 << 10);
    private int schemaCount;
    private final List<ChannelIndex> channels = new ArrayList<>();
    private long chunkStart = Long.MAX_VALUE;
    private long chunkEnd = Long.MIN_VALUE;
    private long messageCount;
    private long firstLogTime = Long.MAX_VALUE;
    private long lastLogTime = Long.MIN_VALUE;
    private int chunkCount;
    private boolean closed;

    /** Per channel: its message index entries in the open chunk (log time, offset), and its total count. */
    private static final class ChannelIndex {
        long[] entries = new long[64];
        int size;
        long total;
        int sequence;
    }

    /**
     * Writes the leading magic and the header.
     *
     * @param out         the file (or stream); owned and closed by this writer
     * @param profile     the header's profile ({@code ros2} for ROS 2 message encodings, {@code ""} otherwise)
     * @param library     the header's library string
     * @param compression chunk compression
     * @param chunkBytes  uncompressed size at which a chunk is closed
     */
    public McapWriter(OutputStream out, String profile, String library, Compression compression, int chunkBytes)
            throws IOException {
        this.out = out;
        this.compression = compression;
        this.chunkBytes = chunkBytes;
        this.zstdLevel = 1;
        this.chunk = new LeBytes(chunkBytes + (chunkBytes >> 2));
        writeRaw(MAGIC, 0, MAGIC.length);
        record.reset();
        record.string(profile).string(library);
        writeRecord(OP_HEADER, record);
    }

    /** Registers a schema (written at once into the data section); returns its id (1, 2, …). */
    public int addSchema(String name, String encoding, byte[] data) throws IOException {
        requireOpen();
        int id = ++schemaCount;
        record.reset();
        record.u16(id).string(name).string(encoding).bytes32(data);
        writeRecord(OP_SCHEMA, record);
        appendRecord(schemaRecords, OP_SCHEMA, record);
        return id;
    }

    /** Registers a channel (written at once into the data section); returns its id (0, 1, …). */
    public int addChannel(int schemaId, String topic, String messageEncoding, Map<String, String> metadata)
            throws IOException {
        requireOpen();
        int id = channels.size();
        channels.add(new ChannelIndex());
        record.reset();
        record.u16(id).u16(schemaId).string(topic).string(messageEncoding).map(metadata);
        writeRecord(OP_CHANNEL, record);
        appendRecord(channelRecords, OP_CHANNEL, record);
        return id;
    }

    /** Appends one message to the open chunk; closes the chunk when it has reached its size. */
    public void write(int channelId, long logTime, long publishTime, byte[] payload, int offset, int length)
            throws IOException {
        requireOpen();
        ChannelIndex channel = channels.get(channelId);
        int at = chunk.size;
        chunk.u8(OP_MESSAGE).u64(2 + 4 + 8 + 8 + length);
        chunk.u16(channelId).u32(channel.sequence++ & 0xffffffffL).u64(logTime).u64(publishTime);
        chunk.raw(payload, offset, length);
        if (channel.size * 2 + 2 > channel.entries.length) {
            channel.entries = Arrays.copyOf(channel.entries, channel.entries.length * 2);
        }
        channel.entries[channel.size * 2] = logTime;
        channel.entries[channel.size * 2 + 1] = at;
        channel.size++;
        channel.total++;
        messageCount++;
        chunkStart = Math.min(chunkStart, logTime);
        chunkEnd = Math.max(chunkEnd, logTime);
        firstLogTime = Math.min(firstLogTime, logTime);
        lastLogTime = Math.max(lastLogTime, logTime);
        if (chunk.size >= chunkBytes) {
            flushChunk();
        }
    }

    /** @return bytes written to the file so far (the open chunk not included) */
    public long bytesWritten() {
        return position;
    }

    public long messagesWritten() {
        return messageCount;
    }

    /** Writes the open chunk and its message indexes, if it holds any message. */
    public void flushChunk() throws IOException {
        if (chunk.size == 0) {
            return;
        }
        crc.reset();
        crc.update(chunk.data, 0, chunk.size);
        long uncompressedCrc = crc.getValue();
        byte[] body;
        int bodyLength;
        switch (compression) {
            case ZSTD -> {
                int bound = (int) Zstd.compressBound(chunk.size);
                if (compressed.length < bound) {
                    compressed = new byte[bound];
                }
                long n = Zstd.compressByteArray(compressed, 0, compressed.length, chunk.data, 0, chunk.size,
                        zstdLevel);
                if (Zstd.isError(n)) {
                    throw new IOException("zstd: " + Zstd.getErrorName(n));
                }
                body = compressed;
                bodyLength = (int) n;
            }
            case LZ4 -> {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream(chunk.size / 2 + 64);
                try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(bytes,
                        LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB)) {
                    lz4.write(chunk.data, 0, chunk.size);
                }
                body = bytes.toByteArray();
                bodyLength = body.length;
            }
            default -> {
                body = chunk.data;
                bodyLength = chunk.size;
            }
        }
        long chunkOffset = position;
        record.reset();
        record.u64(chunkStart).u64(chunkEnd).u64(chunk.size).u32(uncompressedCrc).string(compression.id())
                .u64(bodyLength);
        writeHeader(OP_CHUNK, record.size + bodyLength);
        writeRaw(record.data, 0, record.size);
        writeRaw(body, 0, bodyLength);
        long chunkLength = position - chunkOffset;

        // message indexes, one per channel with messages in this chunk; their offsets go into the chunk index
        long indexStart = position;
        Map<Integer, Long> indexOffsets = new LinkedHashMap<>();
        for (int c = 0; c < channels.size(); c++) {
            ChannelIndex ch = channels.get(c);
            if (ch.size == 0) {
                continue;
            }
            indexOffsets.put(c, position);
            record.reset();
            record.u16(c).u32(ch.size * 16L);
            for (int i = 0; i < ch.size; i++) {
                record.u64(ch.entries[2 * i]).u64(ch.entries[2 * i + 1]);
            }
            writeRecord(OP_MESSAGE_INDEX, record);
            ch.size = 0;
        }
        long indexLength = position - indexStart;

        record.reset();
        record.u64(chunkStart).u64(chunkEnd).u64(chunkOffset).u64(chunkLength);
        int mapAt = record.size;
        record.u32(0);
        for (Map.Entry<Integer, Long> e : indexOffsets.entrySet()) {
            record.u16(e.getKey()).u64(e.getValue());
        }
        record.putU32(mapAt, record.size - mapAt - 4);
        record.u64(indexLength).string(compression.id()).u64(bodyLength).u64(chunk.size);
        appendRecord(chunkIndexRecords, OP_CHUNK_INDEX, record);

        chunkCount++;
        chunk.reset();
        chunkStart = Long.MAX_VALUE;
        chunkEnd = Long.MIN_VALUE;
        out.flush();
    }

    /** Writes the last chunk, the data end, the summary, the summary offsets and the footer; closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flushChunk();
            record.reset();
            record.u32(0); // data section CRC not computed (0 = do not validate)
            writeRecord(OP_DATA_END, record);

            long summaryStart = position;
            crc.reset();
            long schemasAt = position;
            writeSummary(schemaRecords);
            long channelsAt = position;
            writeSummary(channelRecords);
            long statisticsAt = position;
            record.reset();
            record.u64(messageCount).u16(schemaCount).u32(channels.size()).u32(0).u32(0).u32(chunkCount)
                    .u64(messageCount == 0 ? 0 : firstLogTime).u64(messageCount == 0 ? 0 : lastLogTime);
            int mapAt = record.size;
            record.u32(0);
            for (int c = 0; c < channels.size(); c++) {
                record.u16(c).u64(channels.get(c).total);
            }
            record.putU32(mapAt, record.size - mapAt - 4);
            LeBytes statistics = new LeBytes(record.size + 9);
            appendRecord(statistics, OP_STATISTICS, record);
            writeSummary(statistics);
            long chunkIndexesAt = position;
            writeSummary(chunkIndexRecords);

            long summaryOffsetStart = position;
            LeBytes offsets = new LeBytes(128);
            summaryOffset(offsets, OP_SCHEMA, schemasAt, channelsAt);
            summaryOffset(offsets, OP_CHANNEL, channelsAt, statisticsAt);
            summaryOffset(offsets, OP_STATISTICS, statisticsAt, chunkIndexesAt);
            summaryOffset(offsets, OP_CHUNK_INDEX, chunkIndexesAt, summaryOffsetStart);
            writeSummary(offsets);

            record.reset();
            record.u8(OP_FOOTER).u64(FOOTER_CONTENT_BYTES).u64(summaryStart).u64(summaryOffsetStart);
            crc.update(record.data, 0, record.size);
            record.u32(crc.getValue());
            writeRaw(record.data, 0, record.size);
            writeRaw(MAGIC, 0, MAGIC.length);
            out.flush();
        } finally {
            out.close();
        }
    }

    private void summaryOffset(LeBytes into, int group, long start, long end) {
        if (end > start) {
            record.reset();
            record.u8(group).u64(start).u64(end - start);
            appendRecord(into, OP_SUMMARY_OFFSET, record);
        }
    }

    /** Writes summary-section bytes and adds them to the summary CRC. */
    private void writeSummary(LeBytes records) throws IOException {
        crc.update(records.data, 0, records.size);
        writeRaw(records.data, 0, records.size);
    }

    private static void appendRecord(LeBytes into, int opcode, LeBytes content) {
        into.u8(opcode).u64(content.size).raw(content.data, 0, content.size);
    }

    private void writeRecord(int opcode, LeBytes content) throws IOException {
        writeHeader(opcode, content.size);
        writeRaw(content.data, 0, content.size);
    }

    private final byte[] header = new byte[9];

    private void writeHeader(int opcode, long length) throws IOException {
        header[0] = (byte) opcode;
        for (int i = 0; i < 8; i++) {
            header[1 + i] = (byte) (length >>> (8 * i));
        }
        writeRaw(header, 0, 9);
    }

    private void writeRaw(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        position += len;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("MCAP writer closed");
        }
    }
}
