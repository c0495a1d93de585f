package io.roadseg.train;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnLayer;
import io.roadseg.model.FcnWeights;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The project's FCN in libtorch, for training: the layer graph of {@link FcnArchitecture} — the one definition the
 * exporter and the reference forward use too — interpreted with libtorch's functional ops over trainable parameter
 * tensors. Weights come from and go back to {@link FcnWeights}, so what is trained is exactly what is exported.
 *
 * <p>Threading: one thread.
 */
final class TorchFcn {
    private final FcnArchitecture architecture;
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();

    TorchFcn(FcnWeights weights) {
        this(weights, null);
    }

    /** @param device where to keep the parameters (CUDA when libtorch finds it), or null for the CPU */
    TorchFcn(FcnWeights weights, org.bytedeco.pytorch.Device device) {
        this.architecture = weights.architecture();
        for (String name : weights.names()) {
            int[] shape = weights.shape(name);
            long[] dims = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                dims[i] = shape[i];
            }
            Tensor t = Tensor.create(weights.values(name), dims);
            if (device != null && device.is_cuda()) {
                t = t.to(device, torch.ScalarType.Float).detach(); // a leaf on the device
            }
            t.set_requires_grad(true);
            parameters.put(name, t);
        }
    }

    TensorVector parameterVector() {
        return new TensorVector(parameters.values().toArray(new Tensor[0]));
    }

    /** Forward pass of a batch {@code [N,3,H,W]} (H, W multiples of 16); returns {seg logits, depth metres}. */
    Tensor[] forward(Tensor image) {
        Map<String, Tensor> values = new HashMap<>();
        values.put(FcnArchitecture.INPUT, image);
        for (FcnLayer layer : architecture.layers()) {
            Tensor out;
            if (layer instanceof FcnLayer.Conv c) {
                out = torch.conv2d(values.get(c.input()), parameters.get(c.weightName()),
                        new TensorOptional(parameters.get(c.biasName())), new long[]{c.stride(), c.stride()},
                        new long[]{c.padding(), c.padding()}, new long[]{c.dilation(), c.dilation()}, c.groups());
            } else if (layer instanceof FcnLayer.Relu r) {
                out = torch.relu(values.get(r.input()));
            } else if (layer instanceof FcnLayer.Add a) {
                out = values.get(a.left()).add(values.get(a.right()));
            } else if (layer instanceof FcnLayer.Concat c) {
                out = torch.cat(new TensorVector(values.get(c.first()), values.get(c.second())), 1);
            } else if (layer instanceof FcnLayer.Upsample u) {
                Tensor in = values.get(u.input());
                out = torch.upsample_bilinear2d(in, new long[]{in.size(2) * u.factor(), in.size(3) * u.factor()},
                        false);
            } else if (layer instanceof FcnLayer.Sigmoid s) {
                out = torch.sigmoid(values.get(s.input()));
            } else if (layer instanceof FcnLayer.Scale s) {
                out = values.get(s.input()).mul(new org.bytedeco.pytorch.Scalar(s.factor()));
            } else {
                throw new IllegalStateException("layer " + layer + " has no libtorch form");
            }
            values.put(layer.output(), out);
        }
        return new Tensor[]{values.get(FcnArchitecture.SEG_OUTPUT), values.get(FcnArchitecture.DEPTH_OUTPUT)};
    }

    /** The current weights, copied out of libtorch, for an architecture of any input size. */
    FcnWeights weights(FcnArchitecture target) {
        Map<String, FcnWeights.Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            Tensor t = e.getValue().detach().cpu().contiguous();
            float[] values = new float[(int) t.numel()];
            t.data_ptr_float().get(values);
            long[] sizes = t.sizes().vec().get();
            int[] shape = new int[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                shape[i] = (int) sizes[i];
            }
            out.put(e.getKey(), new FcnWeights.Tensor(shape, values));
        }
        return FcnWeights.of(target, out);
    }
}
