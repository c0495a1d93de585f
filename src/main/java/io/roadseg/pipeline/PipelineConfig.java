package io.roadseg.pipeline;

/**
 * How to run the ring.
 *
 * @param mode      capture policy (see {@link PipelineMode})
 * @param ringSize  slots in the ring, a power of 2 (frames in flight at most)
 * @param waitKind  how idle stages wait for work
 * @param maxFrames stop after this many frames have entered the ring (≤ 0: until the source ends)
 * @param hud       draw the heads-up display on the annotated picture
 */
public record PipelineConfig(PipelineMode mode, int ringSize, WaitKind waitKind, long maxFrames, boolean hud) {
    public PipelineConfig {
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ringSize must be a power of 2 and at least 2, got " + ringSize);
        }
    }

    /** Replay defaults: every frame, 8 slots, parking waits, HUD on. */
    public static PipelineConfig defaults(PipelineMode mode) {
        return new PipelineConfig(mode, mode == PipelineMode.EVERY_FRAME ? 8 : 4, WaitKind.PARKING, 0, true);
    }

    /** Defaults for a source: {@link PipelineMode#LIVE} when it is live, else paced or every frame. */
    public static PipelineConfig forSource(io.roadseg.source.SourceInfo source, boolean pace) {
        return defaults(source.live() ? PipelineMode.LIVE : pace ? PipelineMode.PACED : PipelineMode.EVERY_FRAME);
    }

    public PipelineConfig withMaxFrames(long n) {
        return new PipelineConfig(mode, ringSize, waitKind, n, hud);
    }

    public PipelineConfig withWait(WaitKind w) {
        return new PipelineConfig(mode, ringSize, w, maxFrames, hud);
    }

    public PipelineConfig withRingSize(int n) {
        return new PipelineConfig(mode, n, waitKind, maxFrames, hud);
    }
}
