package io.roadseg.source;

/**
 * What a source delivers, known once it is open.
 *
 * @param uri              the source as the user named it
 * @param width            frame width in pixels
 * @param height           frame height in pixels
 * @param fps              nominal frame rate (the recording's own, or the camera's); never ≤ 0
 * @param live             true for cameras and network streams: frames arrive in real time and must not queue
 * @param frameCount       frames in a recording when known, else -1
 * @param codec            decoder name, for logs
 * @param framesCodedApart whether each frame is coded on its own (raw pictures, JPEG, PNG, a folder of images, a
 *                         recording's picture messages), so two identical frames mean the camera repeated itself;
 *                         false for inter-frame video codecs (H.264, a recording's video topic) and synthetic drives
 */
public record SourceInfo(String uri, int width, int height, double fps, boolean live, long frameCount,
                         String codec, boolean framesCodedApart) {
    /** A source whose decoder name ({@code codec}, FFmpeg's) says whether its frames are coded apart. */
    public SourceInfo(String uri, int width, int height, double fps, boolean live, long frameCount, String codec) {
        this(uri, width, height, fps, live, frameCount, codec, codedApart(codec));
    }

    public int frameBytes() {
        return width * height * 3;
    }

    /**
     * Whether frames of a codec of this name are each coded on their own: raw video, MJPEG and still-image codecs
     * (FFmpeg's names), a folder of images, an MCAP recording's picture messages. Not inter-frame codecs, nor roadseg's
     * synthetic drives (a noise-free renderer: a vehicle standing still renders the same picture). Sources that know
     * better (a recording whose topic may be pictures or a video stream) say so themselves.
     */
    public static boolean codedApart(String codec) {
        String c = codec == null ? "" : codec.toLowerCase(java.util.Locale.ROOT);
        for (String apart : new String[] {"rawvideo", "mjpeg", "jpeg", "png", "bmp", "tiff", "image files",
                "mcap "}) {
            if (c.startsWith(apart)) {
                return true;
            }
        }
        return false;
    }
}
