package io.roadseg.rosbag2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the tables of an SQLite 3 database file directly, as its file format
 * (<a href="https://www.sqlite.org/fileformat2.html">sqlite.org/fileformat2.html</a>) lays them out: the schema
 * table on page 1, each table a B-tree of pages keyed by row id, a row a record of typed values, a value too large for
 * its page continued on a chain of overflow pages. Read only, no SQL: what a rosbag2 recording
 * ({@link Rosbag2Reader}) needs — its few tables scanned in row id order, a row's values, and a message's bytes read
 * again later from where the scan found it, into a buffer the caller keeps (no allocation per message).
 *
 * <p>Not read: a write-ahead log beside the file (what it holds is left out: a recorder that was killed before it
 * checkpointed; {@link Rosbag2Reader} says so), UTF-16 databases, WITHOUT ROWID tables.
 *
 * <p>Threading: one thread per instance.
 */
final class SqliteFile implements AutoCloseable {
    /** A table: its name, root page and the column names of its CREATE TABLE statement, in order. */
    record Table(String name, int rootPage, List<String> columns) {
        int column(String name) {
            return columns.indexOf(name);
        }
    }

    private final Path path;
    private final FileChannel file;
    private final int pageSize;
    private final int usable;
    private final long pages;
    private final List<Table> tables = new ArrayList<>();

    private SqliteFile(Path path) throws IOException {
        this.path = path;
        this.file = FileChannel.open(path, StandardOpenOption.READ);
        try {
            ByteBuffer header = ByteBuffer.allocate(100);
            if (file.read(header, 0) < 100 || !new String(header.array(), 0, 16, StandardCharsets.ISO_8859_1)
                    .equals("SQLite format 3\0")) {
                throw new IOException("input " + path + ": not an SQLite 3 database");
            }
            int size = ((header.get(16) & 0xff) << 8) | (header.get(17) & 0xff);
            pageSize = size == 1 ? 65536 : size;
            if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0) {
                throw new IOException("input " + path + ": page size " + pageSize + " is not an SQLite page size");
            }
            usable = pageSize - (header.get(20) & 0xff);
            int encoding = header.getInt(56);
            if (encoding != 0 && encoding != 1) {
                throw new IOException("input " + path + ": a UTF-16 database (roadseg reads UTF-8 ones, as rosbag2 writes)");
            }
            pages = file.size() / pageSize;
            page = ByteBuffer.allocate(pageSize);
            loaded = -1;
            readSchema();
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e instanceof IOException io ? io : new IOException("input " + path + ": damaged SQLite file ("
                    + e.getMessage() + ")");
        }
    }

    static SqliteFile open(Path path) throws IOException {
        return new SqliteFile(path);
    }

    Path path() {
        return path;
    }

    /** The table of that name, or null. */
    Table table(String name) {
        for (Table t : tables) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        return null;
    }

    private void readSchema() throws IOException {
        // sqlite_schema: type, name, tbl_name, rootpage, sql
        Scan s = scan(1);
        while (s.next()) {
            if (!"table".equals(s.text(0))) {
                continue;
            }
            String sql = s.text(4);
            tables.add(new Table(s.text(1), (int) s.integer(3), sql == null ? List.of() : columns(sql)));
        }
    }

    /** The column names of a CREATE TABLE statement: the first word of each top-level item that is not a constraint. */
    static List<String> columns(String sql) {
        int open = sql.indexOf('(');
        int close = sql.lastIndexOf(')');
        List<String> names = new ArrayList<>();
        if (open < 0 || close < open) {
            return names;
        }
        int depth = 0;
        int start = open + 1;
        for (int i = open + 1; i <= close; i++) {
            char c = sql.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && i < close) {
                depth--;
            } else if ((c == ',' && depth == 0) || i == close) {
                String item = sql.substring(start, i).strip();
                start = i + 1;
                String word = item.split("\\s+", 2)[0].replaceAll("^[\"`\\[]|[\"`\\]]$", "");
                String upper = word.toUpperCase(java.util.Locale.ROOT);
                if (!word.isEmpty()
                        && !List.of("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN").contains(upper)) {
                    names.add(word);
                }
            }
        }
        return names;
    }

    // ---- pages ----

    private final ByteBuffer page;
    private long loaded;

    /** Page {@code n} (1-based) into the one page buffer. */
    private ByteBuffer load(long n) throws IOException {
        if (n < 1 || n > pages) {
            throw new IOException("input " + path + ": page " + n + " outside the file's " + pages + " pages (damaged or "
                    + "still being written)");
        }
        if (loaded != n) {
            page.clear();
            long at = (n - 1) * pageSize;
            while (page.hasRemaining()) {
                if (file.read(page, at + page.position()) < 0) {
                    throw new IOException("input " + path + ": cut short in page " + n);
                }
            }
            loaded = n;
        }
        return page;
    }

    /** A table's rows in row id order. */
    Scan scan(Table t) {
        return scan(t.rootPage());
    }

    private Scan scan(int root) {
        return new Scan(root);
    }

    /**
     * One row at a time, in row id order: a depth-first walk of the table's B-tree. A row's values are read from its
     * record (the part on its page; a value reaching into the overflow chain is read from there on request).
     */
    final class Scan {
        private final int[] stackPage = new int[32];
        private final int[] stackCell = new int[32];
        private int depth;
        private int leaf;
        private int cell = -1;
        private int cells;
        /** The current row: its id, where its payload starts on the page, its payload and local sizes. */
        private long rowid;
        private int payloadAt;
        private long payloadSize;
        private int local;
        private final long[] scratch = new long[2];
        private final long[] serial = new long[64];
        private final long[] valueAt = new long[64];
        private int columns;

        private Scan(int root) {
            stackPage[0] = root;
            stackCell[0] = -1;
            depth = 1;
            leaf = 0;
        }

        /** Moves to the next row; false after the last. */
        boolean next() throws IOException {
            while (true) {
                if (leaf != 0 && cell + 1 < cells) {
                    cell++;
                    readCell();
                    return true;
                }
                leaf = 0;
                // climb to a page with children left, then down its leftmost unvisited child to a leaf
                while (depth > 0) {
                    int p = stackPage[depth - 1];
                    ByteBuffer b = load(p);
                    int h = p == 1 ? 100 : 0;
                    int type = b.get(h) & 0xff;
                    if (type == 0x0d) { // a leaf table page
                        depth--;
                        if (stackCell[depth] == -1) {
                            leaf = p;
                            cells = b.getShort(h + 3) & 0xffff;
                            cell = -1;
                            stackCell[depth] = 0;
                            break;
                        }
                        continue;
                    }
                    if (type != 0x05) {
                        throw new IOException("input " + path + ": page " + p + " is not a table page (type " + type + ")");
                    }
                    int n = b.getShort(h + 3) & 0xffff;
                    int next = stackCell[depth - 1] + 1;
                    stackCell[depth - 1] = next;
                    if (next > n) {
                        depth--;
                        continue;
                    }
                    int child = next < n ? b.getInt(b.getShort(h + 12 + 2 * next) & 0xffff)
                            : b.getInt(h + 8); // the right-most pointer after the cells
                    if (depth == stackPage.length) {
                        throw new IOException("input " + path + ": a B-tree deeper than 32 pages");
                    }
                    stackPage[depth] = child;
                    stackCell[depth] = -1;
                    depth++;
                }
                if (leaf == 0) {
                    return false;
                }
            }
        }

        /** Reads the current cell's header and its record's serial types. */
        private void readCell() throws IOException {
            ByteBuffer b = load(leaf);
            read(b, leaf, cell);
        }

        private void read(ByteBuffer b, int pageNumber, int index) throws IOException {
            int h = pageNumber == 1 ? 100 : 0;
            int at = b.getShort(h + 8 + 2 * index) & 0xffff;
            long[] v = scratch;
            at = varint(b, at, v);
            payloadSize = v[0];
            at = varint(b, at, v);
            rowid = v[0];
            payloadAt = at;
            local = localSize(payloadSize);
            // the record header: its size, then one serial type per column
            int p = 0;
            long headerSize = varintAt(p, v);
            p = (int) v[1];
            long offset = headerSize;
            columns = 0;
            while (p < headerSize && columns < serial.length) {
                varintAt(p, v);
                p = (int) v[1];
                serial[columns] = v[0];
                valueAt[columns] = offset;
                offset += size(v[0]);
                columns++;
            }
        }

        /** A varint at payload offset {@code p} (on the page: record headers are small); v[0] value, v[1] next. */
        private long varintAt(int p, long[] v) throws IOException {
            long value = 0;
            for (int i = 0; i < 9; i++) {
                int x = payloadByte(p + i);
                if (i == 8) {
                    value = (value << 8) | x;
                    v[0] = value;
                    v[1] = p + 9;
                    return value;
                }
                value = (value << 7) | (x & 0x7f);
                if ((x & 0x80) == 0) {
                    v[0] = value;
                    v[1] = p + i + 1;
                    return value;
                }
            }
            throw new IllegalStateException();
        }

        private int payloadByte(long p) throws IOException {
            if (p >= local) {
                throw new IOException("input " + path + ": a record header reaching into its overflow pages (not read)");
            }
            return load(leaf).get(payloadAt + (int) p) & 0xff;
        }

        long rowid() {
            return rowid;
        }

        int placePage() {
            return leaf;
        }

        int placeCell() {
            return cell;
        }

        boolean isNull(int column) {
            return column >= columns || serial[column] == 0;
        }

        /** An integer column (NULL 0); an INTEGER PRIMARY KEY column is the row id. */
        long integer(int column) throws IOException {
            if (column >= columns) {
                return 0;
            }
            long t = serial[column];
            if (t == 8 || t == 0) {
                return 0;
            }
            if (t == 9) {
                return 1;
            }
            if (t < 1 || t > 6) {
                throw new IOException("input " + path + ": column " + column + " is not an integer (serial type " + t + ")");
            }
            int n = (int) size(t);
            long value = (byte) payloadByte(valueAt[column]); // sign-extended first byte
            for (int i = 1; i < n; i++) {
                value = (value << 8) | payloadByte(valueAt[column] + i);
            }
            return value;
        }

        /** A text column (null for NULL), read from the page and its overflow chain. */
        String text(int column) throws IOException {
            if (isNull(column)) {
                return null;
            }
            long t = serial[column];
            if (t < 13 || t % 2 == 0) {
                return t >= 1 && t <= 9 ? Long.toString(integer(column)) : null;
            }
            byte[] bytes = new byte[(int) size(t)];
            copy(valueAt[column], bytes, 0, bytes.length);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /** The length in bytes of a BLOB column (-1 where the column is not a BLOB). */
        int blobLength(int column) {
            long t = column < columns ? serial[column] : 0;
            return t >= 12 && t % 2 == 0 ? (int) size(t) : -1;
        }

        /** Copies a BLOB column into {@code out} (at least {@link #blobLength} long). */
        void blob(int column, byte[] out) throws IOException {
            copy(valueAt[column], out, 0, blobLength(column));
        }

        /** Copies {@code n} payload bytes from offset {@code from} into {@code out}: its page, then overflow pages. */
        private void copy(long from, byte[] out, int at, int n) throws IOException {
            long p = from;
            int done = 0;
            if (p < local) {
                int k = (int) Math.min(n, local - p);
                ByteBuffer b = load(leaf);
                b.get(payloadAt + (int) p, out, at, k);
                done = k;
                p += k;
            }
            if (done == n) {
                return;
            }
            // the overflow chain: the first page number follows the local part; each page: next (4 bytes), content
            ByteBuffer b = load(leaf);
            long overflow = b.getInt(payloadAt + local) & 0xffffffffL;
            long skip = p - local;
            int per = usable - 4;
            int cellLeaf = leaf;
            while (done < n) {
                if (overflow == 0) {
                    throw new IOException("input " + path + ": an overflow chain ends early (damaged file)");
                }
                ByteBuffer o = load(overflow);
                long nextPage = o.getInt(0) & 0xffffffffL;
                if (skip >= per) {
                    skip -= per;
                } else {
                    int k = (int) Math.min(n - done, per - skip);
                    o.get(4 + (int) skip, out, at + done, k);
                    done += k;
                    skip = 0;
                }
                overflow = nextPage;
            }
            load(cellLeaf);
        }

        /** Positions this scan's row reader on a cell found earlier ({@link #placePage}, {@link #placeCell}). */
        void seek(int pageNumber, int index) throws IOException {
            leaf = pageNumber;
            cell = index;
            ByteBuffer b = load(pageNumber);
            int h = pageNumber == 1 ? 100 : 0;
            if ((b.get(h) & 0xff) != 0x0d || index >= (b.getShort(h + 3) & 0xffff)) {
                throw new IOException("input " + path + ": row at page " + pageNumber + " cell " + index + " is gone");
            }
            cells = 0; // a seek ends the walk
            depth = 0;
            read(b, pageNumber, index);
        }
    }

    /** The bytes a payload of {@code p} bytes keeps on its leaf page (the rest is in overflow pages). */
    private int localSize(long p) {
        int x = usable - 35;
        if (p <= x) {
            return (int) p;
        }
        int m = ((usable - 12) * 32 / 255) - 23;
        int k = (int) (m + ((p - m) % (usable - 4)));
        return k <= x ? k : m;
    }

    /** The size of a value of serial type {@code t}. */
    private static long size(long t) {
        if (t >= 12) {
            return (t - (t % 2 == 0 ? 12 : 13)) / 2;
        }
        return switch ((int) t) {
            case 1 -> 1;
            case 2 -> 2;
            case 3 -> 3;
            case 4 -> 4;
            case 5 -> 6;
            case 6, 7 -> 8;
            default -> 0;
        };
    }

    /** A varint on a page at {@code at}: v[0] its value; returns the offset after it. */
    private static int varint(ByteBuffer b, int at, long[] v) {
        long value = 0;
        for (int i = 0; i < 9; i++) {
            int x = b.get(at + i) & 0xff;
            if (i == 8) {
                v[0] = (value << 8) | x;
                return at + 9;
            }
            value = (value << 7) | (x & 0x7f);
            if ((x & 0x80) == 0) {
                v[0] = value;
                return at + i + 1;
            }
        }
        throw new IllegalStateException();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
