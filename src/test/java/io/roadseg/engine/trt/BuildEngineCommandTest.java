package io.roadseg.engine.trt;

import io.roadseg.TestData;
import io.roadseg.cli.Cli;
import io.roadseg.cli.RoadsegCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code roadseg build-engine} where it can run without a GPU: help, option errors, the missing-TensorRT error. */
class BuildEngineCommandTest {
    @TempDir
    Path dir;

    @Test
    void helpListsTheBuildOptions() {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit;
        synchronized (Cli.class) {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            try {
                exit = RoadsegCommand.execute("build-engine", "--help");
            } finally {
                System.setOut(saved);
            }
        }
        String help = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit);
        for (String option : new String[]{"--model", "--precision", "--max-batch", "--workspace-mb", "--calibration",
                "--cache-dir", "--argmax", "--force"}) {
            assertTrue(help.contains(option), option + " missing from:\n" + help);
        }
    }

    @Test
    void anUnknownPrecisionIsOneLine() {
        Cli.Outcome o = Cli.run("build-engine", "--precision", "fp8");
        assertEquals(2, o.exit(), "a bad option value is a usage error");
        assertEquals("roadseg: --precision fp8: expected fp32, fp16 or int8", o.stderr().strip());
    }

    @Test
    void aBadBatchNamesTheOption() {
        Cli.Outcome o = Cli.run("build-engine", "--max-batch", "0");
        assertEquals(2, o.exit(), "a bad option value is a usage error");
        assertEquals("roadseg: --max-batch: max batch must be in 1..256, got 0", o.stderr().strip());
    }

    @Test
    void withoutTensorRtItSaysWhatIsMissing() throws Exception {
        String reason = TensorRtProviderTest.reasonHere();
        Path model = TestData.smallModel(dir);
        Cli.Outcome o = Cli.run("build-engine", "--model", model.toString(), "--precision", "fp32");
        assertEquals(1, o.exit());
        assertEquals("roadseg: engine tensorrt cannot run here: " + reason, o.stderr().strip());
    }
}
