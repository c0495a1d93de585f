package io.roadseg.pipeline;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.WaitStrategy;

import java.util.function.Consumer;

/**
 * Base of every stage in the ring: names its thread, keeps a stage's errors from reaching the Disruptor (the
 * error goes to the pipeline, the slot is marked failed so later stages skip it), and releases each slot as soon
 * as it is done — sets the stage's sequence and signals the wait strategy, so the next stage wakes now rather than
 * when the batch ends ({@link ParkingWaitStrategy} relies on this).
 *
 * <p>Threading: one thread per stage, as the Disruptor runs it.
 */
abstract class RingStage<T> implements EventHandler<T> {
    private final String name;
    private final WaitStrategy waitStrategy;
    private final Consumer<Throwable> errors;
    private Sequence released;

    RingStage(String name, WaitStrategy waitStrategy, Consumer<Throwable> errors) {
        this.name = name;
        this.waitStrategy = waitStrategy;
        this.errors = errors;
    }

    @Override
    public final void setSequenceCallback(Sequence sequenceCallback) {
        this.released = sequenceCallback;
    }

    @Override
    public void onStart() {
        Thread.currentThread().setName("roadseg-" + name);
    }

    @Override
    public final void onEvent(T event, long sequence, boolean endOfBatch) {
        try {
            process(event, sequence, endOfBatch);
        } catch (Throwable t) {
            failed(event);
            errors.accept(t);
        } finally {
            if (released != null) {
                released.set(sequence);
                waitStrategy.signalAllWhenBlocking();
            }
            afterRelease();
        }
    }

    abstract void process(T event, long sequence, boolean endOfBatch) throws Exception;

    /** Marks the event so later stages skip it. */
    void failed(T event) {
    }

    /** Called after the slot was released (e.g. to wake the producer). */
    void afterRelease() {
    }
}
