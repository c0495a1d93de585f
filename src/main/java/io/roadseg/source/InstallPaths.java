package io.roadseg.source;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shipped files (model, calibrations, recordings) are: the folder roadseg was installed into (the one
 * holding {@code target/roadseg.jar}), so that {@code cd /tmp && /path/to/roadseg run clip.mp4} finds
 * {@code engines/roadseg.onnx}. A relative path the user gives is taken from the current folder when it exists there,
 * else from the install. Stateless.
 */
public final class InstallPaths {
    private InstallPaths() {
    }

    /** @return the install folder, or null when it cannot be told (classes outside a {@code target/} folder) */
    public static Path root() {
        try {
            Path code = Path.of(InstallPaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // target/roadseg.jar or target/classes → the folder above target/
            Path target = code.getParent();
            if (target != null && target.getFileName() != null && target.getFileName().toString().equals("target")) {
                return target.getParent();
            }
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /**
     * @param path a path as given (or defaulted)
     * @return {@code path} itself when it is absolute or exists from the current folder; else the install's file of
     *     that relative name when it exists; else {@code path} unchanged (its error then names what was given)
     */
    public static Path resolve(Path path) {
        if (path == null || path.isAbsolute() || Files.exists(path)) {
            return path;
        }
        Path root = root();
        if (root != null && Files.exists(root.resolve(path))) {
            return root.resolve(path);
        }
        return path;
    }
}
