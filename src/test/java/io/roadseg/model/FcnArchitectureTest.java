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
        assertArrayEquals(new int[] {16, 32, 96, 192}, a.channels());
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
                .contains("c2 0 must be 1 to 1024"));
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
        assertTrue(names.containsAll(List.of("enc.stem.weight", "enc.stem.bias", "enc.stem.act.slope",
                "enc.down4.pw.weight", "enc.s8.b3.context.weight", "enc.s16.b5.gate.fc2.bias", "enc.s16.b5.slope",
                "seg.proj.weight", "seg.d8.fuse.weight", "seg.d4.ds.pw.bias", "seg.head.weight", "depth.head.weight",
                "depth.d8.fuse.bias")), names.toString());
        // per context block: reduce, local, context (conv + slope each), expand, fc1, fc2 (conv), the block's slope
        int block = 2 * 6 + 3 + 1;
        // stem (conv + slope); down4/down8/down16: dw and pw (conv + slope each)
        int encoder = 3 + 3 * (2 * 3) + (2 + 4 + 6) * block;
        // per decoder: proj, d8.fuse, d8.ds.dw (conv + slope), d8.ds.pw (conv), the same at 1/4, head
        int decoder = 3 + 3 + 3 + 2 + 3 + 3 + 2 + 2;
        assertEquals(encoder + 2 * decoder, params.size());
    }

    @Test
    void parameterShapesFollowTheConvLayout() {
        FcnArchitecture a = FcnArchitecture.defaults();
        assertArrayEquals(new int[] {16, 3, 3, 3}, shapeOf(a, "enc.stem.weight"));
        assertArrayEquals(new int[] {16, 1, 1}, shapeOf(a, "enc.stem.act.slope"));
        assertArrayEquals(new int[] {16, 1, 3, 3}, shapeOf(a, "enc.down4.dw.weight"));
        assertArrayEquals(new int[] {32, 16 + 3, 1, 1}, shapeOf(a, "enc.down4.pw.weight"));
        assertArrayEquals(new int[] {48, 96, 1, 1}, shapeOf(a, "enc.s8.b0.reduce.weight"));
        assertArrayEquals(new int[] {48, 1, 3, 3}, shapeOf(a, "enc.s8.b0.context.weight"));
        assertArrayEquals(new int[] {48, 192, 1, 1}, shapeOf(a, "enc.s16.b0.gate.fc1.weight"));
        assertArrayEquals(new int[] {48, 48 + 96, 1, 1}, shapeOf(a, "seg.d8.fuse.weight"));
        assertArrayEquals(new int[] {48, 192, 1, 1}, shapeOf(a, "seg.proj.weight"));
        assertArrayEquals(new int[] {24, 48 + 32, 1, 1}, shapeOf(a, "depth.d4.fuse.weight"));
        assertArrayEquals(new int[] {11, 24, 1, 1}, shapeOf(a, "seg.head.weight"));
        assertArrayEquals(new int[] {1, 24, 1, 1}, shapeOf(a, "depth.head.weight"));
        assertArrayEquals(new int[] {1}, shapeOf(a, "depth.head.bias"));
    }

    @Test
    void parametersAndComputeAreInTheIssuedBudget() {
        FcnArchitecture a = FcnArchitecture.defaults();
        assertTrue(a.parameterCount() >= 400_000 && a.parameterCount() <= 800_000, "" + a.parameterCount());
        assertTrue(a.multiplyAccumulates() <= 1_500_000_000L, "" + a.multiplyAccumulates());
    }

    @Test
    void contextBlocksDilateOnlyTheirContextBranch() {
        for (FcnLayer layer : FcnArchitecture.defaults().layers()) {
            if (layer instanceof FcnLayer.Conv c && c.dilation() > 1) {
                assertTrue(c.name().endsWith(".context"), c.name());
                assertEquals(c.inChannels(), c.groups(), "depthwise: " + c.name());
                assertEquals(c.dilation(), c.padding(), "size-preserving: " + c.name());
            }
        }
    }

    @Test
    void activationsHaveTheDocumentedResolutions() {
        Map<String, int[]> shapes = FcnArchitecture.defaults().activationShapes();
        assertArrayEquals(new int[] {16, 176, 240}, shapes.get("enc.stem.act"));
        assertArrayEquals(new int[] {3, 88, 120}, shapes.get("enc.down4.image"));
        assertArrayEquals(new int[] {32, 88, 120}, shapes.get("enc.s4.b1"));
        assertArrayEquals(new int[] {96, 44, 60}, shapes.get("enc.s8.b3"));
        assertArrayEquals(new int[] {192, 22, 30}, shapes.get("enc.s16.b5"));
        assertArrayEquals(new int[] {192, 1, 1}, shapes.get("enc.s16.b5.gate"));
        assertArrayEquals(new int[] {48, 44, 60}, shapes.get("seg.d8.ds"));
        assertArrayEquals(new int[] {24, 88, 120}, shapes.get("depth.d4.ds"));
        assertArrayEquals(new int[] {11, 352, 480}, shapes.get(FcnArchitecture.SEG_OUTPUT));
        assertArrayEquals(new int[] {1, 352, 480}, shapes.get(FcnArchitecture.DEPTH_OUTPUT));
    }

    @Test
    void multiplyAccumulatesScaleWithTheInputAreaExceptTheGlobalGates() {
        FcnArchitecture small = FcnArchitecture.defaults().withInputSize(64, 96);
        FcnArchitecture large = FcnArchitecture.defaults().withInputSize(128, 192);
        long gates = 0; // the gates' 1x1 convolutions run on pooled 1x1 maps: the same at every size
        for (FcnLayer layer : small.layers()) {
            if (layer instanceof FcnLayer.Conv c && c.name().contains(".gate.")) {
                gates += (long) c.inChannels() * c.outChannels();
            }
        }
        assertEquals(4 * (small.multiplyAccumulates() - gates) + gates, large.multiplyAccumulates());
    }

    @Test
    void multiplyAccumulatesOfTheStemAreCountedExactly() {
        // the stem: c1 outputs x (3 x 3 x 3) MACs at every pixel of the H/2 x W/2 map
        FcnArchitecture a = FcnArchitecture.defaults().withInputSize(16, 16);
        long stem = 16L * 27 * 8 * 8;
        FcnArchitecture widerStem = a.withChannels(32, 32, 96, 192);
        // doubling c1 doubles the stem, down4's depthwise conv (c1 x 9 MACs at H/4) and adds c1 inputs to its pw
        long downExtra = 16L * 9 * 4 * 4 + 16L * 32 * 4 * 4;
        assertEquals(stem + downExtra, widerStem.multiplyAccumulates() - a.multiplyAccumulates());
    }

    private static int[] shapeOf(FcnArchitecture a, String name) {
        for (FcnArchitecture.Parameter p : a.parameters()) {
            if (p.name().equals(name)) {
                return p.shape();
            }
        }
        throw new AssertionError("no parameter " + name);
    }

    /** graph.json for an outside trainer: valid JSON, every layer in order, every conv's hyper-parameters. */
    @Test
    void theGraphJsonListsEveryLayerWithItsParameters() {
        FcnArchitecture arch = FcnArchitecture.defaults();
        Object doc = io.roadseg.ros.Json.parse(FcnGraphJson.write(arch));
        java.util.List<Object> layers = io.roadseg.ros.Json.array(io.roadseg.ros.Json.at(doc, "layers"));
        assertEquals(arch.layers().size(), layers.size());
        assertEquals(11.0, io.roadseg.ros.Json.at(doc, "classes"));
        assertEquals("16,32,96,192", io.roadseg.ros.Json.at(doc, "channels"));
        assertEquals((double) FcnArchitecture.BN_EPSILON, (double) io.roadseg.ros.Json.at(doc, "batch_norm",
                "epsilon"), 1e-12);
        int convs = 0;
        for (int i = 0; i < layers.size(); i++) {
            java.util.Map<String, Object> l = io.roadseg.ros.Json.object(layers.get(i));
            FcnLayer layer = arch.layers().get(i);
            if (layer instanceof FcnLayer.Conv c) {
                convs++;
                assertEquals("conv", l.get("op"));
                assertEquals(c.name(), l.get("name"));
                assertEquals(c.input(), l.get("input"));
                assertEquals(java.util.List.of((double) c.inChannels(), (double) c.outChannels(), (double) c.kernel(),
                        (double) c.stride(), (double) c.padding(), (double) c.dilation(), (double) c.groups()),
                        java.util.List.of(l.get("in"), l.get("out"), l.get("kernel"), l.get("stride"),
                                l.get("padding"), l.get("dilation"), l.get("groups")));
                assertEquals(c.batchNorm(), l.get("bn"));
            } else if (!(layer instanceof FcnLayer.PRelu)) {
                assertEquals(layer.output(), l.get("output"), "layer " + i);
            }
        }
        assertTrue(convs > 50, "convolutions: " + convs);
    }
}
