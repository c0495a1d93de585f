package io.roadseg.mcap;

import java.io.IOException;

/**
 * A part of a recording that cannot be read while the rest of the file can: a chunk that does not decompress or fails
 * its checksum, a message record that runs past its chunk, a database page out of place. The message names the file
 * and the place in one line. Thrown while opening, it is as fatal as any other {@link IOException}; met by a cursor,
 * the cursor skips what it covers ({@link Recording.Cursor#skipped()}) and the recording lists it
 * ({@link Recording#damage()}).
 */
public final class DamagedPartException extends IOException {
    private final boolean wholeChunk;

    /** @param wholeChunk whether every message in the same chunk is lost with it, not this message alone */
    public DamagedPartException(String message, boolean wholeChunk) {
        super(message);
        this.wholeChunk = wholeChunk;
    }

    /** @return whether every message in the same chunk is lost with it */
    public boolean wholeChunk() {
        return wholeChunk;
    }
}
