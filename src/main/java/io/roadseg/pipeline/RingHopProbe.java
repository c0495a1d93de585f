package io.roadseg.pipeline;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures what the ring itself adds per hop, apart from the stages' work and from CPU contention: a ring of the
 * pipeline's shape (a chain of handlers) whose handlers only take timestamps, fed at a fixed rate. For each hop the
 * added latency is the handler's start minus the moment the frame became available to it. Also reports the CPU the
 * waiting costs (cores busy while the ring mostly idles), which is what rules out spinning strategies on 2 cores.
 *
 * <p>Threading: {@link #measure} runs on the caller's thread and starts and stops its own stage threads.
 */
public final class RingHopProbe {
    /**
     * @param hopNanos    added latency per hop, all hops together
     * @param coresBusy   process CPU time over wall time during the probe
     * @param events      frames sent through
     */
    public record Result(WaitKind waitKind, Histogram hopNanos, double coresBusy, long events) {
    }

    private RingHopProbe() {
    }

    private static final class Probe {
        final long[] start;
        long published;

        Probe(int stages) {
            start = new long[stages];
        }
    }

    public static Result measure(WaitKind kind, int stages, int events, long intervalNanos) {
        Histogram hops = new Histogram(1, 10_000_000_000L, 3);
        WaitStrategy waitStrategy = kind.create();
        Disruptor<Probe> disruptor = new Disruptor<>(() -> new Probe(stages), 8, r -> {
            Thread t = new Thread(r, "roadseg-hop-probe");
            t.setDaemon(true);
            return t;
        }, ProducerType.SINGLE, waitStrategy);
        @SuppressWarnings("unchecked")
        EventHandler<Probe>[] handlers = new EventHandler[stages];
        for (int k = 0; k < stages; k++) {
            final int stage = k;
            handlers[k] = new RingStage<>("hop-probe-" + k, waitStrategy, e -> { }) {
                private long lastStart;

                @Override
                void process(Probe p, long sequence, boolean endOfBatch) {
                    long now = System.nanoTime();
                    p.start[stage] = now;
                    long available = stage == 0 ? p.published : p.start[stage - 1];
                    if (sequence >= 16) { // the first frames include thread start-up
                        hops.recordValue(Math.max(1, now - Math.max(available, lastStart)));
                    }
                    lastStart = now;
                }
            };
        }
        var group = disruptor.handleEventsWith(handlers[0]);
        for (int k = 1; k < stages; k++) {
            group = group.then(handlers[k]);
        }
        RingBuffer<Probe> ring = disruptor.start();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        long due = t0;
        for (int i = 0; i < events; i++) {
            due += intervalNanos;
            for (long now = System.nanoTime(); now < due; now = System.nanoTime()) {
                LockSupport.parkNanos(due - now);
            }
            long seq = ring.next();
            ring.get(seq).published = System.nanoTime();
            ring.publish(seq);
        }
        disruptor.shutdown();
        long wall = System.nanoTime() - t0;
        double cores = (os.getProcessCpuTime() - cpu0) / (double) wall;
        return new Result(kind, hops, cores, events);
    }
}
