package io.roadseg.mcap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A recorded drive's channels and their messages, whatever file holds them: an MCAP file ({@link McapReader}), a
 * ROS 2 bag in rosbag2's SQLite storage ({@link io.roadseg.rosbag2.Rosbag2Reader}) or a ROS 1 bag
 * ({@link io.roadseg.rosbag1.Rosbag1Reader}). What the recording source and
 * {@code roadseg info} read.
 */
public interface Recording extends AutoCloseable {
    /** The file or folder read. */
    Path file();

    /** The recording's profile ({@code ros2}, {@code ros1}, or empty). */
    String profile();

    /** What wrote it, as it says. */
    String library();

    /** Every channel by id. */
    Map<Integer, McapReader.Channel> channels();

    /** A channel's schema (its message type), or null for a schemaless one. */
    McapReader.Schema schemaOf(McapReader.Channel c);

    /** Whether the messages were found through an index (else by reading the whole file). */
    boolean indexed();

    /** Why the recording ends early (a file cut short), or null. */
    String truncation();

    /**
     * The parts of the recording found damaged so far and skipped: at open (a file read without an index) or as
     * cursors reached them; none for an undamaged file.
     */
    DamagedParts damage();

    /** A channel's message count. */
    int messageCount(int channelId);

    /** A channel's first and last message time, nanoseconds. */
    long[] timeRange(int channelId);

    /** One channel's messages in time order. */
    Cursor messages(int channelId);

    /**
     * Reads every message of every channel, so that every damaged part is found ({@link #damage()}).
     *
     * @return per channel id, the messages skipped as damaged (channels without any left out)
     */
    default Map<Integer, Integer> checkEveryMessage() throws IOException {
        Map<Integer, Integer> lost = new java.util.TreeMap<>();
        for (McapReader.Channel c : channels().values()) {
            Cursor cursor = messages(c.id());
            while (cursor.next()) {
                // each message located and read
            }
            if (cursor.skipped() > 0) {
                lost.put(c.id(), cursor.skipped());
            }
        }
        return lost;
    }

    @Override
    void close() throws IOException;

    /** One channel's messages in time order; the payload a view into a reused buffer, valid until the next call. */
    interface Cursor {
        /** The number of messages. */
        int size();

        /** Back before the first message. */
        void rewind();

        /** Moves to the next message; false after the last. */
        boolean next() throws IOException;

        /**
         * Messages this cursor skipped because the part of the recording holding them is damaged
         * ({@link Recording#damage()}); counted again on a second pass.
         */
        int skipped();

        /** The message's time (its log or receive time), nanoseconds. */
        long logTime();

        byte[] payloadArray();

        int payloadOffset();

        int payloadLength();
    }
}
