package io.roadseg.rosbag2;

import com.github.luben.zstd.Zstd;
import io.roadseg.mcap.DamagedPartException;
import io.roadseg.mcap.IndexedRecording;
import io.roadseg.mcap.Recording;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A ROS 2 bag in rosbag2's SQLite storage — the {@code .db3} files {@code ros2 bag record} writes by default up to
 * ROS 2 Humble (and with {@code -s sqlite3} since) — read as a {@link Recording}, so it replays as an MCAP recording
 * does: pictures, CameraInfo, {@code /tf_static}, odometry. A bag is its folder ({@code metadata.yaml} beside one or
 * more {@code NAME_N.db3} files, split bags read in order) or one {@code .db3} file.
 *
 * <p>Each file's {@code topics} table gives the channels (the same topic in several split files is one channel), its
 * {@code messages} table the messages: CDR bytes with their receive time in nanoseconds. One pass over each file's
 * {@code messages} B-tree at open reads only the cell headers (topic and time) and remembers where each message sits;
 * a channel's messages are then read in time order (the recorder's order where times tie), each copied from its page
 * and overflow pages into one buffer the cursor keeps. The {@code message_definitions} table (Iron and later) gives a
 * type's definition as the schema; Humble's bags have none, and the ROS 2 types roadseg reads are known by name.
 * Message-mode zstd compression ({@code ros2 bag record --compression-mode message}) is undone per message; a file-mode
 * compressed file ({@code .db3.zstd}) is decompressed to a temporary file at open, deleted at close.
 *
 * <p>Threading: one thread per instance (each cursor reads through the shared files).
 */
public final class Rosbag2Reader extends IndexedRecording {
    private final Path path;
    private final List<SqliteFile> files = new ArrayList<>();
    private final String distro;
    /** Why messages may be missing: a write-ahead log left beside a file (its recorder did not close it), or null. */
    private String unfinished;
    private final boolean messageCompression;

    private Rosbag2Reader(Path path) throws IOException {
        this.path = path;
        List<Path> dbs = new ArrayList<>();
        String compressionMode = "";
        String compressionFormat = "";
        if (Files.isDirectory(path)) {
            Path metadata = path.resolve("metadata.yaml");
            String yaml = Files.isRegularFile(metadata) ? Files.readString(metadata) : "";
            compressionFormat = yamlValue(yaml, "compression_format");
            compressionMode = yamlValue(yaml, "compression_mode");
            List<String> listed = new ArrayList<>();
            Matcher m = Pattern.compile("(?m)^\\s*-\\s*([^\\s#]+\\.db3(\\.zstd)?)\\s*$").matcher(yaml);
            while (m.find()) {
                listed.add(m.group(1).replaceAll("^[\"']|[\"']$", ""));
            }
            if (listed.isEmpty()) {
                try (Stream<Path> s = Files.list(path)) {
                    s.filter(p -> p.getFileName().toString().endsWith(".db3")).forEach(dbs::add);
                }
                dbs.sort((a, b) -> compareSplits(a.getFileName().toString(), b.getFileName().toString()));
            } else {
                for (String name : listed) {
                    dbs.add(path.resolve(name));
                }
            }
        } else {
            dbs.add(path);
        }
        boolean fileCompression = compressionMode.equalsIgnoreCase("FILE")
                || dbs.stream().anyMatch(p -> p.toString().endsWith(".zstd"));
        if (fileCompression && !compressionFormat.isEmpty() && !compressionFormat.equalsIgnoreCase("zstd")) {
            throw new IOException("input " + path + ": a rosbag2 bag compressed file by file with '"
                    + compressionFormat + "' (roadseg reads zstd, rosbag2's compressor): ros2 bag decompress it first");
        }
        messageCompression = compressionMode.equalsIgnoreCase("MESSAGE");
        if (messageCompression && !compressionFormat.equalsIgnoreCase("zstd")) {
            throw new IOException("input " + path + ": messages compressed with '" + compressionFormat
                    + "' (roadseg reads zstd, rosbag2's compressor)");
        }
        if (dbs.isEmpty()) {
            throw new IOException("input " + path + ": a rosbag2 folder without .db3 files");
        }
        String rosDistro = "";
        Map<String, Integer> byTopic = new HashMap<>();
        try {
            for (Path db : dbs) {
                if (!Files.isRegularFile(db)) {
                    throw new IOException("input " + path + ": " + path.relativize(db) + " (listed in metadata.yaml) "
                            + "is missing");
                }
                SqliteFile f = SqliteFile.open(db.toString().endsWith(".zstd") ? decompressed(db) : db);
                files.add(f);
                Path wal = db.resolveSibling(db.getFileName() + "-wal");
                if (unfinished == null && Files.isRegularFile(wal) && Files.size(wal) > 0) {
                    unfinished = "a write-ahead log beside " + db.getFileName() + " (the recorder did not close the "
                            + "bag): the messages still in it are not read";
                }
                rosDistro = readDistro(f, rosDistro);
                Map<String, byte[]> definitions = new HashMap<>();
                Map<String, String> definitionEncodings = new HashMap<>();
                readDefinitions(f, definitions, definitionEncodings);
                Map<Long, Integer> local = readTopics(f, byTopic, definitions, definitionEncodings);
                readMessages(f, files.size() - 1, local);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e instanceof IOException io ? io : new IOException("input " + path + ": damaged bag ("
                    + e.getMessage() + ")");
        }
        sortMessages();
        distro = rosDistro;
    }

    /**
     * A file-mode compressed split file ({@code NAME_N.db3.zstd}, {@code ros2 bag record --compression-mode file})
     * decompressed to a temporary file, deleted when the bag is closed: SQLite's pages need random access.
     */
    private Path decompressed(Path zstd) throws IOException {
        if (temporary == null) {
            temporary = Files.createTempDirectory("roadseg-bag");
        }
        String name = zstd.getFileName().toString();
        Path out = temporary.resolve(name.substring(0, name.length() - ".zstd".length()));
        try (java.io.InputStream in = new com.github.luben.zstd.ZstdInputStream(
                new java.io.BufferedInputStream(Files.newInputStream(zstd)))) {
            Files.copy(in, out);
        } catch (IOException e) {
            throw new IOException("input " + path + ": " + name + " does not decompress (" + e.getMessage()
                    + "; free space for it in " + temporary.getParent() + "?)");
        }
        return out;
    }

    /** Where file-mode compressed files are decompressed to, or null. */
    private Path temporary;

    /** Opens a bag folder or one {@code .db3} file. */
    public static Rosbag2Reader open(Path path) throws IOException {
        return new Rosbag2Reader(path);
    }

    /**
     * Whether {@code path} is a rosbag2 bag in SQLite storage: a {@code .db3} file, or a folder with a
     * {@code metadata.yaml} naming the sqlite3 storage (or with {@code .db3} files beside it).
     */
    public static boolean isBag(Path path) {
        try {
            if (Files.isRegularFile(path)) {
                return path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".db3");
            }
            if (!Files.isDirectory(path) || !Files.isRegularFile(path.resolve("metadata.yaml"))) {
                return false;
            }
            String yaml = Files.readString(path.resolve("metadata.yaml"));
            if (yaml.contains("rosbag2_bagfile_information") && yamlValue(yaml, "storage_identifier")
                    .equals("sqlite3")) {
                return true;
            }
            try (Stream<Path> s = Files.list(path)) {
                return s.anyMatch(p -> p.getFileName().toString().matches(".*\\.db3(\\.zstd)?"));
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static String yamlValue(String yaml, String key) {
        Matcher m = Pattern.compile("(?m)^\\s*" + key + ":\\s*[\"']?([^\"'\\s#]*)").matcher(yaml);
        return m.find() ? m.group(1) : "";
    }

    /** Split files in order: NAME_2.db3 before NAME_10.db3. */
    private static int compareSplits(String a, String b) {
        Matcher ma = Pattern.compile("^(.*?)(\\d+)\\.db3$").matcher(a);
        Matcher mb = Pattern.compile("^(.*?)(\\d+)\\.db3$").matcher(b);
        if (ma.matches() && mb.matches() && ma.group(1).equals(mb.group(1))) {
            return Long.compare(Long.parseLong(ma.group(2)), Long.parseLong(mb.group(2)));
        }
        return a.compareTo(b);
    }

    private static String readDistro(SqliteFile f, String known) throws IOException {
        SqliteFile.Table t = f.table("schema");
        if (t == null || t.column("ros_distro") < 0) {
            return known;
        }
        SqliteFile.Scan s = f.scan(t);
        return s.next() ? s.text(t.column("ros_distro")) : known;
    }

    /**
     * Iron's and later's message definitions ({@code message_definitions}): type name → definition text, and type
     * name → its encoding ({@code ros2msg}, {@code ros2idl}).
     */
    private static void readDefinitions(SqliteFile f, Map<String, byte[]> definitions, Map<String, String> encodings)
            throws IOException {
        SqliteFile.Table t = f.table("message_definitions");
        if (t == null) {
            return;
        }
        int type = t.column("topic_type");
        int text = t.column("encoded_message_definition");
        int encoding = t.column("encoding");
        SqliteFile.Scan s = f.scan(t);
        while (s.next()) {
            String name = s.text(type);
            String definition = s.text(text);
            if (name == null) {
                continue;
            }
            if (definition != null && !definition.isEmpty()) {
                definitions.put(name, definition.getBytes(StandardCharsets.UTF_8));
            }
            if (encoding >= 0 && s.text(encoding) != null) {
                encodings.put(name, s.text(encoding));
            }
        }
    }

    /** This file's topics as channels (one per topic name across the bag); returns its topic ids → channel ids. */
    private Map<Long, Integer> readTopics(SqliteFile f, Map<String, Integer> byTopic, Map<String, byte[]> definitions,
                                          Map<String, String> encodings) throws IOException {
        SqliteFile.Table t = f.table("topics");
        if (t == null || t.column("name") < 0 || t.column("type") < 0) {
            throw new IOException("input " + path + ": " + f.path().getFileName() + " has no rosbag2 topics table "
                    + "(not a ROS 2 bag)");
        }
        int idColumn = t.column("id");
        int format = t.column("serialization_format");
        Map<Long, Integer> local = new HashMap<>();
        SqliteFile.Scan s = f.scan(t);
        while (s.next()) {
            String name = s.text(t.column("name"));
            String type = s.text(t.column("type"));
            long id = idColumn < 0 || s.isNull(idColumn) ? s.rowid() : s.integer(idColumn);
            Integer channel = byTopic.get(name);
            if (channel == null) {
                channel = byTopic.size() + 1;
                byTopic.put(name, channel);
                String encoding = format < 0 || s.text(format) == null ? "cdr" : s.text(format);
                addChannel(channel, name, encoding, type, encodings.getOrDefault(type, "ros2msg"),
                        definitions.getOrDefault(type, new byte[0]));
            }
            local.put(id, channel);
        }
        return local;
    }

    /** One pass over the messages table's cells: topic and time of each, and where it sits. */
    private void readMessages(SqliteFile f, int fileIndex, Map<Long, Integer> topics) throws IOException {
        SqliteFile.Table t = f.table("messages");
        if (t == null || t.column("topic_id") < 0 || t.column("timestamp") < 0 || t.column("data") < 0) {
            throw new IOException("input " + path + ": " + f.path().getFileName() + " has no rosbag2 messages table");
        }
        int topic = t.column("topic_id");
        int time = t.column("timestamp");
        SqliteFile.Scan s = f.scan(t);
        while (s.next()) {
            Integer channel = topics.get(s.integer(topic));
            if (channel != null) {
                messagesOf(channel).add(s.integer(time), fileIndex, s.placePage(), s.placeCell());
            }
        }
    }

    @Override
    public Path file() {
        return path;
    }

    @Override
    public String truncation() {
        return unfinished;
    }

    @Override
    public String profile() {
        return "ros2";
    }

    @Override
    public String library() {
        return "rosbag2 sqlite3" + (distro.isEmpty() ? "" : " (ROS 2 " + distro + ")");
    }

    @Override
    public Recording.Cursor messages(int channelId) {
        return new Cursor(messagesOf(channelId));
    }

    /** One channel's messages in time order, each copied into a buffer the cursor keeps. */
    private final class Cursor extends IndexedCursor {
        private final SqliteFile.Scan[] readers = new SqliteFile.Scan[files.size()];
        /** The message as stored (compressed or not), and decompressed; {@code payload} is the one to read. */
        private byte[] compressed = new byte[1 << 16];
        private byte[] buffer = new byte[0];
        private byte[] payload = compressed;
        private int length;
        private int column = -1;

        Cursor(Messages m) {
            super(m);
        }

        /**
         * Reads a message from its row; a row that cannot be read (a page out of place, an overflow chain cut, a
         * message that does not decompress) is that message's damage alone, as each row is stored on its own.
         */
        @Override
        protected void read(int index) throws IOException {
            try {
                readRow(index);
            } catch (ClosedChannelException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new DamagedPartException(e.getMessage() != null && e.getMessage().startsWith("input ")
                        ? e.getMessage() : "input " + path + ": a damaged message row (" + e + ")", false);
            }
        }

        private void readRow(int index) throws IOException {
            int f = m.a[index];
            SqliteFile file = files.get(f);
            if (readers[f] == null) {
                readers[f] = file.scan(file.table("messages"));
            }
            if (column < 0) {
                column = file.table("messages").column("data");
            }
            SqliteFile.Scan s = readers[f];
            s.seek(m.b[index], m.c[index]);
            int n = s.blobLength(column);
            if (n < 0) {
                throw new IOException("input " + path + ": a message whose data is not a BLOB");
            }
            if (compressed.length < n) {
                compressed = new byte[Math.max(n, 2 * compressed.length)];
            }
            s.blob(column, compressed);
            // zstd as the bag's metadata says, or as the bytes say (a .db3 read without its metadata.yaml): a zstd
            // frame's magic number is never the start of a CDR message
            boolean zstd = messageCompression || n >= 4 && compressed[0] == 0x28 && compressed[1] == (byte) 0xb5
                    && compressed[2] == 0x2f && compressed[3] == (byte) 0xfd;
            if (!zstd) {
                payload = compressed;
                length = n;
                return;
            }
            long size = Zstd.getFrameContentSize(compressed, 0, n);
            if (size < 0 || size > Integer.MAX_VALUE) {
                throw new IOException("input " + path + ": a zstd-compressed message without its size");
            }
            if (buffer.length < size) {
                buffer = new byte[(int) Math.max(size, 2L * buffer.length)];
            }
            long done = Zstd.decompressByteArray(buffer, 0, (int) size, compressed, 0, n);
            if (Zstd.isError(done)) {
                throw new IOException("input " + path + ": a message does not decompress ("
                        + Zstd.getErrorName(done) + ")");
            }
            payload = buffer;
            length = (int) done;
        }

        @Override
        public byte[] payloadArray() {
            return payload;
        }

        @Override
        public int payloadOffset() {
            return 0;
        }

        @Override
        public int payloadLength() {
            return length;
        }
    }

    private void closeQuietly() {
        for (SqliteFile f : files) {
            try {
                f.close();
            } catch (IOException ignored) {
                // closing a read-only file
            }
        }
        if (temporary != null) {
            try (Stream<Path> s = Files.walk(temporary)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary copy
            }
            temporary = null;
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
