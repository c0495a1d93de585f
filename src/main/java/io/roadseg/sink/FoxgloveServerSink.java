package io.roadseg.sink;

import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.FrameSink;
import io.roadseg.ros.Json;
import org.java_websocket.WebSocket;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.protocols.IProtocol;
import org.java_websocket.protocols.Protocol;
import org.java_websocket.server.WebSocketServer;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A <a href="https://github.com/foxglove/ws-protocol">Foxglove WebSocket</a> server on the running pipeline
 * ({@code run --serve ws://127.0.0.1:8765}): Foxglove (or any client of the protocol) connects with subprotocol
 * {@code foxglove.websocket.v1} or {@code foxglove.sdk.v1}, is sent {@code serverInfo} and an {@code advertise} of the
 * {@link ResultMessages} channels (CDR with their {@code ros2msg} schemas, and the JSON results), subscribes, and
 * receives each frame's messages as binary {@code messageData} stamped with the frame's timestamp.
 *
 * <p><b>Viewers never slow the pipeline.</b> The sink thread only encodes what somebody subscribed to and hands the
 * bytes to the server's I/O thread. A viewer whose previous frame is still unsent (a slow link, a stalled or paused
 * browser) gets nothing for this frame: it is dropped for that viewer and counted ({@link #framesDropped()}), so a
 * viewer sees the latest frame or none and never a growing backlog. At most {@link #MAX_CLIENTS} viewers at once;
 * more are refused with close code 1013 and counted.
 *
 * <p>Threading: {@link #accept} on the pipeline's sink thread; protocol messages on the server's thread.
 */
public final class FoxgloveServerSink implements FrameSink {
    public static final int MAX_CLIENTS = 16;
    static final List<String> SUBPROTOCOLS = List.of("foxglove.websocket.v1", "foxglove.sdk.v1");

    private final String url;
    private final ResultMessages messages;
    private final String serverInfo;
    private final String advertise;
    private final Server server;
    private final Map<WebSocket, Viewer> viewers = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong viewersSeen = new AtomicLong();
    private final boolean[] wanted = new boolean[ResultMessages.COUNT];
    private final int[] lengths = new int[ResultMessages.COUNT];
    private boolean closed;

    /** One connection: its subscription id per channel ({@code -1}: not subscribed), replaced whole on change. */
    private static final class Viewer {
        volatile long[] subscriptionOf = filled();
        // sink thread only: whether this frame goes to the viewer, and under which subscriptions
        boolean ready;
        long[] readySubscriptions;

        static long[] filled() {
            long[] a = new long[ResultMessages.COUNT];
            Arrays.fill(a, -1);
            return a;
        }
    }

    /**
     * Binds and starts serving; returns once the port is listening.
     *
     * @param url      {@code ws://HOST:PORT} (port 0: any free port, see {@link #port()})
     * @param metadata shown by Foxglove as the server's metadata (model, source)
     * @throws SinkException when the address is malformed or cannot be bound (port in use, no such interface)
     */
    public FoxgloveServerSink(String url, ResultMessages messages, Map<String, String> metadata)
            throws SinkException {
        this.url = url;
        this.messages = messages;
        InetSocketAddress address = address(url, "--serve");
        StringBuilder meta = new StringBuilder("{");
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            meta.append(meta.length() > 1 ? "," : "").append(Json.quote(e.getKey())).append(':')
                    .append(Json.quote(e.getValue()));
        }
        serverInfo = "{\"op\":\"serverInfo\",\"name\":\"roadseg\",\"capabilities\":[],\"supportedEncodings\":[],"
                + "\"metadata\":" + meta.append('}') + ",\"sessionId\":\"" + System.currentTimeMillis() + "\"}";
        int[] all = new int[ResultMessages.COUNT];
        for (int m = 0; m < all.length; m++) {
            all[m] = m;
        }
        advertise = advertise(all, 0);
        server = new Server(address);
        server.begin();
    }

    /**
     * The protocol's {@code advertise} message for some of the {@link ResultMessages} topics, channel id = message
     * index + {@code idOffset}; shared by the server (its channels) and the publishing client (the client's).
     */
    static String advertise(int[] messages, int idOffset) {
        StringBuilder adv = new StringBuilder("{\"op\":\"advertise\",\"channels\":[");
        for (int i = 0; i < messages.length; i++) {
            int m = messages[i];
            adv.append(i == 0 ? "" : ",").append("{\"id\":").append(m + idOffset).append(",\"topic\":")
                    .append(Json.quote(ResultMessages.topic(m))).append(",\"encoding\":")
                    .append(Json.quote(ResultMessages.messageEncoding(m))).append(",\"schemaName\":")
                    .append(Json.quote(ResultMessages.schemaName(m))).append(",\"schema\":")
                    .append(Json.quote(ResultMessages.schema(m))).append(",\"schemaEncoding\":")
                    .append(Json.quote(ResultMessages.schemaEncoding(m))).append('}');
        }
        return adv.append("]}").toString();
    }

    /** The WebSocket draft offering or accepting the Foxglove subprotocols, for the server and the client. */
    static Draft_6455 draft() {
        List<IProtocol> protocols = new ArrayList<>();
        for (String p : SUBPROTOCOLS) {
            protocols.add(new Protocol(p));
        }
        return new Draft_6455(Collections.emptyList(), protocols);
    }

    /** Parses {@code ws://HOST:PORT}; a usage-level message names the option. */
    static InetSocketAddress address(String url, String option) throws SinkException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new SinkException(option + " " + url + ": not a URL (expected ws://HOST:PORT)");
        }
        if (!"ws".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new SinkException(option + " " + url + ": expected ws://HOST:PORT, e.g. ws://127.0.0.1:8765");
        }
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    /** @return the port listened on (the chosen one when the URL asked for port 0) */
    public int port() {
        return server.getPort() != 0 ? server.getPort() : server.boundPort;
    }

    /** @return frames not sent to a viewer because its previous one was still on its way, summed over viewers */
    public long framesDropped() {
        return dropped.get();
    }

    /** @return messages handed to viewers */
    public long messagesSent() {
        return sent.get();
    }

    /** @return connections refused because {@link #MAX_CLIENTS} viewers were connected */
    public long viewersRefused() {
        return refused.get();
    }

    /** @return viewers that connected during the run */
    public long viewersSeen() {
        return viewersSeen.get();
    }

    @Override
    public void accept(FrameResult f) throws Exception {
        if (viewers.isEmpty()) {
            return;
        }
        // who can take this frame: subscribed, open, and done with the previous one; only their topics are encoded
        Arrays.fill(wanted, false);
        boolean anyReady = false;
        for (Map.Entry<WebSocket, Viewer> e : viewers.entrySet()) {
            Viewer v = e.getValue();
            WebSocket conn = e.getKey();
            long[] subs = v.subscriptionOf;
            v.ready = false;
            boolean any = false;
            for (long id : subs) {
                any |= id >= 0;
            }
            if (!any || !conn.isOpen()) {
                continue;
            }
            if (conn.hasBufferedData()) {
                dropped.incrementAndGet();
                continue;
            }
            v.ready = true;
            v.readySubscriptions = subs;
            anyReady = true;
            for (int m = 0; m < subs.length; m++) {
                wanted[m] |= subs[m] >= 0;
            }
        }
        if (!anyReady) {
            return;
        }
        for (int m = 0; m < ResultMessages.COUNT; m++) {
            lengths[m] = wanted[m] ? messages.encode(m, f) : -1;
        }
        long stamp = f.stampNanos();
        for (Map.Entry<WebSocket, Viewer> e : viewers.entrySet()) {
            Viewer v = e.getValue();
            if (!v.ready) {
                continue;
            }
            long[] subs = v.readySubscriptions;
            for (int m = 0; m < ResultMessages.COUNT; m++) {
                if (subs[m] < 0 || lengths[m] < 0) {
                    continue;
                }
                ByteBuffer b = ByteBuffer.allocate(13 + lengths[m]).order(ByteOrder.LITTLE_ENDIAN);
                b.put((byte) 0x01).putInt((int) subs[m]).putLong(stamp).put(messages.array(m), 0, lengths[m]);
                b.flip();
                try {
                    e.getKey().send(b);
                    sent.incrementAndGet();
                } catch (RuntimeException closedMeanwhile) {
                    break; // the viewer went away: onClose removes it
                }
            }
        }
    }

    @Override
    public String describe() {
        return "foxglove websocket server " + url.replaceFirst(":0$", ":" + port()) + " (subprotocols "
                + String.join(", ", SUBPROTOCOLS) + "; at most " + MAX_CLIENTS + " viewers)";
    }

    @Override
    public void close() throws SinkException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.stop(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            messages.close();
        }
    }

    private final class Server extends WebSocketServer {
        private final CountDownLatch started = new CountDownLatch(1);
        private final AtomicReference<Exception> startFailure = new AtomicReference<>();
        volatile int boundPort;

        Server(InetSocketAddress address) {
            super(address, 1, List.<Draft>of(draft()));
            setReuseAddr(true);
            setDaemon(true);
            setConnectionLostTimeout(10);
        }

        void begin() throws SinkException {
            start();
            try {
                if (!started.await(10, TimeUnit.SECONDS)) {
                    throw new SinkException("--serve " + url + ": the server did not start within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SinkException("--serve " + url + ": interrupted while starting");
            }
            Exception failure = startFailure.get();
            if (failure != null) {
                String why = failure instanceof BindException ? failure.getMessage() : failure.toString();
                throw new SinkException("--serve " + url + ": cannot listen there (" + why + ")");
            }
        }

        @Override
        public void onStart() {
            boundPort = getPort();
            started.countDown();
        }

        @Override
        public void onOpen(WebSocket conn, ClientHandshake handshake) {
            if (viewers.size() >= MAX_CLIENTS) {
                refused.incrementAndGet();
                conn.close(1013, "roadseg serves at most " + MAX_CLIENTS + " viewers at once");
                return;
            }
            viewers.put(conn, new Viewer());
            viewersSeen.incrementAndGet();
            conn.send(serverInfo);
            conn.send(advertise);
        }

        @Override
        public void onClose(WebSocket conn, int code, String reason, boolean remote) {
            viewers.remove(conn);
        }

        @Override
        public void onMessage(WebSocket conn, String text) {
            Viewer v = viewers.get(conn);
            if (v == null) {
                return;
            }
            try {
                Map<String, Object> msg = Json.object(Json.parse(text));
                String op = String.valueOf(msg.get("op"));
                long[] subs = v.subscriptionOf.clone();
                switch (op) {
                    case "subscribe" -> {
                        for (Object o : Json.array(msg.get("subscriptions"))) {
                            Map<String, Object> s = Json.object(o);
                            int channel = ((Double) s.get("channelId")).intValue();
                            if (channel < 0 || channel >= subs.length) {
                                status(conn, 1, "no channel " + channel);
                                continue;
                            }
                            subs[channel] = ((Double) s.get("id")).longValue();
                        }
                    }
                    case "unsubscribe" -> {
                        for (Object o : Json.array(msg.get("subscriptionIds"))) {
                            long id = ((Double) o).longValue();
                            for (int m = 0; m < subs.length; m++) {
                                if (subs[m] == id) {
                                    subs[m] = -1;
                                }
                            }
                        }
                    }
                    default -> status(conn, 1, "roadseg does not handle op " + op);
                }
                v.subscriptionOf = subs;
            } catch (RuntimeException e) {
                status(conn, 2, "malformed request: " + e.getMessage());
            }
        }

        private void status(WebSocket conn, int level, String message) {
            conn.send("{\"op\":\"status\",\"level\":" + level + ",\"message\":" + Json.quote(message) + "}");
        }

        @Override
        public void onMessage(WebSocket conn, ByteBuffer message) {
            // client publishing is not offered (no clientPublish capability); ignore
        }

        @Override
        public void onError(WebSocket conn, Exception ex) {
            if (conn == null) {
                startFailure.compareAndSet(null, ex);
                started.countDown();
            }
        }
    }
}
