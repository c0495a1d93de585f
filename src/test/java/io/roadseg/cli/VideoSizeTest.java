package io.roadseg.cli;

import io.roadseg.TestData;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The annotated video keeps the source's aspect, and its resolution when asked. */
class VideoSizeTest {
    @TempDir
    Path dir;

    private int[] sizeOf(Path video) throws Exception {
        try (FrameSource back = FrameSources.open(video.toString(), SourceOptions.defaults())) {
            return new int[] {back.info().width(), back.info().height()};
        }
    }

    @Test
    void atTheSourcesResolutionEachPanelIsTheSourcesSize() throws Exception {
        Path video = dir.resolve("source.mp4");
        Cli.Outcome o = Cli.run("run", "recordings/town-drive/video.mp4", "--model",
                TestData.smallModel(dir).toString(), "--frames", "4", "--out", video.toString(), "--video-size",
                "source", "-q");
        assertEquals(0, o.exit(), o.stderr());
        int[] s = sizeOf(video);
        assertEquals(2 * 480, s[0]);
        assertEquals(360, s[1]);
    }

    @Test
    void anExplicitSizeIsUsedAndAMalformedOneIsAUsageError() throws Exception {
        Path video = dir.resolve("sized.mp4");
        Path model = TestData.smallModel(dir);
        Cli.Outcome o = Cli.run("run", "recordings/town-drive/video.mp4", "--model", model.toString(), "--frames",
                "4", "--out", video.toString(), "--video-size", "640x240", "-q");
        assertEquals(0, o.exit(), o.stderr());
        int[] s = sizeOf(video);
        assertEquals(640, s[0]);
        assertEquals(240, s[1]);
        assertEquals(2, Cli.run("run", "recordings/town-drive/video.mp4", "--model", model.toString(),
                "--video-size", "huge").exit());
    }
}
