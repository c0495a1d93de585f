package io.roadseg.cli;

import io.roadseg.NodeReference;
import io.roadseg.TestData;
import io.roadseg.ros.Json;
import io.roadseg.sink.ResultMessages;
import io.roadseg.sink.StalledViewer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live outputs against real clients and servers: the official {@code @foxglove/ws-protocol} client viewing
 * {@code run --serve}, its server taking {@code run --publish}, the JDK's WebSocket client for the newer subprotocol
 * and the viewer cap, and a viewer that stalls.
 */
class FoxgloveLiveTest {
    @TempDir
    Path dir;

    private String[] paced(int port, int frames, String... more) throws Exception {
        List<String> a = new ArrayList<>(List.of("run", "recordings/town-drive/video.mp4", "--pace", "--frames",
                Integer.toString(frames), "--model", TestData.smallModel(dir).toString(), "--serve",
                "ws://127.0.0.1:" + port, "--results", dir.resolve("r.jsonl").toString(), "-q"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    /** A decoded message's header stamp in nanoseconds. */
    private static long stampNanos(Map<String, Object> message) {
        return Math.round((Double) Json.at(message, "header", "stamp", "sec")) * 1_000_000_000L
                + Math.round((Double) Json.at(message, "header", "stamp", "nanosec"));
    }

    @Test
    void theReferenceClientSeesEveryChannelLive() throws Exception {
        NodeReference.assume();
        int port = Cli.freePort();
        // 10 s of paced drive: room for node's start on a loaded machine (the client needs 5 messages a channel)
        Future<Cli.Outcome> run = Cli.background(paced(port, 250));
        Cli.awaitListening(port, run);
        Object doc = Json.parse(NodeReference.run("ws-client.mjs", "ws://127.0.0.1:" + port, "--count", "5",
                "--timeout", "30"));
        assertEquals(false, Json.at(doc, "timedOut"));
        assertEquals("foxglove.websocket.v1", Json.at(doc, "subprotocol"));
        assertEquals("roadseg", Json.at(doc, "serverInfo", "name"));
        List<Object> channels = Json.array(Json.at(doc, "channels"));
        assertEquals(ResultMessages.COUNT, channels.size());
        for (Object o : channels) {
            Map<String, Object> c = Json.object(o);
            assertEquals(null, c.get("decodeError"), String.valueOf(c.get("topic")));
            assertTrue((Double) c.get("count") >= 5, c.get("topic") + " " + c.get("count"));
            List<Object> stamps = Json.array(c.get("timestamps"));
            assertTrue(Long.parseLong((String) stamps.get(1)) > Long.parseLong((String) stamps.get(0)),
                    "stamps advance");
        }
        Map<String, Object> classIds = Json.object(Json.at(doc, "channels", ResultMessages.CLASS_IDS, "first"));
        assertEquals("mono8", classIds.get("encoding"));
        assertEquals((Double) classIds.get("width") * (Double) classIds.get("height"),
                Json.at(classIds, "data", "length"));
        Map<String, Object> depth = Json.object(Json.at(doc, "channels", ResultMessages.DEPTH, "first"));
        assertEquals("32FC1", depth.get("encoding"));
        Map<String, Object> diagnostics = Json.object(Json.at(doc, "channels", ResultMessages.DIAGNOSTICS, "first"));
        assertEquals(ResultMessages.CAMERA_STATUS, Json.at(diagnostics, "status", 0, "name"));
        assertEquals(ResultMessages.PERCEPTION_STATUS, Json.at(diagnostics, "status", 1, "name"));
        // each message is logged at its frame's stamp, and one frame's messages share it: the two channels' first
        // three frames overlap (the client subscribes channel by channel, so a frame may be published between two
        // subscriptions and one channel start a frame later)
        List<Object> idTimes = Json.array(Json.at(doc, "channels", ResultMessages.CLASS_IDS, "timestamps"));
        List<Object> depthTimes = Json.array(Json.at(doc, "channels", ResultMessages.DEPTH, "timestamps"));
        assertEquals(idTimes.get(0), Long.toString(stampNanos(classIds)), "class ids logged at the header's stamp");
        assertEquals(depthTimes.get(0), Long.toString(stampNanos(depth)), "depth logged at the header's stamp");
        assertTrue(idTimes.stream().filter(depthTimes::contains).count() >= 2,
                "one frame's messages share its stamp: " + idTimes + " " + depthTimes);
        Cli.Outcome out = run.get(60, TimeUnit.SECONDS);
        assertEquals(0, out.exit(), out.stderr());
        assertTrue(out.stderr().contains("to 1 viewer(s)"), out.stderr());
    }

    @Test
    void theNewerSubprotocolIsSpokenAndViewersAreCapped() throws Exception {
        int port = Cli.freePort();
        Future<Cli.Outcome> run = Cli.background(paced(port, 125));
        Cli.awaitListening(port, run);
        HttpClient http = HttpClient.newHttpClient();
        List<WebSocket> open = new ArrayList<>();
        AtomicInteger refused = new AtomicInteger();
        CompletableFuture<String> firstText = new CompletableFuture<>();
        for (int i = 0; i < 18; i++) {
            WebSocket ws = http.newWebSocketBuilder().subprotocols("foxglove.sdk.v1")
                    .buildAsync(URI.create("ws://127.0.0.1:" + port), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            firstText.complete(data.toString());
                            w.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                            if (code == 1013) {
                                refused.incrementAndGet();
                            }
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            open.add(ws);
        }
        assertEquals("foxglove.sdk.v1", open.get(0).getSubprotocol());
        assertTrue(firstText.get(10, TimeUnit.SECONDS).contains("\"op\":\"serverInfo\""));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (refused.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(2, refused.get(), "16 viewers at most");
        Cli.Outcome out = run.get(60, TimeUnit.SECONDS);
        assertEquals(0, out.exit(), out.stderr());
        assertTrue(out.stderr().contains("2 viewers refused (more than 16 at once)"), out.stderr());
    }

    @Test
    void aStalledViewerCostsNoFramesAndDoesNotHoldUpShutdown() throws Exception {
        int port = Cli.freePort();
        Future<Cli.Outcome> run = Cli.background(paced(port, 100));
        Cli.awaitListening(port, run);
        long start = System.nanoTime();
        try (StalledViewer stalled = new StalledViewer("127.0.0.1", port, ResultMessages.COUNT, 4096)) {
            Cli.Outcome out = run.get(60, TimeUnit.SECONDS);
            assertEquals(0, out.exit(), out.stderr());
            assertEquals(100, Files.readAllLines(dir.resolve("r.jsonl")).size(), "every frame processed");
            Matcher m = Pattern.compile("(\\d+) frames dropped for slow viewers").matcher(out.stderr());
            assertTrue(m.find(), out.stderr());
            assertTrue(Integer.parseInt(m.group(1)) > 50, out.stderr());
        }
        assertTrue(System.nanoTime() - start < 20_000_000_000L, "100 frames at 25 fps and a prompt shutdown");
    }

    @Test
    void publishesIntoTheReferenceServer() throws Exception {
        publishes(null);
    }

    /**
     * The same into a server over TLS ({@code --publish wss://}, {@code foxglove_bridge} with {@code tls:=true}),
     * its own certificate given with {@code --ca-cert}; without it, one line saying what to give.
     */
    @Test
    void publishesIntoAServerOverTls() throws Exception {
        publishes(TlsFixture.make(dir));
    }

    private void publishes(TlsFixture tls) throws Exception {
        NodeReference.assume();
        List<String> command = new java.util.ArrayList<>(List.of("node", "ws-server.mjs", "--port", "0", "--timeout",
                "60"));
        if (tls != null) {
            command.addAll(List.of("--tls-pfx", tls.p12().toString(), "--tls-passphrase", tls.passphrase()));
        }
        Process server = new ProcessBuilder(command)
                .directory(NodeReference.DIR.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            int port = ((Double) Json.at(Json.parse(lines.readLine()), "listening")).intValue();
            String url = (tls == null ? "ws" : "wss") + "://127.0.0.1:" + port;
            if (tls != null) {
                Cli.Outcome untrusted = Cli.run("run", "recordings/town-drive/video.mp4", "--frames", "2", "--model",
                        TestData.smallModel(dir).toString(), "--publish", url, "-q");
                assertEquals(1, untrusted.exit(), untrusted.stderr());
                assertTrue(untrusted.stderr().contains("--publish " + url + ": the server's TLS certificate is not "
                        + "trusted: give it, or the authority that signed it, with --ca-cert FILE.pem"),
                        untrusted.stderr());
            }
            List<String> args = new java.util.ArrayList<>(List.of("run", "recordings/town-drive/video.mp4", "--frames",
                    "12", "--model", TestData.smallModel(dir).toString(), "--publish", url, "-q"));
            if (tls != null) {
                args.addAll(List.of("--ca-cert", tls.pem().toString()));
            }
            Cli.Outcome out = Cli.run(args.toArray(new String[0]));
            assertEquals(0, out.exit(), out.stderr());
            Matcher m = Pattern.compile("published (\\d+) messages").matcher(out.stderr());
            assertTrue(m.find(), out.stderr());
            int published = Integer.parseInt(m.group(1));
            String summary = lines.readLine();
            assertNotNull(summary, "the server printed nothing");
            Object doc = Json.parse(summary);
            List<Object> channels = Json.array(Json.at(doc, "channels"));
            assertEquals(6, channels.size()); // annotated, class ids, depth, camera info, confidence, diagnostics
            int received = 0;
            for (Object o : channels) {
                Map<String, Object> c = Json.object(o);
                assertEquals(null, c.get("decodeError"), String.valueOf(c.get("topic")));
                assertEquals("cdr", c.get("encoding"));
                received += ((Double) c.get("count")).intValue();
                assertNotNull(c.get("first"), "decoded " + c.get("topic"));
            }
            assertEquals(published, received, "every published message arrived");
            assertTrue(published >= 4, "at least the first frame");
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void badAddressesGetOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            Cli.Outcome out = Cli.run("run", "recordings/town-drive/video.mp4", "--frames", "3", "--model",
                    TestData.smallModel(dir).toString(), "--serve", "ws://127.0.0.1:" + taken.getLocalPort(), "-q");
            assertEquals(1, out.exit());
            assertTrue(out.stderr().contains("cannot listen there"), out.stderr());
        }
        int closed = Cli.freePort();
        Cli.Outcome out = Cli.run("run", "recordings/town-drive/video.mp4", "--frames", "3", "--model",
                TestData.smallModel(dir).toString(), "--publish", "ws://127.0.0.1:" + closed, "--timeout", "2", "-q");
        assertEquals(1, out.exit());
        assertTrue(out.stderr().contains("cannot connect"), out.stderr());
        out = Cli.run("run", "recordings/town-drive/video.mp4", "--serve", "http://127.0.0.1:8765");
        assertEquals(2, out.exit());
        assertTrue(out.stderr().contains("expected ws://HOST:PORT"), out.stderr());
        for (String line : out.stderr().strip().split("\n")) {
            assertTrue(!line.startsWith("\tat "), out.stderr());
        }
    }

    @Test
    void aServerThatRefusesPublishingIsNamed() throws Exception {
        NodeReference.assume();
        Process server = new ProcessBuilder("node", "ws-server.mjs", "--port", "0", "--no-publish", "--timeout",
                "30").directory(NodeReference.DIR.toFile()).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            int port = ((Double) Json.at(Json.parse(lines.readLine()), "listening")).intValue();
            Cli.Outcome out = Cli.run("run", "recordings/town-drive/video.mp4", "--frames", "3", "--model",
                    TestData.smallModel(dir).toString(), "--publish", "ws://127.0.0.1:" + port, "-q");
            assertEquals(1, out.exit());
            assertTrue(out.stderr().contains("does not accept client publishing"), out.stderr());
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

}
