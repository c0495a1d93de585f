package io.roadseg.fleet.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives on any file system the cluster reads (HDFS, S3 through s3a, GCS, {@code file://}): a list file or a glob is
 * read through Hadoop's {@link FileSystem} on the driver, and each executor copies a drive to its local disk before
 * decoding it (FFmpeg and the recording reader need local files), deleting the copy afterwards. Plain paths without a
 * scheme stay on the local file system ({@code io.roadseg.fleet.DriveList}).
 */
final class HadoopDrives {
    private HadoopDrives() {
    }

    /** @return true for a URI with a scheme (hdfs://, s3a://, file:/…; Hadoop writes file:/path) */
    static boolean isUri(String s) {
        return s.matches("[a-zA-Z][a-zA-Z0-9+.-]+:/.*");
    }

    /** The drives of a list file or glob on a Hadoop file system, sorted. */
    static List<String> read(String listOrGlob, Configuration conf) throws IOException {
        Path p = new Path(listOrGlob);
        FileSystem fs = p.getFileSystem(conf);
        List<String> drives = new ArrayList<>();
        if (!hasGlob(listOrGlob) && fs.isFile(p)) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(p), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    String d = line.strip();
                    if (!d.isEmpty() && !d.startsWith("#")) {
                        drives.add(d);
                    }
                }
            }
        } else {
            FileStatus[] found = fs.globStatus(p);
            if (found == null) {
                throw new IOException("--drives " + listOrGlob + ": no such list file or folder");
            }
            for (FileStatus f : found) {
                drives.add(f.getPath().toString());
            }
        }
        drives.sort(null);
        return drives;
    }

    /**
     * A local copy of a drive (a recording folder or a single file) under {@code tmp}; the caller deletes it.
     *
     * @return the local path to evaluate
     */
    static java.nio.file.Path localCopy(String drive, java.nio.file.Path tmp, Configuration conf)
            throws IOException {
        Path p = new Path(drive);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
            throw new IOException("no such file or folder");
        }
        java.nio.file.Path local = tmp.resolve(p.getName());
        fs.copyToLocalFile(false, p, new Path(local.toUri()), true);
        return local;
    }

    /** What an executor does with one drive: {@code source} is the drive itself, or its local copy. */
    interface DriveWork {
        void on(String drive, String source) throws Exception;
    }

    /**
     * Each drive through {@code work}: a local file as it is, a drive on HDFS, S3, … from a local copy under a
     * temporary folder, deleted after; a copy or work that fails with an {@code IOException} goes to {@code failed}
     * with its message.
     */
    static void forEach(java.util.Iterator<String> drives, Configuration conf, DriveWork work,
                        java.util.function.BiConsumer<String, String> failed) throws Exception {
        java.nio.file.Path tmp = Files.createTempDirectory("roadseg-drive");
        try {
            while (drives.hasNext()) {
                String drive = drives.next();
                java.nio.file.Path local = null;
                try {
                    if (isUri(drive)) {
                        local = localCopy(drive, tmp, conf);
                    }
                    work.on(drive, local == null ? drive : local.toString());
                } catch (IOException e) {
                    failed.accept(drive, e.getMessage());
                } finally {
                    if (local != null) {
                        delete(local);
                    }
                }
            }
        } finally {
            delete(tmp);
        }
    }

    static void delete(java.nio.file.Path local) {
        try (var walk = Files.walk(local)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary copy
        }
    }

    private static boolean hasGlob(String s) {
        for (char c : s.toCharArray()) {
            if ("*?[{".indexOf(c) >= 0) {
                return true;
            }
        }
        return false;
    }
}
