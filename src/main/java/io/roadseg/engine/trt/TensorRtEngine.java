package io.roadseg.engine.trt;

import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceException;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.SegmentationOutput;
import io.roadseg.engine.TensorBinding;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.IRuntime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.bytedeco.tensorrt.global.nvinfer.DataType;
import static org.bytedeco.tensorrt.global.nvinfer.ExecutionContextAllocationStrategy;
import static org.bytedeco.tensorrt.global.nvinfer.OptProfileSelector;
import static org.bytedeco.tensorrt.global.nvinfer.TensorIOMode;

/**
 * A TensorRT plan loaded on the GPU with one execution context. Each {@link TensorBinding} it allocates (one per ring
 * slot) owns pinned host buffers — the binding's {@code input}, {@code depth} and {@code classIds}/{@code logits} are
 * views of them, so the preprocessor writes straight into DMA-able memory — the matching device buffers, one CUDA
 * stream and two events. {@link #infer} enqueues on the binding's stream: host→device copy of the input, the network,
 * device→host copies of the outputs, then waits on the end event and returns the GPU time between the two events.
 * While the inference thread waits for frame N, the preprocess thread fills frame N+1's pinned input.
 *
 * <p>The output contract is the CPU backend's: depth in metres, and either logits (arg-max in the pipeline) or, by
 * default, int32 class ids from an arg-max appended to the network ({@link TrtOptions#gpuArgmax()}).
 *
 * <p>Ownership: the engine owns the execution context's device memory (allocated here, user-managed) and frees it in
 * {@link #close()}; each binding frees its own buffers, stream and events. The {@link ICudaEngine} and
 * {@link IExecutionContext} objects themselves cannot be deleted through the 1.5.13 presets
 * (javacpp-presets#1699): closing them is a no-op today and deletes them once the presets attach a deallocator, so
 * what stays allocated per engine opened is the plan's weights on the GPU (about the model file's size).
 *
 * <p>Threading: {@link #infer} from one thread at a time (the pipeline's inference stage); {@link #allocate} from any
 * thread before the pipeline starts; {@link #close()} after every binding is closed.
 */
final class TensorRtEngine implements InferenceEngine {
    private final Path file;
    private final ModelInfo model;
    private final TrtModelContract contract;
    private final TensorRtPlans.Resolved plan;
    private final ICudaEngine engine;
    private final IExecutionContext context;
    private final Pointer contextMemory;
    private final BytePointer inputName;
    private final BytePointer segName;
    private final BytePointer depthName;
    private final int idBytes;
    private final int maxBatch;
    private final String description;
    private int shapeBatch;
    private boolean closed;

    /** A deserialized plan and what it was resolved from; {@link #release()} when not handed to an engine. */
    record Loaded(ICudaEngine engine, TensorRtPlans.Resolved resolved) {
        void release() {
            engine.close();
        }
    }

    private TensorRtEngine(Path file, TrtModelContract contract, TrtOptions options, Loaded loaded)
            throws InferenceException {
        this.file = file;
        this.contract = contract;
        this.model = contract.model();
        this.plan = loaded.resolved();
        this.engine = loaded.engine();
        String seg = contract.engineSegmentation();
        requireTensor(contract.input(), TensorIOMode.kINPUT);
        requireTensor(seg, TensorIOMode.kOUTPUT);
        requireTensor(contract.depth(), TensorIOMode.kOUTPUT);
        requireType(contract.input(), DataType.kFLOAT);
        requireType(contract.depth(), DataType.kFLOAT);
        if (model.segmentation() == SegmentationOutput.LOGITS) {
            requireType(seg, DataType.kFLOAT);
            idBytes = 0;
        } else {
            int t = engine.getTensorDataType(seg).value;
            idBytes = t == DataType.kINT32.value ? 4 : t == DataType.kINT64.value ? 8 : t == DataType.kUINT8.value
                    ? 1 : -1;
            if (idBytes < 0) {
                throw new InferenceException("engine tensorrt: plan " + plan.cache().planFile(plan.key())
                        + ": output '" + seg + "' has type " + TrtNatives.dataTypeName(t)
                        + ", expected INT32, INT64 or UINT8 class ids");
            }
        }
        this.maxBatch = (int) engine.getProfileShape(contract.input(), 0, OptProfileSelector.kMAX).d(0);
        IExecutionContext ctx = engine.createExecutionContext(ExecutionContextAllocationStrategy.kUSER_MANAGED);
        if (ctx == null || ctx.isNull()) {
            throw new InferenceException("engine tensorrt: createExecutionContext failed for " + file
                    + TrtLogger.get().recentErrors());
        }
        this.context = ctx;
        long bytes = engine.getDeviceMemorySizeV2();
        Pointer memory = null;
        if (bytes > 0) {
            PointerPointer<Pointer> out = new PointerPointer<>(1);
            try {
                TrtNatives.check(cudart.cudaMalloc(out, bytes), "cudaMalloc",
                        "execution memory of " + file + ", " + bytes / (1 << 20) + " MiB");
                memory = out.get(0);
            } finally {
                out.close();
            }
            context.setDeviceMemoryV2(memory, bytes);
        }
        this.contextMemory = memory;
        this.inputName = new BytePointer(contract.input());
        this.segName = new BytePointer(seg);
        this.depthName = new BytePointer(contract.depth());
        try (Dims64 one = TrtPlanBuilder.dims(1, contract)) {
            if (!context.setInputShape(inputName, one)) {
                throw new InferenceException("engine tensorrt: input shape [1,3," + contract.height() + ","
                        + contract.width() + "] rejected by the plan for " + file + TrtLogger.get().recentErrors());
            }
        } catch (InferenceException | RuntimeException e) {
            close();
            throw e;
        }
        this.shapeBatch = 1;
        TrtNatives.Device d = plan.device();
        this.description = "tensorrt (TensorRT " + TrtNatives.tensorRtVersion() + ", " + options.precision()
                + ", arg-max " + (contract.appendsArgmax() ? "on GPU" : model.segmentation()
                == SegmentationOutput.LOGITS ? "on host" : "in model") + ", batch ≤ " + maxBatch + ", " + d
                + ", plan " + plan.summary() + ") on " + model;
    }

    /**
     * Opens {@code file} on the GPU: finds or builds its plan ({@link TensorRtPlans}), deserializes it, creates the
     * execution context.
     */
    static TensorRtEngine open(Path file, TrtOptions options, io.roadseg.engine.InputSize inputSize,
                               io.roadseg.engine.InputSize sourceSize, io.roadseg.engine.InputSize budget,
                               Consumer<String> log)
            throws InferenceException {
        TensorRtPlans.requireAvailable();
        byte[] onnx = TensorRtPlans.readModel(file);
        TrtModelContract contract = TrtModelContract.of(file, OnnxModelSummary.read(file, onnx), options.gpuArgmax(),
                inputSize, sourceSize, budget);
        TensorRtPlans.Resolved resolved = TensorRtPlans.resolve(file, onnx, contract, options, false, log);
        Loaded loaded = load(file, onnx, contract, options, resolved, log);
        try {
            return new TensorRtEngine(file, contract, options, loaded);
        } catch (InferenceException | RuntimeException e) {
            loaded.release();
            throw e;
        }
    }

    /**
     * Deserializes the resolved plan; a cached plan TensorRT refuses (another TensorRT build, another driver, a
     * damaged file that still hashes right) is rejected from the cache with one warning and rebuilt once.
     */
    static Loaded load(Path file, byte[] onnx, TrtModelContract contract, TrtOptions options,
                       TensorRtPlans.Resolved resolved, Consumer<String> log) throws InferenceException {
        ICudaEngine e = deserialize(resolved.plan());
        if (e == null && resolved.fromCache()) {
            resolved.cache().reject(resolved.key(), "TensorRT cannot load it" + TrtLogger.get().recentErrors());
            resolved = TensorRtPlans.resolve(file, onnx, contract, options, true, log);
            e = deserialize(resolved.plan());
        }
        if (e == null) {
            throw new InferenceException("engine tensorrt: the plan just built for " + file + " does not load"
                    + TrtLogger.get().recentErrors());
        }
        return new Loaded(e, resolved);
    }

    private static ICudaEngine deserialize(byte[] plan) throws InferenceException {
        IRuntime runtime = TrtNatives.runtime();
        synchronized (runtime) {
            TrtLogger.get().clearErrors();
            try (BytePointer bytes = new BytePointer(plan)) {
                ICudaEngine e = runtime.deserializeCudaEngine(bytes, plan.length);
                return e == null || e.isNull() ? null : e;
            }
        }
    }

    private void requireTensor(String name, TensorIOMode mode) throws InferenceException {
        if (engine.getTensorIOMode(name).value != mode.value) {
            throw new InferenceException("engine tensorrt: plan " + plan.cache().planFile(plan.key()) + " has no "
                    + (mode.value == TensorIOMode.kINPUT.value ? "input" : "output") + " '" + name + "' (model "
                    + file + ")");
        }
    }

    private void requireType(String name, DataType type) throws InferenceException {
        if (engine.getTensorDataType(name).value != type.value) {
            throw new InferenceException("engine tensorrt: plan " + plan.cache().planFile(plan.key()) + ": '" + name
                    + "' has type " + TrtNatives.dataTypeName(engine.getTensorDataType(name).value) + ", expected "
                    + TrtNatives.dataTypeName(type.value));
        }
    }

    @Override
    public String backend() {
        return "tensorrt";
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public ModelInfo model() {
        return model;
    }

    /** The plan's largest batch. */
    int maxBatch() {
        return maxBatch;
    }

    @Override
    public TensorBinding allocate() throws InferenceException {
        return allocate(1);
    }

    /**
     * A binding for {@code batch} frames: its buffers hold the frames one after another ({@code input}
     * {@code [batch,3,H,W]} and so on). The pipeline uses batch 1; {@link GpuCheck} measures larger ones.
     */
    TrtBinding allocate(int batch) throws InferenceException {
        if (closed) {
            throw new IllegalStateException("engine tensorrt for " + file + " is closed");
        }
        if (batch < 1 || batch > maxBatch) {
            throw new InferenceException("engine tensorrt: batch " + batch + " is outside the plan's 1.." + maxBatch
                    + " (rebuild with --max-batch " + batch + ")");
        }
        return TrtBinding.create(this, batch);
    }

    @Override
    public long infer(TensorBinding binding) throws InferenceException {
        if (!(binding instanceof TrtBinding b) || b.owner != this) {
            throw new IllegalArgumentException("binding was not allocated by this TensorRT engine");
        }
        if (b.closed || closed) {
            throw new IllegalStateException("engine tensorrt: infer on a closed " + (closed ? "engine" : "binding"));
        }
        TrtNatives.check(cudart.cudaEventRecord(b.start, b.stream), "cudaEventRecord", b.subject);
        TrtNatives.check(cudart.cudaMemcpyAsync(b.deviceInput, b.hostInput, b.inputBytes,
                cudart.cudaMemcpyHostToDevice, b.stream), "cudaMemcpyAsync host to device", b.subject);
        if (b.batch != shapeBatch) {
            if (!context.setInputShape(inputName, b.shape)) {
                throw new InferenceException("engine tensorrt: batch " + b.batch + " rejected by the plan for " + file
                        + TrtLogger.get().recentErrors());
            }
            shapeBatch = b.batch;
        }
        if (!context.setTensorAddress(inputName, b.deviceInput) || !context.setTensorAddress(segName, b.deviceSeg)
                || !context.setTensorAddress(depthName, b.deviceDepth)) {
            throw new InferenceException("engine tensorrt: setTensorAddress failed for " + file
                    + TrtLogger.get().recentErrors());
        }
        if (!context.enqueueV3(b.stream)) {
            throw new InferenceException("engine tensorrt: enqueueV3 failed for " + file
                    + TrtLogger.get().recentErrors());
        }
        TrtNatives.check(cudart.cudaMemcpyAsync(b.hostSeg, b.deviceSeg, b.segBytes, cudart.cudaMemcpyDeviceToHost,
                b.stream), "cudaMemcpyAsync device to host", b.subject);
        TrtNatives.check(cudart.cudaMemcpyAsync(b.hostDepth, b.deviceDepth, b.depthBytes,
                cudart.cudaMemcpyDeviceToHost, b.stream), "cudaMemcpyAsync device to host", b.subject);
        TrtNatives.check(cudart.cudaEventRecord(b.end, b.stream), "cudaEventRecord", b.subject);
        TrtNatives.check(cudart.cudaEventSynchronize(b.end), "cudaEventSynchronize", b.subject);
        TrtNatives.check(cudart.cudaEventElapsedTime(b.elapsedMs, b.start, b.end), "cudaEventElapsedTime", b.subject);
        return (long) (b.elapsedMs[0] * 1e6);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // the context uses its device memory until it is gone: context first, then its memory, then the engine
        context.close();
        if (contextMemory != null) {
            cudart.cudaFree(contextMemory);
        }
        engine.close();
        depthName.close();
        segName.close();
        inputName.close();
    }

    /**
     * One slot's tensors on pinned host memory and the GPU, with its stream and events. The public buffers are
     * views of the pinned memory: valid until {@link #close()}.
     */
    static final class TrtBinding extends TensorBinding {
        final TensorRtEngine owner;
        final int batch;
        final Pointer hostInput;
        final Pointer hostSeg;
        final Pointer hostDepth;
        final Pointer deviceInput;
        final Pointer deviceSeg;
        final Pointer deviceDepth;
        final long inputBytes;
        final long segBytes;
        final long depthBytes;
        final CUstream_st stream;
        final CUevent_st start;
        final CUevent_st end;
        final Dims64 shape;
        final float[] elapsedMs = new float[1];
        final String subject;
        private final List<Runnable> release;
        boolean closed;

        private TrtBinding(TensorRtEngine owner, int batch, Pointer[] host, Pointer[] device, long[] bytes,
                           CUstream_st stream, CUevent_st start, CUevent_st end, Dims64 shape, List<Runnable> release) {
            super(floats(host[0], bytes[0]), owner.model.segmentation() == SegmentationOutput.LOGITS
                            ? floats(host[1], bytes[1]) : null,
                    owner.model.segmentation() == SegmentationOutput.LOGITS ? null : bytes(host[1], bytes[1]),
                    owner.idBytes, floats(host[2], bytes[2]));
            this.owner = owner;
            this.batch = batch;
            this.hostInput = host[0];
            this.hostSeg = host[1];
            this.hostDepth = host[2];
            this.deviceInput = device[0];
            this.deviceSeg = device[1];
            this.deviceDepth = device[2];
            this.inputBytes = bytes[0];
            this.segBytes = bytes[1];
            this.depthBytes = bytes[2];
            this.stream = stream;
            this.start = start;
            this.end = end;
            this.shape = shape;
            this.release = release;
            this.subject = "binding of " + batch + " frame" + (batch == 1 ? "" : "s") + " for " + owner.file;
        }

        static TrtBinding create(TensorRtEngine e, int batch) throws InferenceException {
            long pixels = (long) e.contract.width() * e.contract.height() * batch;
            long[] bytes = {3 * pixels * Float.BYTES,
                    e.model.segmentation() == SegmentationOutput.LOGITS ? e.model.classCount() * pixels * Float.BYTES
                            : pixels * e.idBytes,
                    pixels * Float.BYTES};
            String[] what = {"input", "segmentation", "depth"};
            List<Runnable> release = new ArrayList<>();
            try {
                Pointer[] host = new Pointer[3];
                Pointer[] device = new Pointer[3];
                for (int i = 0; i < 3; i++) {
                    String subject = what[i] + " of " + e.file + ", " + bytes[i] + " bytes";
                    try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
                        TrtNatives.check(cudart.cudaMallocHost(out, bytes[i]), "cudaMallocHost", subject);
                        Pointer h = out.get(0);
                        release.add(() -> cudart.cudaFreeHost(h));
                        host[i] = h;
                        TrtNatives.check(cudart.cudaMalloc(out, bytes[i]), "cudaMalloc", subject);
                        Pointer d = out.get(0);
                        release.add(() -> cudart.cudaFree(d));
                        device[i] = d;
                    }
                }
                CUstream_st stream = new CUstream_st();
                TrtNatives.check(cudart.cudaStreamCreateWithFlags(stream, cudart.cudaStreamNonBlocking),
                        "cudaStreamCreateWithFlags", "binding for " + e.file);
                release.add(() -> cudart.cudaStreamDestroy(stream));
                CUevent_st start = new CUevent_st();
                TrtNatives.check(cudart.cudaEventCreate(start), "cudaEventCreate", "binding for " + e.file);
                release.add(() -> cudart.cudaEventDestroy(start));
                CUevent_st end = new CUevent_st();
                TrtNatives.check(cudart.cudaEventCreate(end), "cudaEventCreate", "binding for " + e.file);
                release.add(() -> cudart.cudaEventDestroy(end));
                Dims64 shape = TrtPlanBuilder.dims(batch, e.contract);
                release.add(shape::close);
                return new TrtBinding(e, batch, host, device, bytes, stream, start, end, shape, release);
            } catch (InferenceException | RuntimeException ex) {
                for (int i = release.size() - 1; i >= 0; i--) {
                    release.get(i).run();
                }
                throw ex;
            }
        }

        private static ByteBuffer bytes(Pointer p, long n) {
            return new BytePointer(p).capacity(n).asByteBuffer().order(ByteOrder.nativeOrder());
        }

        private static FloatBuffer floats(Pointer p, long n) {
            return bytes(p, n).asFloatBuffer();
        }

        /** Waits for the stream, then frees events, stream, device and pinned memory, in reverse order. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            cudart.cudaStreamSynchronize(stream);
            for (int i = release.size() - 1; i >= 0; i--) {
                release.get(i).run();
            }
        }
    }
}
