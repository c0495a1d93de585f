package io.roadseg.source;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.util.Locale;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AV1;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_VP9;
import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/**
 * Decodes a recorded video stream one message at a time — {@code foxglove.CompressedVideo} and its ROS 2 twin
 * {@code foxglove_msgs/msg/CompressedVideo}, which carry in each message the packet of exactly one frame
 * (H.264 or H.265 in Annex B, VP9, AV1), and {@code ffmpeg_image_transport}'s packets and a {@code CompressedImage}
 * whose format names a codec likewise — with FFmpeg's decoder on one thread in low-delay mode ({@link FfmpegDecoder},
 * as a file's), so each packet gives its picture at once, converted to BGR in a reused {@link Mat}.
 *
 * <p><b>B-frames.</b> Foxglove's schema forbids them, but {@code ffmpeg_image_transport}'s default encoder (libx264
 * with its default settings) makes them: pictures then come out in display order, up to a few packets after the
 * packet that carried them. Each packet is sent with its own key (its number, as its pts), and a picture says by its
 * pts which packet it came from ({@link #pictureKey()}), so the caller stamps it with that packet's message; a packet
 * that gives no picture yet is {@link #pending()}, not damage. A packet whose picture never comes — before the stream's
 * first keyframe, or lost by the decoder — is counted in {@link #lostPackets()} once it is {@value #WINDOW} packets old
 * or the stream is {@linkplain #drain() drained}; at the stream's end {@link #drain()} gives the pictures still held.
 *
 * <p>Every native object is allocated in the constructor (the packet buffer and the picture grow when a larger one
 * comes) and freed in {@link #close}; {@link #decode} allocates nothing in steady state.
 *
 * <p>Threading: one thread.
 */
final class VideoPackets implements AutoCloseable {
    private static final int EAGAIN = -11;

    private final String format;
    private final FfmpegDecoder decoder;
    private BytePointer input = new BytePointer(1L << 16);
    private Mat picture; // a view of the decoder's BGR buffer
    private String lastError;
    /** Packets followed: more than any codec holds back for reordering (H.264 at most 16). */
    static final int WINDOW = 64;
    /** Per key (mod {@link #WINDOW}): whether the packet's picture came out, or it was counted otherwise. */
    private final boolean[] settled = new boolean[WINDOW];
    private long nextKey;
    private long oldestOpen;
    private long lost;
    private long pictureKey = -1;
    private boolean pending;
    private boolean draining;

    /**
     * @param format the messages' {@code format} field: {@code h264}, {@code h265} (or {@code hevc}), {@code vp9},
     *               {@code av1}
     * @throws SourceException {@code video format 'X' …}: a format roadseg does not decode, or one this FFmpeg
     *                         build has no decoder for
     */
    VideoPackets(String format) throws SourceException {
        this.format = format;
        int id = codec(format);
        if (id < 0) {
            throw new SourceException("video format '" + format + "' is not one roadseg decodes (h264, h265, vp9, av1, "
                    + "or an encoder of them such as libx264 or hevc_nvenc)");
        }
        Ffmpeg.quietUnlessVerbose(); // a damaged packet is counted and said once by the source, not logged by FFmpeg
        AVCodec codec = avcodec_find_decoder(id);
        if (codec == null) {
            throw new SourceException("video format '" + format + "': this FFmpeg build has no decoder for it");
        }
        decoder = FfmpegDecoder.open(codec, null, 1, true, "video format '" + format + "'");
    }

    /**
     * FFmpeg's codec for a stream's format as messages name it: the codec ({@code h264}, {@code h265} or
     * {@code hevc}, {@code vp9}, {@code av1}) or, as {@code ffmpeg_image_transport} does, the encoder that made it
     * ({@code libx264}, {@code h264_nvenc}, {@code hevc_vaapi}, {@code libx265}, {@code libaom-av1}, …, an
     * {@code ;pixel format} after it left out); -1 for another.
     */
    static int codec(String format) {
        String f = format.toLowerCase(Locale.ROOT);
        int semicolon = f.indexOf(';');
        if (semicolon >= 0) {
            f = f.substring(0, semicolon);
        }
        if (f.contains("hevc") || f.contains("265")) {
            return AV_CODEC_ID_HEVC;
        }
        if (f.contains("264")) {
            return AV_CODEC_ID_H264;
        }
        if (f.contains("av1")) {
            return AV_CODEC_ID_AV1;
        }
        if (f.contains("vp9")) {
            return AV_CODEC_ID_VP9;
        }
        return -1;
    }

    /** The format it decodes, as the messages name it. */
    String format() {
        return format;
    }

    /**
     * Decodes one message's packet, its key the next number.
     *
     * @return a picture in BGR (reused: valid until the next call), the one of the packet {@link #pictureKey()} names;
     * or null where none came: {@link #pending()} (held for reordering, or before the first keyframe: counted in
     * {@link #lostPackets()} if it never comes), else damaged ({@link #lastError} says how)
     */
    Mat decode(byte[] b, int offset, int length) {
        long key = nextKey++;
        settleBefore(key - WINDOW + 1);
        settled[(int) (key % WINDOW)] = false;
        pending = false;
        if (draining) { // packets after a drain: the decoder starts again
            avcodec_flush_buffers(decoder.context);
            draining = false;
        }
        if (length <= 0) {
            return refused(key, "an empty packet (" + format + ")");
        }
        long need = (long) length + AV_INPUT_BUFFER_PADDING_SIZE;
        if (input.capacity() < need) {
            input.close();
            input = new BytePointer(Math.max(need, 2 * input.capacity()));
        }
        input.position(0).put(b, offset, length);
        for (int i = 0; i < AV_INPUT_BUFFER_PADDING_SIZE; i++) {
            input.put(length + i, (byte) 0);
        }
        decoder.packet.data(input).size(length).pts(key).dts(key);
        int ret = avcodec_send_packet(decoder.context, decoder.packet);
        decoder.packet.data(null).size(0).pts(AV_NOPTS_VALUE).dts(AV_NOPTS_VALUE);
        if (ret < 0 && ret != EAGAIN) {
            return refused(key, "a packet the " + format + " decoder refuses (" + Ffmpeg.errorText(ret) + ")");
        }
        return receive(key);
    }

    /** The next picture out of the decoder, its packet's key in {@link #pictureKey()}; null: none (pending or lost). */
    private Mat receive(long fallbackKey) {
        int ret = avcodec_receive_frame(decoder.context, decoder.decoded);
        if (ret == EAGAIN || ret == AVERROR_EOF) {
            pending = true;
            lastError = "a packet (" + format + ") that gives no picture (before the stream's first keyframe?)";
            return null;
        }
        if (ret < 0) {
            return refused(fallbackKey, "a packet (" + format + ") that does not decode (" + Ffmpeg.errorText(ret)
                    + ")");
        }
        try {
            long key = decoder.decoded.pts();
            pictureKey = key >= oldestOpen && key < nextKey ? key : fallbackKey;
            settled[(int) (pictureKey % WINDOW)] = true;
            return toBgr();
        } finally {
            av_frame_unref(decoder.decoded);
        }
    }

    /** A packet counted as damaged now (so never again as lost). */
    private Mat refused(long key, String why) {
        settled[(int) (key % WINDOW)] = true;
        lastError = why;
        return null;
    }

    /** Counts the packets before {@code key} whose pictures never came, and forgets them. */
    private void settleBefore(long key) {
        for (; oldestOpen < key; oldestOpen++) {
            int slot = (int) (oldestOpen % WINDOW);
            if (!settled[slot]) {
                lost++;
            }
            settled[slot] = true;
        }
    }

    /**
     * At the stream's end: the next picture the decoder still holds (reordered ones), its packet's key in
     * {@link #pictureKey()}; null once none is left, the packets whose pictures never came then counted as lost. The
     * next {@link #decode} starts the decoder again.
     */
    Mat drain() {
        if (!draining) {
            draining = true;
            avcodec_send_packet(decoder.context, null);
        }
        Mat m = receive(nextKey - 1);
        if (m == null) {
            pending = false;
            settleBefore(nextKey);
        }
        return m;
    }

    /** Whether the last {@link #decode} gave no picture yet rather than a damaged packet. */
    boolean pending() {
        return pending;
    }

    /** The key the next {@link #decode} gives its packet. */
    long nextKey() {
        return nextKey;
    }

    /** The key ({@link #decode}'s count, from 0) of the packet the last picture came from. */
    long pictureKey() {
        return pictureKey;
    }

    /** The packets whose pictures never came (settled: older than the window, or drained). */
    long lostPackets() {
        return lost;
    }

    /** The decoded frame in BGR at its own size: the decoder's buffer, and a Mat over it made when the size changes. */
    private Mat toBgr() {
        int w = decoder.decoded.width();
        int h = decoder.decoded.height();
        String why = decoder.allocateBgr(w, h);
        if (why != null) {
            lastError = "a " + w + "x" + h + " " + format + " picture: " + why;
            return null;
        }
        if (picture == null || picture.cols() != w || picture.rows() != h) {
            if (picture != null) {
                picture.close();
            }
            picture = new Mat(h, w, CV_8UC3, decoder.bgrData());
        }
        why = decoder.toBgr();
        if (why != null) {
            lastError = "a " + format + " picture: " + why;
            return null;
        }
        return picture;
    }

    /** Why the last {@link #decode} gave no picture. */
    String lastError() {
        return lastError;
    }

    /** Forgets the frames decoded so far (a replay looping back to its first message, a keyframe). */
    void restart() {
        avcodec_flush_buffers(decoder.context);
        draining = false;
        settleBefore(nextKey);
    }

    @Override
    public void close() {
        if (picture != null) {
            picture.close();
            picture = null;
        }
        decoder.close();
        input.close();
    }
}
