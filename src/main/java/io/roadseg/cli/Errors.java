package io.roadseg.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * File-system failures said as a person would: Java's {@link FileSystemException}s carry the path as their whole
 * message ({@code /proc/simx}) and the problem in their type or in a separate reason; this puts the two together
 * ({@code /proc/simx: permission denied}).
 */
final class Errors {
    private Errors() {
    }

    /** The problem alone: "permission denied", "no such file or folder", the system's reason, else the message. */
    static String reason(Throwable e) {
        if (e instanceof java.io.UncheckedIOException u && u.getCause() != null) {
            return reason(u.getCause());
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof NotDirectoryException) {
            return "not a folder";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "a folder that is not empty";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof FileSystemException f) {
            return f.getReason() != null ? lower(f.getReason()) : "cannot be used (" + e.getClass().getSimpleName()
                    + ")";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * A file-system failure as one line naming the file and the problem (and the other file, for a move or copy);
     * null for any other exception.
     */
    static String describe(Throwable e) {
        if (e instanceof java.io.UncheckedIOException u && u.getCause() instanceof FileSystemException) {
            return describe(u.getCause());
        }
        if (!(e instanceof FileSystemException f)) {
            return null;
        }
        String file = f.getFile();
        String other = f.getOtherFile();
        return (file == null ? "" : file + ": ") + reason(f) + (other == null ? "" : " (" + other + ")");
    }

    private static String lower(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
