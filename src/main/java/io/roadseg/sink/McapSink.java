package io.roadseg.sink;

import io.roadseg.mcap.McapFormat;
import io.roadseg.mcap.McapWriter;
import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.FrameSink;
import io.roadseg.ros.RosMessages;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes every processed frame's results ({@link ResultMessages}: annotated JPEG, class ids, depth, camera info,
 * JSON) to an MCAP file that ROS 2 ({@code ros2 bag play}) and Foxglove open: profile {@code ros2}, schemas in
 * {@code ros2msg} with their dependencies, CDR messages, channels with rosbag2's {@code offered_qos_profiles},
 * chunked (zstd by default) with message and chunk indexes and a summary. Each message's log and publish time is the
 * source frame's stamp. The JSON channel has a JSON schema; {@code ros2 bag play} skips it with a warning.
 *
 * <p>The file is created (and an existing one replaced) only when the first frame arrives, and locked while it is
 * written. Chunks are written whole as they fill (see {@link McapWriter}); {@link #close()}, also reached on Ctrl-C and
 * SIGTERM, writes the summary and footer.
 *
 * <p>Threading: the pipeline's sink thread.
 */
public final class McapSink implements FrameSink {
    private final String target;
    private final Path path;
    private final McapFormat.Compression compression;
    private final ResultMessages messages;
    private final int[] channels = new int[ResultMessages.COUNT];

    private FileChannel file;
    private McapWriter writer;
    private long frames;
    private boolean closed;

    /**
     * @param target      the output file's name as the user gave it
     * @param messages    the encoder of the messages (owned: closed with this sink)
     * @param compression chunk compression
     */
    public McapSink(String target, ResultMessages messages, McapFormat.Compression compression) {
        this.target = target;
        this.path = Path.of(target);
        this.messages = messages;
        this.compression = compression;
    }

    private void open() throws SinkException {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            file = OutputLock.open(path, target);
            file.truncate(0);
            writer = new McapWriter(new BufferedOutputStream(Channels.newOutputStream(file), 1 << 16), "ros2",
                    "roadseg", compression, McapWriter.DEFAULT_CHUNK_BYTES);
            Map<String, String> qos = Map.of("offered_qos_profiles", RosMessages.offeredQosProfiles());
            Map<String, Integer> schemas = new HashMap<>();
            for (int m = 0; m < ResultMessages.COUNT; m++) {
                String name = ResultMessages.schemaName(m);
                Integer schema = schemas.get(name);
                if (schema == null) {
                    schema = writer.addSchema(name, ResultMessages.schemaEncoding(m),
                            ResultMessages.schema(m).getBytes(StandardCharsets.UTF_8));
                    schemas.put(name, schema);
                }
                boolean cdr = ResultMessages.messageEncoding(m).equals("cdr");
                channels[m] = writer.addChannel(schema, ResultMessages.topic(m), ResultMessages.messageEncoding(m),
                        cdr ? qos : Map.of());
            }
        } catch (IOException e) {
            throw new SinkException("output " + target + ": cannot be opened for writing (" + e.getMessage() + ")");
        }
    }

    @Override
    public void accept(FrameResult f) throws Exception {
        if (closed) {
            return;
        }
        if (writer == null) {
            open();
        }
        long stamp = f.stampNanos();
        try {
            for (int m = 0; m < ResultMessages.COUNT; m++) {
                int n = messages.encode(m, f);
                if (n < 0) {
                    continue; // none this frame (a model without confidence)
                }
                writer.write(channels[m], stamp, stamp, messages.array(m), 0, n);
            }
        } catch (IOException e) {
            throw new SinkException("output " + target + ": write failed (" + e.getMessage() + ")");
        }
        frames++;
    }

    /** @return frames written */
    public long framesWritten() {
        return frames;
    }

    public Path target() {
        return path;
    }

    @Override
    public String describe() {
        return "mcap " + target + " (ros2: " + String.join(", ", java.util.stream.IntStream
                .range(0, ResultMessages.COUNT).mapToObj(ResultMessages::topic).toList()) + "; "
                + (compression == McapFormat.Compression.NONE ? "uncompressed" : compression.id()) + " chunks)";
    }

    @Override
    public void close() throws SinkException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            if (writer != null) {
                writer.close();
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            try {
                if (file != null) {
                    file.close();
                }
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
            messages.close();
        }
        if (failure != null) {
            throw new SinkException("output " + target + ": cannot be finalised (" + failure.getMessage() + ")");
        }
    }
}
