package io.roadseg.sink;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.javacpp.PointerPointer;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.av_codec_is_encoder;
import static org.bytedeco.ffmpeg.global.avcodec.av_codec_iterate;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;

/**
 * Which H.264 encoder to use. The default FFmpeg build (LGPL) has libopenh264; the GPL build ({@code -gpl}
 * classifier, see README) adds libx264, which is faster and better at the same bit rate but makes what a user ships
 * GPL. {@code auto} prefers libx264 when present, then libopenh264; it never falls back to a non-H.264 codec, which
 * is what FFmpeg itself does silently when a named encoder is missing.
 *
 * <p>Threading: stateless.
 */
public final class H264Encoders {
    public static final String AUTO = "auto";
    private static final String[] PREFERENCE = {"libx264", "libopenh264"};

    private H264Encoders() {
    }

    /** Names of the H.264 encoders in this FFmpeg build. */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        try (PointerPointer<?> opaque = new PointerPointer<>(1)) {
            opaque.put(0, null);
            for (AVCodec c = av_codec_iterate(opaque); c != null; c = av_codec_iterate(opaque)) {
                if (av_codec_is_encoder(c) != 0 && c.id() == AV_CODEC_ID_H264) {
                    names.add(c.name().getString());
                }
            }
        }
        return names;
    }

    /** Resolves {@code requested} ({@code auto} or an encoder name) to an encoder that exists here. */
    public static String choose(String requested) throws SinkException {
        if (AUTO.equals(requested)) {
            for (String name : PREFERENCE) {
                if (avcodec_find_encoder_by_name(name) != null) {
                    return name;
                }
            }
            throw new SinkException("encoder auto: this FFmpeg build has no libx264 or libopenh264 (H.264 encoders "
                    + "here: " + available() + ")");
        }
        AVCodec codec = avcodec_find_encoder_by_name(requested);
        if (codec == null) {
            throw new SinkException("encoder " + requested + ": not in this FFmpeg build (H.264 encoders here: "
                    + available() + "; libx264 needs the GPL build, see README)");
        }
        if (codec.id() != AV_CODEC_ID_H264) {
            throw new SinkException("encoder " + requested + ": not an H.264 encoder");
        }
        return requested;
    }
}
