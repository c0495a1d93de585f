package io.roadseg.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReferenceForwardTest {

    @Test
    void bilinearUpsamplingUsesHalfPixelCentresLikePytorch() {
        // torch.nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        ReferenceForward.Activation x = new ReferenceForward.Activation(1, 1, 2, 2, new float[] {1, 2, 3, 4});
        ReferenceForward.Activation y = ReferenceForward.upsampleBilinear(x, 2);
        assertArrayEquals(new float[] {
                1.0f, 1.25f, 1.75f, 2.0f,
                1.5f, 1.75f, 2.25f, 2.5f,
                2.5f, 2.75f, 3.25f, 3.5f,
                3.0f, 3.25f, 3.75f, 4.0f}, y.data, 1e-6f);
    }

    @Test
    void dilatedDepthwiseConvReadsTheDilatedTapsOfItsOwnChannel() {
        // 2 channels, 5x5, depthwise 3x3 dilation 2 padding 2: the centre output sees the corners and edge centres
        float[] input = new float[2 * 25];
        for (int i = 0; i < input.length; i++) {
            input[i] = i;
        }
        float[] weight = new float[2 * 9];
        weight[0] = 1;          // channel 0, top-left tap
        weight[9 + 8] = 1;      // channel 1, bottom-right tap
        ReferenceForward.Activation x = new ReferenceForward.Activation(1, 2, 5, 5, input);
        ReferenceForward.Activation y = ReferenceForward.conv(x, weight, new float[] {0.5f, 0}, 2, 3, 1, 2, 2, 2);
        assertEquals(0 + 0.5f, y.get(0, 0, 2, 2));           // channel 0 at (0,0)
        assertEquals(25 + 24, y.get(0, 1, 2, 2));            // channel 1 at (4,4)
        assertEquals(0.5f, y.get(0, 0, 0, 0));               // top-left tap falls in the padding
    }

    @Test
    void outputsHaveTheArchitecturesShapesAndDepthLiesWithinMaxDepth() {
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(32, 48).withMaxDepth(50f);
        float[] image = new float[3 * 32 * 48];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) random.nextDouble();
        }
        ReferenceForward.Outputs out = new ReferenceForward(FcnWeights.random(arch, 3)).run(image, 1);
        assertEquals(11 * 32 * 48, out.segLogits().length);
        assertEquals(32 * 48, out.depth().length);
        for (float d : out.depth()) {
            assertTrue(d > 0 && d < 50f, "depth " + d + " outside (0, 50)");
        }
    }

    @Test
    void imageOfTheWrongSizeIsRejectedWithTheExpectedLayout() {
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(32, 48);
        ReferenceForward forward = new ReferenceForward(FcnWeights.random(arch, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> forward.run(new float[100], 1));
        assertEquals("reference forward: image has 100 floats, expected batch 1 x 3 x 32 x 48 = 4608 (NCHW)",
                e.getMessage());
    }
}
