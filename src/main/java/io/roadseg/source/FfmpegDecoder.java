package io.roadseg.source;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_LOW_DELAY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale_frame;

/**
 * One stream's FFmpeg decoder, its packet and frame, and the conversion of its frames to BGR24: what a file or stream
 * ({@link FfmpegVideoSource}: packets from its demuxer) and a recording's video topic ({@link VideoPackets}: a packet
 * per message) decode with alike. Every native object is allocated by {@link #open} and freed by {@link #close}; the
 * BGR buffer is (re)allocated only when the size asked for changes, the scaler only when the frames' size or pixel
 * format does.
 *
 * <p>Threading: one thread.
 */
final class FfmpegDecoder implements AutoCloseable {
    final AVCodecContext context;
    final AVPacket packet;
    final AVFrame decoded;
    private final AVFrame bgr;
    private BytePointer bgrData;
    private int bgrWidth;
    private int bgrHeight;
    private SwsContext sws;
    private int swsWidth;
    private int swsHeight;
    private int swsFormat = -1;
    private boolean closed;

    private FfmpegDecoder(AVCodecContext context) {
        this.context = context;
        this.packet = av_packet_alloc();
        this.decoded = av_frame_alloc();
        this.bgr = av_frame_alloc();
    }

    /**
     * Opens {@code codec}'s decoder.
     *
     * @param parameters the stream's codec parameters as a demuxer gives them, or null (packets that carry their own)
     * @param threads    decoding threads
     * @param lowDelay   each packet's picture out at once (a live stream, one frame per message)
     * @param what       what is decoded, for the message ({@code input X}, {@code video format 'h264'})
     * @throws SourceException {@code WHAT: cannot open decoder NAME (…)}
     */
    static FfmpegDecoder open(AVCodec codec, AVCodecParameters parameters, int threads, boolean lowDelay, String what)
            throws SourceException {
        AVCodecContext context = avcodec_alloc_context3(codec);
        if (parameters != null) {
            avcodec_parameters_to_context(context, parameters);
        }
        context.thread_count(threads);
        if (lowDelay) {
            context.flags(context.flags() | AV_CODEC_FLAG_LOW_DELAY);
        }
        int ret = avcodec_open2(context, codec, (AVDictionary) null);
        if (ret < 0) {
            avcodec_free_context(context);
            throw new SourceException(what + ": cannot open decoder " + codec.name().getString() + " ("
                    + Ffmpeg.errorText(ret) + ")");
        }
        return new FfmpegDecoder(context);
    }

    /**
     * Makes the BGR24 buffer {@code width}×{@code height} where it is another size (rows of {@code width × 3} bytes).
     *
     * @return null where it is; else why not
     */
    String allocateBgr(int width, int height) {
        if (bgrData != null && width == bgrWidth && height == bgrHeight) {
            return null;
        }
        av_frame_unref(bgr);
        bgrData = null;
        bgr.format(AV_PIX_FMT_BGR24).width(width).height(height);
        int ret = av_frame_get_buffer(bgr, 1);
        if (ret < 0) {
            return "cannot allocate a " + width + "x" + height + " frame (" + Ffmpeg.errorText(ret) + ")";
        }
        if (bgr.linesize(0) != width * 3) {
            return "unexpected BGR row stride " + bgr.linesize(0);
        }
        bgrWidth = width;
        bgrHeight = height;
        bgrData = bgr.data(0).capacity((long) width * height * 3);
        return null;
    }

    /** The BGR24 buffer as last allocated ({@link #allocateBgr}); a new pointer only when it was reallocated. */
    BytePointer bgrData() {
        return bgrData;
    }

    /**
     * Converts {@link #decoded} to BGR24 in the buffer of {@link #allocateBgr} (scaled to its size where the frame's
     * differs).
     *
     * @return null where it did; else why not
     */
    String toBgr() {
        int w = decoded.width();
        int h = decoded.height();
        int fmt = decoded.format();
        if (sws == null || w != swsWidth || h != swsHeight || fmt != swsFormat) {
            // only when the stream's size or pixel format changes: the returned Java object is an allocation
            sws = sws_getCachedContext(sws, w, h, fmt, bgrWidth, bgrHeight, AV_PIX_FMT_BGR24, SWS_BILINEAR, null,
                    null, (DoublePointer) null);
            swsWidth = w;
            swsHeight = h;
            swsFormat = fmt;
        }
        if (sws == null) {
            return "cannot convert pixel format " + fmt + " to BGR24";
        }
        int ret = sws_scale_frame(sws, bgr, decoded);
        return ret < 0 ? "pixel conversion failed (" + Ffmpeg.errorText(ret) + ")" : null;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (sws != null) {
            sws_freeContext(sws);
            sws = null;
        }
        av_frame_free(bgr);
        av_frame_free(decoded);
        av_packet_free(packet);
        avcodec_free_context(context);
    }
}
