package io.roadseg.source;

import io.roadseg.ros.Json;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What a running Foxglove WebSocket server offers ({@code roadseg info ws://HOST:PORT}): its name, capabilities and
 * advertised channels, and for the channels asked for, what arrived in a short listen — messages, rate, bandwidth,
 * and for a camera channel its first message's picture (format and size). What {@code ros2 topic list} and {@code hz}
 * tell on the robot, from beside it, before {@code run ws://…} is pointed at a topic.
 *
 * <p>Threading: the caller's thread; the WebSocket client's own thread counts messages.
 */
public final class FoxgloveSurvey {
    /**
     * One advertised channel and, where it was listened to, what arrived.
     *
     * @param picture for a camera channel, its first message's picture ("jpeg 640x480", "bayer_rggb8 1920x1080"), or
     *                why it did not decode; null for other channels or where no message came
     */
    public record Row(FoxgloveChannel channel, boolean listened, long messages, long bytes, double seconds,
                      String picture) {
        /** Messages per second between the first and the last that arrived; NaN under two. */
        public double rateHz() {
            return messages > 1 && seconds > 0 ? (messages - 1) / seconds : Double.NaN;
        }
    }

    /** The server's answer: its name, its capabilities, every channel, the listen's length in seconds. */
    public record Survey(String uri, String server, List<String> capabilities, List<Row> rows,
                         double listenedSeconds, boolean closedEarly) {
    }

    private FoxgloveSurvey() {
    }

    /**
     * Connects ({@code wss://}: trusting {@code caCert} too, where given), waits for the advertisements to settle,
     * subscribes to the channels {@code listen} accepts for {@code listenMillis} and closes.
     */
    public static Survey of(String uri, long listenMillis, long timeoutMillis, Predicate<FoxgloveChannel> listen,
                            java.nio.file.Path caCert) throws SourceException {
        Listener client = new Listener(FoxgloveSource.address(uri));
        try {
            FoxgloveSource.connect(client, uri, timeoutMillis, () -> client.failure, caCert);
            List<FoxgloveChannel> channels = client.awaitSettled(timeoutMillis);
            if (client.closedBy != null && channels.isEmpty()) {
                throw new SourceException("input " + uri + ": " + client.closedBy + " before advertising a channel");
            }
            List<FoxgloveChannel> heard = new ArrayList<>();
            StringBuilder subscribe = new StringBuilder("{\"op\":\"subscribe\",\"subscriptions\":[");
            for (FoxgloveChannel c : channels) {
                if (listen.test(c)) {
                    subscribe.append(heard.isEmpty() ? "" : ",").append("{\"id\":").append(heard.size())
                            .append(",\"channelId\":").append(c.id()).append('}');
                    heard.add(c);
                }
            }
            client.prepare(heard.size());
            long start = System.nanoTime();
            if (!heard.isEmpty() && listenMillis > 0) {
                client.send(subscribe.append("]}").toString());
                client.awaitClose(listenMillis);
            }
            double listened = (System.nanoTime() - start) / 1e9;
            List<Row> rows = new ArrayList<>();
            for (FoxgloveChannel c : channels) {
                int i = heard.indexOf(c);
                if (i < 0 || listenMillis <= 0) {
                    rows.add(new Row(c, false, 0, 0, 0, null));
                    continue;
                }
                synchronized (client) {
                    rows.add(new Row(c, true, client.messages[i], client.bytes[i],
                            (client.last[i] - client.first[i]) / 1e9, picture(c, client.firstMessage[i])));
                }
            }
            return new Survey(uri, client.name, client.capabilities, rows, listened, client.closedBy != null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException("input " + uri + ": interrupted while listening");
        } finally {
            FoxgloveSource.closeWithin(client, FoxgloveSource.CLOSE_WAIT_MILLIS);
        }
    }

    /** A camera channel's first message as a picture's format and size; null for a channel that is not a camera. */
    private static String picture(FoxgloveChannel c, byte[] message) {
        byte[] schema;
        try {
            schema = c.schemaBytes();
        } catch (IllegalArgumentException e) {
            return null;
        }
        return message == null ? null : CameraPictures.describe(c.schemaName(), c.schemaEncoding(), schema,
                c.encoding(), message, 0, message.length);
    }

    /** The connection: the server's info and advertisements, then per-subscription counts. */
    private static final class Listener extends WebSocketClient {
        private final Map<Long, FoxgloveChannel> channels = new LinkedHashMap<>();
        private long lastAdvertised;
        private long opened;
        volatile String failure;
        volatile String closedBy;
        String name = "";
        List<String> capabilities = List.of();
        long[] messages = new long[0];
        long[] bytes = new long[0];
        long[] first = new long[0];
        long[] last = new long[0];
        byte[][] firstMessage = new byte[0][];

        Listener(java.net.URI address) {
            super(address, FoxgloveSource.draft());
            setConnectionLostTimeout(10);
        }

        /** The channels once a quarter second passed without a new advertisement (or the server closed). */
        synchronized List<FoxgloveChannel> awaitSettled(long timeoutMillis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMillis;
            while (closedBy == null) {
                long now = System.currentTimeMillis();
                long since = Math.max(lastAdvertised, opened);
                if (since > 0 && now - since >= 250 || now >= deadline) {
                    break;
                }
                wait(Math.max(1, Math.min(50, deadline - now)));
            }
            return new ArrayList<>(channels.values());
        }

        synchronized void prepare(int n) {
            messages = new long[n];
            bytes = new long[n];
            first = new long[n];
            last = new long[n];
            firstMessage = new byte[n][];
        }

        synchronized void awaitClose(long millis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + millis;
            while (closedBy == null) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return;
                }
                wait(left);
            }
        }

        @Override
        public synchronized void onOpen(ServerHandshake handshake) {
            opened = System.currentTimeMillis();
            notifyAll();
        }

        @Override
        public synchronized void onMessage(String text) {
            try {
                Map<String, Object> msg = Json.object(Json.parse(text));
                Object op = msg.get("op");
                if ("serverInfo".equals(op)) {
                    name = String.valueOf(msg.get("name"));
                    List<String> caps = new ArrayList<>();
                    if (msg.get("capabilities") != null) {
                        for (Object o : Json.array(msg.get("capabilities"))) {
                            caps.add(String.valueOf(o));
                        }
                    }
                    capabilities = caps;
                } else if ("advertise".equals(op)) {
                    for (FoxgloveChannel c : FoxgloveChannel.advertised(msg)) {
                        channels.put(c.id(), c);
                    }
                    lastAdvertised = System.currentTimeMillis();
                } else if ("unadvertise".equals(op)) {
                    for (Object o : Json.array(msg.get("channelIds"))) {
                        channels.remove(((Number) o).longValue());
                    }
                }
                notifyAll();
            } catch (RuntimeException ignored) {
                // an op this listing does not use
            }
        }

        @Override
        public synchronized void onMessage(ByteBuffer message) {
            // opcode 1, message data: subscription id (u32), receive timestamp (u64), payload
            ByteBuffer b = message.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (b.remaining() < 13 || b.get(b.position()) != 0x01) {
                return;
            }
            int i = b.getInt(b.position() + 1);
            if (i < 0 || i >= messages.length) {
                return;
            }
            long now = System.nanoTime();
            int payload = b.remaining() - 13;
            if (messages[i]++ == 0) {
                first[i] = now;
                firstMessage[i] = new byte[payload];
                b.position(b.position() + 13);
                b.get(firstMessage[i]);
            }
            last[i] = now;
            bytes[i] += payload;
        }

        @Override
        public synchronized void onClose(int code, String reason, boolean remote) {
            closedBy = code == 1000 ? "the server closed the connection"
                    : "the connection closed (" + code + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")";
            notifyAll();
        }

        @Override
        public void onError(Exception ex) {
            failure = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        }
    }
}
