package io.roadseg.engine.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where ONNX Runtime's native libraries are loaded from. Left to itself, ONNX Runtime's Java API extracts them (22 MB)
 * into a new {@code /tmp/onnxruntime-java*} folder on every start, and a process that is killed leaves them there; on
 * a vehicle or a fleet node that runs thousands of times that fills {@code /tmp}. Instead they are extracted once per version into
 * {@code ~/.cache/roadseg/onnxruntime-<version>-linux-x64/} and ONNX Runtime is pointed there through its documented
 * {@code onnxruntime.native.path} property. A user who sets that property keeps control; other platforms keep ONNX
 * Runtime's own behaviour.
 *
 * <p>Threading: {@link #install()} is idempotent and synchronized; extraction is atomic (temporary file + move), so
 * two processes starting together both end up with complete files.
 */
final class OrtNativeLibraries {
    static final String PROPERTY = "onnxruntime.native.path";
    private static final String[] LIBRARIES = {"libonnxruntime.so", "libonnxruntime4j_jni.so"};
    private static boolean done;

    private OrtNativeLibraries() {
    }

    /** Extracts (once) and points ONNX Runtime at the cached libraries; any failure leaves ONNX Runtime's default. */
    static synchronized void install() {
        if (done) {
            return;
        }
        done = true;
        if (System.getProperty(PROPERTY) != null || !"Linux".equals(System.getProperty("os.name"))
                || !"amd64".equals(System.getProperty("os.arch"))) {
            return;
        }
        String version = ai.onnxruntime.OrtEnvironment.class.getPackage().getImplementationVersion();
        try {
            long size = 0;
            for (String lib : LIBRARIES) {
                size += resourceSize(lib);
            }
            Path dir = Path.of(System.getProperty("user.home"), ".cache", "roadseg",
                    "onnxruntime-" + (version != null ? version : "size" + size) + "-linux-x64");
            Files.createDirectories(dir);
            for (String lib : LIBRARIES) {
                Path target = dir.resolve(lib);
                if (Files.isRegularFile(target) && Files.size(target) == resourceSize(lib)) {
                    continue;
                }
                Path temp = Files.createTempFile(dir, lib, ".tmp");
                try (InputStream in = resource(lib)) {
                    Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            System.setProperty(PROPERTY, dir.toString());
            removeStaleTemporaryFolders();
        } catch (IOException | RuntimeException e) {
            // an unwritable home: ONNX Runtime extracts to /tmp as it always did
        }
    }

    /**
     * ONNX Runtime still makes an (empty) {@code onnxruntime-java*} folder per start and deletes it when the JVM
     * exits; a process that was killed leaves it, and older versions left their extracted libraries in it. Such
     * folders older than an hour are removed here, on the next start.
     */
    private static void removeStaleTemporaryFolders() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long cutoff = System.currentTimeMillis() - 3_600_000L;
        try (java.util.stream.Stream<Path> folders = Files.list(tmp)) {
            for (Path f : folders.filter(p -> p.getFileName().toString().startsWith("onnxruntime-java")).toList()) {
                try {
                    if (Files.isDirectory(f) && Files.getLastModifiedTime(f).toMillis() < cutoff) {
                        try (java.util.stream.Stream<Path> inside = Files.list(f)) {
                            for (Path lib : inside.toList()) {
                                Files.deleteIfExists(lib);
                            }
                        }
                        Files.deleteIfExists(f);
                    }
                } catch (IOException | RuntimeException e) {
                    // another user's folder, or in use: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // no readable temporary folder: nothing to tidy
        }
    }

    private static InputStream resource(String lib) throws IOException {
        InputStream in = OrtNativeLibraries.class.getResourceAsStream("/ai/onnxruntime/native/linux-x64/" + lib);
        if (in == null) {
            throw new IOException("no " + lib + " in the ONNX Runtime jar");
        }
        return in;
    }

    /** The library's size in the jar, from the entry's header (nothing is decompressed). */
    private static long resourceSize(String lib) throws IOException {
        java.net.URL url = OrtNativeLibraries.class.getResource("/ai/onnxruntime/native/linux-x64/" + lib);
        if (url == null) {
            throw new IOException("no " + lib + " in the ONNX Runtime jar");
        }
        long size = url.openConnection().getContentLengthLong();
        if (size < 0) {
            throw new IOException("size of " + lib + " unknown");
        }
        return size;
    }
}
