package io.roadseg.cli;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code --camvid DIR --splits a,b}: the CamVid data a training command reads (train, train-bundle). */
final class CamvidOptions {
    @Option(names = "--camvid", description = "CamVid root (default: ../shared/data/camvid beside the project).")
    Path camvid;

    @Option(names = "--splits", defaultValue = "train,val", split = ",",
            description = "CamVid splits to train on (default: ${DEFAULT-VALUE}); the held-out sequence is left out.")
    List<String> splits;

    /**
     * @return the CamVid root, checked to be a folder holding each split named once (with its labels), before
     *         anything is written
     */
    Path root() throws UserError, UsageError {
        Path root = camvid != null ? camvid : Path.of("../shared/data/camvid");
        if (!Files.isDirectory(root)) {
            throw new UserError("data " + root + ": CamVid folder not found");
        }
        if (splits.size() != new java.util.HashSet<>(splits).size()) {
            throw new UsageError("--splits " + String.join(",", splits) + ": a split named twice (its frames would "
                    + "count twice)");
        }
        for (String s : splits) {
            if (!Files.isDirectory(root.resolve(s)) || !Files.isDirectory(root.resolve(s + "annot"))) {
                throw new UsageError("--splits " + String.join(",", splits) + ": " + root.resolve(s) + " (with "
                        + s + "annot beside it) not found");
            }
        }
        return root;
    }
}
