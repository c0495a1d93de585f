package io.roadseg.mcap;

import java.io.IOException;

/** An MCAP file that cannot be read as one: the message names the file and the problem in one line. */
public final class McapException extends IOException {
    public McapException(String message) {
        super(message);
    }
}
