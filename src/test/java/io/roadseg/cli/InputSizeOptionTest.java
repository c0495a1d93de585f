package io.roadseg.cli;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InferenceException;
import io.roadseg.engine.InputSize;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --input-size auto:WxH}: the source's aspect at another pixel count, through the real CPU runtime. */
class InputSizeOptionTest {
    private static final Path SHIPPED = Path.of("engines/roadseg.onnx");

    private static InputSize opened(EngineOptions options) throws Exception {
        try (InferenceEngine e = InferenceEngines.open("cpu", SHIPPED, options, s -> { })) {
            return new InputSize(e.model().inputWidth(), e.model().inputHeight());
        }
    }

    @Test
    void autoWithASizeFitsTheSourcesAspectAtThatPixelCount() throws Exception {
        EngineOptions o = InputSizeOption.apply("auto:640x480", new EngineOptions(1), 960, 540);
        assertEquals(new InputSize(640, 480), o.budget());
        assertEquals(new InputSize(960, 540), o.sourceSize());
        assertNull(o.inputSize());
        // 16:9 at about 640x480's pixels, multiples of the stride 16; plain auto keeps the model's 480x352 budget
        assertEquals(new InputSize(736, 416), opened(o));
        assertEquals(new InputSize(544, 304), opened(InputSizeOption.apply("auto", new EngineOptions(1), 960, 540)));
        assertEquals(new InputSize(640, 480), opened(InputSizeOption.apply("auto:640x480", new EngineOptions(1),
                480, 360)));
    }

    @Test
    void withoutASourceThePixelCountRunsAtItsOwnAspectInStrideMultiples() throws Exception {
        assertEquals(new InputSize(640, 480), opened(InputSizeOption.apply("auto:640x480", new EngineOptions(1),
                0, 0)));
        InputSize odd = opened(InputSizeOption.apply("auto:500x350", new EngineOptions(1), 0, 0));
        assertEquals(0, odd.width() % 16, odd.toString());
        assertEquals(0, odd.height() % 16, odd.toString());
        assertTrue(odd.width() * odd.height() <= 500 * 350 * 1.03, odd.toString());
        // a plain WxH is a size, not a pixel count: off the stride it is refused, naming the rule
        InferenceException e = assertThrows(InferenceException.class,
                () -> opened(InputSizeOption.apply("500x352", new EngineOptions(1), 0, 0)));
        assertTrue(e.getMessage().contains("not a multiple of the network's stride 16"), e.getMessage());
    }

    @Test
    void aMalformedValueIsAUsageErrorStatingTheForms() {
        for (String bad : new String[] {"auto:640", "auto:", "auto:x480", "autox"}) {
            UsageError e = assertThrows(UsageError.class,
                    () -> InputSizeOption.apply(bad, new EngineOptions(1), 960, 540), bad);
            assertTrue(e.getMessage().startsWith("--input-size " + bad + ": expected auto, auto:WIDTHxHEIGHT"),
                    e.getMessage());
        }
    }
}
