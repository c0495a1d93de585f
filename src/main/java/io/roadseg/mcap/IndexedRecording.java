package io.roadseg.mcap;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A recording whose messages are located once, at open, from its own index or tables — a ROS 1 bag's index records,
 * a rosbag2 database's message table — and read one by one later: the channels, their schemas, and per channel each
 * message's time and where it sits (three numbers the format gives meaning to), in time order.
 */
public abstract class IndexedRecording implements Recording {
    private final Map<Integer, McapReader.Channel> channels = new LinkedHashMap<>();
    private final Map<Integer, McapReader.Schema> schemas = new HashMap<>();
    private final Map<Integer, Messages> messages = new HashMap<>();
    /** The damaged parts the cursors met. */
    protected final DamagedParts damage = new DamagedParts();

    /** Where one channel's messages are: each one's time and three numbers locating it, growing as they are found. */
    protected static final class Messages {
        public int n;
        public long[] time = new long[64];
        public int[] a = new int[64];
        public int[] b = new int[64];
        public int[] c = new int[64];

        public void add(long t, int x, int y, int z) {
            if (n == time.length) {
                time = Arrays.copyOf(time, 2 * n);
                a = Arrays.copyOf(a, 2 * n);
                b = Arrays.copyOf(b, 2 * n);
                c = Arrays.copyOf(c, 2 * n);
            }
            time[n] = t;
            a[n] = x;
            b[n] = y;
            c[n] = z;
            n++;
        }

        /** Time order; the recorded order where times tie (a stable sort). */
        void sort() {
            boolean sorted = true;
            for (int i = 1; i < n && sorted; i++) {
                sorted = time[i - 1] <= time[i];
            }
            if (sorted) {
                return;
            }
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (p, q) -> Long.compare(time[p], time[q]));
            long[] t = new long[n];
            int[] x = new int[n];
            int[] y = new int[n];
            int[] z = new int[n];
            for (int i = 0; i < n; i++) {
                t[i] = time[order[i]];
                x[i] = a[order[i]];
                y[i] = b[order[i]];
                z[i] = c[order[i]];
            }
            time = t;
            a = x;
            b = y;
            c = z;
        }
    }

    /**
     * A channel's messages in time order, each read by {@link #read} from where it sits; a damaged one
     * ({@link DamagedPartException}) is skipped and counted, with every later one in the same chunk where the whole
     * chunk is lost.
     */
    protected abstract class IndexedCursor implements Recording.Cursor {
        protected final Messages m;
        private int index = -1;
        private int skipped;

        protected IndexedCursor(Messages m) {
            this.m = m;
        }

        /**
         * Reads message {@code i} (its place in {@code m}) into the cursor's buffer.
         *
         * @throws DamagedPartException where the message, or its chunk, cannot be read while others can
         */
        protected abstract void read(int i) throws java.io.IOException;

        /**
         * The chunk message {@code i} is in, as a position in the file that no other chunk has (its place in
         * {@link #damage}); -1 where each message is stored on its own.
         */
        protected long chunkOf(int i) {
            return -1;
        }

        @Override
        public int size() {
            return m.n;
        }

        @Override
        public int skipped() {
            return skipped;
        }

        @Override
        public void rewind() {
            index = -1;
        }

        @Override
        public boolean next() throws java.io.IOException {
            while (index + 1 < m.n) {
                index++;
                long chunk = chunkOf(index);
                if (chunk >= 0 && damage.has(chunk)) {
                    skipped++;
                    continue;
                }
                try {
                    read(index);
                    return true;
                } catch (DamagedPartException e) {
                    damage.note(e.wholeChunk() && chunk >= 0 ? Long.valueOf(chunk) : new MessagePlace(m,
                            index), e.getMessage());
                    skipped++;
                }
            }
            return false;
        }

        @Override
        public long logTime() {
            return m.time[index];
        }
    }

    /** A damaged message's place: its channel's messages and its index among them. */
    private record MessagePlace(Messages channel, int index) {
    }

    /** Adds a channel (its id its schema's id too); returns where its messages go. */
    protected Messages addChannel(int id, String topic, String messageEncoding, String type, String schemaEncoding,
                                  byte[] schema) {
        channels.put(id, new McapReader.Channel(id, id, topic, messageEncoding, Map.of()));
        schemas.put(id, new McapReader.Schema(id, type, schemaEncoding, schema));
        Messages m = new Messages();
        messages.put(id, m);
        return m;
    }

    /** Forgets every channel and message found so far (an index that turned out damaged: read again otherwise). */
    protected void clearChannels() {
        channels.clear();
        schemas.clear();
        messages.clear();
    }

    /** A channel's messages, in time order once {@link #sortMessages} ran (empty for an unknown channel). */
    protected Messages messagesOf(int channelId) {
        Messages m = messages.get(channelId);
        return m == null ? new Messages() : m;
    }

    /** Puts every channel's messages in time order: the last step of opening. */
    protected void sortMessages() {
        for (Messages m : messages.values()) {
            m.sort();
        }
    }

    @Override
    public Map<Integer, McapReader.Channel> channels() {
        return Collections.unmodifiableMap(channels);
    }

    @Override
    public McapReader.Schema schemaOf(McapReader.Channel c) {
        return schemas.get(c.schemaId());
    }

    /** The messages were located through the recording's own index or tables. */
    @Override
    public boolean indexed() {
        return true;
    }

    @Override
    public String truncation() {
        return null;
    }

    @Override
    public DamagedParts damage() {
        return damage;
    }

    @Override
    public int messageCount(int channelId) {
        return messagesOf(channelId).n;
    }

    @Override
    public long[] timeRange(int channelId) {
        Messages m = messagesOf(channelId);
        return m.n == 0 ? new long[] {0, 0} : new long[] {m.time[0], m.time[m.n - 1]};
    }
}
