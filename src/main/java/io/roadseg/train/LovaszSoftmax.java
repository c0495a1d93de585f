package io.roadseg.train;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The Lovász-softmax loss (Berman, Rannen Triki, Blaschko, CVPR 2018): a tractable surrogate of {@code 1 − IoU} per
 * class, averaged over the classes present in the batch, so the segmentation is trained on the figure it is scored
 * by. For each class c it sorts the pixels' errors {@code |[y = c] − p_c|} and weighs them with the Jaccard loss's
 * discrete gradient along that order (the Lovász extension); for a hard (one-hot) prediction it equals
 * {@code 1 − IoU_c} exactly, which is what the tests check.
 *
 * <p>Unlike a class-weighted cross-entropy, which buys recall of rare classes by moving their logits up (and then
 * predicts them on more pixels than they cover), IoU charges a false positive as much as a false negative. Computed
 * over the whole batch (the paper's batch variant), void pixels ignored.
 */
final class LovaszSoftmax {
    private LovaszSoftmax() {
    }

    /**
     * @param logits  {@code [B, C, H, W]} scores, with grad
     * @param targets {@code [B, H, W]} class ids (int64), {@code ignore} for void
     * @param classes C
     * @param ignore  the void id (not in 0..C−1)
     * @return the scalar loss, in 0..1, differentiable in {@code logits}; 0 when no pixel is labelled. Its
     *         intermediate tensors belong to the caller's {@link org.bytedeco.javacpp.PointerScope} (the training
     *         step's), which frees them with the step's others
     */
    static Tensor loss(Tensor logits, Tensor targets, int classes, int ignore) {
        Tensor valid = targets.ne(new Scalar(ignore));
        // one-hot of the targets with void mapped to an extra class that is then dropped: void rows are all 0
        Tensor ids = targets.masked_fill(valid.logical_not(), new Scalar(classes));
        Tensor fg = torch.one_hot(ids.reshape(-1), classes + 1).narrow(1, 0, classes).t()
                .to(torch.ScalarType.Float);                                                    // [C, N]
        Tensor probabilities = logits.softmax(1).transpose(0, 1).reshape(classes, -1);       // [C, N]
        Tensor mask = valid.reshape(1, -1).to(torch.ScalarType.Float);
        // void pixels get error 0: sorted last, weighed by nothing
        Tensor errors = fg.sub(probabilities).abs().mul(mask);
        T_TensorTensor_T sorted = errors.sort(1, true);
        Tensor errorsSorted = sorted.get0();
        Tensor fgSorted = fg.gather(1, sorted.get1());
        Tensor truePixels = fgSorted.sum(new long[] {1}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
        Tensor intersection = truePixels.sub(fgSorted.cumsum(1));
        Tensor union = truePixels.add(fgSorted.neg().add(new Scalar(1.0)).cumsum(1));
        Tensor jaccard = intersection.div(union).neg().add(new Scalar(1.0));                 // [C, N]
        long n = jaccard.size(1);
        Tensor gradient = n > 1
                ? torch.cat(new TensorVector(jaccard.narrow(1, 0, 1),
                jaccard.narrow(1, 1, n - 1).sub(jaccard.narrow(1, 0, n - 1))), 1)
                : jaccard;
        Tensor perClass = errorsSorted.mul(gradient).sum(new long[] {1}, false,
                new org.bytedeco.pytorch.ScalarTypeOptional());                                 // [C]
        Tensor present = truePixels.reshape(-1).gt(new Scalar(0.0)).to(torch.ScalarType.Float);
        return perClass.mul(present).sum().div(present.sum().clamp_min(new Scalar(1.0)));
    }
}
