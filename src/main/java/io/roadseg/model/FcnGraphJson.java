package io.roadseg.model;

import java.util.Locale;

/**
 * The FCN's layer graph ({@link FcnArchitecture#layers()}) as JSON, for a trainer outside the JVM — the machine's own
 * PyTorch on a lent GPU ({@code scripts/gpu_train.py}, see {@code docs/gpu-training.md}) — so that the network is
 * still written down once, here. One object per layer in execution order, with an {@code op} and the record's
 * fields:
 * <pre>
 * {"name": "fcn-md-v2", "input": "image", "outputs": ["seg_logits", "depth"], "classes": 11,
 *  "channels": "16,32,96,192", "max_depth": 80.0,
 *  "stride": 16, "batch_norm": {"momentum": 0.1, "epsilon": 1e-05},
 *  "layers": [{"op": "conv", "name": "enc.stem", "input": "image", "in": 3, "out": 16, "kernel": 3, "stride": 2,
 *              "padding": 1, "dilation": 1, "groups": 1, "bn": true}, {"op": "prelu", ...}, ...]}
 * </pre>
 * ops: {@code conv, relu, prelu (name, input, channels), add (left, right), concat (first, second), upsample
 * (factor; bilinear, half-pixel), avgpool (factor), gap, gate (left, gate), sigmoid, scale (factor)}; every layer but
 * conv and prelu names its {@code output}. Parameter names follow {@link FcnLayer}; a conv with {@code bn} has in
 * training no bias but a BatchNorm {@code name.bn.{weight,bias,running_mean,running_var}}.
 */
public final class FcnGraphJson {
    private FcnGraphJson() {
    }

    /** @return the architecture's graph as one JSON document (UTF-8 text, one layer per line) */
    public static String write(FcnArchitecture architecture) {
        StringBuilder b = new StringBuilder(32 * 1024);
        b.append(String.format(Locale.ROOT, "{\"name\": \"%s\", \"input\": \"%s\", \"outputs\": [\"%s\", \"%s\"],"
                        + " \"classes\": %d, \"channels\": \"%s\", \"max_depth\": %s, \"stride\": %d,%n \"batch_norm\": {\"momentum\": %s,"
                        + " \"epsilon\": %s},%n \"layers\": [%n", FcnArchitecture.NAME, FcnArchitecture.INPUT,
                FcnArchitecture.SEG_OUTPUT, FcnArchitecture.DEPTH_OUTPUT, architecture.classes(), architecture.channelsText(),
                Float.toString(architecture.maxDepth()), FcnArchitecture.STRIDE, Double.toString(FcnArchitecture.BN_MOMENTUM),
                Float.toString(FcnArchitecture.BN_EPSILON)));
        boolean first = true;
        for (FcnLayer layer : architecture.layers()) {
            if (!first) {
                b.append(",\n");
            }
            first = false;
            b.append("  ").append(layer(layer));
        }
        return b.append("\n]}\n").toString();
    }

    private static String layer(FcnLayer layer) {
        if (layer instanceof FcnLayer.Conv c) {
            return String.format(Locale.ROOT, "{\"op\": \"conv\", \"name\": %s, \"input\": %s, \"in\": %d, \"out\": %d,"
                            + " \"kernel\": %d, \"stride\": %d, \"padding\": %d, \"dilation\": %d, \"groups\": %d,"
                            + " \"bn\": %b}", q(c.name()), q(c.input()), c.inChannels(), c.outChannels(), c.kernel(),
                    c.stride(), c.padding(), c.dilation(), c.groups(), c.batchNorm());
        } else if (layer instanceof FcnLayer.PRelu p) {
            return String.format(Locale.ROOT, "{\"op\": \"prelu\", \"name\": %s, \"input\": %s, \"channels\": %d}",
                    q(p.name()), q(p.input()), p.channels());
        } else if (layer instanceof FcnLayer.Relu r) {
            return unary("relu", r.input(), r.output(), "");
        } else if (layer instanceof FcnLayer.Sigmoid s) {
            return unary("sigmoid", s.input(), s.output(), "");
        } else if (layer instanceof FcnLayer.GlobalAveragePool g) {
            return unary("gap", g.input(), g.output(), "");
        } else if (layer instanceof FcnLayer.Upsample u) {
            return unary("upsample", u.input(), u.output(), ", \"factor\": " + u.factor());
        } else if (layer instanceof FcnLayer.AveragePool a) {
            return unary("avgpool", a.input(), a.output(), ", \"factor\": " + a.factor());
        } else if (layer instanceof FcnLayer.Scale s) {
            return unary("scale", s.input(), s.output(), ", \"factor\": " + Float.toString(s.factor()));
        } else if (layer instanceof FcnLayer.Add a) {
            return binary("add", "left", a.left(), "right", a.right(), a.output());
        } else if (layer instanceof FcnLayer.Concat c) {
            return binary("concat", "first", c.first(), "second", c.second(), c.output());
        } else if (layer instanceof FcnLayer.ChannelGate g) {
            return binary("gate", "left", g.left(), "gate", g.gate(), g.output());
        }
        throw new IllegalStateException("layer " + layer + " has no JSON form");
    }

    private static String unary(String op, String input, String output, String extra) {
        return "{\"op\": \"" + op + "\", \"input\": " + q(input) + ", \"output\": " + q(output) + extra + "}";
    }

    private static String binary(String op, String k1, String v1, String k2, String v2, String output) {
        return "{\"op\": \"" + op + "\", \"" + k1 + "\": " + q(v1) + ", \"" + k2 + "\": " + q(v2) + ", \"output\": "
                + q(output) + "}";
    }

    private static String q(String s) {
        // layer names are the architecture's own identifiers: letters, digits, '.' and '_'
        if (!s.matches("[A-Za-z0-9._]+")) {
            throw new IllegalStateException("layer name '" + s + "' is not a plain identifier");
        }
        return "\"" + s + "\"";
    }
}
