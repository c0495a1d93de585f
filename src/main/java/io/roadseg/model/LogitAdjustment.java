package io.roadseg.model;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Post-hoc logit adjustment of the segmentation head (Menon et al., "Long-tail learning via logit adjustment",
 * ICLR 2021): a class-weighted cross-entropy with weights {@code w_k} moves the network's optimal logits by about
 * {@code ln w_k}, which lifts rare classes (their recall) at the price of predicting them on more pixels than they
 * cover. Subtracting {@code τ·ln w_k} from class k's logit undoes that by a fraction τ (0 = as trained, 1 = as if
 * trained unweighted). It is baked into the head's bias, so it costs nothing at run time, and a softmax-argmax
 * consumer sees the adjusted decision.
 *
 * <p>Stateless.
 */
public final class LogitAdjustment {
    /** The segmentation head's bias: the logits' last additive term before upsampling. */
    public static final String SEG_HEAD_BIAS = "seg.head.bias";

    private LogitAdjustment() {
    }

    /**
     * @param weights      the model's weights
     * @param classWeights the class weights the segmentation loss used, one per class, all > 0
     * @param tau          the fraction of the weighting to undo, in [0, 1]
     * @return the weights with {@code −τ·ln w_k} added to the head's bias of class k
     * @throws IllegalArgumentException when the class weights do not match the head or are not positive, or τ is
     *                                  out of range
     */
    public static FcnWeights apply(FcnWeights weights, float[] classWeights, double tau) {
        if (!(tau >= 0 && tau <= 1)) {
            throw new IllegalArgumentException("logit adjustment " + tau + ": must be in [0, 1]");
        }
        float[] bias = weights.values(SEG_HEAD_BIAS);
        if (classWeights.length != bias.length) {
            throw new IllegalArgumentException("logit adjustment: " + classWeights.length + " class weights for a "
                    + "head of " + bias.length + " classes");
        }
        float[] adjusted = bias.clone();
        for (int k = 0; k < bias.length; k++) {
            if (!(classWeights[k] > 0) || !Float.isFinite(classWeights[k])) {
                throw new IllegalArgumentException("logit adjustment: class weight " + classWeights[k] + " of class "
                        + k + " must be positive");
            }
            adjusted[k] = (float) (bias[k] - tau * Math.log(classWeights[k]));
        }
        Map<String, FcnWeights.Tensor> tensors = new LinkedHashMap<>(weights.tensors());
        tensors.put(SEG_HEAD_BIAS, new FcnWeights.Tensor(weights.shape(SEG_HEAD_BIAS), adjusted));
        return FcnWeights.of(weights.architecture(), tensors);
    }

    /**
     * @param text comma-separated numbers (the {@link ModelContract#CLASS_WEIGHTS} metadata value)
     * @throws IllegalArgumentException naming the value that is not a number
     */
    public static float[] parseWeights(String text) {
        String[] parts = text.split(",");
        float[] w = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                w[i] = Float.parseFloat(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("class weights: '" + parts[i].strip() + "' is not a number");
            }
        }
        return w;
    }

    /** @return the weights as {@link ModelContract#CLASS_WEIGHTS} records them: comma-separated, shortest form */
    public static String formatWeights(float[] classWeights) {
        StringBuilder b = new StringBuilder();
        for (float w : classWeights) {
            b.append(b.length() == 0 ? "" : ",").append(w);
        }
        return b.toString();
    }

    /** @return the provenance line written into {@link ModelContract#LOGIT_ADJUSTMENT} */
    public static String describe(double tau, float[] classWeights) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "tau %.3f: seg logit k minus tau*ln(w_k), "
                + "w =", tau));
        for (float w : classWeights) {
            b.append(String.format(Locale.ROOT, " %.4f", w));
        }
        return b.toString();
    }
}
