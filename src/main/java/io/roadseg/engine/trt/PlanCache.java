package io.roadseg.engine.trt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Serialized TensorRT plans on disk, one {@code <stem>.plan} per {@link PlanCacheKey} with a {@code <stem>.properties}
 * sidecar holding the key's fields, the plan's size and its SHA-256. A plan is returned only when its sidecar names
 * exactly the wanted key and the bytes hash to what the sidecar says; anything else — a plan without sidecar, a
 * sidecar for another key (a file copied from another machine), a truncated or altered plan — is reported in one
 * warning line and treated as absent, so the caller rebuilds and overwrites it.
 *
 * <p>A cache that cannot be written does not stop the engine: {@link #store} warns once per folder and process,
 * saying where it tried and that the plan lives in memory for this run only, and returns false (a silent rebuild at
 * every start is the failure this avoids: jetson-inference#1644).
 *
 * <p>Threading: instances keep no mutable state except the process-wide set of folders already warned about, which
 * is concurrent; files are written to a temporary name and moved into place, so a reader never sees half a plan.
 */
public final class PlanCache {
    private static final Set<Path> WARNED_UNWRITABLE = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final Consumer<String> log;

    /**
     * @param dir folder of the cache (created on the first {@link #store})
     * @param log receives each warning as one line, starting with {@code warning: }
     */
    public PlanCache(Path dir, Consumer<String> log) {
        this.dir = dir;
        this.log = log;
    }

    public Path dir() {
        return dir;
    }

    /** Where the plan for {@code key} is (or would be) stored. */
    public Path planFile(PlanCacheKey key) {
        return dir.resolve(key.fileStem() + ".plan");
    }

    /** Where the sidecar of the plan for {@code key} is (or would be) stored. */
    public Path sidecarFile(PlanCacheKey key) {
        return dir.resolve(key.fileStem() + ".properties");
    }

    /**
     * The cached plan for {@code key}, verified against its sidecar; empty when there is none or it cannot be
     * trusted (then one warning line says why).
     */
    public Optional<byte[]> lookup(PlanCacheKey key) {
        Path plan = planFile(key);
        Path side = sidecarFile(key);
        if (!Files.exists(plan)) {
            return Optional.empty();
        }
        Map<String, String> fields;
        try {
            fields = readSidecar(side);
        } catch (NoSuchFileException e) {
            log.accept("warning: engine cache " + plan + ": no sidecar " + side.getFileName()
                    + " to verify it; rebuilding");
            return Optional.empty();
        } catch (IOException e) {
            log.accept("warning: engine cache " + side + ": unreadable or corrupt sidecar (" + e.getMessage()
                    + "); rebuilding");
            return Optional.empty();
        }
        PlanCacheKey stored;
        try {
            stored = PlanCacheKey.fromFields(fields);
        } catch (IllegalArgumentException e) {
            log.accept("warning: engine cache " + side + ": corrupt sidecar (" + e.getMessage() + "); rebuilding");
            return Optional.empty();
        }
        List<String> diff = key.differences(stored);
        if (!diff.isEmpty()) {
            log.accept("warning: engine cache " + plan + ": built for another setup (" + String.join(", ", diff)
                    + "); rebuilding");
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(plan);
        } catch (IOException e) {
            log.accept("warning: engine cache " + plan + ": unreadable (" + e.getMessage() + "); rebuilding");
            return Optional.empty();
        }
        String wantSize = fields.get("plan.bytes");
        String wantSha = fields.get("plan.sha256");
        if (wantSize == null || wantSha == null) {
            log.accept("warning: engine cache " + side + ": corrupt sidecar (no plan.bytes or plan.sha256); "
                    + "rebuilding");
            return Optional.empty();
        }
        if (!wantSize.equals(Long.toString(bytes.length))) {
            log.accept("warning: engine cache " + plan + ": corrupt (" + bytes.length + " bytes, its sidecar says "
                    + wantSize + "); rebuilding");
            return Optional.empty();
        }
        if (!wantSha.equals(PlanCacheKey.sha256(bytes))) {
            log.accept("warning: engine cache " + plan + ": corrupt (content does not match the SHA-256 in its "
                    + "sidecar); rebuilding");
            return Optional.empty();
        }
        return Optional.of(bytes);
    }

    /**
     * Finds a plan whose key equals {@code key} in every field except the calibration table: for an INT8 plan
     * where the calibration images are not present (a deployed vehicle ships the plan, not the images). Plans that
     * fail verification are skipped with a warning, as in {@link #lookup}.
     *
     * @return the first verified match in file-name order, with its key
     */
    public Optional<Map.Entry<PlanCacheKey, byte[]>> lookupAnyCalibration(PlanCacheKey key) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        List<Path> sidecars = new java.util.ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.properties")) {
            s.forEach(sidecars::add);
        } catch (IOException e) {
            log.accept("warning: engine cache " + dir + ": cannot list (" + e.getMessage() + ")");
            return Optional.empty();
        }
        sidecars.sort(null);
        for (Path side : sidecars) {
            PlanCacheKey stored;
            try {
                stored = PlanCacheKey.fromFields(readSidecar(side));
            } catch (IOException | IllegalArgumentException e) {
                continue;
            }
            if (stored.equalsIgnoringCalibration(key)) {
                Optional<byte[]> plan = lookup(stored);
                if (plan.isPresent()) {
                    return Optional.of(Map.entry(stored, plan.get()));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Writes the plan and its sidecar. On failure warns once per folder per process and returns false; the caller
     * goes on with the plan it holds in memory.
     *
     * @return true when both files were written
     */
    public boolean store(PlanCacheKey key, byte[] plan) {
        Path planPath = planFile(key);
        try {
            Files.createDirectories(dir);
            writeAtomically(planPath, plan);
            Properties p = new Properties();
            p.setProperty("format", PlanCacheKey.FORMAT);
            for (Map.Entry<String, String> e : key.fields().entrySet()) {
                p.setProperty(e.getKey(), e.getValue());
            }
            p.setProperty("plan.bytes", Long.toString(plan.length));
            p.setProperty("plan.sha256", PlanCacheKey.sha256(plan));
            java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
            p.store(text, "roadseg TensorRT plan " + planPath.getFileName() + ": " + key);
            writeAtomically(sidecarFile(key), text.toByteArray());
            return true;
        } catch (IOException | SecurityException e) {
            if (WARNED_UNWRITABLE.add(dir.toAbsolutePath().normalize())) {
                log.accept("warning: engine cache: cannot write " + planPath + " (" + describe(e) + "); the plan "
                        + "is kept in memory for this run only and will be rebuilt at the next start; make " + dir
                        + " writable or point ROADSEG_TRT_CACHE_DIR (or --cache-dir) at a writable folder");
            }
            return false;
        }
    }

    /** Deletes the plan and sidecar for {@code key} after TensorRT refused the plan, saying why in one line. */
    public void reject(PlanCacheKey key, String reason) {
        log.accept("warning: engine cache " + planFile(key) + ": " + reason + "; rebuilding");
        try {
            Files.deleteIfExists(planFile(key));
            Files.deleteIfExists(sidecarFile(key));
        } catch (IOException e) {
            // the rebuilt plan overwrites it, or the cache is read-only and store() says so
        }
    }

    private static Map<String, String> readSidecar(Path side) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(side)) {
            p.load(in);
        } catch (IllegalArgumentException e) {
            throw new IOException("malformed properties: " + e.getMessage(), e);
        }
        if (!PlanCacheKey.FORMAT.equals(p.getProperty("format"))) {
            throw new IOException("sidecar format '" + p.getProperty("format") + "', expected "
                    + PlanCacheKey.FORMAT);
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            m.put(name, p.getProperty(name));
        }
        return m;
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(bytes);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
