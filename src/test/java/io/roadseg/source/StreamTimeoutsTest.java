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
 * against a server that accepts the connection and then says nothing (real sockets on 127.0.0.1); {@code udp} and
 * {@code rtp}, which receive on a local port, give up when nothing arrives there.
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
    @ValueSource(strings = {"rtmp", "rtsp", "http", "tcp", "udp", "rtp"})
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

    @ParameterizedTest(name = "{0}: a server that sends part of a stream and then stalls")
    @ValueSource(strings = {"tcp", "http"})
    void aStreamThatStopsMidwayEndsTheReadWithinTheTimeout(String scheme) throws Exception {
        byte[] video = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("recordings/town-drive/video.mp4"));
        List<Socket> held = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread sender = new Thread(() -> {
                try {
                    Socket s = server.accept();
                    held.add(s);
                    java.io.OutputStream out = s.getOutputStream();
                    if (scheme.equals("http")) {
                        s.getInputStream().read(new byte[4096]); // the request
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: " + video.length
                                + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    }
                    out.write(video, 0, video.length / 2); // half the recording, then silence
                    out.flush();
                } catch (Exception ignored) {
                    // closed by the test
                }
            });
            sender.setDaemon(true);
            sender.start();
            String url = scheme.equals("http") ? "http://127.0.0.1:" + server.getLocalPort() + "/video.mp4"
                    : "tcp://127.0.0.1:" + server.getLocalPort();
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                try (FrameSource src = FrameSources.open(url, ONE_SECOND)) {
                    java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocateDirect(src.info().frameBytes());
                    int frames = 0;
                    SourceException e = null;
                    try {
                        while (src.read(frame) != FrameSource.END_OF_STREAM) {
                            frames++;
                        }
                    } catch (SourceException stalled) {
                        e = stalled;
                    }
                    assertTrue(frames > 10, "frames before the stall: " + frames);
                    assertTrue(e != null && e.getMessage().contains("timed out"), "the stall is reported: " + e);
                }
            });
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
