package io.roadseg.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FcnArchitectureTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        FcnArchitecture a = FcnArchitecture.defaults();
        assertEquals(352, a.inputHeight());
        assertEquals(480, a.inputWidth());
        assertEquals(11, a.classes());
        assertArrayEquals(new int[] {16, 32, 64, 128}, a.channels());
        assertEquals(80f, a.maxDepth());
    }

    @Test
    void inputHeightNotAMultipleOf16IsRejectedWithTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FcnArchitecture.defaults().withInputSize(350, 480));
        assertEquals("input height 350 must be a multiple of 16", e.getMessage());
    }

    @Test
    void inputWidthNotAMultipleOf16IsRejectedWithTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FcnArchitecture.defaults().withInputSize(352, 470));
        assertEquals("input width 470 must be a multiple of 16", e.getMessage());
    }

    @Test
    void nonPositiveSizesClassesChannelsAndDepthAreRejected() {
        FcnArchitecture a = FcnArchitecture.defaults();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.withInputSize(0, 480)).getMessage()
                .startsWith("input height 0 must be positive"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.withClasses(0)).getMessage()
                .contains("classes 0 must be >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.withChannels(16, 0, 64, 128)).getMessage()
                .contains("c2 0 must be >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.withMaxDepth(Float.NaN)).getMessage()
                .contains("max depth NaN"));
    }

    @Test
    void parameterCountIsTheSumOfTheWeightTensorSizes() {
        FcnArchitecture a = FcnArchitecture.defaults();
        FcnWeights w = FcnWeights.random(a, 1);
        long sum = 0;
        for (FcnWeights.Tensor t : w.tensors().values()) {
            sum += t.size();
        }
        assertEquals(sum, a.parameterCount());
        assertTrue(a.parameterCount() > 0);
    }

    @Test
    void parameterNamesAreUniqueAndFollowTheGraph() {
        List<FcnArchitecture.Parameter> params = FcnArchitecture.defaults().parameters();
        Set<String> names = new HashSet<>();
        for (FcnArchitecture.Parameter p : params) {
            assertTrue(names.add(p.name()), "duplicate parameter " + p.name());
        }
        assertTrue(names.containsAll(List.of("enc.e0.conv.weight", "enc.e0.conv.bias", "enc.e7.dw.weight",
                "seg.d0.fuse.weight", "seg.d0.pw.weight", "seg.d1.dw.bias", "seg.head.weight", "depth.head.weight",
                "depth.d0.fuse.bias")), names.toString());
        // 1 conv in e0, 2 in each of e1..e7, and per decoder 2 x (fuse + dw + pw) + head; weight and bias each
        assertEquals(2 * (1 + 7 * 2 + 2 * (2 * 3 + 1)), params.size());
    }

    @Test
    void parameterShapesFollowTheConvLayout() {
        FcnArchitecture a = FcnArchitecture.defaults();
        assertArrayEquals(new int[] {16, 3, 3, 3}, shapeOf(a, "enc.e0.conv.weight"));
        assertArrayEquals(new int[] {16, 1, 3, 3}, shapeOf(a, "enc.e1.dw.weight"));
        assertArrayEquals(new int[] {32, 16, 1, 1}, shapeOf(a, "enc.e1.pw.weight"));
        assertArrayEquals(new int[] {64, 128 + 64, 1, 1}, shapeOf(a, "seg.d0.fuse.weight"));
        assertArrayEquals(new int[] {32, 64 + 32, 1, 1}, shapeOf(a, "depth.d1.fuse.weight"));
        assertArrayEquals(new int[] {11, 32, 1, 1}, shapeOf(a, "seg.head.weight"));
        assertArrayEquals(new int[] {1, 32, 1, 1}, shapeOf(a, "depth.head.weight"));
        assertArrayEquals(new int[] {1}, shapeOf(a, "depth.head.bias"));
    }

    @Test
    void activationsHaveTheDocumentedResolutions() {
        Map<String, int[]> shapes = FcnArchitecture.defaults().activationShapes();
        assertArrayEquals(new int[] {16, 176, 240}, shapes.get("enc.e0"));
        assertArrayEquals(new int[] {32, 88, 120}, shapes.get("enc.e1"));
        assertArrayEquals(new int[] {64, 44, 60}, shapes.get("enc.e3"));
        assertArrayEquals(new int[] {128, 22, 30}, shapes.get("enc.e7"));
        assertArrayEquals(new int[] {64, 44, 60}, shapes.get("seg.d0"));
        assertArrayEquals(new int[] {32, 88, 120}, shapes.get("depth.d1"));
        assertArrayEquals(new int[] {11, 352, 480}, shapes.get(FcnArchitecture.SEG_OUTPUT));
        assertArrayEquals(new int[] {1, 352, 480}, shapes.get(FcnArchitecture.DEPTH_OUTPUT));
    }

    @Test
    void multiplyAccumulatesScaleWithTheInputArea() {
        FcnArchitecture small = FcnArchitecture.defaults().withInputSize(64, 96);
        FcnArchitecture large = FcnArchitecture.defaults().withInputSize(128, 192);
        assertEquals(4 * small.multiplyAccumulates(), large.multiplyAccumulates());
    }

    @Test
    void multiplyAccumulatesOfTheStemAreCountedExactly() {
        // e0 alone: 16 outputs x (3 x 3 x 3) MACs at every pixel of the H/2 x W/2 map
        FcnArchitecture a = FcnArchitecture.defaults().withInputSize(16, 16);
        long stem = 16L * 27 * 8 * 8;
        FcnArchitecture widerStem = a.withChannels(32, 32, 64, 128);
        // doubling c1 doubles e0, and doubles e1's depthwise conv (c1 x 9 MACs at H/4) and its pointwise input
        long e1Extra = 16L * 9 * 4 * 4 + 16L * 32 * 4 * 4;
        assertEquals(stem + e1Extra, widerStem.multiplyAccumulates() - a.multiplyAccumulates());
    }

    private static int[] shapeOf(FcnArchitecture a, String name) {
        for (FcnArchitecture.Parameter p : a.parameters()) {
            if (p.name().equals(name)) {
                return p.shape();
            }
        }
        throw new AssertionError("no parameter " + name);
    }
}
