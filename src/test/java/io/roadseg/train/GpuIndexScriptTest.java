package io.roadseg.train;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code scripts/gpu-index.sh} on a real git repository made for the test: the index down to the two training
 * scripts and {@code .gitignore} for the device calls (nothing else would travel), back to HEAD's afterwards with the
 * clone's own exclude file as it was; the refusals that keep work from being lost.
 */
class GpuIndexScriptTest {
    private static final Path SCRIPT = Path.of("scripts/gpu-index.sh");

    @TempDir
    Path repo;

    @Test
    void entersAndLeavesWithoutLosingAnything() throws Exception {
        Assumptions.assumeTrue(run(repo, "git", "--version").exit == 0, "git not installed");
        Files.createDirectories(repo.resolve("scripts"));
        Files.copy(SCRIPT, repo.resolve("scripts/gpu-index.sh"));
        repo.resolve("scripts/gpu-index.sh").toFile().setExecutable(true);
        Files.writeString(repo.resolve("scripts/gpu_train.py"), "print('train')\n");
        Files.writeString(repo.resolve("scripts/gpu-train.sh"), "echo train\n");
        Files.writeString(repo.resolve(".gitignore"), "/.gpu/\ntarget/\n");
        Files.createDirectories(repo.resolve("engines"));
        Files.write(repo.resolve("engines/run.ckpt"), new byte[4096]);
        Files.writeString(repo.resolve("README.md"), "readme\n");
        git("init", "-q");
        git("add", "-A");
        git("commit", "-q", "-m", "start");
        Path exclude = repo.resolve(".git/info/exclude");
        Files.createDirectories(exclude.getParent());
        Files.writeString(exclude, "/scratch/\n");
        List<String> all = lines(git("ls-files"));

        // a staged change would be dropped by leave's reset: refused
        Files.writeString(repo.resolve("README.md"), "changed\n");
        git("add", "README.md");
        Result staged = script("enter");
        assertEquals(1, staged.exit, staged.output);
        assertTrue(staged.output.contains("staged changes in the index"), staged.output);
        git("reset", "-q");

        Result entered = script("enter");
        assertEquals(0, entered.exit, entered.output);
        assertEquals(List.of(".gitignore", "scripts/gpu-train.sh", "scripts/gpu_train.py"), lines(git("ls-files")));
        assertEquals("/*\n", Files.readString(exclude));
        // nothing else travels: no untracked file left unignored, the working tree untouched
        assertEquals("", git("status", "--porcelain", "--untracked-files=all").lines()
                .filter(l -> l.startsWith("??")).reduce("", String::concat));
        assertTrue(Files.isRegularFile(repo.resolve("engines/run.ckpt")));
        assertEquals("changed\n", Files.readString(repo.resolve("README.md")));
        assertTrue(entered.output.contains("does not ignore .gpx/"), entered.output);
        assertFalse(entered.output.contains("does not ignore .gpu/"), entered.output);
        Result twice = script("enter");
        assertEquals(1, twice.exit, twice.output);
        assertTrue(twice.output.contains("already entered"), twice.output);
        assertTrue(script("status").output.startsWith("entered: .gitignore"));

        Result left = script("leave");
        assertEquals(0, left.exit, left.output);
        assertEquals(all, lines(git("ls-files")));
        assertEquals("/scratch/\n", Files.readString(exclude));
        assertEquals(List.of(" M README.md"), lines(git("status", "--porcelain")));
        Result again = script("leave");
        assertEquals(1, again.exit, again.output);
        assertTrue(again.output.contains("not entered"), again.output);

        // a clone without an exclude file of its own has none afterwards either
        Files.delete(exclude);
        assertEquals(0, script("enter", "scripts/gpu_train.py").exit);
        assertEquals(List.of(".gitignore", "scripts/gpu_train.py"), lines(git("ls-files")));
        assertEquals(0, script("leave").exit);
        assertFalse(Files.exists(exclude));
        assertEquals(64, script("sideways").exit);
    }

    private record Result(int exit, String output) {
    }

    private Result script(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", "scripts/gpu-index.sh"));
        command.addAll(List.of(args));
        return run(repo, command.toArray(String[]::new));
    }

    private String git(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=test", "-c", "user.email=test@example.org",
                "-c", "commit.gpgsign=false"));
        command.addAll(List.of(args));
        Result r = run(repo, command.toArray(String[]::new));
        assertEquals(0, r.exit, String.join(" ", command) + ": " + r.output);
        return r.output;
    }

    private static List<String> lines(String s) {
        return s.lines().filter(l -> !l.isBlank()).toList();
    }

    private static Result run(Path dir, String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            return new Result(127, e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        return new Result(p.exitValue(), out);
    }
}
