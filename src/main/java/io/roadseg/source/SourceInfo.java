package io.roadseg.source;

/**
 * What a source delivers, known once it is open.
 *
 * @param uri        the source as the user named it
 * @param width      frame width in pixels
 * @param height     frame height in pixels
 * @param fps        nominal frame rate (the recording's own, or the camera's); never ≤ 0
 * @param live       true for cameras and network streams: frames arrive in real time and must not queue
 * @param frameCount frames in a recording when known, else -1
 * @param codec      decoder name, for logs
 */
public record SourceInfo(String uri, int width, int height, double fps, boolean live, long frameCount,
                         String codec) {
    public int frameBytes() {
        return width * height * 3;
    }
}
