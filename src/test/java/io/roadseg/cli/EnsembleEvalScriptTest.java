package io.roadseg.cli;

import io.roadseg.TestData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code scripts/EnsembleEval.java} (the model card's ensemble measurement) compiles against the current code, and an
 * ensemble of a model with itself scores exactly what {@code roadseg eval --camvid} gives that model on real frames.
 */
class EnsembleEvalScriptTest {
    private static final Pattern MEAN = Pattern.compile("mean IoU (\\d+\\.\\d\\d) %");

    @TempDir
    Path dir;

    @Test
    void anEnsembleOfOneModelTwiceScoresAsEvalScoresTheModel() throws Exception {
        Path camvid = TestData.root().resolve("camvid");
        Assumptions.assumeTrue(Files.isDirectory(camvid.resolve("val")), camvid + " not present");
        Path model = TestData.smallModel(dir);
        String sequence = "0016E5_0796"; // five frames
        Cli.Outcome eval = Cli.run("eval", "--camvid", camvid.toString(), "--split", "val", "--sequence", sequence,
                "--model", model.toString(), "--input-size", "model");
        assertEquals(0, eval.exit(), eval.stderr());
        Matcher expected = MEAN.matcher(eval.stdout());
        assertTrue(expected.find(), eval.stdout());

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Path classes = Files.createDirectories(dir.resolve("classes"));
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), "-cp",
                System.getProperty("java.class.path"), "scripts/EnsembleEval.java"), "the script compiles");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[]{classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Method main = loader.loadClass("EnsembleEval").getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[]{camvid.toString(), "val", sequence, model.toString(),
                    model.toString()});
        } finally {
            System.setOut(saved);
        }
        String line = printed.toString(StandardCharsets.UTF_8);
        assertTrue(line.startsWith("ensemble of 2 models, 5 frames of val (sequence " + sequence + ")"), line);
        Matcher got = MEAN.matcher(line);
        assertTrue(got.find(), line);
        assertEquals(expected.group(1), got.group(1), "the same frames, scored the same way");
    }
}
