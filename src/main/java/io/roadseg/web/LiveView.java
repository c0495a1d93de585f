package io.roadseg.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.FrameSink;
import io.roadseg.pipeline.LiveAccuracy;
import io.roadseg.pipeline.Pipeline;
import io.roadseg.ros.Json;
import io.roadseg.sink.SinkException;
import io.roadseg.stats.LatencyStats;
import io.roadseg.stats.Stage;
import org.HdrHistogram.Histogram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * The running pipeline in a browser ({@code run --http 127.0.0.1:8080}): a page with the annotated video and live
 * charts beside it, and Prometheus metrics, from the JDK's own HTTP server.
 *
 * <ul>
 *   <li>{@code /}: the page (HTML, its script and the vendored uPlot; no CDN, works offline)</li>
 *   <li>{@code /video.mjpg}: the annotated frames as MJPEG ({@code multipart/x-mixed-replace}, each part with its
 *       {@code Content-Length}): an {@code <img>} shows it as is, the page reads it with {@code fetch} and draws
 *       each frame on a canvas, counting them</li>
 *   <li>{@code /events}: Server-Sent Events: an {@code info} event (model, engine, source, classes and colours), then
 *       once a second the last second's per-stage latency p50/p99, end-to-end, fps, drops, stale skips and, when the
 *       source has ground truth, running mIoU and depth errors</li>
 *   <li>{@code /metrics}: Prometheus text format ({@link LiveMetrics})</li>
 * </ul>
 *
 * <p><b>Why MJPEG, not H.264 to Media Source Extensions</b>: a JPEG per frame reaches the screen as soon as it is
 * encoded (no group of pictures, no fragment buffering in the browser, which adds at least a fragment of latency
 * with MSE), every frame stands alone so a viewer can skip to the latest one at any moment, and it costs one JPEG
 * encode per frame, only while somebody watches (measured with {@code bench --http}: see the README). The price is
 * bandwidth (about 50 KB a frame at the model's size), irrelevant on the machine or a LAN.
 *
 * <p><b>Viewers never slow the pipeline.</b> The sink thread encodes the JPEG only while some video viewer is waiting
 * for a frame, and swaps it into a one-frame mailbox; each viewer has its own thread that sends the newest frame it
 * has not sent yet, so a slow or stalled viewer skips frames (counted) and blocks only itself, and a viewer that has
 * stopped reading costs no encoding at all. At most {@link #MAX_VIEWERS}
 * streams at once; more get 503 and are counted. Binds to the address given: use 127.0.0.1 (the default in the
 * README's examples) unless other machines must see it.
 *
 * <p>Threading: {@link #accept} on the pipeline's sink thread; HTTP on the server's threads.
 */
public final class LiveView implements FrameSink {
    public static final int MAX_VIEWERS = 16;
    private static final String BOUNDARY = "roadsegframe";

    private final String address;
    private final HttpServer server;
    private final ExecutorService threads;
    private final LiveMetrics metrics;
    private final String infoJson;
    private final AtomicLong viewers = new AtomicLong();
    private final AtomicLong videoViewers = new AtomicLong();
    private final AtomicLong viewerDrops = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong framesServed = new AtomicLong();
    private final AtomicLong waitingViewers = new AtomicLong();
    private long frameCounter;

    // the one-frame mailbox: the newest JPEG and its number, guarded by `mailbox`
    private final Object mailbox = new Object();
    private byte[] front = new byte[1 << 16];
    private int frontLength;
    private long frontNumber;
    private byte[] back = new byte[1 << 16];
    private Mat annotated;
    private long encodeNanos;
    private long encoded;
    private long encodedBytes;
    private final IntPointer jpegParams = new IntPointer(IMWRITE_JPEG_QUALITY, 80);

    // the newest once-a-second snapshot for /events, guarded by `events`
    private final Object events = new Object();
    private String snapshot;
    private long snapshotNumber;
    private volatile Pipeline pipeline;
    private volatile boolean closed;

    /**
     * Binds {@code HOST:PORT} and starts serving.
     *
     * @param address     {@code HOST:PORT} (port 0: any free port, see {@link #port()})
     * @param classNames  class names, in id order
     * @param classColors class colours as 0xRRGGBB, in id order
     * @throws SinkException when the address is malformed or cannot be bound
     */
    public LiveView(String address, String model, String engine, String source, String inputSize,
                    List<String> classNames, int[] classColors) throws SinkException {
        this.address = address;
        InetSocketAddress bind = parse(address);
        metrics = new LiveMetrics(model, engine, source, inputSize, viewers, viewerDrops, refused);
        StringBuilder classes = new StringBuilder("[");
        for (int i = 0; i < classNames.size(); i++) {
            classes.append(i == 0 ? "" : ",").append("{\"name\":").append(Json.quote(classNames.get(i)))
                    .append(",\"color\":\"#").append(String.format("%06x", classColors[i] & 0xffffff)).append("\"}");
        }
        infoJson = "{\"model\":" + Json.quote(model) + ",\"engine\":" + Json.quote(engine) + ",\"source\":"
                + Json.quote(source) + ",\"inputSize\":" + Json.quote(inputSize) + ",\"classes\":" + classes + "]}";
        try {
            server = HttpServer.create(bind, 32);
        } catch (BindException e) {
            throw new SinkException("--http " + address + ": cannot listen there (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new SinkException("--http " + address + ": cannot listen there (" + e.getMessage() + ")");
        }
        threads = Executors.newFixedThreadPool(MAX_VIEWERS + 4, r -> {
            Thread t = new Thread(r, "roadseg-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::page);
        server.createContext("/video.mjpg", this::video);
        server.createContext("/events", this::events);
        server.createContext("/metrics", this::metrics);
        server.start();
    }

    /** Parses {@code HOST:PORT} (IPv6 in brackets). */
    static InetSocketAddress parse(String address) throws SinkException {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new SinkException("--http " + address + ": expected HOST:PORT, e.g. 127.0.0.1:8080");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new SinkException("--http " + address + ": port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new SinkException("--http " + address + ": port must be 0..65535");
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw new SinkException("--http " + address + ": unknown host " + host);
        }
        return a;
    }

    /** Gives the metrics and the charts the run's pipeline and statistics (call before the run starts). */
    public void attach(Pipeline pipeline, LatencyStats stats) {
        this.pipeline = pipeline;
        metrics.attach(pipeline, stats);
        stats.setIntervalListener(this::interval);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** @return the URL of the page */
    public String url() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/";
    }

    public long viewerFramesDropped() {
        return viewerDrops.get();
    }

    public long viewersRefused() {
        return refused.get();
    }

    /** @return mean time to turn an annotated frame into the viewers' JPEG, ms (NaN before the first) */
    public double jpegMillisPerFrame() {
        return encoded == 0 ? Double.NaN : encodeNanos / 1e6 / encoded;
    }

    /** @return mean JPEG size, bytes */
    public double jpegBytesPerFrame() {
        return encoded == 0 ? Double.NaN : (double) encodedBytes / encoded;
    }

    public long framesServed() {
        return framesServed.get();
    }

    // ------------------------------------------------------------------------------------------------ sink side

    @Override
    public void accept(FrameResult f) throws Exception {
        long now = System.nanoTime();
        metrics.observe(f, now);
        if (videoViewers.get() == 0) {
            return;
        }
        frameCounter++;
        long waiting = waitingViewers.get();
        long busy = videoViewers.get() - waiting;
        if (busy > 0) {
            viewerDrops.addAndGet(busy); // viewers still sending an earlier frame miss this one
        }
        if (waiting == 0) {
            return; // every viewer is still sending an earlier frame: nothing to encode for
        }
        int w = f.annotatedWidth();
        int h = f.annotatedHeight();
        if (annotated == null || annotated.cols() != w || annotated.rows() != h) {
            if (annotated != null) {
                annotated.close();
            }
            annotated = new Mat(h, w, CV_8UC3);
        }
        long encodeStart = System.nanoTime();
        int bytes = w * h * 3;
        ByteBuffer src = f.annotatedBgr();
        annotated.data().capacity(bytes).asByteBuffer().put(0, src, 0, bytes);
        int n;
        try (BytePointer jpeg = new BytePointer()) {
            if (!imencode(".jpg", annotated, jpeg, jpegParams)) {
                return;
            }
            n = (int) jpeg.limit();
            if (back.length < n) {
                back = new byte[n + (n >> 2)];
            }
            jpeg.position(0).get(back, 0, n);
        }
        encodeNanos += System.nanoTime() - encodeStart;
        encoded++;
        encodedBytes += n;
        synchronized (mailbox) {
            byte[] t = front;
            front = back;
            back = t;
            frontLength = n;
            frontNumber = frameCounter;
            mailbox.notifyAll();
        }
    }

    private void interval(LatencyStats.Interval i) {
        StringBuilder b = new StringBuilder(512);
        b.append(String.format(Locale.ROOT, "{\"t\":%.3f,\"fps\":%s,\"processed\":%d,\"captured\":%d,"
                        + "\"dropped\":%d,\"stale\":%d,\"viewerDrops\":%d,\"latency\":{", i.elapsedSeconds(),
                num(i.fps()), i.processed(), i.captured(), i.dropped(), i.stale(), viewerDrops.get()));
        boolean first = true;
        for (Stage s : new Stage[] {Stage.CAPTURE, Stage.PREPROCESS, Stage.INFERENCE, Stage.POSTPROCESS,
                Stage.END_TO_END}) {
            Histogram h = i.histograms().get(s);
            b.append(first ? "" : ",").append('"').append(s.key).append("\":");
            first = false;
            if (h == null || h.getTotalCount() == 0) {
                b.append("null");
            } else {
                b.append(String.format(Locale.ROOT, "{\"p50\":%.3f,\"p99\":%.3f}", h.getValueAtPercentile(50) / 1e6,
                        h.getValueAtPercentile(99) / 1e6));
            }
        }
        b.append('}');
        double confidence = metrics.lastConfidenceMean();
        if (!Double.isNaN(confidence)) {
            b.append(",\"confidence\":{\"mean\":").append(num(confidence)).append(",\"uncertain\":")
                    .append(num(metrics.lastUncertainShare())).append(",\"low\":")
                    .append(confidence < io.roadseg.postprocess.ClassMaps.LOW_CONFIDENCE_FRAME).append('}');
        }
        if (metrics.framesObserved() > 0) {
            int issues = metrics.lastCameraIssues();
            b.append(",\"camera\":{\"issues\":[").append(io.roadseg.preprocess.CameraIssue.ALL.stream()
                    .filter(issue -> issue.in(issues)).map(issue -> '"' + issue.key() + '"')
                    .collect(Collectors.joining(","))).append("]}");
        }
        Pipeline p = pipeline;
        LiveAccuracy a = p == null ? null : p.accuracy();
        if (a != null) {
            b.append(",\"accuracy\":{\"miou\":").append(num(a.meanIou())).append(",\"absrel\":")
                    .append(num(a.absRel())).append(",\"delta1\":").append(num(a.delta1())).append('}');
        }
        String json = b.append('}').toString();
        synchronized (events) {
            snapshot = json;
            snapshotNumber++;
            events.notifyAll();
        }
    }

    private static String num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.4f", v);
    }

    // ------------------------------------------------------------------------------------------------ HTTP side

    private boolean admit(HttpExchange x) throws IOException {
        if (viewers.incrementAndGet() > MAX_VIEWERS) {
            viewers.decrementAndGet();
            refused.incrementAndGet();
            byte[] body = ("roadseg serves at most " + MAX_VIEWERS + " live streams at once\n")
                    .getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Retry-After", "5");
            x.sendResponseHeaders(503, body.length);
            x.getResponseBody().write(body);
            x.close();
            return false;
        }
        return true;
    }

    private void video(HttpExchange x) throws IOException {
        if (!admit(x)) {
            return;
        }
        videoViewers.incrementAndGet();
        byte[] mine = new byte[1 << 16];
        try {
            x.getResponseHeaders().set("Content-Type", "multipart/x-mixed-replace; boundary=" + BOUNDARY);
            x.getResponseHeaders().set("Cache-Control", "no-store");
            x.sendResponseHeaders(200, 0);
            OutputStream out = x.getResponseBody();
            long sent = 0;
            while (!closed) {
                int n;
                long number;
                synchronized (mailbox) {
                    waitingViewers.incrementAndGet();
                    try {
                        while (frontNumber == sent && !closed) {
                            mailbox.wait(1000);
                        }
                    } finally {
                        waitingViewers.decrementAndGet();
                    }
                    if (closed) {
                        break;
                    }
                    number = frontNumber;
                    n = frontLength;
                    if (mine.length < n) {
                        mine = new byte[n + (n >> 2)];
                    }
                    System.arraycopy(front, 0, mine, 0, n);
                }
                out.write(("--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + n + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(mine, 0, n);
                out.write('\r');
                out.write('\n');
                out.flush();
                sent = number;
                framesServed.incrementAndGet();
            }
        } catch (IOException | InterruptedException gone) {
            // the viewer left, or the run is closing
        } finally {
            videoViewers.decrementAndGet();
            viewers.decrementAndGet();
            x.close();
        }
    }

    private void events(HttpExchange x) throws IOException {
        if (!admit(x)) {
            return;
        }
        try {
            x.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            x.getResponseHeaders().set("Cache-Control", "no-store");
            x.sendResponseHeaders(200, 0);
            OutputStream out = x.getResponseBody();
            out.write(("event: info\ndata: " + infoJson + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            long sent = 0;
            while (!closed) {
                String json;
                synchronized (events) {
                    while (snapshotNumber == sent && !closed) {
                        events.wait(1000);
                    }
                    if (closed) {
                        break;
                    }
                    json = snapshot;
                    sent = snapshotNumber;
                }
                out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException | InterruptedException gone) {
            // the viewer left, or the run is closing
        } finally {
            viewers.decrementAndGet();
            x.close();
        }
    }

    private void metrics(HttpExchange x) throws IOException {
        try (x) {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(1 << 14);
            metrics.write(body);
            x.getResponseHeaders().set("Content-Type", metrics.contentType());
            x.sendResponseHeaders(200, body.size());
            body.writeTo(x.getResponseBody());
        }
    }

    private static final Map<String, String> PAGES = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js",
            "/uPlot.iife.min.js", "vendor/uPlot.iife.min.js", "/uPlot.min.css", "vendor/uPlot.min.css");

    private void page(HttpExchange x) throws IOException {
        try (x) {
            String resource = PAGES.get(x.getRequestURI().getPath());
            if (resource == null) {
                byte[] body = "not found\n".getBytes(StandardCharsets.US_ASCII);
                x.sendResponseHeaders(404, body.length);
                x.getResponseBody().write(body);
                return;
            }
            byte[] body;
            try (InputStream in = LiveView.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("resource " + resource + " missing from the jar");
                }
                body = in.readAllBytes();
            }
            String type = resource.endsWith(".html") ? "text/html; charset=utf-8"
                    : resource.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
            x.getResponseHeaders().set("Content-Type", type);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
        }
    }

    @Override
    public String describe() {
        return "live view " + url() + " (MJPEG video, charts, /metrics; at most " + MAX_VIEWERS + " streams)";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (mailbox) {
            mailbox.notifyAll();
        }
        synchronized (events) {
            events.notifyAll();
        }
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (annotated != null) {
            annotated.close();
        }
        jpegParams.close();
    }
}
