package io.roadseg.cli;

import io.roadseg.NodeReference;
import io.roadseg.ros.CameraInfoMessage;
import io.roadseg.ros.CameraMount;
import io.roadseg.ros.Json;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.McapSource;
import io.roadseg.source.SourceOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ROS bags replay as the same messages in an MCAP file do. ROS 1 bags (format 2.0, uncompressed, lz4 and bz2, in one
 * chunk or many), written by the fixture script and read back there by Foxglove's ROS 1 bag reader ({@code @foxglove/rosbag})
 * before roadseg reads them. ROS 2 bags in rosbag2's SQLite storage (the {@code .db3} files {@code ros2 bag record}
 * writes by default up to Humble): each bag and its MCAP twin written by one fixture script from the
 * same messages (the bag's tables as rosbag2_storage_sqlite3 lays them out, the file by SQLite itself through sql.js),
 * read frame by frame to the same pixels, times, calibration, mount and vehicle motion, and run to the same per-frame
 * results — with Humble's and Jazzy's schema, a bag split over several files, message- and file-mode zstd and small pages (large
 * messages over chains of overflow pages).
 */
class RosBagTest {
    static final int FRAMES = 8;
    static final long START = 1_700_000_000_123_000_000L;
    static final long PERIOD = 33_333_333L;
    private static final String TF = "base_footprint:base_link:0:0:0.3:0:0:0:1;base_link:camera_front:1.5:0:1.2:"
            + "0:0.0261769:0:0.9996573;camera_front:camera_front_optical:0:0:0:-0.5:0.5:-0.5:0.5";

    @TempDir
    static Path shared;
    static RecordingFixtures.Frames frames;

    @TempDir
    Path dir;

    @BeforeAll
    static void frames() throws Exception {
        NodeReference.assume();
        frames = RecordingFixtures.write(shared, FRAMES);
    }

    /** The fixture script's output for these arguments: an MCAP file, or with --rosbag2 a bag folder. */
    private Path fixture(String name, String... args) throws Exception {
        return RecordingFixtures.fixture(frames, dir.resolve(name), START, PERIOD, args);
    }

    /** A source's frames: pixels, header stamp, frame id, pts. */
    private record Frames(List<byte[]> pixels, List<Long> stamps, List<Long> pts, String frameId,
                          CameraInfoMessage camera, CameraMount mount, String codec) {
    }

    private static Frames read(Path recording) throws Exception {
        List<byte[]> pixels = new ArrayList<>();
        List<Long> stamps = new ArrayList<>();
        List<Long> pts = new ArrayList<>();
        try (FrameSource s = FrameSources.open(recording.toString(), SourceOptions.defaults())) {
            assertTrue(s instanceof McapSource, s.getClass().getName());
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            long t;
            while ((t = s.read(b)) != FrameSource.END_OF_STREAM) {
                byte[] a = new byte[s.info().frameBytes()];
                b.get(0, a);
                pixels.add(a);
                stamps.add(s.frameStampNanos());
                pts.add(t);
            }
            return new Frames(pixels, stamps, pts, s.frameId(), s.recordedCamera(), s.recordedMount(),
                    s.info().codec());
        }
    }

    private static void sameFrames(Frames mcap, Frames bag) {
        assertEquals(FRAMES, mcap.pixels().size());
        assertEquals(mcap.pixels().size(), bag.pixels().size(), "frames");
        for (int i = 0; i < FRAMES; i++) {
            assertTrue(Arrays.equals(mcap.pixels().get(i), bag.pixels().get(i)), "pixels of frame " + i);
        }
        assertEquals(mcap.stamps(), bag.stamps());
        assertEquals(START + 3 * PERIOD, bag.stamps().get(3));
        assertEquals(mcap.pts(), bag.pts());
        assertEquals(mcap.frameId(), bag.frameId());
    }

    /** The per-frame results of {@code run} on a recording, without the timings. */
    private List<Map<String, Object>> results(Path recording, String name) throws Exception {
        Path out = dir.resolve(name + ".jsonl");
        Cli.Outcome run = Cli.run("run", recording.toString(), "--results", out.toString(), "--path", "vehicle",
                "--threads", "1", "-q");
        assertEquals(0, run.exit(), run.stderr());
        List<Map<String, Object>> frames = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            Map<String, Object> f = Json.object(Json.parse(line));
            f.remove("latency_ms");
            f.remove("dropped_before");
            frames.add(f);
        }
        return frames;
    }

    /**
     * @param filler that many more small messages on another topic: with 512-byte pages, a messages table three
     *               pages deep (interior pages over interior pages)
     */
    @ParameterizedTest(name = "{0}, {1} file(s), zstd {2}, page {3}, {4}, filler {5}")
    @CsvSource({"humble,1,none,4096,ros2-image,0", "jazzy,3,none,4096,ros2-image,0",
            "humble,2,message,1024,ros2-image,0", "jazzy,1,message,4096,ros2-compressed,0",
            "humble,1,none,512,ros2-compressed,20000", "jazzy,2,file,4096,ros2-compressed,0"})
    void aBagReplaysAsItsMcapTwin(String distro, int splits, String zstd, int pageSize, String encoding, int filler)
            throws Exception {
        String[] common = {"--encoding", encoding, "--camera-info", "288,288,239.5,179.5,-0.1,0.02,0,0,0",
                "--motion", "odometry", "--speed", "10", "--yaw-step", "0.002", "--tf-static", TF,
                "--frame-id", "camera_front_optical"};
        Path mcap = fixture("twin.mcap", common);
        List<String> bagArgs = new ArrayList<>(List.of(common));
        bagArgs.addAll(List.of("--rosbag2", distro, "--rosbag2-splits", Integer.toString(splits),
                "--rosbag2-page-size", Integer.toString(pageSize), "--rosbag2-filler", Integer.toString(filler)));
        if (!zstd.equals("none")) {
            bagArgs.add(zstd.equals("file") ? "--rosbag2-file-zstd" : "--rosbag2-zstd");
        }
        Path bag = fixture("bag-" + distro, bagArgs.toArray(String[]::new));
        try (var files = Files.list(bag)) {
            assertEquals(splits, files.filter(p -> p.toString().endsWith(zstd.equals("file") ? ".db3.zstd" : ".db3"))
                    .count());
        }
        Frames m = read(mcap);
        Frames b = read(bag);
        sameFrames(m, b);
        assertTrue(b.codec().startsWith("rosbag2 /camera/front/compressed sensor_msgs/msg/"), b.codec());
        assertTrue(b.codec().contains("vehicle motion from /odom"), b.codec());
        assertNotNull(b.camera(), "the bag's CameraInfo");
        assertEquals(m.camera().fx(), b.camera().fx());
        assertEquals(m.camera().topic(), b.camera().topic());
        assertNotNull(b.mount(), "the bag's /tf_static");
        assertEquals(m.mount().heightM(), b.mount().heightM(), 1e-12);
        assertEquals(m.mount().pitchDownDeg(), b.mount().pitchDownDeg(), 1e-12);
        assertEquals(1.5, b.mount().heightM(), 1e-9);
        assertEquals(results(mcap, "mcap"), results(bag, "bag"), "the same results frame by frame");
        // one .db3 file of a bag reads on its own too
        if (splits == 1 && !zstd.equals("file")) {
            try (var files = Files.list(bag)) {
                Path db3 = files.filter(p -> p.toString().endsWith(".db3")).findFirst().orElseThrow();
                sameFrames(m, read(db3));
            }
        }
        Cli.Outcome info = Cli.run("info", bag.toString());
        assertEquals(0, info.exit(), info.stderr());
        assertTrue(info.stdout().startsWith(bag + ": ROS 2 bag, rosbag2 sqlite3 (ROS 2 " + distro + ")"),
                info.stdout());
        assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*\\* /camera/front/compressed\\s+sensor_msgs/"
                + "msg/\\S+\\s+cdr\\s+" + FRAMES + "\\s.*\\s(bgr8|jpeg) \\d+x\\d+")), info.stdout());
        assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*~ /odom\\s+nav_msgs/msg/Odometry .*")),
                info.stdout());
        assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*@ /tf_static .*")), info.stdout());
        if (filler > 0) {
            assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*/filler\\s+std_msgs/msg/Empty\\s+cdr\\s+"
                    + filler + "\\s.*")), info.stdout());
        }
    }

    /** A ROS 1 bag beside its MCAP twin (the same messages in ROS 1's serialization, as {@code mcap convert} keeps them). */
    @ParameterizedTest(name = "{0}, chunks of {1} bytes")
    @CsvSource({"none,786432", "lz4,200000", "none,100000", "bz2,300000"})
    void aRos1BagReplaysAsItsMcapTwin(String compression, int chunkSize) throws Exception {
        String[] common = {"--ros1", "--encoding", "ros2-compressed", "--camera-info",
                "288,288,239.5,179.5,-0.1,0.02,0,0,0", "--motion", "odometry", "--speed", "10", "--yaw-step", "0.002",
                "--tf-static", TF, "--frame-id", "camera_front_optical"};
        Path mcap = fixture("ros1.mcap", common);
        List<String> bagArgs = new ArrayList<>(List.of(common));
        bagArgs.addAll(List.of("--rosbag1", "--rosbag1-compression", compression, "--rosbag1-chunk-size",
                Integer.toString(chunkSize)));
        Path bag = fixture("drive.bag", bagArgs.toArray(String[]::new));
        Frames m = read(mcap);
        Frames b = read(bag);
        sameFrames(m, b);
        assertTrue(b.codec().startsWith("rosbag1 /camera/front/compressed sensor_msgs/CompressedImage (jpeg)"),
                b.codec());
        assertTrue(b.codec().contains("vehicle motion from /odom"), b.codec());
        assertEquals(m.camera().fx(), b.camera().fx());
        assertEquals(m.mount().pitchDownDeg(), b.mount().pitchDownDeg(), 1e-12);
        assertEquals(1.5, b.mount().heightM(), 1e-9);
        assertEquals(results(mcap, "mcap"), results(bag, "bag"), "the same results frame by frame");
        Cli.Outcome info = Cli.run("info", bag.toString());
        assertEquals(0, info.exit(), info.stderr());
        assertTrue(info.stdout().startsWith(bag + ": ROS 1 bag, rosbag (format 2.0)"), info.stdout());
        assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*\\* /camera/front/compressed\\s+"
                + "sensor_msgs/CompressedImage\\s+ros1\\s+" + FRAMES + "\\s.*\\sjpeg \\d+x\\d+")), info.stdout());
    }

    /**
     * Where a recording has no {@code /tf_static} — a ROS 1 bag from before tf2 publishes its fixed transforms on
     * {@code /tf} — the camera's mount comes from {@code /tf}'s first seconds, and the run says so.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"ros1-bag", "mcap"})
    void withoutStaticTransformsTheMountComesFromTf(String kind) throws Exception {
        List<String> args = new ArrayList<>(List.of("--encoding", "ros2-compressed", "--camera-info",
                "288,288,239.5,179.5", "--tf-static", TF, "--tf-topic", "/tf", "--frame-id", "camera_front_optical"));
        if (kind.equals("ros1-bag")) {
            args.addAll(List.of("--ros1", "--rosbag1"));
        }
        Path recording = fixture(kind.equals("ros1-bag") ? "tf.bag" : "tf.mcap", args.toArray(String[]::new));
        Frames f = read(recording);
        assertNotNull(f.mount(), f.codec());
        assertEquals("/tf", f.mount().from());
        assertEquals(1.5, f.mount().heightM(), 1e-9);
        assertEquals(3.0, f.mount().pitchDownDeg(), 1e-3);
        Cli.Outcome run = Cli.run("run", recording.toString(), "--frames", "3", "-q");
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("depth fused with the ground plane: the recording's camera mount (/tf: "
                + "camera_front_optical over base_footprint) 1.50 m above the road, pitched 3.00° down"), run.stderr());
        Cli.Outcome info = Cli.run("info", recording.toString());
        assertTrue(info.stdout().lines().anyMatch(l -> l.matches("\\s*@ /tf\\s.*")), info.stdout());
    }

    /** A ROS 1 bag whose chunks roadseg cannot decompress: one line with what to do. */
    @Test
    void aRos1BagThatCannotBeReadIsOneLine() throws Exception {
        Path bag = fixture("drive.bag", "--ros1", "--encoding", "ros2-compressed", "--rosbag1");
        byte[] bytes = Files.readAllBytes(bag);
        byte[] zstd = bytes.clone();
        replaceAll(zstd, "compression=none", "compression=zstd");
        Path other = dir.resolve("zstd.bag");
        Files.write(other, zstd);
        Cli.Outcome compressed = Cli.run("run", other.toString(), "-q");
        assertEquals(1, compressed.exit());
        assertTrue(compressed.stderr().contains("chunks compressed with zstd (roadseg reads bz2, lz4 and "
                + "uncompressed bags)"), compressed.stderr());
    }

    /**
     * A bag the recorder did not close — {@code rosbag record} killed: its header's {@code index_pos} still 0, nothing
     * after its last chunk — is read as {@code rosbag reindex} reads it, chunk by chunk from the start: every frame, the
     * same as its MCAP twin's, then the run ends saying the bag was not closed (exit 1, its outputs finished). Cut
     * short inside a chunk, the frames of the chunks before it.
     */
    @Test
    void aBagTheRecorderDidNotCloseIsReadChunkByChunk() throws Exception {
        Frames twin = read(fixture("unclosed-twin.mcap", "--encoding", "ros2-compressed"));
        Path bag = fixture("closed.bag", "--ros1", "--encoding", "ros2-compressed", "--rosbag1",
                "--rosbag1-compression", "lz4", "--rosbag1-chunk-size", "60000");
        byte[] bytes = Files.readAllBytes(bag);
        int at = indexOf(bytes, "index_pos=") + "index_pos=".length();
        long indexPos = java.nio.ByteBuffer.wrap(bytes, at, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] open = Arrays.copyOf(bytes, (int) indexPos); // no connection or chunk info records after the chunks
        Arrays.fill(open, at, at + 8, (byte) 0);
        Path unclosed = dir.resolve("unclosed.bag");
        Files.write(unclosed, open);
        List<byte[]> pixels = new ArrayList<>();
        List<Long> stamps = new ArrayList<>();
        String end = readUntilCut(unclosed, pixels, stamps);
        assertTrue(end.contains("bag cut short (the recorder did not close it: no index; its chunks were read from "
                + "the start)"), end);
        assertEquals(FRAMES, pixels.size());
        for (int i = 0; i < FRAMES; i++) {
            assertTrue(Arrays.equals(twin.pixels().get(i), pixels.get(i)), "pixels of frame " + i);
        }
        assertEquals(twin.stamps(), stamps);
        Path results = dir.resolve("unclosed.jsonl");
        Cli.Outcome run = Cli.run("run", unclosed.toString(), "--results", results.toString(), "--out",
                dir.resolve("unclosed.mp4").toString(), "-q");
        assertEquals(1, run.exit(), run.stderr());
        assertEquals(1, run.stderr().strip().lines().filter(l -> l.startsWith("roadseg: ")).count(), run.stderr());
        assertTrue(run.stderr().contains("roadseg: input " + unclosed + ": bag cut short (the recorder did not close"),
                run.stderr());
        assertEquals(FRAMES, Files.readAllLines(results).size());
        Cli.Outcome info = Cli.run("info", unclosed.toString());
        assertTrue(info.stdout().contains("cut short: the recorder did not close it: no index"), info.stdout());
        // an index that points wrong (its first chunk info's chunk_pos at the bag header): the chunks read instead,
        // every frame, the index named as the damaged part
        byte[] wrong = bytes.clone();
        int chunkPos = indexOf(Arrays.copyOfRange(wrong, (int) indexPos, wrong.length), "chunk_pos=") + (int) indexPos
                + "chunk_pos=".length();
        java.nio.ByteBuffer.wrap(wrong, chunkPos, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(13);
        Path misindexed = dir.resolve("misindexed.bag");
        Files.write(misindexed, wrong);
        pixels.clear();
        stamps.clear();
        end = readUntilCut(misindexed, pixels, stamps);
        assertTrue(end.contains("its index is damaged (no chunk at 13 where the index says one is"), end);
        assertTrue(end.contains("its chunks were read from the start instead; the file was read without its index, "
                + "so what a damaged chunk held is not known; the " + FRAMES + " messages of /camera/front/compressed "
                + "read were replayed"), end);
        assertEquals(twin.stamps(), stamps);
        // cut inside a chunk: the frames of the chunks before it
        Path cut = dir.resolve("cut.bag");
        Files.write(cut, Arrays.copyOf(open, open.length * 2 / 3));
        pixels.clear();
        stamps.clear();
        end = readUntilCut(cut, pixels, stamps);
        assertTrue(end.contains("it ends inside a record at byte "), end);
        assertTrue(pixels.size() > 0 && pixels.size() < FRAMES, pixels.size() + " frames");
        for (int i = 0; i < pixels.size(); i++) {
            assertTrue(Arrays.equals(twin.pixels().get(i), pixels.get(i)), "pixels of frame " + i);
        }
        assertEquals(twin.stamps().subList(0, stamps.size()), stamps);
    }

    /** A recording's frames up to the end its source reports as a cut; that report. */
    private static String readUntilCut(Path recording, List<byte[]> pixels, List<Long> stamps) throws Exception {
        try (FrameSource s = FrameSources.open(recording.toString(), SourceOptions.defaults())) {
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            while (s.read(b) != FrameSource.END_OF_STREAM) {
                byte[] a = new byte[s.info().frameBytes()];
                b.get(0, a);
                pixels.add(a);
                stamps.add(s.frameStampNanos());
            }
            throw new AssertionError("no cut reported after " + pixels.size() + " frames");
        } catch (io.roadseg.source.SourceException e) {
            return e.getMessage();
        }
    }

    /**
     * A rosbag2 message whose row is damaged (frame 5's) — the pointer to the next of its overflow pages changed to a page the file
     * does not have — is skipped alone: every other frame replays as from the bag's MCAP twin, and the run ends
     * naming the damage and the one message lost, exit 1.
     */
    @Test
    void aDamagedMessageRowOfARosbag2BagIsSkippedAlone() throws Exception {
        Frames twin = read(fixture("row-twin.mcap", "--encoding", "ros2-compressed"));
        Path bag = fixture("row-bag", "--encoding", "ros2-compressed", "--rosbag2", "humble");
        Path db3 = bag.resolve("row-bag_0.db3");
        byte[] b = Files.readAllBytes(db3);
        int pageSize = ((b[16] & 0xff) << 8) | (b[17] & 0xff);
        // frame 5's picture in its lower half (the road, which changes from frame to frame, not the sky, which need
        // not), two pages before its end: an overflow page of its row, whose first 4 bytes are the next one's number
        byte[] jpeg = Files.readAllBytes(frames.jpegs().resolve("005.jpg"));
        int at = -1;
        for (int from = jpeg.length - 2 * pageSize; at < 0 && from < jpeg.length - pageSize; from += 64) {
            at = indexOf(b, Arrays.copyOfRange(jpeg, from, from + 32)); // not across a page's pointer
            if (at >= 0) {
                assertEquals(-1, indexOf(Arrays.copyOfRange(b, at + 1, b.length), Arrays.copyOfRange(jpeg, from,
                        from + 32)), "frame 5's bytes there are its alone");
            }
        }
        assertTrue(at > 0, "frame 5's bytes are in the file");
        int page = at / pageSize * pageSize;
        b[page] = 0x7f; // next overflow page: far past the file's end
        Files.write(db3, b);
        List<byte[]> pixels = new ArrayList<>();
        List<Long> stamps = new ArrayList<>();
        String end = readUntilCut(bag, pixels, stamps);
        assertTrue(end.contains("1 of the " + FRAMES + " messages of /camera/front/compressed were in it and were "
                + "skipped"), end);
        assertEquals(FRAMES - 1, pixels.size());
        for (int i = 0, j = 0; i < FRAMES; i++) {
            if (i == 5) {
                continue;
            }
            assertTrue(Arrays.equals(twin.pixels().get(i), pixels.get(j)), "pixels of frame " + i);
            assertEquals(twin.stamps().get(i), stamps.get(j++));
        }
        Cli.Outcome run = Cli.run("run", bag.toString(), "-q");
        assertEquals(1, run.exit(), run.stderr());
        assertEquals(1, run.stderr().strip().lines().filter(l -> l.startsWith("roadseg: ")).count(), run.stderr());
    }

    /**
     * Damaged bags — bytes changed at random in a ROS 2 bag's first pages (its schema, tables and B-tree pages) and in
     * a ROS 1 bag's header and index — replay what still reads or stop with one line: no stack trace, no hang.
     */
    @Test
    void damagedBagsAreOneLineOrReplayed() throws Exception {
        Path db3Bag = fixture("fuzz2", "--encoding", "ros2-compressed", "--rosbag2", "humble");
        byte[] db3 = Files.readAllBytes(db3Bag.resolve("fuzz2_0.db3"));
        Path ros1 = fixture("fuzz1.bag", "--ros1", "--encoding", "ros2-compressed", "--rosbag1",
                "--rosbag1-compression", "lz4", "--rosbag1-chunk-size", "200000");
        byte[] bag = Files.readAllBytes(ros1);
        java.util.Random random = new java.util.Random(7);
        int failed = 0;
        for (int round = 0; round < 24; round++) {
            boolean first = round % 2 == 0;
            byte[] b = (first ? db3 : bag).clone();
            for (int k = 0; k < 4; k++) {
                int at = first ? random.nextInt(16384) : random.nextBoolean() ? random.nextInt(8192)
                        : b.length - 1 - random.nextInt(16384);
                b[at] = (byte) random.nextInt(256);
            }
            Path damaged = dir.resolve("damaged-" + round + (first ? ".db3" : ".bag"));
            Files.write(damaged, b);
            Cli.Outcome run = Cli.run("run", damaged.toString(), "--frames", "4", "-q");
            assertTrue(run.exit() == 0 || run.exit() == 1, run.stderr());
            assertTrue(run.stderr().lines().noneMatch(l -> l.startsWith("\tat ")), run.stderr());
            if (run.exit() == 1) {
                failed++;
                assertEquals(1, run.stderr().strip().lines().filter(l -> l.startsWith("roadseg: ")).count(),
                        run.stderr());
                assertTrue(run.stderr().contains("roadseg: input " + damaged), run.stderr());
            }
        }
        assertTrue(failed > 0, "some damage is found");
    }

    private static int indexOf(byte[] b, byte[] n) {
        outer:
        for (int i = 0; i + n.length <= b.length; i++) {
            for (int k = 0; k < n.length; k++) {
                if (b[i + k] != n[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int indexOf(byte[] b, String s) {
        return indexOf(b, s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static void replaceAll(byte[] b, String from, String to) {
        byte[] t = to.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = indexOf(b, from); i >= 0; ) {
            System.arraycopy(t, 0, b, i, t.length);
            int next = indexOf(Arrays.copyOfRange(b, i + 1, b.length), from);
            i = next < 0 ? -1 : i + 1 + next;
        }
    }

    /** A bag in MCAP storage (rosbag2's default since Iron) is its folder's .mcap file: run and info take the folder. */
    @Test
    void aBagInMcapStorageIsItsMcapFile() throws Exception {
        Path mcap = fixture("twin.mcap", "--encoding", "ros2-compressed");
        Path bag = Files.createDirectories(dir.resolve("iron-bag"));
        Files.copy(mcap, bag.resolve("iron-bag_0.mcap"));
        Files.writeString(bag.resolve("metadata.yaml"), "rosbag2_bagfile_information:\n  version: 5\n"
                + "  storage_identifier: mcap\n  relative_file_paths:\n    - iron-bag_0.mcap\n");
        sameFrames(read(mcap), read(bag));
        Cli.Outcome info = Cli.run("info", bag.toString());
        assertEquals(0, info.exit(), info.stderr());
        assertTrue(info.stdout().startsWith(bag.resolve("iron-bag_0.mcap") + ": MCAP"), info.stdout());
        Files.copy(mcap, bag.resolve("iron-bag_1.mcap"));
        Cli.Outcome split = Cli.run("run", bag.toString(), "-q");
        assertEquals(1, split.exit());
        assertTrue(split.stderr().contains("a bag split into 2 .mcap files"), split.stderr());
    }

    @Test
    void whatCannotBeReadIsOneLine() throws Exception {
        Path bag = fixture("bag", "--encoding", "ros2-image", "--rosbag2", "humble", "--rosbag2-splits", "2");
        // a split file the metadata lists but that is gone
        Files.delete(bag.resolve("bag_1.db3"));
        Cli.Outcome gone = Cli.run("run", bag.toString(), "-q");
        assertEquals(1, gone.exit());
        assertTrue(gone.stderr().contains("bag_1.db3 (listed in metadata.yaml) is missing"), gone.stderr());
        assertEquals(1, gone.stderr().strip().lines().filter(l -> l.startsWith("roadseg: ")).count(), gone.stderr());
        // a bag whose recorder was killed: a write-ahead log left beside it, its messages not read (said, exit 1)
        Path killed = fixture("killed", "--encoding", "ros2-image", "--rosbag2", "humble");
        Files.writeString(killed.resolve("killed_0.db3-wal"), "frames the recorder had not checkpointed");
        Cli.Outcome wal = Cli.run("run", killed.toString(), "--results", dir.resolve("k.jsonl").toString(), "-q");
        assertEquals(1, wal.exit());
        assertTrue(wal.stderr().contains("bag cut short (a write-ahead log beside killed_0.db3 (the recorder did not "
                + "close the bag): the messages still in it are not read); the " + FRAMES + " complete messages"),
                wal.stderr());
        assertEquals(FRAMES, Files.readAllLines(dir.resolve("k.jsonl")).size(), "what the file holds is replayed");
        // a .db3 that is not a database
        Path junk = dir.resolve("junk.db3");
        Files.writeString(junk, "not a database at all, but long enough to have a header of a hundred bytes; "
                + "not a database at all, but long enough");
        Cli.Outcome notSqlite = Cli.run("run", junk.toString(), "-q");
        assertEquals(1, notSqlite.exit());
        assertTrue(notSqlite.stderr().contains("not an SQLite 3 database"), notSqlite.stderr());
        // a bag compressed file by file whose file does not decompress
        Path compressed = Files.createDirectories(dir.resolve("compressed"));
        Files.writeString(compressed.resolve("metadata.yaml"), "rosbag2_bagfile_information:\n  version: 5\n"
                + "  storage_identifier: sqlite3\n  compression_format: zstd\n  compression_mode: FILE\n"
                + "  relative_file_paths:\n    - compressed_0.db3.zstd\n");
        Files.write(compressed.resolve("compressed_0.db3.zstd"), new byte[] {40, -75, 47, -3});
        Cli.Outcome file = Cli.run("run", compressed.toString(), "-q");
        assertEquals(1, file.exit());
        assertTrue(file.stderr().contains("compressed_0.db3.zstd does not decompress"), file.stderr());
        // a topic the bag does not have
        Path whole = fixture("whole", "--encoding", "ros2-image", "--rosbag2", "jazzy");
        Cli.Outcome missingTopic = Cli.run("run", whole.toString(), "--topic", "/nope", "-q");
        assertEquals(1, missingTopic.exit());
        assertTrue(missingTopic.stderr().contains("/nope"), missingTopic.stderr());
    }
}
