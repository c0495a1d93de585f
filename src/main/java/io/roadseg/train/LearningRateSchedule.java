package io.roadseg.train;

/**
 * Linear warm-up from a tenth of the peak to the peak over {@code warmup} steps, then polynomial decay
 * {@code peak * (1 - t)^0.9} to zero at {@code total} steps (the DeepLab / CGNet schedule). A pure function of the
 * step, so a resumed run continues on the same curve. Immutable.
 *
 * @param peak   learning rate after warm-up
 * @param warmup warm-up steps, {@code >= 0}
 * @param total  steps of the whole run, {@code > warmup}
 */
record LearningRateSchedule(double peak, long warmup, long total) {
    static final double POWER = 0.9;

    LearningRateSchedule {
        if (!(peak > 0) || warmup < 0 || total <= warmup) {
            throw new IllegalArgumentException("schedule: peak " + peak + " must be > 0, warm-up " + warmup
                    + " >= 0 and below the total " + total);
        }
    }

    /** @param step 1-based step about to be taken */
    double at(long step) {
        if (step <= warmup) {
            return peak * (0.1 + 0.9 * step / (double) Math.max(1, warmup));
        }
        double t = Math.min(1.0, (step - warmup) / (double) (total - warmup));
        return peak * Math.pow(1 - t, POWER);
    }
}
