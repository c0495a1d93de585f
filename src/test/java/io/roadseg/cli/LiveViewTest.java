package io.roadseg.cli;

import io.roadseg.TestData;
import io.roadseg.ros.Json;
import io.roadseg.web.LiveView;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run --http} with real clients: Debian's chromium (headless, through its chromedriver) loading the page
 * from a running pipeline; {@code /metrics} scraped during a run and checked by Prometheus' {@code promtool}; a
 * viewer that stalls; too many viewers; addresses that cannot be bound.
 */
class LiveViewTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @TempDir
    Path dir;

    /** A paced run of the shipped synthetic drive (it has ground truth, so the accuracy chart shows too). */
    /**
     * A paced run behaves like a live camera: on a loaded machine it may drop a frame at capture or skip a stale
     * one, as it should. Every one of the {@code frames} is accounted for, one result line per frame processed, and
     * all but a few go through.
     *
     * @return frames processed
     */
    private long everyFrameAccountedFor(int frames) throws Exception {
        Object stats = Json.parse(Files.readString(dir.resolve("s.json")));
        long captured = Math.round((Double) Json.at(stats, "frames", "captured"));
        long processed = Math.round((Double) Json.at(stats, "frames", "processed"));
        long dropped = Math.round((Double) Json.at(stats, "frames", "dropped_at_capture"));
        long stale = Math.round((Double) Json.at(stats, "frames", "skipped_stale"));
        assertEquals(frames, captured, "frames read from the recording");
        assertEquals(frames, processed + dropped + stale, "processed, dropped or skipped stale: " + stats);
        assertEquals(processed, Files.readAllLines(dir.resolve("r.jsonl")).size(), "a result line per frame");
        assertTrue(processed >= frames * 9 / 10, "all but a few frames through: " + stats);
        return processed;
    }

    private Future<Cli.Outcome> paced(int port, int frames) throws Exception {
        Future<Cli.Outcome> run = Cli.background("run", "recordings/town-drive", "--pace", "--frames",
                Integer.toString(frames), "--model", TestData.smallModel(dir).toString(), "--http",
                Integer.toString(port), "--results", dir.resolve("r.jsonl").toString(), "--stats",
                dir.resolve("s.json").toString(), "-q");
        Cli.awaitListening(port, run);
        return run;
    }

    @Test
    void aHeadlessBrowserSeesTheVideoAdvanceAndTheChartsFill() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromium-driver not installed (apt-get install chromium chromium-driver)");
        // The browser starts before the run: on a loaded machine chromium can take longer to start than the
        // 10 s paced drive lasts, and a page asked for after the run has ended is the browser's error page.
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver browser = new ChromeDriver(service, options);
        Future<Cli.Outcome> run = null;
        try {
            int port = Cli.freePort();
            run = paced(port, 250);
            browser.get("http://127.0.0.1:" + port + "/");
            JavascriptExecutor js = browser;
            if (!(Boolean) js.executeScript("return typeof window.roadseg === 'object'")) {
                throw new AssertionError("the page's script did not run (page '" + browser.getTitle() + "'; "
                        + (run.isDone() ? "the run had ended: exit " + run.get().exit() + ", " + run.get().stderr()
                        : "the run still going") + ")");
            }
            long first = waitFor(js, "return window.roadseg.frames", 5, 20);
            Thread.sleep(1500);
            long later = ((Number) js.executeScript("return window.roadseg.frames")).longValue();
            assertTrue(later > first, "video frames advance: " + first + " then " + later);
            waitFor(js, "return window.roadseg.points", 3, 20);
            assertEquals(11L, ((Number) js.executeScript(
                    "return document.querySelectorAll('#legend span').length")).longValue(), "class legend");
            String about = (String) js.executeScript("return document.getElementById('about').textContent");
            assertTrue(about.contains("small.onnx") && about.contains("town-drive"), about);
            assertTrue((Boolean) js.executeScript("return document.getElementById('accuracy-box').style.display"
                    + " !== 'none'"), "the accuracy chart shows for a source with ground truth");
            assertTrue((Boolean) js.executeScript("return document.getElementById('confidence-box').style.display"
                    + " !== 'none'"), "the confidence chart shows for a model with scores");
            String figures = (String) js.executeScript("return document.getElementById('figures').textContent");
            assertTrue(figures.matches(".*, confidence 0\\.\\d\\d.*"), figures);
            assertTrue(!figures.contains("CAMERA"), "the synthetic drive's picture is sound: " + figures);
            File shot = browser.getScreenshotAs(OutputType.FILE);
            Files.createDirectories(Path.of("target"));
            Files.copy(shot.toPath(), Path.of("target/live-view.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            browser.quit();
        }
        Cli.Outcome out = run.get(60, TimeUnit.SECONDS);
        assertEquals(0, out.exit(), out.stderr());
    }

    private static long waitFor(JavascriptExecutor js, String script, long atLeast, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long v = 0;
        while (System.nanoTime() < deadline) {
            Object o = js.executeScript(script);
            v = o == null ? 0 : ((Number) o).longValue();
            if (v >= atLeast) {
                return v;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(script + " stayed at " + v + " (wanted " + atLeast + ")");
    }

    /** Samples of one scrape: metric name with labels → value. */
    private static Map<String, Double> parse(String text) {
        Map<String, Double> m = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            m.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return m;
    }

    @Test
    void metricsDuringARunAreValidPrometheusAndAddUp() throws Exception {
        int port = Cli.freePort();
        Future<Cli.Outcome> run = paced(port, 100);
        HttpClient http = HttpClient.newHttpClient();
        List<String> scrapes = new ArrayList<>();
        while (!run.isDone()) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    scrapes.add(r.body());
                    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
                }
            } catch (java.io.IOException ended) {
                break;
            }
            Thread.sleep(300);
        }
        Cli.Outcome out = run.get(60, TimeUnit.SECONDS);
        assertEquals(0, out.exit(), out.stderr());
        assertTrue(scrapes.size() >= 5, scrapes.size() + " scrapes");
        double lastProcessed = -1;
        for (String text : scrapes) {
            Map<String, Double> m = parse(text);
            double processed = m.get("roadseg_frames_processed_total");
            assertTrue(processed >= lastProcessed, "counters only grow");
            lastProcessed = processed;
            double e2eCount = m.get("roadseg_stage_latency_seconds_count{stage=\"end_to_end\"}");
            double inf = m.get("roadseg_stage_latency_seconds_bucket{stage=\"end_to_end\",le=\"+Inf\"}");
            assertEquals(e2eCount, inf);
            assertTrue(Math.abs(e2eCount - processed) <= 1, "histogram " + e2eCount + " vs counter " + processed);
            double previous = 0;
            for (String le : new String[] {"0.001", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "+Inf"}) {
                double b = m.get("roadseg_stage_latency_seconds_bucket{stage=\"inference\",le=\"" + le + "\"}");
                assertTrue(b >= previous, "cumulative buckets");
                previous = b;
            }
            assertTrue(m.keySet().stream().anyMatch(k -> k.startsWith("roadseg_run_info{")));
            assertTrue(m.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes")));
            assertTrue(m.containsKey("process_cpu_seconds_total"));
            assertTrue(m.containsKey("roadseg_ring_occupancy"));
            double confidence = m.get("roadseg_confidence_mean_ratio"); // the last frame's: none before the first
            assertTrue(processed == 0 || confidence >= 1.0 / 11 - 0.004 && confidence <= 1, "mean confidence "
                    + confidence);
            assertTrue(processed == 0 || m.get("roadseg_uncertain_pixels_ratio") <= 1);
            // the sink counts a frame's confidence and camera issues as it delivers it, the statistics count it
            // processed right after: a scrape between the two sees one frame more there
            assertTrue(m.get("roadseg_frames_low_confidence_total") <= processed + 1);
            for (io.roadseg.preprocess.CameraIssue issue : io.roadseg.preprocess.CameraIssue.ALL) {
                String label = "{issue=\"" + issue.key() + "\"}";
                assertTrue(m.get("roadseg_camera_issue_frames_total" + label) <= processed + 1, issue.key());
                assertTrue(m.get("roadseg_camera_issue" + label) == 0 || m.get("roadseg_camera_issue" + label) == 1);
            }
        }
        // the run's own report: what the last scrape saw is what it processed by then, and the total matches
        Object stats = Json.parse(Files.readString(dir.resolve("s.json")));
        double total = (Double) Json.at(stats, "frames", "processed");
        assertTrue(lastProcessed <= total && lastProcessed > 0, lastProcessed + " of " + total);
        assertEquals(Math.round(total), everyFrameAccountedFor(100));
        if (Files.isExecutable(PROMTOOL)) {
            Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(scrapes.get(scrapes.size() - 1).getBytes(StandardCharsets.UTF_8));
            }
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), "promtool check metrics: " + said);
        }
    }

    @Test
    void aStalledViewerCostsNoFramesAndDoesNotHoldUpShutdown() throws Exception {
        int port = Cli.freePort();
        Future<Cli.Outcome> run = paced(port, 100);
        long start = System.nanoTime();
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            stalled.getOutputStream().write(("GET /video.mjpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            Cli.Outcome out = run.get(60, TimeUnit.SECONDS);
            assertEquals(0, out.exit(), out.stderr());
            everyFrameAccountedFor(100); // the stalled viewer holds up no frame: its frames are skipped for it
            // what the stalled viewer was sent fits the kernel's socket buffers or was skipped; never more
            Matcher m = Pattern.compile("served (\\d+) frames; (\\d+) skipped for slow viewers").matcher(out.stderr());
            assertTrue(m.find(), out.stderr());
            assertTrue(Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) <= 100, out.stderr());
        }
        assertTrue(System.nanoTime() - start < 20_000_000_000L, "100 paced frames and a prompt shutdown");
    }

    @Test
    void tooManyViewersAreRefusedAndCounted() throws Exception {
        int port = Cli.freePort();
        Future<Cli.Outcome> run = paced(port, 100);
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < LiveView.MAX_VIEWERS; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                open.add(s);
                InputStream in = s.getInputStream();
                byte[] head = new byte[12];
                assertEquals(12, in.readNBytes(head, 0, 12));
                assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.US_ASCII));
            }
            HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/video.mjpg")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, refused.statusCode());
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        Cli.Outcome out = run.get(60, TimeUnit.SECONDS);
        assertEquals(0, out.exit(), out.stderr());
        assertTrue(out.stderr().contains("1 connections refused (more than 16 streams at once)"), out.stderr());
    }

    @Test
    void addressesThatCannotBeBoundGetOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Cli.Outcome out = Cli.run("run", "recordings/town-drive/video.mp4", "--frames", "3", "--model",
                    TestData.smallModel(dir).toString(), "--http", "127.0.0.1:" + taken.getLocalPort(), "-q");
            assertEquals(1, out.exit());
            assertTrue(out.stderr().contains("cannot listen there"), out.stderr());
        }
        Cli.Outcome out = Cli.run("run", "recordings/town-drive/video.mp4", "--frames", "3", "--model",
                TestData.smallModel(dir).toString(), "--http", "203.0.113.7:8080", "-q");
        assertEquals(1, out.exit());
        assertTrue(out.stderr().contains("cannot listen there"), out.stderr());
        out = Cli.run("run", "recordings/town-drive/video.mp4", "--http", "localhost:http");
        assertEquals(2, out.exit());
        assertTrue(out.stderr().contains("expected PORT or HOST:PORT"), out.stderr());
    }
}
