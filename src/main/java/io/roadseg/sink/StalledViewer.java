package io.roadseg.sink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The worst viewer a live server meets: it connects over TCP, completes the WebSocket handshake, subscribes to every
 * channel and then never reads another byte (a frozen browser tab, a laptop whose lid was shut). Its receive window
 * fills, the server's socket stops draining, and whatever the server queues for it stays queued. Used by
 * {@code bench --ws} to measure what such a viewer costs the pipeline, and by the tests.
 *
 * <p>Threading: made and closed by one thread.
 */
public final class StalledViewer implements AutoCloseable {
    private final Socket socket;

    /**
     * Connects to a Foxglove WebSocket server and subscribes to channels {@code 0..channels-1}.
     *
     * @param receiveBuffer the socket's receive buffer in bytes (small: the stall is felt sooner)
     */
    public StalledViewer(String host, int port, int channels, int receiveBuffer) throws IOException {
        socket = new Socket();
        socket.setReceiveBufferSize(receiveBuffer);
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setSoTimeout(5000);
        byte[] nonce = new byte[16];
        new java.security.SecureRandom().nextBytes(nonce);
        String request = "GET / HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: foxglove.websocket.v1\r\n\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        // read the response head only; what follows (serverInfo, advertise, data) is never read
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("server closed during the handshake: " + head);
            }
            head.append((char) b);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("handshake refused: " + head.toString().lines().findFirst().orElse(""));
        }
        StringBuilder subs = new StringBuilder("{\"op\":\"subscribe\",\"subscriptions\":[");
        for (int c = 0; c < channels; c++) {
            subs.append(c == 0 ? "" : ",").append("{\"id\":").append(c).append(",\"channelId\":").append(c)
                    .append('}');
        }
        sendText(out, subs.append("]}").toString());
    }

    /** A masked text frame, as clients must send. */
    private static void sendText(OutputStream out, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {0x12, 0x34, 0x56, 0x78};
        java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        }
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
