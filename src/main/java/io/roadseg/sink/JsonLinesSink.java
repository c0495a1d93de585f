package io.roadseg.sink;

import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.FrameSink;
import io.roadseg.stats.AsciiText;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Per-frame results as JSON lines, one object per processed frame, in frame order, written as each frame finishes
 * (an interrupted run keeps every line written). Fields:
 * <pre>
 * {"frame":12,"t_us":480000,"dropped_before":0,
 *  "latency_ms":{"capture":1.2,"preprocess":0.9,"inference":21.4,"postprocess":3.1,"to_sink":27.0},
 *  "class_share":{"sky":0.2134,…},"road_ahead_m":18.4}
 * </pre>
 * {@code to_sink} is capture → this sink; {@code road_ahead_m} is null when no road is seen under the camera.
 * The target {@code -} means standard output. Lines are built in a reused byte array: no allocation per frame.
 *
 * <p>Threading: one writer thread.
 */
public final class JsonLinesSink implements FrameSink {
    private final String target;
    private final OutputStream out;
    private final boolean ownsStream;
    private final byte[][] classKeys;
    private final AsciiText line;
    private long lines;
    private boolean closed;

    public JsonLinesSink(String target, List<String> classNames) throws SinkException {
        this.target = target;
        if (target.equals("-")) {
            out = System.out;
            ownsStream = false;
        } else {
            Path path = Path.of(target);
            try {
                Files.createDirectories(path.toAbsolutePath().getParent());
                out = new FileOutputStream(path.toFile());
            } catch (IOException | SecurityException e) {
                throw new SinkException("results " + target + ": cannot open for writing (" + e.getMessage() + ")");
            }
            ownsStream = true;
        }
        classKeys = new byte[classNames.size()][];
        for (int i = 0; i < classKeys.length; i++) {
            String name = classNames.get(i).replace("\\", "\\\\").replace("\"", "\\\"");
            classKeys[i] = AsciiText.ascii((i == 0 ? "\"" : ",\"") + name + "\":");
        }
        line = new AsciiText(512 + 32 * classKeys.length);
    }

    private static final byte[] FRAME = AsciiText.ascii("{\"frame\":");
    private static final byte[] T_US = AsciiText.ascii(",\"t_us\":");
    private static final byte[] DROPPED = AsciiText.ascii(",\"dropped_before\":");
    private static final byte[] CAPTURE = AsciiText.ascii(",\"latency_ms\":{\"capture\":");
    private static final byte[] PRE = AsciiText.ascii(",\"preprocess\":");
    private static final byte[] INFER = AsciiText.ascii(",\"inference\":");
    private static final byte[] POST = AsciiText.ascii(",\"postprocess\":");
    private static final byte[] TO_SINK = AsciiText.ascii(",\"to_sink\":");
    private static final byte[] SHARE = AsciiText.ascii("},\"class_share\":{");
    private static final byte[] ROAD = AsciiText.ascii("},\"road_ahead_m\":");

    @Override
    public void accept(FrameResult f) throws SinkException {
        long now = System.nanoTime();
        double pixels = (double) f.mapWidth() * f.mapHeight();
        line.clear().append(FRAME).append(f.frameIndex()).append(T_US).append(f.sourceTimeMicros())
                .append(DROPPED).append(f.droppedBefore())
                .append(CAPTURE).append(f.captureNanos() / 1e6, 3)
                .append(PRE).append(f.preprocessNanos() / 1e6, 3)
                .append(INFER).append(f.inferenceNanos() / 1e6, 3)
                .append(POST).append(f.postprocessNanos() / 1e6, 3)
                .append(TO_SINK).append((now - f.capturedAtNanos()) / 1e6, 3)
                .append(SHARE);
        for (int c = 0; c < classKeys.length; c++) {
            line.append(classKeys[c]).append(f.classPixels(c) / pixels, 4);
        }
        line.append(ROAD).append(f.roadAheadMetres(), 2).append('}').append('\n');
        try {
            out.write(line.bytes(), 0, line.length());
        } catch (IOException e) {
            throw new SinkException("results " + target + ": write failed (" + e.getMessage() + ")");
        }
        lines++;
    }

    public long linesWritten() {
        return lines;
    }

    @Override
    public String describe() {
        return "results " + (target.equals("-") ? "stdout" : target) + " (JSON lines)";
    }

    @Override
    public void close() throws SinkException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.flush();
            if (ownsStream) {
                out.close();
            }
        } catch (IOException e) {
            throw new SinkException("results " + target + ": cannot close (" + e.getMessage() + ")");
        }
    }
}
