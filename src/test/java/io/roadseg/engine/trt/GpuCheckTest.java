package io.roadseg.engine.trt;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The GPU check's behaviour where it cannot measure: it says why and exits with its documented codes. */
class GpuCheckTest {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) throws Exception {
        return GpuCheck.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void withoutTensorRtItExits2SayingWhatIsMissing() throws Exception {
        String reason = TensorRtProviderTest.reasonHere();
        assertEquals(2, run());
        assertEquals("gpu-check: TensorRT cannot run here: " + reason, err.toString(StandardCharsets.UTF_8).strip());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badArgumentsExit64NamingTheOption() throws Exception {
        assertEquals(64, run("--frames", "many"));
        assertEquals("gpu-check: option --frames many: expected a whole number",
                err.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void anUnknownOptionListsTheKnownOnes() throws Exception {
        assertEquals(64, run("--precision", "fp16"));
        assertEquals("gpu-check: unknown option --precision (known: --model --source --frames --iterations "
                + "--calibration --cache-dir --out)", err.toString(StandardCharsets.UTF_8).strip());
    }
}
