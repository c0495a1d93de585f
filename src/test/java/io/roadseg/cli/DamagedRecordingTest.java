package io.roadseg.cli;

import io.roadseg.NodeReference;
import io.roadseg.TestData;
import io.roadseg.ros.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A recording with one damaged chunk in the middle — bytes changed inside its records, so that it does not
 * decompress or fails its CRC-32 — replays every other chunk's frames, skips that chunk's, and ends saying which chunk
 * and how many of the camera's messages were in it, exit 1, outputs finished. Which chunk is damaged and what it held
 * is the official readers' verdict ({@code check-chunks.mjs}: {@code @mcap/core}'s stream reader with CRC checks on
 * each chunk alone; {@code @foxglove/rosbag}'s chunk reader for a ROS 1 bag), not this reader's.
 */
class DamagedRecordingTest {
    static final int FRAMES = 24;
    static final String TOPIC = "/camera/front/compressed";

    @TempDir
    static Path dir;
    static RecordingFixtures.Frames frames;
    static Path model;

    @BeforeAll
    static void frames() throws Exception {
        frames = RecordingFixtures.write(dir, FRAMES);
        model = TestData.smallModel(dir);
    }

    private static Path fixture(String name, String... args) throws Exception {
        return RecordingFixtures.fixture(frames, dir.resolve(name), 1_700_000_000_000_000_000L, 33_333_333L, args);
    }

    /** One chunk as the reference reader sees it: where its record starts, whether it reads, camera messages in it. */
    private record Chunk(long offset, boolean ok, int camera) {
    }

    private static List<Chunk> referenceChunks(Path file) throws Exception {
        Object doc = Json.parse(NodeReference.run("check-chunks.mjs", file.toString()));
        List<Chunk> chunks = new ArrayList<>();
        for (Object c : (List<?>) Json.at(doc, "chunks")) {
            Map<?, ?> m = (Map<?, ?>) c;
            Object n = ((Map<?, ?>) m.get("messages")).get(TOPIC);
            chunks.add(new Chunk(((Number) m.get("offset")).longValue(), (Boolean) m.get("ok"),
                    n == null ? 0 : ((Number) n).intValue()));
        }
        return chunks;
    }

    /** The middle chunk among those holding camera messages, not the first (which gives the source its size). */
    private static Chunk middle(List<Chunk> chunks) {
        List<Chunk> camera = chunks.stream().filter(c -> c.camera() > 0).toList();
        assertTrue(camera.size() >= 3, "the fixture spreads the frames over several chunks: " + chunks);
        return camera.get(camera.size() / 2);
    }

    private record Run(Cli.Outcome outcome, List<String> results) {
    }

    private static Run run(Path input, String name) throws Exception {
        Path results = dir.resolve(name + ".jsonl");
        Path video = dir.resolve(name + ".mp4");
        Cli.Outcome out = Cli.run("run", input.toString(), "--model", model.toString(), "--results",
                results.toString(), "--out", video.toString(), "-q");
        assertTrue(out.stderr().lines().noneMatch(l -> l.startsWith("\tat ")), out.stderr());
        assertTrue(Files.isRegularFile(video) && Files.size(video) > 0, "the video is finished: " + out.stderr());
        return new Run(out, Files.readAllLines(results));
    }

    /** What a frame's result says of its own picture (not latencies, nor trackers that follow the frames before). */
    private static String perception(String line) {
        return line.replaceAll(".*(\"stamp_ns\":\\d+).*(\"class_share\":\\{[^}]*}).*(\"confidence\":\\{[^}]*})"
                + ".*(\"nearest_ahead_m\":\\{[^}]*}).*", "$1 $2 $3 $4");
    }

    private static List<String> stamps(List<String> results) {
        return results.stream().map(l -> l.replaceAll(".*\"stamp_ns\":(\\d+).*", "$1")).toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"zstd", "lz4", "none"})
    void aDamagedChunkIsSkippedAndTheRestReplayed(String compression) throws Exception {
        Path good = fixture("good-" + compression + ".mcap", "--encoding", "ros2-compressed", "--compression",
                compression, "--index", "yes", "--chunk-size", "60000", "--camera-info", "400,400,240,180");
        List<Chunk> before = referenceChunks(good);
        assertTrue(before.stream().allMatch(Chunk::ok), before.toString());
        Chunk hit = middle(before);
        byte[] b = Files.readAllBytes(good);
        // bytes changed well inside the chunk's records (past its 9-byte record head and its fields)
        long at = hit.offset() + 9 + 40 + (chunkLength(b, hit.offset()) - 49) / 2;
        for (int k = 0; k < 4; k++) {
            b[(int) at + k * 7] ^= 0x5a;
        }
        Path damaged = dir.resolve("damaged-" + compression + ".mcap");
        Files.write(damaged, b);
        List<Chunk> after = referenceChunks(damaged);
        for (int i = 0; i < after.size(); i++) {
            assertEquals(after.get(i).offset() != hit.offset(), after.get(i).ok(),
                    "the reference finds the damaged chunk and only it: " + after);
        }

        // info --check reads every chunk: the same chunk, and each topic's messages in it, as the reference says
        Cli.Outcome check = Cli.run("info", damaged.toString(), "--check");
        assertEquals(1, check.exit(), check.stderr());
        assertTrue(check.stdout().contains("check: 1 damaged part, the first: input " + damaged + ": damaged "
                + compression + " chunk at byte " + hit.offset()), check.stdout());
        assertTrue(check.stdout().contains(TOPIC + " " + hit.camera() + " of " + FRAMES), check.stdout());
        Cli.Outcome undamaged = Cli.run("info", good.toString(), "--check");
        assertEquals(0, undamaged.exit(), undamaged.stderr());
        assertTrue(undamaged.stdout().contains("check: every message read, " + 2 * FRAMES + " on 2 topics; no damage"),
                undamaged.stdout());

        Run clean = run(good, "good-" + compression);
        assertEquals(0, clean.outcome().exit(), clean.outcome().stderr());
        assertEquals(FRAMES, clean.results().size());
        Run replay = run(damaged, "damaged-" + compression);
        String err = replay.outcome().stderr();
        assertEquals(1, replay.outcome().exit(), err);
        assertTrue(err.contains("chunk at byte " + hit.offset()), err);
        assertTrue(err.contains(hit.camera() + " of the " + FRAMES + " messages of " + TOPIC + " were in it and were"
                + " skipped, the other " + (FRAMES - hit.camera()) + " replayed"), err);
        assertEquals(1, err.strip().lines().filter(l -> l.startsWith("roadseg: ")).count(), err);
        // every other frame, as the undamaged file gives it
        List<String> expected = new ArrayList<>(stamps(clean.results()));
        List<String> got = stamps(replay.results());
        assertEquals(FRAMES - hit.camera(), got.size());
        int first = firstLost(before, hit);
        assertEquals(expected.subList(0, first), got.subList(0, first));
        assertEquals(expected.subList(first + hit.camera(), FRAMES), got.subList(first, got.size()));
        for (int i = 0; i < got.size(); i++) {
            int j = i < first ? i : i + hit.camera();
            assertEquals(perception(clean.results().get(j)), perception(replay.results().get(i)),
                    "frame " + j + " as undamaged");
        }
    }

    /** A file without an index is scanned: the damaged chunk is passed over, its frames not known but not replayed. */
    @Test
    void aScannedFileGoesOnPastADamagedChunk() throws Exception {
        Path good = fixture("scan.mcap", "--encoding", "ros2-compressed", "--compression", "zstd", "--index", "no",
                "--chunk-size", "60000");
        byte[] b = Files.readAllBytes(good);
        List<Long> chunks = mcapChunks(b);
        assertTrue(chunks.size() >= 3, chunks.toString());
        long hit = chunks.get(chunks.size() / 2);
        // the zstd frame's magic number, where the chunk's records start
        int records = (int) (hit + 9 + 8 + 8 + 8 + 4 + 4 + "zstd".length() + 8);
        assertEquals(0x28, b[records] & 0xff, "a zstd frame starts there");
        b[records] = 0;
        Path damaged = dir.resolve("scan-damaged.mcap");
        Files.write(damaged, b);
        Object doc = Json.parse(NodeReference.run("read-mcap.mjs", damaged.toString()));
        assertEquals("stream", Json.at(doc, "reader"));
        assertTrue(String.valueOf(Json.at(doc, "error")).toLowerCase().contains("zstd")
                || String.valueOf(Json.at(doc, "error")).toLowerCase().contains("decompress"),
                "the reference stops at it: " + Json.at(doc, "error"));

        Run replay = run(damaged, "scan-damaged");
        String err = replay.outcome().stderr();
        assertEquals(1, replay.outcome().exit(), err);
        assertTrue(err.contains("damaged zstd chunk at byte " + hit), err);
        assertTrue(err.contains("the file was read without its index, so what a damaged chunk held is not known"),
                err);
        int read = replay.results().size();
        assertTrue(read > FRAMES / 2 && read < FRAMES, read + " frames replayed");
    }

    /**
     * MCAP files with bytes changed at random anywhere — chunks, message indexes, the summary's chunk indexes, the
     * footer — in indexed and unindexed files: each replays what still reads or stops with one line naming the input;
     * no stack trace, no hang. A byte changed in the summary alone fails the footer's CRC-32: the file is scanned and
     * every frame replays.
     */
    @Test
    void mcapFilesDamagedAtRandomReplayWhatReadsOrAreOneLine() throws Exception {
        byte[] indexed = Files.readAllBytes(fixture("fuzz-indexed.mcap", "--encoding", "ros2-compressed",
                "--compression", "lz4", "--index", "yes", "--chunk-size", "60000", "--camera-info", "400,400,240,180"));
        byte[] scanned = Files.readAllBytes(fixture("fuzz-scanned.mcap", "--encoding", "ros2-compressed",
                "--compression", "zstd", "--index", "no", "--chunk-size", "60000"));
        int footerAt = indexed.length - 8 - (1 + 8 + 20);
        int summaryStart = (int) le(indexed).getLong(footerAt + 9);
        assertTrue(summaryStart > 0 && summaryStart < footerAt, "the fixture has a summary");
        java.util.Random random = new java.util.Random(11);
        int replayedAll = 0;
        int failed = 0;
        for (int round = 0; round < 24; round++) {
            byte[] b = (round % 3 == 2 ? scanned : indexed).clone();
            if (round % 3 == 0) { // one byte in the summary alone: it fails its CRC, the file is scanned, nothing lost
                b[summaryStart + random.nextInt(footerAt - summaryStart)] ^= (byte) (1 + random.nextInt(255));
            }
            for (int k = 0; k < (round % 3 == 0 ? 0 : 3); k++) {
                // half in the last 2 KB (summary, indexes, footer), half anywhere
                int at = random.nextBoolean() ? b.length - 1 - random.nextInt(Math.min(2048, b.length - 8))
                        : 8 + random.nextInt(b.length - 8);
                b[at] = (byte) random.nextInt(256);
            }
            Path damaged = dir.resolve("fuzz-" + round + ".mcap");
            Files.write(damaged, b);
            Path results = dir.resolve("fuzz-" + round + ".jsonl");
            Cli.Outcome run = Cli.run("run", damaged.toString(), "--model", model.toString(), "--results",
                    results.toString(), "-q");
            assertTrue(run.exit() == 0 || run.exit() == 1, run.stderr());
            assertTrue(run.stderr().lines().noneMatch(l -> l.startsWith("\tat ")), run.stderr());
            if (round % 3 == 0) {
                assertEquals(0, run.exit(), run.stderr());
                assertEquals(FRAMES, Files.readAllLines(results).size(), "every frame, the file scanned");
            }
            if (run.exit() == 1) {
                failed++;
                assertEquals(1, run.stderr().strip().lines().filter(l -> l.startsWith("roadseg: ")).count(),
                        run.stderr());
                assertTrue(run.stderr().contains("roadseg: input " + damaged), run.stderr());
            } else if (Files.readAllLines(results).size() == FRAMES) {
                replayedAll++;
            }
        }
        assertTrue(failed > 0, "some damage is found");
        assertTrue(replayedAll >= 8, "every frame replays where only the summary is damaged: " + replayedAll);
    }

    /** A ROS 1 bag's lz4 chunk that does not decompress: its messages skipped, the other chunks' replayed. */
    @Test
    void aBagsDamagedChunkIsSkipped() throws Exception {
        Path good = fixture("good.bag", "--ros1", "--encoding", "ros2-compressed", "--rosbag1",
                "--rosbag1-compression", "lz4", "--rosbag1-chunk-size", "60000");
        List<Chunk> before = referenceChunks(good);
        assertTrue(before.stream().allMatch(Chunk::ok), before.toString());
        Chunk hit = middle(before);
        byte[] b = Files.readAllBytes(good);
        int data = bagChunkData(b, (int) hit.offset());
        assertEquals(0x04, b[data] & 0xff, "an lz4 frame starts there");
        b[data] = 0;
        Path damaged = dir.resolve("damaged.bag");
        Files.write(damaged, b);
        List<Chunk> after = referenceChunks(damaged);
        for (Chunk c : after) {
            assertEquals(c.offset() != hit.offset(), c.ok(), "the reference finds the damaged chunk: " + after);
        }
        Cli.Outcome check = Cli.run("info", damaged.toString(), "--check");
        assertEquals(1, check.exit(), check.stderr());
        assertTrue(check.stdout().contains("lz4 chunk at byte " + hit.offset() + " does not decompress"),
                check.stdout());
        assertTrue(check.stdout().contains(TOPIC + " " + hit.camera() + " of " + FRAMES), check.stdout());
        Run replay = run(damaged, "damaged-bag");
        String err = replay.outcome().stderr();
        assertEquals(1, replay.outcome().exit(), err);
        assertTrue(err.contains("lz4 chunk at byte " + hit.offset() + " does not decompress"), err);
        assertTrue(err.contains(hit.camera() + " of the " + FRAMES + " messages of " + TOPIC + " were in it"), err);
        assertEquals(FRAMES - hit.camera(), replay.results().size());
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The length of the MCAP record at {@code offset}. */
    private static long chunkLength(byte[] b, long offset) {
        assertEquals(0x06, b[(int) offset], "a chunk record");
        return le(b).getLong((int) offset + 1);
    }

    /** Where each chunk record of an MCAP file starts, walking its records from the header on. */
    private static List<Long> mcapChunks(byte[] b) {
        List<Long> chunks = new ArrayList<>();
        long at = 8;
        while (at + 9 <= b.length) {
            int op = b[(int) at] & 0xff;
            long length = le(b).getLong((int) at + 1);
            if (op == 0x06) {
                chunks.add(at);
            }
            if (op == 0x0f || op == 0x02) { // data end, footer
                break;
            }
            at += 9 + length;
        }
        return chunks;
    }

    /** Where the data of the ROS 1 chunk record at {@code offset} starts: past its header and the data length. */
    private static int bagChunkData(byte[] b, int offset) {
        int header = le(b).getInt(offset);
        String fields = new String(b, offset + 4, header, StandardCharsets.ISO_8859_1);
        assertTrue(fields.contains("op=\u0005"), "a chunk record at " + offset);
        return offset + 4 + header + 4;
    }

    private static int firstLost(List<Chunk> chunks, Chunk hit) {
        int n = 0;
        for (Chunk c : chunks) {
            if (c.offset() == hit.offset()) {
                return n;
            }
            n += c.camera();
        }
        throw new AssertionError("no such chunk");
    }
}
