package io.roadseg.sink;

import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.FrameSink;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Per-frame results as JSON lines ({@link FrameJson}), one object per processed frame, in frame order, written as
 * each frame finishes (an interrupted run keeps every line written). The target {@code -} means standard output.
 * Lines are built in a reused byte array: no allocation per frame.
 *
 * <p>Threading: one writer thread.
 */
public final class JsonLinesSink implements FrameSink {
    private final String target;
    private final OutputStream out;
    private final boolean ownsStream;
    private final FrameJson json;
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
        json = new FrameJson(classNames);
    }

    @Override
    public void accept(FrameResult f) throws SinkException {
        json.encode(f, System.nanoTime()).append('\n');
        try {
            out.write(json.text().bytes(), 0, json.text().length());
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
