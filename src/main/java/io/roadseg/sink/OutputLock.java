package io.roadseg.sink;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An output file opened for writing under an exclusive lock, taken before anything truncates it, so that a second
 * run writing the same file at the same time is refused instead of interleaving its data with this one's. Closing
 * the channel releases the lock.
 */
final class OutputLock {
    private OutputLock() {
    }

    /** Opens (creating) {@code path} for writing, locked; the file's content is left as it is. */
    static FileChannel open(Path path, String target) throws SinkException {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new SinkException("output " + target + ": cannot be opened for writing (" + e.getMessage() + ")");
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException | IOException e) {
            lock = null;
        }
        if (lock == null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was written
            }
            throw new SinkException("output " + target + ": another run is writing this file (it is locked); "
                    + "choose another --out");
        }
        return channel;
    }
}
