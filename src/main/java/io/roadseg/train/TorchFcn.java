package io.roadseg.train;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnLayer;
import io.roadseg.model.FcnWeights;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The project's FCN in libtorch, for training: the layer graph of {@link FcnArchitecture} — the one definition the
 * exporter and the reference forward use too — interpreted with libtorch's functional ops over trainable tensors.
 *
 * <p>The training form differs from the exported one in one way: a convolution marked
 * {@link FcnLayer.Conv#batchNorm()} has no bias of its own and is followed by a BatchNorm with learned
 * {@code name.bn.weight}/{@code name.bn.bias} and running statistics {@code name.bn.running_mean}/
 * {@code name.bn.running_var} (momentum {@value #BN_MOMENTUM}, epsilon {@value #BN_EPSILON}). {@link #weights} folds
 * them into the convolution, so what is exported computes exactly the eval-mode forward.
 *
 * <p>Threading: one thread.
 */
final class TorchFcn implements AutoCloseable {
    static final double BN_MOMENTUM = FcnArchitecture.BN_MOMENTUM;
    static final float BN_EPSILON = FcnArchitecture.BN_EPSILON;
    private static final String BN = ".bn.";

    private final FcnArchitecture architecture;
    /** Trainable tensors by name, in a fixed order (the optimiser's and the checkpoint's order). */
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    /** BatchNorm running statistics by name. */
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    /** Parameters that get no weight decay: biases, BatchNorm affine terms, PReLU slopes. */
    private final List<String> noDecay = new ArrayList<>();

    /**
     * From exported weights: a BatchNorm convolution gets the exported weight, {@code gamma = 1},
     * {@code beta = bias}, mean 0 and variance {@code 1 - eps}, so the eval-mode forward equals the exported model.
     *
     * @param device where to keep the tensors (CUDA when libtorch finds it), or null for the CPU
     */
    TorchFcn(FcnWeights weights, Device device) {
        this.architecture = weights.architecture();
        for (Map.Entry<String, TrainingCheckpoint.Tensor> e : TrainingCheckpoint.trainingForm(weights).entrySet()) {
            boolean parameter = e.getKey().startsWith(TrainingCheckpoint.PARAM);
            String name = e.getKey().substring((parameter ? TrainingCheckpoint.PARAM : TrainingCheckpoint.BUFFER)
                    .length());
            long[] dims = e.getValue().shape();
            int[] shape = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = (int) dims[i];
            }
            put(parameter ? parameters : buffers, name, e.getValue().values(), shape, device);
            if (parameter && (!name.endsWith(".weight") || name.endsWith(BN + "weight"))) {
                noDecay.add(name); // biases, BatchNorm affine terms, PReLU slopes
            }
        }
        for (Tensor t : parameters.values()) {
            t.set_requires_grad(true);
        }
    }

    /**
     * Sets every PReLU slope to 0 and takes it out of training (no gradient, so {@link AdamW} skips it): the network
     * becomes a ReLU network, exactly.
     */
    void holdSlopesAtZero() {
        for (FcnLayer layer : architecture.layers()) {
            if (layer instanceof FcnLayer.PRelu p) {
                Tensor slope = parameters.get(p.slopeName());
                slope.set_requires_grad(false);
                try (NoGradGuard guard = new NoGradGuard()) {
                    slope.zero_();
                }
            }
        }
    }

    private static void put(Map<String, Tensor> into, String name, float[] values, int[] shape, Device device) {
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        Tensor t = Tensor.create(values.clone(), dims);
        if (device != null && device.is_cuda()) {
            t = t.to(device, torch.ScalarType.Float).detach();
        }
        into.put(name, t);
    }

    FcnArchitecture architecture() {
        return architecture;
    }

    /** @return the trainable tensors by name, in the optimiser's order (live views; do not close) */
    Map<String, Tensor> parameters() {
        return parameters;
    }

    /** @return the BatchNorm running statistics by name (live views; do not close) */
    Map<String, Tensor> buffers() {
        return buffers;
    }

    /** @return whether weight decay applies to the named parameter (conv weights only) */
    boolean decays(String name) {
        return !noDecay.contains(name);
    }

    TensorVector parameterVector() {
        return new TensorVector(parameters.values().toArray(new Tensor[0]));
    }

    /**
     * Forward pass of a batch {@code [N,3,H,W]} (H, W multiples of 16); returns {seg logits, depth metres}.
     *
     * @param training BatchNorm on batch statistics (updating the running ones) when true, on the running
     *                 statistics when false (the exported model's function)
     */
    Tensor[] forward(Tensor image, boolean training) {
        Map<String, Tensor> values = new HashMap<>();
        values.put(FcnArchitecture.INPUT, image);
        for (FcnLayer layer : architecture.layers()) {
            Tensor out;
            if (layer instanceof FcnLayer.Conv c) {
                long[] stride = {c.stride(), c.stride()};
                long[] padding = {c.padding(), c.padding()};
                long[] dilation = {c.dilation(), c.dilation()};
                if (c.batchNorm()) {
                    Tensor conv = torch.conv2d(values.get(c.input()), parameters.get(c.weightName()),
                            new TensorOptional(), stride, padding, dilation, c.groups());
                    out = torch.batch_norm(conv, new TensorOptional(parameters.get(c.name() + BN + "weight")),
                            new TensorOptional(parameters.get(c.name() + BN + "bias")),
                            new TensorOptional(buffers.get(c.name() + BN + "running_mean")),
                            new TensorOptional(buffers.get(c.name() + BN + "running_var")), training, BN_MOMENTUM,
                            BN_EPSILON, false);
                } else {
                    out = torch.conv2d(values.get(c.input()), parameters.get(c.weightName()),
                            new TensorOptional(parameters.get(c.biasName())), stride, padding, dilation, c.groups());
                }
            } else if (layer instanceof FcnLayer.Relu r) {
                out = torch.relu(values.get(r.input()));
            } else if (layer instanceof FcnLayer.PRelu p) {
                Tensor slope = parameters.get(p.slopeName()).reshape(p.channels());
                out = torch.prelu(values.get(p.input()), slope);
            } else if (layer instanceof FcnLayer.Add a) {
                out = values.get(a.left()).add(values.get(a.right()));
            } else if (layer instanceof FcnLayer.Concat c) {
                out = torch.cat(new TensorVector(values.get(c.first()), values.get(c.second())), 1);
            } else if (layer instanceof FcnLayer.Upsample u) {
                Tensor in = values.get(u.input());
                out = torch.upsample_bilinear2d(in, new long[] {in.size(2) * u.factor(), in.size(3) * u.factor()},
                        false);
            } else if (layer instanceof FcnLayer.AveragePool a) {
                out = torch.avg_pool2d(values.get(a.input()), a.factor(), a.factor());
            } else if (layer instanceof FcnLayer.GlobalAveragePool g) {
                out = torch.adaptive_avg_pool2d(values.get(g.input()), 1, 1);
            } else if (layer instanceof FcnLayer.ChannelGate g) {
                out = values.get(g.left()).mul(values.get(g.gate()));
            } else if (layer instanceof FcnLayer.Sigmoid s) {
                out = torch.sigmoid(values.get(s.input()));
            } else if (layer instanceof FcnLayer.Scale s) {
                out = values.get(s.input()).mul(new Scalar(s.factor()));
            } else {
                throw new IllegalStateException("layer " + layer + " has no libtorch form");
            }
            values.put(layer.output(), out);
        }
        return new Tensor[] {values.get(FcnArchitecture.SEG_OUTPUT), values.get(FcnArchitecture.DEPTH_OUTPUT)};
    }

    /**
     * The current weights in exported form (BatchNorm folded with its running statistics), copied out of libtorch,
     * for an architecture of any input size.
     */
    FcnWeights weights(FcnArchitecture target) {
        Map<String, TrainingCheckpoint.Tensor> tensors = new LinkedHashMap<>();
        parameters.forEach((name, t) -> tensors.put(TrainingCheckpoint.PARAM + name, checkpointTensor(t)));
        buffers.forEach((name, t) -> tensors.put(TrainingCheckpoint.BUFFER + name, checkpointTensor(t)));
        try {
            return new TrainingCheckpoint(Map.of(), tensors).weights(target);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("train: " + e.getMessage(), e);
        }
    }

    /** Copies a tensor's values and shape to the heap, as a checkpoint holds them. */
    static TrainingCheckpoint.Tensor checkpointTensor(Tensor t) {
        return TrainingCheckpoint.tensor(copy(t));
    }

    /** Copies a tensor's values to the heap. */
    static FcnWeights.Tensor copy(Tensor tensor) {
        try (PointerScope scope = new PointerScope()) { // the detached CPU copy and its views are freed here
            Tensor t = tensor.detach().cpu().contiguous();
            float[] values = new float[(int) t.numel()];
            t.data_ptr_float().get(values);
            long[] sizes = t.sizes().vec().get();
            int[] shape = new int[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                shape[i] = (int) sizes[i];
            }
            return new FcnWeights.Tensor(shape, values);
        }
    }

    /** Overwrites a tensor's values (same number of elements) from the heap. */
    static void load(Tensor into, float[] values) {
        if (values.length != into.numel()) {
            throw new IllegalArgumentException("tensor of " + into.numel() + " values cannot take " + values.length);
        }
        try (org.bytedeco.pytorch.NoGradGuard guard = new org.bytedeco.pytorch.NoGradGuard()) {
            Tensor source = Tensor.create(values, into.sizes().vec().get());
            into.copy_(source);
            source.close();
        }
    }

    @Override
    public void close() {
        for (Tensor t : parameters.values()) {
            t.close();
        }
        for (Tensor t : buffers.values()) {
            t.close();
        }
    }
}
