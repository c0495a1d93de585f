package io.roadseg.sink;

import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.FrameSink;
import io.roadseg.source.Ffmpeg;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.bytedeco.ffmpeg.global.avcodec.*;
import static org.bytedeco.ffmpeg.global.avformat.*;
import static org.bytedeco.ffmpeg.global.avutil.*;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale_frame;

/**
 * Encodes BGR frames to H.264 and muxes them to a file or a network URL with FFmpeg's own API. All native objects
 * are allocated when the writer opens and freed in {@link #close()}; {@link #write} allocates nothing.
 *
 * <p>Files: {@code .mp4}/{@code .mov} are written as fragmented MP4 (a fragment per key frame, one key frame a
 * second), so a run that is killed still leaves a playable file; {@code .mkv} and {@code .ts} are playable when cut
 * by design. Streams: {@code udp://}, {@code srt://} and {@code tcp://} carry MPEG-TS, {@code rtp://} RTP/MPEG-TS,
 * {@code rtmp://} FLV; encoders are tuned for latency (no B-frames; x264 {@code zerolatency}). A stream whose
 * receiver is absent or goes away does not stop the pipeline (the other sinks and the statistics go on): failed
 * sends are counted, and the run reports how many frames did not reach the receiver and ends non-zero.
 *
 * <p>Threading: one writer thread; {@link #close()} from the owning thread after the last write.
 */
public final class VideoWriter implements FrameSink {
    private static final int EAGAIN = -11;

    private final String target;
    private final boolean network;
    private final int width;
    private final int pictureWidth;
    /** The exclusive lock on an output file, held from before FFmpeg opens it until {@link #close()}. */
    private java.nio.channels.FileChannel lockChannel;
    private Path createdFile;
    private final double openTimeoutSeconds;
    private final java.util.function.BooleanSupplier stopped;
    /**
     * Polled by FFmpeg while a network output connects: gives up at the deadline or on a stop. Once connected it never
     * interrupts: the frames in flight at a stop are still sent.
     */
    private final OpenGate openGate = new OpenGate();
    private org.bytedeco.ffmpeg.avformat.AVIOInterruptCB interrupt;

    private final class OpenGate extends org.bytedeco.ffmpeg.avformat.AVIOInterruptCB.Callback_Pointer {
        volatile long until = Long.MAX_VALUE;
        volatile boolean connected;

        @Override
        public int call(org.bytedeco.javacpp.Pointer opaque) {
            return !connected && (stopped.getAsBoolean() || System.nanoTime() - until > 0) ? 1 : 0;
        }
    }
    private final int pictureHeight;
    private final int height;
    private final String encoderName;
    private AVFormatContext format;
    private AVCodecContext encoder;
    private AVStream stream;
    private AVFrame bgr;
    private AVFrame yuv;
    private SwsContext sws;
    private AVPacket packet;
    private final ByteBuffer[] knownBuffers = new ByteBuffer[32];
    private final BytePointer[] knownPointers = new BytePointer[32];
    private int knownCount;
    private AVRational micros;
    private AVRational timeBase;
    private AVRational streamTimeBase;
    private int streamIndex;
    private long lastPts = -1;
    private String openedEncoder;
    private long bitRate;
    private long frames;
    private long sendFailures;
    private long framesNotSent;
    private boolean headerWritten;
    private String outputUrl;
    private boolean closed;

    /**
     * @param target  file path or network URL
     * @param codec   {@code auto} or an H.264 encoder name (see {@link H264Encoders})
     * @param bitRate bits per second, or ≤ 0 for about 0.15 bit per pixel per frame
     */
    public VideoWriter(String target, int width, int height, double fps, String codec, long bitRate)
            throws SinkException {
        this(target, width, height, width, height, fps, codec, bitRate);
    }

    /**
     * The muxer a target is written with: null for a file (its container from its extension), else the stream's.
     *
     * @throws SinkException naming the target when its scheme or file type is not one this writer makes: what
     *                       {@code run} checks before anything is opened
     */
    public static String muxer(String target) throws SinkException {
        String scheme = target.contains("://") ? target.substring(0, target.indexOf("://")).toLowerCase(Locale.ROOT)
                : "file";
        String muxer = switch (scheme) {
            case "udp", "srt", "tcp" -> "mpegts";
            case "rtp" -> "rtp_mpegts";
            case "rtmp", "rtmps" -> "flv";
            case "file" -> null;
            default -> throw new SinkException("output " + target + ": unsupported scheme '" + scheme
                    + "' (use a file path, udp://, rtp://, rtmp://, srt:// or tcp://)");
        };
        if (muxer == null) {
            Path name = Path.of(target.startsWith("file://") ? target.substring(7) : target).getFileName();
            String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
            if (!(n.endsWith(".mp4") || n.endsWith(".mov") || n.endsWith(".mkv") || n.endsWith(".ts"))) {
                throw new SinkException("output " + target + ": unsupported file type (use .mp4, .mov, .mkv, .ts "
                        + "or .mcap)");
            }
        }
        return muxer;
    }

    /**
     * A writer that takes pictures of {@code pictureWidth x pictureHeight} and encodes them at {@code width x height}:
     * the scaling happens in the same libswscale pass as the colour conversion (no extra copy).
     *
     * @param width  encoded width, even
     * @param height encoded height, even
     */
    public VideoWriter(String target, int pictureWidth, int pictureHeight, int width, int height, double fps,
                       String codec, long bitRate) throws SinkException {
        this(target, pictureWidth, pictureHeight, width, height, fps, codec, bitRate, Double.POSITIVE_INFINITY,
                () -> false);
    }

    /**
     * As {@link #VideoWriter(String, int, int, int, int, double, String, long)}, a network output's connection bounded:
     * opening it (a receiver to reach, an {@code srt://…?mode=listener} waiting for its caller) gives up after
     * {@code openTimeoutSeconds} or as soon as {@code stopped} says so (a Ctrl-C while the run starts), through
     * FFmpeg's interrupt callback, which every protocol polls.
     */
    public VideoWriter(String target, int pictureWidth, int pictureHeight, int width, int height, double fps,
                       String codec, long bitRate, double openTimeoutSeconds,
                       java.util.function.BooleanSupplier stopped) throws SinkException {
        Ffmpeg.quietUnlessVerbose();
        this.openTimeoutSeconds = openTimeoutSeconds;
        this.stopped = stopped;
        if (width < 2 || height < 2 || width % 2 != 0 || height % 2 != 0 || pictureWidth < 1 || pictureHeight < 1) {
            throw new SinkException("output " + target + ": video size " + width + "x" + height
                    + " must be even and positive (H.264 4:2:0)");
        }
        this.target = target;
        this.width = width;
        this.height = height;
        this.pictureWidth = pictureWidth;
        this.pictureHeight = pictureHeight;
        String muxer = muxer(target);
        this.network = muxer != null;
        String url = target;
        if (!network) {
            Path path = Path.of(target.startsWith("file://") ? target.substring(7) : target);
            try {
                Path parent = path.toAbsolutePath().getParent();
                Files.createDirectories(parent);
            } catch (IOException | SecurityException e) {
                throw new SinkException("output " + target + ": cannot create its folder (" + e.getMessage() + ")");
            }
            if (Files.isDirectory(path)) {
                throw new SinkException("output " + target + ": is a folder");
            }
            createdFile = Files.notExists(path) ? path : null;
            lock(path, target);
            url = path.toString();
        }
        this.encoderName = H264Encoders.choose(codec);
        try {
            open(url, muxer, fps, bitRate);
        } catch (SinkException | RuntimeException e) {
            releaseLock();
            if (createdFile != null) {
                try {
                    Files.deleteIfExists(createdFile); // nothing of value was written: leave no stub behind
                } catch (IOException ignored) {
                    // the error being thrown says what went wrong
                }
            }
            close();
            throw e;
        }
    }

    private void open(String url, String muxer, double fps, long bitRate) throws SinkException {
        micros = av_make_q(1, 1_000_000);
        if (network) {
            avformat_network_init();
        }
        format = new AVFormatContext(null);
        int ret = avformat_alloc_output_context2(format, null, muxer, url);
        if (ret < 0 || format.isNull()) {
            format = null;
            throw new SinkException("output " + target + ": no muxer for it (" + Ffmpeg.errorText(ret) + ")");
        }
        AVCodec codec = avcodec_find_encoder_by_name(encoderName);
        stream = avformat_new_stream(format, null);
        encoder = avcodec_alloc_context3(codec);
        AVRational rate = av_d2q(fps, 1001000);
        timeBase = av_make_q(rate.den(), rate.num());
        encoder.width(width).height(height).pix_fmt(AV_PIX_FMT_YUV420P).time_base(timeBase).framerate(rate);
        encoder.gop_size(Math.max(1, (int) Math.round(fps))).max_b_frames(0);
        this.bitRate = bitRate > 0 ? bitRate : Math.max(500_000L, Math.round(0.15 * width * height * fps));
        encoder.bit_rate(this.bitRate);
        if ((format.oformat().flags() & AVFMT_GLOBALHEADER) != 0) {
            encoder.flags(encoder.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
        }
        AVDictionary codecOptions = new AVDictionary(null);
        if (encoderName.equals("libx264")) {
            av_dict_set(codecOptions, "preset", "veryfast", 0);
            if (network) {
                av_dict_set(codecOptions, "tune", "zerolatency", 0);
            }
        }
        ret = avcodec_open2(encoder, codec, codecOptions);
        av_dict_free(codecOptions);
        if (ret < 0) {
            throw new SinkException("output " + target + ": encoder " + encoderName + " does not open at " + width
                    + "x" + height + " (" + Ffmpeg.errorText(ret) + ")");
        }
        openedEncoder = encoder.codec().name().getString();
        if (!openedEncoder.equals(encoderName)) {
            throw new SinkException("output " + target + ": asked for encoder " + encoderName + " but FFmpeg opened "
                    + openedEncoder);
        }
        avcodec_parameters_from_context(stream.codecpar(), encoder);
        stream.time_base(encoder.time_base());
        this.outputUrl = url;
        if (network) {
            startOutput(); // connect now: an unreachable receiver is reported at start
        }
        yuv = av_frame_alloc();
        yuv.format(AV_PIX_FMT_YUV420P).width(width).height(height);
        if ((ret = av_frame_get_buffer(yuv, 0)) < 0) {
            throw new SinkException("output " + target + ": cannot allocate frame (" + Ffmpeg.errorText(ret) + ")");
        }
        bgr = av_frame_alloc();
        bgr.format(AV_PIX_FMT_BGR24).width(pictureWidth).height(pictureHeight);
        bgr.linesize(0, pictureWidth * 3);
        sws = sws_getContext(pictureWidth, pictureHeight, AV_PIX_FMT_BGR24, width, height, AV_PIX_FMT_YUV420P,
                SWS_BILINEAR, null, null, (DoublePointer) null);
        packet = av_packet_alloc();
    }

    /**
     * Opens the output and writes the header. A file is only opened (and an existing one truncated) when the first
     * frame arrives: a run that fails while starting leaves the file that was there untouched.
     */
    private void startOutput() throws SinkException {
        int ret;
        String url = outputUrl;
        if ((format.oformat().flags() & AVFMT_NOFILE) == 0) {
            AVIOContext pb = new AVIOContext(null);
            long started = System.nanoTime();
            if (network) {
                openGate.until = Double.isInfinite(openTimeoutSeconds) ? Long.MAX_VALUE
                        : started + Math.round(openTimeoutSeconds * 1e9);
                interrupt = new org.bytedeco.ffmpeg.avformat.AVIOInterruptCB();
                interrupt.callback(openGate);
            }
            ret = avio_open2(pb, url, AVIO_FLAG_WRITE, interrupt, null);
            openGate.connected = true; // from now on sending is watched by its own failures, never cut short
            if (ret < 0) {
                String why = stopped.getAsBoolean() ? "stopped while connecting"
                        : network && System.nanoTime() >= started + Math.round(openTimeoutSeconds * 1e9)
                        ? "no receiver within " + openTimeoutSeconds + " s (--timeout)" : Ffmpeg.errorText(ret);
                throw new SinkException("output " + target + ": cannot open for writing (" + why + ")");
            }
            format.pb(pb);
        }
        AVDictionary muxOptions = new AVDictionary(null);
        String name = url.toLowerCase(Locale.ROOT);
        if (!network && (name.endsWith(".mp4") || name.endsWith(".mov"))) {
            av_dict_set(muxOptions, "movflags", "+frag_keyframe+empty_moov+default_base_moof", 0);
        }
        if (!network) {
            // Hand every packet to the file at once: otherwise FFmpeg's 256 KiB write buffer holds back the header
            // and the first fragments, and a run killed in its first seconds leaves an unplayable file.
            av_dict_set(muxOptions, "flush_packets", "1", 0);
        }
        ret = avformat_write_header(format, muxOptions);
        av_dict_free(muxOptions);
        if (ret < 0) {
            throw new SinkException("output " + target + ": cannot write header (" + Ffmpeg.errorText(ret) + ")");
        }
        headerWritten = true;
        // The muxer may change the stream's time base in write_header; read it (and the index) once, here.
        streamTimeBase = av_make_q(stream.time_base().num(), stream.time_base().den());
        streamIndex = stream.index();
    }

    /** Name of the encoder that really opened, read back from the codec context (e.g. {@code libopenh264}). */
    public String openedEncoder() {
        return openedEncoder;
    }

    public String target() {
        return target;
    }

    public long framesWritten() {
        return frames;
    }

    /** Failed sends to a network receiver (counted, not fatal while running; the run ends non-zero). */
    public long sendFailures() {
        return sendFailures;
    }

    /** Frames of which at least one packet could not be sent to the network receiver. */
    public long framesNotSent() {
        return framesNotSent;
    }

    @Override
    public String describe() {
        return "video " + target + " (" + openedEncoder + " " + width + "x" + height + ", "
                + bitRate / 1000 + " kb/s" + (network ? ", stream" : "") + ")";
    }

    @Override
    public void accept(FrameResult frame) throws SinkException {
        write(frame.annotatedBgr(), frame.sourceTimeMicros());
    }

    /**
     * Encodes one packed BGR24 picture of the writer's picture size.
     *
     * @param bgrPixels  direct buffer, {@code pictureWidth*pictureHeight*3} bytes from index 0
     * @param timeMicros presentation time; frames are timed by it (gaps from dropped frames are kept)
     */
    public void write(ByteBuffer bgrPixels, long timeMicros) throws SinkException {
        if (!headerWritten) {
            startOutput();
            createdFile = null; // the file now holds this run's video
        }
        bgr.data(0, pointerTo(bgrPixels));
        int ret = av_frame_make_writable(yuv);
        if (ret < 0) {
            throw new SinkException("output " + target + ": frame not writable (" + Ffmpeg.errorText(ret) + ")");
        }
        sws_scale_frame(sws, yuv, bgr);
        long pts = av_rescale_q(timeMicros, micros, timeBase);
        if (pts <= lastPts) {
            pts = lastPts + 1;
        }
        lastPts = pts;
        yuv.pts(pts);
        ret = avcodec_send_frame(encoder, yuv);
        if (ret < 0) {
            throw new SinkException("output " + target + ": encoder " + encoderName + " refused frame "
                    + frames + " (" + Ffmpeg.errorText(ret) + ")");
        }
        long failedBefore = sendFailures;
        drainPackets();
        frames++;
        if (sendFailures > failedBefore) {
            framesNotSent++;
        }
    }

    /** Native pointers to the callers' pooled buffers (one per ring slot), made once each and reused. */
    private BytePointer pointerTo(ByteBuffer pixels) {
        for (int i = 0; i < knownCount; i++) {
            if (knownBuffers[i] == pixels) {
                return knownPointers[i];
            }
        }
        BytePointer p = new BytePointer(pixels);
        if (knownCount < knownBuffers.length) {
            knownBuffers[knownCount] = pixels;
            knownPointers[knownCount++] = p;
        } else {
            knownPointers[knownBuffers.length - 1].close();
            knownBuffers[knownBuffers.length - 1] = pixels;
            knownPointers[knownBuffers.length - 1] = p;
        }
        return p;
    }

    private void drainPackets() throws SinkException {
        while (true) {
            int ret = avcodec_receive_packet(encoder, packet);
            if (ret == EAGAIN || ret == AVERROR_EOF) {
                return;
            }
            if (ret < 0) {
                throw new SinkException("output " + target + ": encoding failed (" + Ffmpeg.errorText(ret) + ")");
            }
            av_packet_rescale_ts(packet, timeBase, streamTimeBase);
            packet.stream_index(streamIndex);
            ret = av_interleaved_write_frame(format, packet);
            if (ret < 0) {
                if (network) {
                    sendFailures++;
                } else {
                    throw new SinkException("output " + target + ": write failed (" + Ffmpeg.errorText(ret) + ")");
                }
            }
        }
    }

    /**
     * Takes an exclusive lock on the output file before anything truncates it, so that a second run writing the same
     * file at the same time is refused instead of interleaving its fragments with this one's (a hybrid, corrupt file).
     * The file keeps its name while it is written: a fragmented MP4 is playable at that name even after a crash.
     */
    private void lock(Path path, String target) throws SinkException {
        lockChannel = OutputLock.open(path, target);
    }

    private void releaseLock() {
        try {
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException ignored) {
            // the process is letting go of the file anyway
        }
        lockChannel = null;
    }

    /** Flushes the encoder, writes the trailer and frees everything. Idempotent. */
    @Override
    public void close() throws SinkException {
        if (closed) {
            return;
        }
        closed = true;
        SinkException error = null;
        try {
            if (headerWritten) {
                avcodec_send_frame(encoder, null);
                try {
                    drainPackets();
                } catch (SinkException e) {
                    error = e;
                }
                int ret = av_write_trailer(format);
                if (ret < 0 && error == null && !network) {
                    error = new SinkException("output " + target + ": cannot finalise (" + Ffmpeg.errorText(ret)
                            + ")");
                }
            }
        } finally {
            if (packet != null) {
                av_packet_free(packet);
            }
            if (sws != null) {
                sws_freeContext(sws);
            }
            if (bgr != null) {
                bgr.data(0, null);
                av_frame_free(bgr);
            }
            if (yuv != null) {
                av_frame_free(yuv);
            }
            for (int i = 0; i < knownCount; i++) {
                knownPointers[i].close();
            }
            if (encoder != null) {
                avcodec_free_context(encoder);
            }
            if (format != null) {
                if (format.pb() != null && (format.oformat().flags() & AVFMT_NOFILE) == 0) {
                    avio_closep(format.pb());
                }
                avformat_free_context(format);
            }
            if (interrupt != null) {
                interrupt.close();
            }
            openGate.close();
            if (micros != null) {
                micros.close();
            }
            if (timeBase != null) {
                timeBase.close();
            }
            if (streamTimeBase != null) {
                streamTimeBase.close();
            }
            releaseLock();
            if (!headerWritten && createdFile != null) {
                try {
                    Files.deleteIfExists(createdFile); // no frame came: no empty file left behind
                } catch (IOException ignored) {
                    // nothing to report: the run wrote no video
                }
            }
        }
        if (error != null) {
            throw error;
        }
    }
}
