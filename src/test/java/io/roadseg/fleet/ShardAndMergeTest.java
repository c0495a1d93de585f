package io.roadseg.fleet;

import io.roadseg.TestData;
import io.roadseg.cli.Cli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fleet evaluation without a cluster: {@code eval --drives} over synthetic drives written at test time (and one that
 * is not a drive), the same drives in 3 shards merged with {@code roadseg merge}: the report is the same to the last
 * pixel count, and a broken drive is a failed row, not a failed run.
 */
class ShardAndMergeTest {
    @TempDir
    static Path drives;
    static Path model;

    @BeforeAll
    static void fleet() throws Exception {
        model = TestData.smallModel(drives);
        for (int seed = 1; seed <= 4; seed++) {
            Cli.Outcome o = Cli.run("sim", "--seed", Integer.toString(seed), "--frames", "4", "--out",
                    drives.resolve("drive-" + seed).toString());
            assertEquals(0, o.exit(), o.stderr());
        }
        Files.createDirectories(drives.resolve("drive-9-broken"));
        Files.writeString(drives.resolve("drive-9-broken/video.mp4"), "not a video");
        Files.writeString(drives.resolve("list.txt"), "# the fleet\n" + drives.resolve("drive-3") + "\n"
                + drives.resolve("drive-1") + "\n\n" + drives.resolve("drive-9-broken") + "\n"
                + drives.resolve("drive-2") + "\n" + drives.resolve("drive-4") + "\n");
    }

    @TempDir
    Path dir;

    private FleetReport eval(String json, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("eval", "--model", model.toString(), "--json", json));
        args.addAll(List.of(more));
        if (!args.contains("--drives")) {
            args.addAll(List.of("--drives", drives.resolve("list.txt").toString()));
        }
        Cli.Outcome o = Cli.run(args.toArray(new String[0]));
        assertEquals(0, o.exit(), o.stderr());
        return FleetReport.parse(Files.readString(Path.of(json)));
    }

    @Test
    void threeShardsMergedEqualOneRunToTheLastPixel() throws Exception {
        FleetReport whole = eval(dir.resolve("all.json").toString());
        assertEquals(5, whole.drives().size());
        assertEquals(1, whole.failed(), "the broken drive is a row, not a failed run");
        assertEquals(16, whole.frames());
        for (int i = 0; i < 3; i++) {
            FleetReport part = eval(dir.resolve("s" + i + ".json").toString(), "--shard", i + "/3");
            assertTrue(part.drives().size() <= 2);
        }
        Cli.Outcome merged = Cli.run("merge", dir.resolve("s0.json").toString(), dir.resolve("s1.json").toString(),
                dir.resolve("s2.json").toString(), "--json", dir.resolve("merged.json").toString());
        assertEquals(0, merged.exit(), merged.stderr());
        FleetReport m = FleetReport.parse(Files.readString(dir.resolve("merged.json")));
        assertTrue(java.util.Arrays.equals(whole.segmentation().counts(), m.segmentation().counts()),
                "confusion counts");
        assertTrue(java.util.Arrays.equals(whole.depth().sums(), m.depth().sums()), "depth sums, bit for bit");
        assertTrue(java.util.Arrays.equals(whole.nearestAhead().sums(), m.nearestAhead().sums()),
                "nearest-ahead sums, bit for bit");
        assertTrue(java.util.Arrays.equals(whole.lead().sums(), m.lead().sums()), "lead sums, bit for bit");
        assertTrue(java.util.Arrays.equals(whole.confidence().sums(), m.confidence().sums()), "confidence counts");
        assertTrue(java.util.Arrays.equals(whole.camera().sums(), m.camera().sums()), "camera counts");
        assertEquals(whole.frames(), whole.camera().measured(), "every frame's picture checked");
        assertEquals(0, whole.camera().withAny(), "the synthetic drives' pictures are sound");
        assertEquals(whole.frames(), m.frames());
        for (int k = 0; k < 5; k++) {
            DriveResult a = whole.drives().get(k);
            DriveResult b = m.drives().get(k);
            assertEquals(a.drive(), b.drive());
            assertEquals(a.error(), b.error());
            assertEquals(a.frames(), b.frames());
            assertTrue(java.util.Arrays.equals(a.confusion(), b.confusion()), "drive row " + k);
            assertTrue(java.util.Arrays.equals(a.depthSums(), b.depthSums()), "drive row " + k);
            assertTrue(java.util.Arrays.equals(a.aheadSums(), b.aheadSums()), "drive row " + k);
            assertTrue(java.util.Arrays.equals(a.leadSums(), b.leadSums()), "drive row " + k);
            assertTrue(java.util.Arrays.equals(a.confidenceSums(), b.confidenceSums()), "drive row " + k);
            assertEquals(a.ok() ? 512 : 0, a.confidenceSums().length, "drive row " + k);
            assertTrue(java.util.Arrays.equals(a.cameraSums(), b.cameraSums()), "drive row " + k);
            assertEquals(a.ok() ? 2 + io.roadseg.preprocess.CameraIssue.ALL.size() : 0, a.cameraSums().length);
            if (a.ok()) {
                // a synthetic drive has depth: every frame either sees each road user ahead or not, in both
                assertEquals(5 * whole.classNames().size(), a.aheadSums().length, "drive row " + k);
                // and the shipped model says its focal length: the lead in the path is scored too
                assertEquals(io.roadseg.metrics.LeadScore.SUMS, a.leadSums().length, "drive row " + k);
            }
            if (a.ok()) {
                // latency is measured, so it differs from run to run; each row carries its frames' worth of it
                assertEquals(a.frames(), b.latency().getTotalCount());
            }
        }
        // IoU is ΣI/ΣU over the drives, not a mean of per-drive IoUs
        String text = Files.readString(dir.resolve("merged.json"));
        assertTrue(text.contains("\"failed_drives\":1"), text);
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Cli.Outcome o = Cli.run("eval", "--drives", drives.resolve("list.txt").toString(), "--shard", "3/3");
        assertEquals(2, o.exit());
        assertTrue(o.stderr().contains("--shard 3/3: expected i/N with 0 <= i < N"), o.stderr());
        o = Cli.run("eval", "--drives", dir.resolve("missing.txt").toString());
        assertEquals(1, o.exit());
        assertTrue(o.stderr().contains("no such list file"), o.stderr());
        Files.writeString(dir.resolve("empty.txt"), "# nothing\n");
        o = Cli.run("eval", "--drives", dir.resolve("empty.txt").toString());
        assertEquals(1, o.exit());
        assertTrue(o.stderr().contains("lists no drives"), o.stderr());
        FleetReport one = eval(dir.resolve("a.json").toString(), "--shard", "0/2");
        assertFalse(one.drives().isEmpty());
        o = Cli.run("merge", dir.resolve("a.json").toString(), dir.resolve("a.json").toString());
        assertEquals(1, o.exit());
        assertTrue(o.stderr().contains("appears in more than one result"), o.stderr());
        Files.writeString(dir.resolve("junk.json"), "{\"not\": 1}");
        o = Cli.run("merge", dir.resolve("junk.json").toString());
        assertEquals(1, o.exit());
        assertTrue(o.stderr().contains("not a roadseg fleet report"), o.stderr());
    }

    /**
     * A drive whose video was cut short: its row keeps the frames before the cut, scored exactly as the same frames of
     * the whole drive ({@code eval --drive WHOLE --limit k}), with its error; they count in the fleet's sums, survive
     * shards and a merge, and {@code eval --drive CUT} prints them, writes them and then exits 1 with one line.
     */
    @Test
    void aDriveCutShortKeepsTheFramesItGave() throws Exception {
        Path whole = dir.resolve("drive-5");
        Path cut = dir.resolve("drive-5-cut");
        Cli.Outcome sim = Cli.run("sim", "--seed", "5", "--frames", "8", "--out", whole.toString());
        assertEquals(0, sim.exit(), sim.stderr());
        try (java.util.stream.Stream<Path> files = Files.walk(whole)) {
            for (Path f : files.toList()) { // parents first
                Files.copy(f, cut.resolve(whole.relativize(f).toString()));
            }
        }
        byte[] video = Files.readAllBytes(whole.resolve("video.mp4"));
        Files.write(cut.resolve("video.mp4"), java.util.Arrays.copyOf(video, video.length * 3 / 5));
        Files.writeString(dir.resolve("cut.txt"), drives.resolve("drive-1") + "\n" + cut + "\n");

        FleetReport fleet = eval(dir.resolve("cut.json").toString(), "--drives", dir.resolve("cut.txt").toString());
        DriveResult row = fleet.drives().stream().filter(r -> r.drive().equals(cut.toString())).findFirst()
                .orElseThrow();
        assertTrue(row.partial() && !row.ok() && row.scored(), row.toString());
        assertTrue(row.error().contains("truncated video"), row.error());
        long k = row.frames();
        assertTrue(k > 0 && k < 8, k + " frames before the cut");
        assertEquals(0, fleet.failed());
        assertEquals(1, fleet.partial());
        assertEquals(4 + k, fleet.frames(), "the partial drive's frames are in the sums");
        assertEquals(4 + k, fleet.camera().measured());
        String json = Files.readString(dir.resolve("cut.json"));
        assertTrue(json.contains("\"failed_drives\":0,\"partial_drives\":1"), json);

        // the same frames of the whole drive give the same sums, to the last bit
        Cli.Outcome first = Cli.run("eval", "--drive", whole.toString(), "--limit", Long.toString(k), "--model",
                model.toString(), "--json", dir.resolve("first.json").toString());
        assertEquals(0, first.exit(), first.stderr());
        Files.writeString(dir.resolve("whole.txt"), whole + "\n");
        DriveResult same = eval(dir.resolve("whole.json").toString(), "--drives", dir.resolve("whole.txt").toString(),
                "--limit", Long.toString(k)).drives().get(0);
        assertTrue(same.ok() && same.frames() == k, same.toString());
        assertTrue(java.util.Arrays.equals(same.confusion(), row.confusion()), "confusion counts");
        assertTrue(java.util.Arrays.equals(same.depthSums(), row.depthSums()), "depth sums");
        assertTrue(java.util.Arrays.equals(same.aheadSums(), row.aheadSums()), "nearest-ahead sums");
        assertTrue(java.util.Arrays.equals(same.leadSums(), row.leadSums()), "lead sums");
        assertTrue(java.util.Arrays.equals(same.confidenceSums(), row.confidenceSums()), "confidence counts");
        assertTrue(java.util.Arrays.equals(same.cameraSums(), row.cameraSums()), "camera counts");
        assertEquals(k, row.latency().getTotalCount());

        // shards and a merge keep the partial row as it is
        eval(dir.resolve("c0.json").toString(), "--drives", dir.resolve("cut.txt").toString(), "--shard", "0/2");
        eval(dir.resolve("c1.json").toString(), "--drives", dir.resolve("cut.txt").toString(), "--shard", "1/2");
        Cli.Outcome merged = Cli.run("merge", dir.resolve("c0.json").toString(), dir.resolve("c1.json").toString(),
                "--json", dir.resolve("cm.json").toString());
        assertEquals(0, merged.exit(), merged.stderr());
        assertTrue(merged.stdout().contains("(0 failed, 1 part-way: their frames counted)"), merged.stdout());
        assertTrue(merged.stdout().contains("then FAILED: "), merged.stdout());
        FleetReport m = FleetReport.parse(Files.readString(dir.resolve("cm.json")));
        assertTrue(java.util.Arrays.equals(fleet.segmentation().counts(), m.segmentation().counts()), "confusion");
        assertTrue(java.util.Arrays.equals(fleet.depth().sums(), m.depth().sums()), "depth sums");
        DriveResult back = m.drives().stream().filter(r -> r.drive().equals(cut.toString())).findFirst().orElseThrow();
        assertEquals(row.error(), back.error());
        assertEquals(k, back.frames());

        // one drive: its frames' report, then one line and exit 1
        Cli.Outcome one = Cli.run("eval", "--drive", cut.toString(), "--model", model.toString(), "--json",
                dir.resolve("one.json").toString());
        assertEquals(1, one.exit(), one.stderr());
        assertTrue(one.stdout().contains(k + " samples"), one.stdout());
        List<String> said = one.stderr().strip().lines().toList(); // the engine's line, then the error's
        String last = said.get(said.size() - 1);
        assertTrue(last.startsWith("roadseg: data " + cut + ": ") && last.contains("truncated video")
                && last.endsWith("(the " + k + " frames before it are scored above)"), one.stderr());
        assertFalse(one.stderr().contains("\tat "), one.stderr());
        assertEquals(Files.readString(dir.resolve("first.json")), Files.readString(dir.resolve("one.json")),
                "the same report as the whole drive's first frames");
    }

    @Test
    void aCamVidStyleFolderIsADriveScoredLikeEvalCamvid() throws Exception {
        Path camvid = TestData.root().resolve("camvid");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(camvid.resolve("val")), camvid + " absent");
        Files.writeString(dir.resolve("camvid.txt"), camvid.resolve("val") + "\n");
        Cli.Outcome fleet = Cli.run("eval", "--drives", dir.resolve("camvid.txt").toString(), "--limit", "4",
                "--model", model.toString(), "--json", dir.resolve("f.json").toString());
        assertEquals(0, fleet.exit(), fleet.stderr());
        Cli.Outcome plain = Cli.run("eval", "--camvid", camvid.toString(), "--split", "val", "--limit", "4",
                "--model", model.toString(), "--input-size", "model", "--json", dir.resolve("p.json").toString());
        assertEquals(0, plain.exit(), plain.stderr());
        FleetReport f = FleetReport.parse(Files.readString(dir.resolve("f.json")));
        String p = Files.readString(dir.resolve("p.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"evaluated_pixels\": (\\d+)").matcher(p);
        assertTrue(m.find(), p);
        assertEquals(Long.parseLong(m.group(1)), f.segmentation().evaluatedPixels(), "the same pixels scored");
        java.util.regex.Matcher iou = java.util.regex.Pattern.compile("\"mean_iou\": ([0-9.]+)").matcher(p);
        assertTrue(iou.find());
        assertEquals(Double.parseDouble(iou.group(1)), f.segmentation().meanIou(), 1e-6);
    }

    @Test
    void plainReplaysShardOverTheSameList() throws Exception {
        Path out = dir.resolve("replays");
        for (int i = 0; i < 2; i++) {
            Cli.Outcome o = Cli.run("run", "--drives", drives.resolve("list.txt").toString(), "--shard", i + "/2",
                    "--out-dir", out.toString(), "--model", model.toString(), "-q");
            assertEquals(0, o.exit(), o.stderr());
        }
        String s0 = Files.readString(out.resolve("replay-shard-0-of-2.json"));
        String s1 = Files.readString(out.resolve("replay-shard-1-of-2.json"));
        int ok = 0;
        for (int seed = 1; seed <= 4; seed++) {
            String drive = drives.resolve("drive-" + seed).toString();
            assertTrue(s0.contains(drive) ^ s1.contains(drive), drive + " in exactly one shard");
            Path results = out.resolve(drive.replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^[._]+", ""))
                    .resolve("results.jsonl");
            assertEquals(4, Files.readAllLines(results).size(), results.toString());
            ok++;
        }
        assertEquals(4, ok);
        assertTrue((s0 + s1).contains("drive-9-broken\",\"outputs\"") && (s0 + s1).contains("\"failed\""),
                s0 + s1);
        // each replayed drive's camera counts, and the merged summary's over all of them
        assertEquals(4, (s0 + s1).split("\"camera\":\\{\"frames\":4,\"with_issue\":0,", -1).length - 1, s0 + s1);
        Cli.Outcome all = Cli.run("merge", out.resolve("replay-shard-0-of-2.json").toString(),
                out.resolve("replay-shard-1-of-2.json").toString(), "--json", out.resolve("all.json").toString());
        assertEquals(0, all.exit(), all.stderr());
        String merged = Files.readString(out.resolve("all.json"));
        assertTrue(merged.contains("\"failed_drives\":1"), merged);
        assertEquals(5, merged.split("\"drive\":").length - 1, merged);
        assertTrue(merged.contains("\"failed_drives\":1,\"camera\":{\"frames\":16,\"with_issue\":0,"), merged);
        assertTrue(all.stdout().contains("all drives' camera: no issue in 16 frames"), all.stdout());
        Cli.Outcome bad = Cli.run("run", "--drives", drives.resolve("list.txt").toString(), "--out", "x.mp4",
                "--out-dir", out.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.stderr().contains("each drive's outputs go under --out-dir"), bad.stderr());
    }
}
