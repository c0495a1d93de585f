package io.roadseg.pipeline;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Parks a waiting stage until the stage before it — the producer <i>or an upstream stage</i> — releases the
 * sequence it needs: a short spin, then {@link LockSupport#park}, woken by {@link #signalAllWhenBlocking()}.
 *
 * <p>Why not the Disruptor's {@code BlockingWaitStrategy}: it blocks only on the producer's cursor and
 * <i>busy-spins</i> while waiting for an upstream stage, so in a chain behind a slow inference stage every
 * downstream stage burns a core (measured: both cores at 99 % and the pipeline slower than a plain loop). Here
 * waiting on either costs nothing; the price is that every stage must signal when it releases a slot, which
 * {@link RingStage} does (sequence callback set, then signal).
 *
 * <p>Allocation-free: waiters register in a fixed array of slots. Threading: any number of waiting threads up to
 * {@value #MAX_WAITERS}; signal from any thread.
 */
public final class ParkingWaitStrategy implements WaitStrategy {
    static final int MAX_WAITERS = 32;
    private static final int SPINS = 64;
    /** Upper bound on one park, a safety net only: every release signals. */
    private static final long PARK_NANOS = 5_000_000;

    private final AtomicReferenceArray<Thread> waiters = new AtomicReferenceArray<>(MAX_WAITERS);
    /** What each registered waiter waits for: its sequence reaching a value. Written before the thread is. */
    private final Sequence[] awaited = new Sequence[MAX_WAITERS];
    private final long[] needed = new long[MAX_WAITERS];

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException {
        long available;
        for (int i = 0; i < SPINS; i++) {
            if ((available = dependentSequence.get()) >= sequence) {
                return available;
            }
            barrier.checkAlert();
            Thread.onSpinWait();
        }
        int slot = -1;
        try {
            while ((available = dependentSequence.get()) < sequence) {
                barrier.checkAlert();
                if (slot < 0) {
                    slot = register(Thread.currentThread(), dependentSequence, sequence);
                    continue; // re-check after registering, so a release in between is not missed
                }
                LockSupport.parkNanos(this, PARK_NANOS);
            }
        } finally {
            if (slot >= 0) {
                waiters.set(slot, null);
            }
        }
        return available;
    }

    private int register(Thread me, Sequence dependent, long sequence) {
        while (true) {
            for (int i = 0; i < MAX_WAITERS; i++) {
                if (waiters.get(i) == null && waiters.compareAndSet(i, null, RESERVED)) {
                    awaited[i] = dependent;
                    needed[i] = sequence;
                    waiters.set(i, me); // volatile write publishes awaited/needed to signalling threads
                    return i;
                }
            }
            Thread.onSpinWait(); // more waiters than slots: impossible with the pipeline's handful of stages
        }
    }

    /**
     * Wakes the waiters whose awaited sequence has now been reached — not the others, whose spurious wake-ups would
     * only cost context switches on a machine with few cores. (An alert on shutdown wakes nobody here; a halted
     * stage notices within one bounded park.)
     */
    @Override
    public void signalAllWhenBlocking() {
        for (int i = 0; i < MAX_WAITERS; i++) {
            Thread t = waiters.get(i);
            if (t != null && t != RESERVED && awaited[i].get() >= needed[i]) {
                LockSupport.unpark(t);
            }
        }
    }

    /** Marks a waiter slot taken while its fields are being written. */
    private static final Thread RESERVED = new Thread("roadseg-wait-slot-reserved");

    @Override
    public String toString() {
        return "ParkingWaitStrategy";
    }
}
