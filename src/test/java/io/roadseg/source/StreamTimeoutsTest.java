package io.roadseg.source;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every network scheme opens as a client and gives up within the timeout: against a port where nothing listens, and
 * against a server that accepts the connection and then says nothing (real sockets on 127.0.0.1).
 */
class StreamTimeoutsTest {
    private static final SourceOptions ONE_SECOND = new SourceOptions(false, Duration.ofSeconds(1), 10);

    private static String url(String scheme, int port) {
        return switch (scheme) {
            case "rtmp" -> "rtmp://127.0.0.1:" + port + "/live/x";
            case "rtsp" -> "rtsp://127.0.0.1:" + port + "/cam";
            case "http" -> "http://127.0.0.1:" + port + "/video.ts";
            default -> scheme + "://127.0.0.1:" + port;
        };
    }

    @ParameterizedTest(name = "{0} against a closed port")
    @ValueSource(strings = {"rtmp", "rtsp", "http", "tcp"})
    void aClosedPortFailsQuicklyAsAClient(String scheme) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // free once closed: nothing listens there
        }
        String url = url(scheme, port);
        SourceException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(SourceException.class, () -> FrameSources.open(url, ONE_SECOND)));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        // and it did not turn into a server on that port
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertTrue(again.isBound());
        }
    }

    @ParameterizedTest(name = "{0} against a silent server")
    @ValueSource(strings = {"rtmp", "rtsp", "http", "tcp"})
    void aServerThatAcceptsAndStaysSilentTimesOut(String scheme) throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread silent = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = server.accept(); // accept and answer nothing (requests fit the socket buffer)
                        held.add(s);
                    }
                } catch (Exception ignored) {
                    // closed by the test
                }
            });
            silent.setDaemon(true);
            silent.start();
            String url = url(scheme, server.getLocalPort());
            long t0 = System.nanoTime();
            SourceException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                    () -> assertThrows(SourceException.class, () -> FrameSources.open(url, ONE_SECOND)));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 10, scheme + " gave up after " + seconds + " s");
            assertTrue(e.getMessage().contains("timed out after 1 s") || e.getMessage().contains("timed out"),
                    e.getMessage());
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
