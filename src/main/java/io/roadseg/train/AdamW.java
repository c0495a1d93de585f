package io.roadseg.train;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter, decoupled weight decay) written out over libtorch tensors, so that its whole state —
 * the first and second moments of every parameter and the step count — is ours to checkpoint and restore exactly.
 * The learning rate is given per step (the schedule lives in {@link LearningRateSchedule}).
 *
 * <p>Threading: one thread, the trainer's.
 */
final class AdamW implements AutoCloseable {
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPSILON = 1e-8;

    private final TorchFcn net;
    private final double weightDecay;
    private final Map<String, Tensor> firstMoments = new LinkedHashMap<>();
    private final Map<String, Tensor> secondMoments = new LinkedHashMap<>();
    private long steps;

    /** @param weightDecay decoupled decay per unit learning rate, applied to conv weights only */
    AdamW(TorchFcn net, double weightDecay) {
        this.net = net;
        this.weightDecay = weightDecay;
        for (Map.Entry<String, Tensor> e : net.parameters().entrySet()) {
            firstMoments.put(e.getKey(), torch.zeros_like(e.getValue()));
            secondMoments.put(e.getKey(), torch.zeros_like(e.getValue()));
        }
    }

    /** One update from the gradients the last backward pass left; the gradients are then zeroed. */
    void step(double learningRate) {
        steps++;
        double correction1 = 1 - Math.pow(BETA1, steps);
        double correction2 = 1 - Math.pow(BETA2, steps);
        try (NoGradGuard guard = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : net.parameters().entrySet()) {
                Tensor p = e.getValue();
                Tensor g = p.grad();
                if (g == null || !g.defined()) {
                    continue;
                }
                Tensor m = firstMoments.get(e.getKey());
                Tensor v = secondMoments.get(e.getKey());
                m.mul_(new Scalar(BETA1)).add_(g, new Scalar(1 - BETA1));
                v.mul_(new Scalar(BETA2)).addcmul_(g, g, new Scalar(1 - BETA2));
                Tensor denominator = v.div(new Scalar(correction2)).sqrt_().add_(new Scalar(EPSILON));
                if (weightDecay > 0 && net.decays(e.getKey())) {
                    p.mul_(new Scalar(1 - learningRate * weightDecay));
                }
                p.addcdiv_(m, denominator, new Scalar(-learningRate / correction1));
                denominator.close();
                g.zero_();
            }
        }
    }

    /** @return updates taken (restored by {@link #restore}) */
    long steps() {
        return steps;
    }

    /** @return first moments by parameter name (live; for checkpoints) */
    Map<String, Tensor> firstMoments() {
        return firstMoments;
    }

    /** @return second moments by parameter name (live; for checkpoints) */
    Map<String, Tensor> secondMoments() {
        return secondMoments;
    }

    void restore(long steps) {
        this.steps = steps;
    }

    @Override
    public void close() {
        for (Tensor t : firstMoments.values()) {
            t.close();
        }
        for (Tensor t : secondMoments.values()) {
            t.close();
        }
    }
}
