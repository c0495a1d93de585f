package io.roadseg.sink;

import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.FrameSink;
import io.roadseg.ros.Json;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes each frame's ROS 2 messages into a running Foxglove WebSocket server that accepts client publishing
 * ({@code run --publish ws://HOST:8765}), as {@code foxglove_bridge} does: it then puts them on real ROS 2 topics
 * ({@code /roadseg/annotated/compressed}, {@code /roadseg/class_ids}, {@code /roadseg/depth},
 * {@code /roadseg/camera_info}) for RViz and the rest of the stack. The JSON results have no ROS type and are not
 * published this way.
 *
 * <p>Protocol ({@code foxglove.websocket.v1}): wait for the server's {@code serverInfo}, require its
 * {@code clientPublish} capability, {@code advertise} the CDR channels with their {@code ros2msg} schemas, then
 * send each message as binary {@code clientMessageData} (opcode 1, channel id, CDR payload).
 *
 * <p>A slow server never slows the pipeline: while the previous frame is still unsent this frame is dropped and
 * counted. A server that goes away mid-run ends publishing; the run finishes and exits non-zero saying so
 * ({@link #lostReason()}).
 *
 * <p>Threading: {@link #accept} on the pipeline's sink thread; the client's own I/O thread.
 */
public final class FoxglovePublishSink implements FrameSink {
    private static final int[] PUBLISHED = {ResultMessages.ANNOTATED, ResultMessages.CLASS_IDS, ResultMessages.DEPTH,
            ResultMessages.CAMERA_INFO, ResultMessages.CONFIDENCE, ResultMessages.DIAGNOSTICS};

    private final String url;
    private final ResultMessages messages;
    private final Client client;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<String> lost = new AtomicReference<>();
    private boolean closed;

    /**
     * Connects, checks the server accepts client publishing and advertises the channels.
     *
     * @throws SinkException when the server cannot be reached, does not speak the protocol or refuses publishing
     */
    public FoxglovePublishSink(String url, ResultMessages messages, double timeoutSeconds) throws SinkException {
        this(url, messages, timeoutSeconds, null);
    }

    /**
     * As {@link #FoxglovePublishSink(String, ResultMessages, double)}; a {@code wss://} server over TLS, trusting
     * {@code caCert} (PEM) beside the JVM's authorities where given.
     */
    public FoxglovePublishSink(String url, ResultMessages messages, double timeoutSeconds, java.nio.file.Path caCert)
            throws SinkException {
        this.url = url;
        this.messages = messages;
        boolean tls = url.startsWith("wss://");
        FoxgloveServerSink.address(tls ? "ws://" + url.substring("wss://".length()) : url, "--publish");
        client = new Client(URI.create(url));
        long timeoutMs = Math.max(1, Math.round(timeoutSeconds * 1000));
        String why;
        try {
            why = io.roadseg.source.FoxgloveSource.connectOrWhyNot(client, url, timeoutMs, client.failure::get,
                    tls ? caCert : null);
        } catch (io.roadseg.source.SourceException e) {
            throw new SinkException(e.getMessage()); // a --ca-cert file that holds no certificate
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkException("--publish " + url + ": interrupted while connecting");
        }
        if (why != null) {
            client.close();
            throw new SinkException("--publish " + url + ": " + why);
        }
        try {
            if (!client.serverInfo.await(timeoutMs, TimeUnit.MILLISECONDS)) {
                client.close();
                throw new SinkException("--publish " + url + ": connected, but no serverInfo within " + timeoutSeconds
                        + " s: not a Foxglove WebSocket server");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new SinkException("--publish " + url + ": interrupted while connecting");
        }
        if (!client.canPublish) {
            client.close();
            throw new SinkException("--publish " + url + ": the server does not accept client publishing (no "
                    + "clientPublish capability; for foxglove_bridge set capabilities to include clientPublish)");
        }
        client.send(FoxgloveServerSink.advertise(PUBLISHED, 1));
    }

    @Override
    public void accept(FrameResult f) throws Exception {
        if (lost.get() != null || closed) {
            return;
        }
        if (client.hasBufferedData()) {
            dropped.incrementAndGet();
            return;
        }
        for (int m : PUBLISHED) {
            int n = messages.encode(m, f);
            if (n < 0) {
                continue; // none this frame (a model without confidence)
            }
            ByteBuffer b = ByteBuffer.allocate(5 + n).order(ByteOrder.LITTLE_ENDIAN);
            b.put((byte) 0x01).putInt(m + 1).put(messages.array(m), 0, n);
            b.flip();
            try {
                client.send(b);
                sent.incrementAndGet();
            } catch (RuntimeException e) {
                lost.compareAndSet(null, "connection lost (" + e.getMessage() + ")");
                return;
            }
        }
    }

    /** @return frames skipped because the previous frame was still on its way */
    public long framesDropped() {
        return dropped.get();
    }

    public long messagesSent() {
        return sent.get();
    }

    /** @return null while the server is there, else why publishing stopped */
    public String lostReason() {
        return lost.get();
    }

    public String url() {
        return url;
    }

    @Override
    public String describe() {
        return "foxglove client publish to " + url + " (" + PUBLISHED.length + " ROS 2 topics, CDR)";
    }

    @Override
    public void close() throws SinkException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            io.roadseg.source.FoxgloveSource.closeWithin(client, io.roadseg.source.FoxgloveSource.CLOSE_WAIT_MILLIS);
        } finally {
            messages.close();
        }
    }

    private final class Client extends WebSocketClient {
        final CountDownLatch serverInfo = new CountDownLatch(1);
        final AtomicReference<String> failure = new AtomicReference<>();
        volatile boolean canPublish;

        Client(URI uri) {
            super(uri, FoxgloveServerSink.draft());
            setConnectionLostTimeout(10);
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
        }

        @Override
        public void onMessage(String text) {
            try {
                Map<String, Object> msg = Json.object(Json.parse(text));
                if ("serverInfo".equals(msg.get("op"))) {
                    Object caps = msg.get("capabilities");
                    canPublish = caps instanceof List<?> l && l.contains("clientPublish");
                    serverInfo.countDown();
                }
            } catch (RuntimeException ignored) {
                // other ops (advertise of the server's own channels, status): not needed to publish
            }
        }

        @Override
        public void onMessage(ByteBuffer bytes) {
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            if (remote && !closed) {
                lost.compareAndSet(null, "the server closed the connection (" + code
                        + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")");
            }
        }

        @Override
        public void onError(Exception ex) {
            failure.compareAndSet(null, ex.getMessage() == null ? ex.toString() : ex.getMessage());
        }
    }
}
