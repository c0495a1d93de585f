package io.roadseg.mcap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The project's own MCAP writer and reader against each other and against damaged files. */
class McapFormatTest {
    @TempDir
    Path dir;

    /** Payload of message i of channel c: recognisable, of varying length, partly incompressible. */
    private static byte[] payload(int c, int i) {
        Random r = new Random(31L * c + i);
        byte[] b = new byte[1000 + (i * 997) % 5000];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) (k < b.length / 2 ? r.nextInt() : k * c);
        }
        b[0] = (byte) c;
        b[1] = (byte) i;
        return b;
    }

    /** Two channels, 200 messages each, interleaved; channel 1's log times come out of order on purpose. */
    private byte[] write(Path file, McapFormat.Compression compression, int chunkBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (McapWriter w = new McapWriter(bytes, "ros2", "test", compression, chunkBytes)) {
            int s = w.addSchema("pkg/msg/A", "ros2msg", "int32 a\n".getBytes(StandardCharsets.UTF_8));
            int a = w.addChannel(s, "/a", "cdr", Map.of("k", "v"));
            int b = w.addChannel(s, "/b", "cdr", Map.of());
            for (int i = 0; i < 200; i++) {
                byte[] pa = payload(0, i);
                w.write(a, 1_000_000_000L + i * 1000L, 7, pa, 0, pa.length);
                byte[] pb = payload(1, i);
                long t = 1_000_000_000L + (i ^ 1) * 1000L; // pairs swapped
                w.write(b, t, 8, pb, 0, pb.length);
            }
        }
        Files.write(file, bytes.toByteArray());
        return bytes.toByteArray();
    }

    private static void assertChannelA(McapReader r, int expected) throws IOException {
        McapReader.Channel a = r.channels().values().stream().filter(c -> c.topic().equals("/a")).findFirst()
                .orElseThrow();
        assertEquals("v", a.metadata().get("k"));
        assertEquals("pkg/msg/A", r.schemaOf(a).name());
        McapReader.Cursor cursor = r.messages(a.id());
        assertEquals(expected, cursor.size());
        int i = 0;
        while (cursor.next()) {
            byte[] want = payload(0, i);
            byte[] got = Arrays.copyOfRange(cursor.payloadArray(), cursor.payloadOffset(),
                    cursor.payloadOffset() + cursor.payloadLength());
            assertArrayEquals(want, got, "message " + i);
            assertEquals(1_000_000_000L + i * 1000L, cursor.logTime());
            assertEquals(7, cursor.publishTime());
            assertEquals(i, cursor.sequence());
            i++;
        }
        assertEquals(expected, i);
    }

    @ParameterizedTest
    @EnumSource(McapFormat.Compression.class)
    void writtenFilesReadBackThroughTheirIndex(McapFormat.Compression compression) throws IOException {
        Path file = dir.resolve("a.mcap");
        write(file, compression, 64 << 10);
        try (McapReader r = McapReader.open(file)) {
            assertTrue(r.indexed());
            assertNull(r.truncation());
            assertEquals("ros2", r.profile());
            assertChannelA(r, 200);
            McapReader.Channel b = r.channels().get(1);
            McapReader.Cursor cursor = r.messages(b.id());
            long last = Long.MIN_VALUE;
            int n = 0;
            while (cursor.next()) {
                assertTrue(cursor.logTime() >= last, "log-time order");
                last = cursor.logTime();
                assertEquals(1, cursor.payloadArray()[cursor.payloadOffset()]);
                n++;
            }
            assertEquals(200, n);
        }
    }

    @Test
    void withoutTheSummaryTheDataSectionIsScanned() throws IOException {
        Path file = dir.resolve("a.mcap");
        byte[] whole = write(file, McapFormat.Compression.ZSTD, 64 << 10);
        // a file whose writer died after the data end: everything there, no summary or footer
        int dataEnd = indexOf(whole, McapFormat.OP_DATA_END);
        Files.write(file, Arrays.copyOf(whole, dataEnd + 9 + 4));
        try (McapReader r = McapReader.open(file)) {
            assertFalse(r.indexed());
            assertChannelA(r, 200);
        }
    }

    @Test
    void aFileCutMidChunkIsReadUpToItsLastCompleteChunk() throws IOException {
        Path file = dir.resolve("a.mcap");
        byte[] whole = write(file, McapFormat.Compression.LZ4, 64 << 10);
        int cut = whole.length / 2;
        Files.write(file, Arrays.copyOf(whole, cut));
        try (McapReader r = McapReader.open(file)) {
            assertFalse(r.indexed());
            assertNotNull(r.truncation());
            int n = r.messageCount(0);
            assertTrue(n > 20 && n < 200, n + " messages before the cut");
            assertChannelA(r, n);
        }
    }

    @Test
    void everyCutLeavesAReadableFileOrAClearError() throws IOException {
        Path file = dir.resolve("a.mcap");
        byte[] whole = write(file, McapFormat.Compression.NONE, 16 << 10);
        int previous = 0;
        for (int cut = 0; cut < whole.length; cut += 977) {
            Files.write(file, Arrays.copyOf(whole, cut));
            try (McapReader r = McapReader.open(file)) {
                int n = r.messageCount(0);
                assertTrue(n >= previous, "more file never means fewer messages");
                previous = n;
                assertChannelA(r, n);
            } catch (McapException e) {
                assertTrue(cut < 30, "cut at " + cut + ": " + e.getMessage());
                assertTrue(e.getMessage().startsWith("input " + file + ": "), e.getMessage());
            }
        }
    }

    @Test
    void notMcapIsRefusedInOneLine() throws IOException {
        Path file = dir.resolve("video.mcap");
        Files.write(file, "RIFF....AVI LIST".getBytes(StandardCharsets.US_ASCII));
        McapException e = assertThrows(McapException.class, () -> McapReader.open(file));
        assertEquals("input " + file + ": not an MCAP file (it does not start with MCAP's magic)", e.getMessage());
        assertFalse(McapReader.isMcap(file));
    }

    @Test
    void anUnknownChunkCompressionIsNamed() throws IOException {
        Path file = dir.resolve("a.mcap");
        byte[] whole = write(file, McapFormat.Compression.ZSTD, 64 << 10);
        byte[] bad = whole.clone();
        // rename every "zstd" compression string to "brot": chunk records and chunk indexes
        byte[] zstd = "zstd".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + 4 <= bad.length; i++) {
            if (Arrays.equals(bad, i, i + 4, zstd, 0, 4)) {
                System.arraycopy("brot".getBytes(StandardCharsets.US_ASCII), 0, bad, i, 4);
            }
        }
        Files.write(file, bad);
        McapException e = assertThrows(McapException.class, () -> McapReader.open(file));
        assertTrue(e.getMessage().contains("compress"), e.getMessage());
    }

    private static int indexOf(byte[] file, int opcode) {
        // walk the records from the header on
        int at = McapFormat.MAGIC.length;
        while (at < file.length) {
            int op = file[at] & 0xff;
            long len = LeBytes.u64(file, at + 1);
            if (op == opcode) {
                return at;
            }
            at += 9 + (int) len;
        }
        throw new AssertionError("no record 0x" + Integer.toHexString(opcode));
    }
}
