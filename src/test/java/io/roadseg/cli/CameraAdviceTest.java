package io.roadseg.cli;

import io.roadseg.preprocess.CameraIssue;
import io.roadseg.preprocess.CameraIssueCounts;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The run summary's advice on the issues found after the network: a line for each, none without them. */
class CameraAdviceTest {
    private static CameraIssueCounts counts(int frames, CameraIssue... issues) {
        long[] sums = new long[2 + CameraIssue.ALL.size()];
        sums[0] = frames;
        sums[1] = issues.length == 0 ? 0 : frames;
        for (CameraIssue i : issues) {
            sums[2 + i.ordinal()] = frames;
        }
        CameraIssueCounts c = new CameraIssueCounts();
        c.addSums(sums);
        return c;
    }

    @Test
    void aTurnedAndSmearedCameraGetsBothLines() {
        assertNull(RunCommand.cameraAdvice(counts(30)));
        assertNull(RunCommand.cameraAdvice(counts(30, CameraIssue.DARK)), "the picture's own issues: the summary says");
        assertEquals("camera: the sky lies below the road in 20 frames: a camera mounted upside down? --rotate 180 "
                + "turns its picture the right way up" + System.lineSeparator() + "camera: part of the picture stayed "
                + "soft while the rest was sharp in 20 frames: water, mud or grease on the lens? what is read there "
                + "may not hold", RunCommand.cameraAdvice(counts(20, CameraIssue.UPSIDE_DOWN, CameraIssue.SMEARED)));
        assertEquals("camera: the sky lies beside the road in 9 frames: a picture turned on its side, which roadseg "
                + "does not turn (turn the source, or the phone)", RunCommand.cameraAdvice(counts(9,
                CameraIssue.SIDEWAYS)));
    }
}
