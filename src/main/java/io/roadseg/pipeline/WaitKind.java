package io.roadseg.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

/**
 * The ring's wait strategies by name, each with its trade-off. Measured with {@code roadseg bench --wait …}; the
 * default is {@link #BLOCKING} (see README, "Choosing the wait strategy").
 */
public enum WaitKind {
    /** Parks on the producer and on upstream stages alike; woken by each release. Idle stages cost no CPU. */
    PARKING,
    /**
     * The Disruptor's lock + condition: blocks on the producer but busy-spins while an upstream stage works, so
     * in a chain behind slow inference it burns the cores the other stages need.
     */    BLOCKING,
    /** As {@link #BLOCKING} (spins on upstream stages too), but skips the wake-up when nobody waits. */
    LITE_BLOCKING,
    /** Spin, then yield, then park 100 µs at a time: low CPU, hand-off up to the park granularity. */
    SLEEPING,
    /** Spin then {@code Thread.yield()}: fast hand-off but keeps a core busy per idle stage. */
    YIELDING,
    /** Pure spin: lowest hand-off latency, burns a core per stage — wrong on a 2-core machine. */
    BUSY_SPIN;

    public WaitStrategy create() {
        return switch (this) {
            case PARKING -> new ParkingWaitStrategy();
            case BLOCKING -> new BlockingWaitStrategy();
            case LITE_BLOCKING -> new LiteBlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }
}
