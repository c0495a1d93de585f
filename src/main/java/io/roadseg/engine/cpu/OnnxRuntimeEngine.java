package io.roadseg.engine.cpu;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceException;
import io.roadseg.engine.InputSize;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.ModelMetadata;
import io.roadseg.engine.SegmentationOutput;
import io.roadseg.engine.TensorBinding;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * ONNX Runtime session for a roadseg model. Validates the model contract on open: one float input
 * {@code [N,3,H,W]}; a depth output {@code [N,1,H,W]}; a segmentation output, float logits {@code [N,C,H,W]} or
 * integer ids {@code [N,H,W]}.
 *
 * <p>Threading: {@link #infer} from one thread at a time; {@link #allocate} before the pipeline starts.
 */
public final class OnnxRuntimeEngine implements InferenceEngine {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelInfo model;
    private final String inputName;
    private final String segName;
    private final String depthName;
    private final OnnxJavaType idType;
    private final int threads;
    private boolean closed;

    private OnnxRuntimeEngine(OrtEnvironment env, OrtSession session, ModelInfo model, String inputName,
                              String segName, String depthName, OnnxJavaType idType, int threads) {
        this.env = env;
        this.session = session;
        this.model = model;
        this.inputName = inputName;
        this.segName = segName;
        this.depthName = depthName;
        this.idType = idType;
        this.threads = threads;
    }

    static OnnxRuntimeEngine open(Path file, EngineOptions options) throws InferenceException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InferenceException("model " + file + ": cannot read (" + e.getMessage() + ")", e);
        }
        OrtNativeLibraries.install();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(options.threads());
            so.setInterOpNumThreads(1);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // Spinning intra-op threads would steal the cores the other pipeline stages need.
            so.addConfigEntry("session.intra_op.allow_spinning", "0");
            so.addConfigEntry("session.inter_op.allow_spinning", "0");
            session = env.createSession(bytes, so);
        } catch (OrtException e) {
            throw new InferenceException("model " + file + ": not a loadable ONNX model ("
                    + firstLine(e.getMessage()) + ")", e);
        }
        try {
            return validate(file, env, session, options);
        } catch (InferenceException | RuntimeException e) {
            closeQuietly(session);
            throw e;
        } catch (OrtException e) {
            closeQuietly(session);
            throw new InferenceException("model " + file + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static OnnxRuntimeEngine validate(Path file, OrtEnvironment env, OrtSession session,
                                              EngineOptions options) throws OrtException, InferenceException {
        int threads = options.threads();
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1) {
            throw new InferenceException("model " + file + ": has " + inputs.size()
                    + " inputs, expected one image input [N,3,H,W]");
        }
        NodeInfo in = inputs.values().iterator().next();
        TensorInfo inInfo = tensor(file, in);
        long[] inShape = inInfo.getShape();
        if (inInfo.type != OnnxJavaType.FLOAT || inShape.length != 4 || inShape[1] != 3) {
            throw new InferenceException("model " + file + ": input '" + in.getName() + "' is " + inInfo.type + " "
                    + Arrays.toString(inShape) + ", expected FLOAT [N,3,H,W]");
        }
        Map<String, String> metadata = session.getMetadata().getCustomMetadata();
        ModelMetadata.requireRoadsegModel(file, metadata);
        boolean dynamic = inShape[2] <= 0 || inShape[3] <= 0;
        InputSize size = ModelMetadata.inputSize(file, metadata, dynamic ? -1 : (int) inShape[3],
                dynamic ? -1 : (int) inShape[2], options.inputSize(), options.sourceSize(), options.budget());
        int h = size.height();
        int w = size.width();
        String depthName = null;
        String segName = null;
        SegmentationOutput kind = null;
        int classes = -1;
        OnnxJavaType idType = null;
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        String expected = ", expected depth FLOAT [N,1," + h + "," + w + "], logits FLOAT [N,C," + h + "," + w
                + "] or class ids INT [N," + h + "," + w + "]";
        // The depth output is found by name when the model has one called "depth", else by shape; a depth output
        // of the wrong shape is reported as such rather than mistaken for segmentation.
        NodeInfo named = outputs.get("depth");
        if (named != null) {
            TensorInfo t = tensor(file, named);
            long[] s = t.getShape();
            if (!(s.length == 4 && s[1] == 1 && fits(s[2], h) && fits(s[3], w) && t.type == OnnxJavaType.FLOAT)) {
                throw new InferenceException("model " + file + ": output 'depth' is " + t.type + " "
                        + Arrays.toString(s) + ", expected FLOAT [N,1," + h + "," + w + "]");
            }
            depthName = "depth";
        }
        for (NodeInfo out : outputs.values()) {
            if (out.getName().equals(depthName)) {
                continue;
            }
            TensorInfo t = tensor(file, out);
            long[] s = t.getShape();
            boolean spatial = s.length >= 3 && fits(s[s.length - 2], h) && fits(s[s.length - 1], w);
            boolean seg = false;
            if (depthName == null && s.length == 4 && s[1] == 1 && spatial && t.type == OnnxJavaType.FLOAT) {
                depthName = out.getName();
            } else if (s.length == 4 && s[1] > 1 && spatial && t.type == OnnxJavaType.FLOAT) {
                seg = true;
                kind = SegmentationOutput.LOGITS;
                classes = (int) s[1];
            } else if (s.length == 3 && spatial && (t.type == OnnxJavaType.INT64 || t.type == OnnxJavaType.INT32
                    || t.type == OnnxJavaType.UINT8)) {
                seg = true;
                kind = SegmentationOutput.CLASS_IDS;
                idType = t.type;
            } else {
                throw new InferenceException("model " + file + ": output '" + out.getName() + "' is " + t.type + " "
                        + Arrays.toString(s) + expected);
            }
            if (seg) {
                if (segName != null) {
                    throw new InferenceException("model " + file + ": two segmentation outputs ('" + segName
                            + "' and '" + out.getName() + "'); expected one");
                }
                segName = out.getName();
            }
        }
        if (depthName == null) {
            throw new InferenceException("model " + file + ": no depth output [N,1," + h + "," + w + "]");
        }
        if (segName == null) {
            throw new InferenceException("model " + file + ": no segmentation output (logits [N,C," + h + "," + w
                    + "] or class ids [N," + h + "," + w + "])");
        }
        ModelInfo info = ModelMetadata.read(file, metadata, w, h, classes, kind);
        return new OnnxRuntimeEngine(env, session, info, in.getName(), segName, depthName, idType, threads);
    }

    /** A dimension of the model's outputs matches a size when it is that size or symbolic. */
    private static boolean fits(long dim, int size) {
        return dim == size || dim < 0;
    }

    private static TensorInfo tensor(Path file, NodeInfo node) throws InferenceException {
        ValueInfo v = node.getInfo();
        if (!(v instanceof TensorInfo t)) {
            throw new InferenceException("model " + file + ": '" + node.getName() + "' is not a tensor");
        }
        return t;
    }

    @Override
    public String backend() {
        return "cpu";
    }

    @Override
    public String describe() {
        return "cpu (ONNX Runtime " + env.getVersion() + ", " + threads + " intra-op thread"
                + (threads == 1 ? "" : "s") + ") on " + model;
    }

    @Override
    public ModelInfo model() {
        return model;
    }

    @Override
    public TensorBinding allocate() throws InferenceException {
        int hw = model.inputPixels();
        long[] inShape = {1, 3, model.inputHeight(), model.inputWidth()};
        FloatBuffer input = floats(3L * hw);
        FloatBuffer depth = floats(hw);
        FloatBuffer logits = null;
        ByteBuffer ids = null;
        int idBytes = 0;
        OnnxTensor inT = null;
        OnnxTensor segT = null;
        OnnxTensor depthT = null;
        try {
            inT = OnnxTensor.createTensor(env, input, inShape);
            depthT = OnnxTensor.createTensor(env, depth, new long[]{1, 1, model.inputHeight(), model.inputWidth()});
            if (model.segmentation() == SegmentationOutput.LOGITS) {
                logits = floats((long) model.classCount() * hw);
                segT = OnnxTensor.createTensor(env, logits,
                        new long[]{1, model.classCount(), model.inputHeight(), model.inputWidth()});
            } else {
                idBytes = idType == OnnxJavaType.INT64 ? 8 : idType == OnnxJavaType.INT32 ? 4 : 1;
                ids = ByteBuffer.allocateDirect(hw * idBytes).order(ByteOrder.nativeOrder());
                segT = OnnxTensor.createTensor(env, ids, new long[]{1, model.inputHeight(), model.inputWidth()},
                        idType);
            }
            return new OrtBinding(input, logits, ids, idBytes, depth, inT, segT, depthT, inputName, segName,
                    depthName);
        } catch (OrtException e) {
            closeQuietly(inT);
            closeQuietly(segT);
            closeQuietly(depthT);
            throw new InferenceException("engine cpu: cannot bind tensors for " + model.file() + " ("
                    + firstLine(e.getMessage()) + ")", e);
        }
    }

    @Override
    public long infer(TensorBinding binding) throws InferenceException {
        OrtBinding b = (OrtBinding) binding;
        long t0 = System.nanoTime();
        try (OrtSession.Result ignored = session.run(b.inputs, b.outputs)) {
            return System.nanoTime() - t0;
        } catch (OrtException e) {
            throw new InferenceException("engine cpu: run failed on " + model.file() + " ("
                    + firstLine(e.getMessage()) + ")", e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeQuietly(session);
        }
    }

    private static FloatBuffer floats(long count) {
        return ByteBuffer.allocateDirect(Math.toIntExact(count * Float.BYTES)).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing a native handle that failed to open; nothing to report
            }
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A slot's buffers with the ONNX Runtime tensors that wrap them (no copies). */
    private static final class OrtBinding extends TensorBinding {
        private final OnnxTensor inT;
        private final OnnxTensor segT;
        private final OnnxTensor depthT;
        final Map<String, OnnxTensor> inputs;
        final Map<String, OnnxValue> outputs;
        private boolean closed;

        OrtBinding(FloatBuffer input, FloatBuffer logits, ByteBuffer ids, int idBytes, FloatBuffer depth,
                   OnnxTensor inT, OnnxTensor segT, OnnxTensor depthT, String inName, String segName,
                   String depthName) {
            super(input, logits, ids, idBytes, depth);
            this.inT = inT;
            this.segT = segT;
            this.depthT = depthT;
            this.inputs = Map.of(inName, inT);
            Map<String, OnnxValue> out = new HashMap<>();
            out.put(segName, segT);
            out.put(depthName, depthT);
            this.outputs = Map.copyOf(out);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                inT.close();
                segT.close();
                depthT.close();
            }
        }
    }
}
