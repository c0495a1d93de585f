package io.roadseg.source;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.bytedeco.ffmpeg.global.avcodec.*;
import static org.bytedeco.ffmpeg.global.avdevice.avdevice_register_all;
import static org.bytedeco.ffmpeg.global.avformat.*;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EXIT;
import static org.bytedeco.ffmpeg.global.avutil.*;

/**
 * Decodes a recording, camera or network stream with FFmpeg's own API (demux → decode → swscale to BGR24).
 * Every native object is allocated in {@link #open} and freed in {@link #close}; {@link #read} allocates nothing.
 *
 * <p>Live sources open with low-latency settings — no demuxer buffering ({@code fflags nobuffer}), low-delay
 * decoding on one thread, short probing — and bounded timeouts ({@code timeout}/{@code rw_timeout}), so a stalled
 * or unreachable stream fails within {@link SourceOptions#timeout()} instead of hanging, and frames are not held
 * back seconds behind real time (javacv#1575, jetson-inference#822).
 *
 * <p>Threading: one reader thread; {@link #interrupt()} from any thread.
 */
public final class FfmpegVideoSource implements FrameSource {
    private static final int EAGAIN = -11;

    private final SourceInfo info;
    private final boolean loop;
    private int displayRotation;
    private final double timeoutSeconds;
    private long previousReadNanos;
    private AVFormatContext format;
    /** The stream's decoder and conversion to BGR24; {@link #decoder}, {@link #packet}, {@link #decoded} are its. */
    private FfmpegDecoder decoding;
    private AVCodecContext decoder;
    private AVPacket packet;
    private AVFrame decoded;
    private final int streamIndex;
    private final AVRational streamTimeBase;
    private final AVRational micros;
    private final long startPts;
    private final ByteBuffer bgrView;
    private final long frameMicros;
    private volatile boolean interrupted;
    private final Deadline deadline = new Deadline();

    /**
     * FFmpeg's interrupt callback, polled by every blocking call of every protocol (some, like {@code rtp}, loop on
     * their own poll and honour no timeout option): it aborts the call once the deadline set before it has passed, or
     * when the source is interrupted. One per source; it outlives the format context and is freed in close().
     */
    private final class Deadline extends org.bytedeco.ffmpeg.avformat.AVIOInterruptCB.Callback_Pointer {
        private volatile long atNanos = Long.MAX_VALUE;

        @Override
        public int call(org.bytedeco.javacpp.Pointer opaque) {
            return interrupted || System.nanoTime() - atNanos > 0 ? 1 : 0;
        }

        void arm(double seconds) {
            atNanos = System.nanoTime() + (long) (seconds * 1e9);
        }
    }
    private boolean draining;
    private boolean ended;
    private long corrupt;
    private long loopOffsetMicros;
    private long lastMicros = -1;
    private long frames;

    private FfmpegVideoSource(String uri, String url, String inputFormat, boolean live, SourceOptions options)
            throws SourceException {
        Ffmpeg.quietUnlessVerbose();
        this.loop = options.loop() && !live;
        String name = (live ? (inputFormat != null ? "camera " : "stream ") : "input ") + uri;
        AVInputFormat inFmt = null;
        if (inputFormat != null) {
            avdevice_register_all();
            inFmt = av_find_input_format(inputFormat);
            if (inFmt == null) {
                throw new SourceException(name + ": this FFmpeg build has no '" + inputFormat + "' input");
            }
        }
        Map<String, String> opts = new LinkedHashMap<>();
        long timeoutMicros = options.timeout().toNanos() / 1000;
        this.timeoutSeconds = timeoutMicros / 1e6;
        if (live) {
            opts.put("fflags", "nobuffer");
            opts.put("flags", "low_delay");
            opts.put("probesize", "500000");
            opts.put("analyzeduration", "1000000");
            if (inputFormat == null) {
                opts.putAll(StreamProtocols.clientOptions(url, timeoutMicros));
            }
        }
        AVDictionary dict = new AVDictionary(null);
        for (Map.Entry<String, String> e : opts.entrySet()) {
            av_dict_set(dict, e.getKey(), e.getValue(), 0);
        }
        format = avformat_alloc_context();
        if (live && inputFormat == null) {
            format.interrupt_callback().callback(deadline);
            deadline.arm(timeoutSeconds + 0.5); // a little after the protocol's own timeout, which names the cause
        }
        long openedAt = System.nanoTime();
        int ret = avformat_open_input(format, url, inFmt, dict);
        av_dict_free(dict);
        if (ret < 0) {
            format = null; // avformat_open_input frees the context on failure
            deadline.close();
            throw new SourceException(name + ": cannot open (" + explain(ret, live && waitedOut(openedAt)) + ")");
        }
        try {
            deadline.arm(timeoutSeconds + 0.5);
            if ((ret = avformat_find_stream_info(format, (AVDictionary) null)) < 0) {
                throw new SourceException(name + ": cannot read stream information ("
                        + explain(ret, live && waitedOut(openedAt)) + ")");
            }
            streamIndex = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
            if (streamIndex < 0) {
                throw new SourceException(name + ": not a video (no video stream found; format "
                        + format.iformat().name().getString() + ")");
            }
            AVStream stream = format.streams(streamIndex);
            AVCodec codec = avcodec_find_decoder(stream.codecpar().codec_id());
            if (codec == null) {
                throw new SourceException(name + ": no decoder in this FFmpeg build for codec id "
                        + stream.codecpar().codec_id());
            }
            decoding = FfmpegDecoder.open(codec, stream.codecpar(), live ? 1 : 2, live, name);
            decoder = decoding.context;
            packet = decoding.packet;
            decoded = decoding.decoded;
            int w = decoder.width();
            int h = decoder.height();
            if (w <= 0 || h <= 0) {
                throw new SourceException(name + ": video stream has no frame size (" + w + "x" + h + ")");
            }
            streamTimeBase = new AVRational().num(stream.time_base().num()).den(stream.time_base().den());
            micros = new AVRational().num(1).den(1_000_000);
            startPts = stream.start_time() == AV_NOPTS_VALUE ? 0 : stream.start_time();
            double fps = rate(stream.avg_frame_rate());
            if (!(fps > 0 && fps < 1000)) {
                fps = rate(stream.r_frame_rate());
            }
            if (!(fps > 0 && fps < 1000)) {
                fps = 30;
            }
            frameMicros = Math.round(1e6 / fps);
            long count = live ? -1 : stream.nb_frames() > 0 ? stream.nb_frames()
                    : format.duration() > 0 ? Math.round(format.duration() / 1e6 * fps) : -1;
            String why = decoding.allocateBgr(w, h);
            if (why != null) {
                throw new SourceException(name + ": " + why);
            }
            bgrView = decoding.bgrData().asByteBuffer();
            info = new SourceInfo(uri, w, h, fps, live, count, codec.name().getString());
            displayRotation = displayRotation(stream);
        } catch (SourceException | RuntimeException e) {
            close();
            throw e;
        }
    }

    static FfmpegVideoSource open(String uri, String url, String inputFormat, boolean live, SourceOptions options)
            throws SourceException {
        return new FfmpegVideoSource(uri, url, inputFormat, live, options);
    }

    private static double rate(AVRational r) {
        return r == null || r.den() == 0 ? 0 : (double) r.num() / r.den();
    }

    /** The stream's display-matrix rotation, clockwise degrees rounded to a quarter turn; 0 without one. */
    private static int displayRotation(AVStream stream) {
        org.bytedeco.ffmpeg.avcodec.AVCodecParameters par = stream.codecpar();
        org.bytedeco.ffmpeg.avcodec.AVPacketSideData sd = org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_get(
                par.coded_side_data(), par.nb_coded_side_data(),
                org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_DISPLAYMATRIX);
        if (sd == null || sd.isNull() || sd.size() < 36) {
            return 0;
        }
        double counterClockwise = org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get(
                new org.bytedeco.javacpp.IntPointer(sd.data()));
        if (Double.isNaN(counterClockwise)) {
            return 0;
        }
        long quarter = Math.round(-counterClockwise / 90.0);
        return (int) (((quarter % 4) + 4) % 4) * 90;
    }

    @Override
    public int displayRotation() {
        return displayRotation;
    }

    /** Whether an operation started at {@code startNanos} ran into the timeout (what FFmpeg reports may not say so). */
    private boolean waitedOut(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9 >= 0.9 * timeoutSeconds;
    }

    private String explain(int ret, boolean timedOut) {
        String text = Ffmpeg.errorText(ret);
        if (timedOut || ret == -110 || text.toLowerCase().contains("timed out")) {
            return String.format(java.util.Locale.ROOT, "timed out after %.0f s: nothing answered (%s)",
                    timeoutSeconds, text);
        }
        return text;
    }

    @Override
    public SourceInfo info() {
        return info;
    }

    @Override
    public long read(ByteBuffer dst) throws SourceException {
        while (!interrupted && !ended) {
            int ret = avcodec_receive_frame(decoder, decoded);
            if (ret >= 0) {
                long micros = timestamp();
                scale(dst);
                av_frame_unref(decoded);
                frames++;
                return micros;
            }
            if (ret == AVERROR_EOF) {
                if (loop && frames > 0) {
                    restart();
                    continue;
                }
                ended = true;
                break;
            }
            if (ret != EAGAIN) {
                corrupt++;
            }
            if (draining) {
                continue;
            }
            long readAt = System.nanoTime();
            deadline.arm(timeoutSeconds + 0.5);
            ret = av_read_frame(format, packet);
            long took = System.nanoTime() - readAt;
            if (ret < 0) {
                if (ret != AVERROR_EOF && info.live()) {
                    // a stall may surface one call late, as damaged data after the packets that were buffered:
                    // this call or the one before it waiting out the timeout tells
                    boolean stalled = Math.max(took, previousReadNanos) / 1e9 >= 0.9 * timeoutSeconds;
                    throw new SourceException("stream " + info.uri() + ": read failed after " + frames
                            + " frames (" + explain(ret, stalled) + ")");
                }
                draining = true;
                avcodec_send_packet(decoder, null);
                continue;
            }
            previousReadNanos = took;
            if (packet.stream_index() == streamIndex) {
                ret = avcodec_send_packet(decoder, packet);
                if (ret < 0 && ret != EAGAIN) {
                    corrupt++;
                }
            }
            av_packet_unref(packet);
        }
        return END_OF_STREAM;
    }

    private long timestamp() {
        long pts = decoded.best_effort_timestamp();
        long t;
        if (pts == AV_NOPTS_VALUE) {
            t = lastMicros < 0 ? 0 : lastMicros + frameMicros;
        } else {
            t = av_rescale_q(pts - startPts, streamTimeBase, micros) + loopOffsetMicros;
        }
        if (t <= lastMicros) {
            t = lastMicros + 1;
        }
        lastMicros = t;
        return t;
    }

    private void scale(ByteBuffer dst) throws SourceException {
        String why = decoding.toBgr(); // at the stream's size from the start: a camera that changes it is scaled
        if (why != null) {
            throw new SourceException("input " + info.uri() + ": " + why);
        }
        dst.put(0, bgrView, 0, info.frameBytes());
    }

    private void restart() throws SourceException {
        int ret = av_seek_frame(format, streamIndex, startPts, AVSEEK_FLAG_BACKWARD);
        if (ret < 0) {
            throw new SourceException("input " + info.uri() + ": cannot seek back to loop ("
                    + Ffmpeg.errorText(ret) + ")");
        }
        avcodec_flush_buffers(decoder);
        draining = false;
        loopOffsetMicros = lastMicros + frameMicros;
    }

    @Override
    public void interrupt() {
        interrupted = true;
    }

    @Override
    public long corruptFrames() {
        return corrupt;
    }

    @Override
    public void close() {
        if (decoding != null) {
            decoding.close();
            decoding = null;
            decoder = null;
            packet = null;
            decoded = null;
        }
        if (format != null) {
            avformat_close_input(format);
            format = null;
        }
        deadline.close(); // after the format context that called it is gone
        if (streamTimeBase != null) {
            streamTimeBase.close();
        }
        if (micros != null) {
            micros.close();
        }
    }
}
