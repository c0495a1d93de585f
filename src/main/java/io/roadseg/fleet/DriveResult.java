package io.roadseg.fleet;

import io.roadseg.metrics.ConfidenceScore;
import io.roadseg.metrics.DepthScore;
import io.roadseg.metrics.LeadScore;
import io.roadseg.metrics.NearestAheadScore;
import io.roadseg.metrics.SegmentationScore;
import io.roadseg.preprocess.CameraIssueCounts;
import io.roadseg.ros.Json;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one drive's evaluation adds to a fleet report, in a form that adds up exactly: the confusion counts of the
 * class maps (so IoU is ΣI/ΣU over any set of drives, never a mean of per-drive IoUs), the depth error sums, the frame
 * count and the per-frame inference latency as a serialised HdrHistogram. A drive that could not be evaluated is a
 * row with its error and nothing else; one that failed part-way (cut short, a damaged chunk) is a <em>partial</em>
 * row: its error and the figures of the frames it gave, which count in a fleet's sums as any drive's do (what those
 * frames showed is not lost, and a merge of shards adds them the same way).
 *
 * @param drive     the drive as listed
 * @param error     null when evaluated to its end, else why not or why it stopped (one line)
 * @param frames    frames evaluated (0 for a failed row)
 * @param confusion {@code SegmentationScore.counts()} layout
 * @param depthSums {@code DepthScore.sums()} layout
 * @param latency   per-frame inference time, nanoseconds
 * @param aheadSums {@code NearestAheadScore.sums()} layout: the distance to the nearest road user ahead against the
 *                  truth's; empty where the drive has no depth (a CamVid-style folder) or the row predates them
 * @param leadSums  {@code LeadScore.sums()} layout: the lead in the vehicle's path, its closing speed and time to
 *                  contact against the truth's; empty where not scored (no depth, a model without a focal length,
 *                  a row written before them)
 * @param confidenceSums {@code ConfidenceScore.sums()} layout: the network's confidence in its classes against the
 *                  truth (its calibration); empty for a model without scores or a row written before them
 * @param cameraSums {@code CameraIssueCounts.sums()} layout: the frames whose camera picture had each issue (dark,
 *                  washed out, noisy, blurred, blocked, frozen); empty for a row written before them
 */
public record DriveResult(String drive, String error, long frames, long[] confusion, double[] depthSums,
                          Histogram latency, double[] aheadSums, double[] leadSums, long[] confidenceSums,
                          long[] cameraSums) {
    /** A row without camera counts. */
    public DriveResult(String drive, String error, long frames, long[] confusion, double[] depthSums,
                       Histogram latency, double[] aheadSums, double[] leadSums, long[] confidenceSums) {
        this(drive, error, frames, confusion, depthSums, latency, aheadSums, leadSums, confidenceSums, new long[0]);
    }

    /** A row without confidence sums. */
    public DriveResult(String drive, String error, long frames, long[] confusion, double[] depthSums,
                       Histogram latency, double[] aheadSums, double[] leadSums) {
        this(drive, error, frames, confusion, depthSums, latency, aheadSums, leadSums, new long[0]);
    }

    /** A row without nearest-ahead or lead sums. */
    public DriveResult(String drive, String error, long frames, long[] confusion, double[] depthSums,
                       Histogram latency) {
        this(drive, error, frames, confusion, depthSums, latency, new double[0], new double[0]);
    }

    public static DriveResult failed(String drive, String error) {
        return new DriveResult(drive, error, 0, new long[0], new double[0], null);
    }

    /** @return whether the drive was evaluated to its end */
    public boolean ok() {
        return error == null;
    }

    /** @return whether the drive stopped part-way with an error after frames that are scored (a partial row) */
    public boolean partial() {
        return error != null && frames > 0;
    }

    /** @return whether the row carries figures: evaluated to its end, or part-way */
    public boolean scored() {
        return error == null || frames > 0;
    }

    /** This row under another name and error (a drive evaluated from a local copy), every figure kept. */
    public DriveResult renamed(String name, String newError) {
        return new DriveResult(name, newError, frames, confusion, depthSums, latency, aheadSums, leadSums,
                confidenceSums, cameraSums);
    }

    /** @return this drive's camera issue counts, from its sums; null where the row has none */
    public CameraIssueCounts camera() {
        if (cameraSums.length == 0) {
            return null;
        }
        CameraIssueCounts c = new CameraIssueCounts();
        c.addSums(cameraSums);
        return c;
    }

    /** @return this drive's class scores, from its confusion counts */
    public SegmentationScore segmentation(int classes) {
        SegmentationScore s = new SegmentationScore(classes);
        s.addCounts(confusion);
        return s;
    }

    /** @return this drive's depth errors, from its sums (no pixels where the drive has no depth) */
    public DepthScore depth() {
        DepthScore d = new DepthScore();
        d.addSums(depthSums);
        return d;
    }

    /** @return this drive's nearest-road-user-ahead score, from its sums (nothing seen where it has none) */
    public NearestAheadScore nearestAhead(int classes) {
        NearestAheadScore s = new NearestAheadScore(classes);
        s.addSums(aheadSums);
        return s;
    }

    /** @return this drive's lead score, from its sums (nothing where it has none) */
    public LeadScore lead() {
        LeadScore s = new LeadScore();
        s.addSums(leadSums);
        return s;
    }

    /** @return this drive's confidence calibration, from its sums; null where it has none */
    public ConfidenceScore confidence() {
        if (confidenceSums.length == 0) {
            return null;
        }
        ConfidenceScore s = new ConfidenceScore();
        s.addSums(confidenceSums);
        return s;
    }

    /** One JSON object; doubles written so that they read back to the same bits. */
    public String json() {
        StringBuilder b = new StringBuilder("{\"drive\":").append(Json.quote(drive));
        if (!scored()) {
            return b.append(",\"status\":\"failed\",\"error\":").append(Json.quote(error)).append('}').toString();
        }
        b.append(",\"status\":").append(partial() ? "\"partial\",\"error\":" + Json.quote(error) : "\"ok\"");
        b.append(",\"frames\":").append(frames).append(",\"confusion\":[");
        for (int i = 0; i < confusion.length; i++) {
            b.append(i == 0 ? "" : ",").append(confusion[i]);
        }
        b.append("],\"depth_sums\":");
        doubles(b, depthSums);
        if (aheadSums.length > 0) { // a drive without depth has none, and its row says nothing of them
            b.append(",\"ahead_sums\":");
            doubles(b, aheadSums);
        }
        if (leadSums.length > 0) {
            b.append(",\"lead_sums\":");
            doubles(b, leadSums);
        }
        if (confidenceSums.length > 0) {
            b.append(",\"confidence_sums\":[");
            for (int i = 0; i < confidenceSums.length; i++) {
                b.append(i == 0 ? "" : ",").append(confidenceSums[i]);
            }
            b.append(']');
        }
        if (cameraSums.length > 0) {
            b.append(",\"camera_sums\":[");
            for (int i = 0; i < cameraSums.length; i++) {
                b.append(i == 0 ? "" : ",").append(cameraSums[i]);
            }
            b.append(']');
        }
        ByteBuffer h = ByteBuffer.allocate(latency.getNeededByteBufferCapacity());
        int n = latency.encodeIntoCompressedByteBuffer(h);
        b.append(",\"latency_hdr\":\"").append(Base64.getEncoder().encodeToString(
                java.util.Arrays.copyOf(h.array(), n))).append('"');
        return b.append('}').toString();
    }

    /**
     * Reads {@link #json()} back.
     *
     * @throws IllegalArgumentException naming the drive and what is missing or impossible (a negative count, a
     *                                  status it does not know), for a row that is not one of these
     */
    public static DriveResult parse(Object o) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("a drive row that is not an object: " + o);
        }
        Map<String, Object> m = Json.object(o);
        if (!(m.get("drive") instanceof String drive)) {
            throw new IllegalArgumentException("a drive row without its \"drive\" name");
        }
        Object status = m.get("status");
        if (!"ok".equals(status) && !"partial".equals(status) && !"failed".equals(status)) {
            throw new IllegalArgumentException("drive " + drive + ": status " + status + " is none of ok, partial, "
                    + "failed");
        }
        if (!"ok".equals(status) && !(m.get("error") instanceof String)) {
            throw new IllegalArgumentException("drive " + drive + ": a " + status + " row without its error");
        }
        if ("failed".equals(status)) {
            return failed(drive, (String) m.get("error"));
        }
        for (String key : new String[] {"confusion", "depth_sums", "ahead_sums", "lead_sums", "confidence_sums",
                "camera_sums"}) {
            Object v = m.get(key);
            if ((v != null || key.equals("confusion") || key.equals("depth_sums")) && !(v instanceof List<?> list
                    && list.stream().allMatch(x -> x instanceof Double d && !d.isNaN()))) {
                throw new IllegalArgumentException("drive " + drive + ": \"" + key + "\" is not a list of numbers");
            }
        }
        for (String key : new String[] {"confusion", "confidence_sums", "camera_sums"}) {
            if (m.get(key) != null && Json.array(m.get(key)).stream().anyMatch(x -> (Double) x < 0)) {
                throw new IllegalArgumentException("drive " + drive + ": a negative count in \"" + key + "\"");
            }
        }
        if (!(m.get("frames") instanceof Double f) || f < ("ok".equals(status) ? 0 : 1)
                || f != Math.rint(f)) {
            throw new IllegalArgumentException("drive " + drive + ": frames " + m.get("frames")
                    + " is not a count of frames");
        }
        if (!(m.get("latency_hdr") instanceof String)) {
            throw new IllegalArgumentException("drive " + drive + ": no \"latency_hdr\" histogram");
        }
        List<Object> c = Json.array(m.get("confusion"));
        long[] confusion = new long[c.size()];
        for (int i = 0; i < confusion.length; i++) {
            confusion[i] = ((Double) c.get(i)).longValue();
        }
        double[] sums = doubles(m.get("depth_sums"));
        double[] ahead = m.get("ahead_sums") == null ? new double[0] : doubles(m.get("ahead_sums")); // older rows
        double[] lead = m.get("lead_sums") == null ? new double[0] : doubles(m.get("lead_sums"));
        double[] conf = m.get("confidence_sums") == null ? new double[0] : doubles(m.get("confidence_sums"));
        long[] confidence = new long[conf.length];
        for (int i = 0; i < conf.length; i++) {
            confidence[i] = (long) conf[i];
        }
        double[] cam = m.get("camera_sums") == null ? new double[0] : doubles(m.get("camera_sums"));
        long[] camera = new long[cam.length];
        for (int i = 0; i < cam.length; i++) {
            camera[i] = (long) cam[i];
        }
        Histogram latency;
        try {
            byte[] hdr = Base64.getDecoder().decode((String) m.get("latency_hdr"));
            latency = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(hdr), 0);
        } catch (java.util.zip.DataFormatException | RuntimeException e) {
            throw new IllegalArgumentException("drive " + drive + ": latency histogram does not decode");
        }
        String error = "partial".equals(status) ? (String) m.get("error") : null;
        return new DriveResult(drive, error, ((Double) m.get("frames")).longValue(), confusion, sums, latency, ahead,
                lead, confidence, camera);
    }

    /** Appends {@code v} as a JSON array, each double so that it reads back to the same bits. */
    private static void doubles(StringBuilder b, double[] v) {
        b.append('[');
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append(Double.toString(v[i]));
        }
        b.append(']');
    }

    private static double[] doubles(Object array) {
        List<Object> a = Json.array(array);
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (Double) a.get(i);
        }
        return v;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: %s", drive, ok() ? frames + " frames"
                : partial() ? frames + " frames, then failed: " + error : "failed: " + error);
    }

    /** The drives of several results, for messages. */
    static List<String> names(List<DriveResult> results) {
        List<String> n = new ArrayList<>();
        for (DriveResult r : results) {
            n.add(r.drive());
        }
        return n;
    }
}
