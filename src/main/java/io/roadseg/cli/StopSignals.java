package io.roadseg.cli;

import sun.misc.Signal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * SIGINT / SIGTERM during a command that writes outputs ({@code run}, {@code sim}): the first asks the work to stop
 * (frames in flight finish, outputs are finalised, statistics written); a second one exits at once (status 130).
 * Installed before anything is opened: a signal that comes while the engine, the source or the outputs are still
 * opening stops the work as soon as it is {@link #attach attached}, before its first frame, so its outputs are
 * finalised too. Closing restores the handlers there were.
 */
final class StopSignals implements AutoCloseable {
    private final List<Signal> signals = new ArrayList<>();
    private final List<sun.misc.SignalHandler> previous = new ArrayList<>();
    private volatile boolean stopping;
    private volatile Runnable stop;

    StopSignals(PrintStream err) {
        for (String name : new String[]{"INT", "TERM"}) {
            try {
                Signal s = new Signal(name);
                previous.add(Signal.handle(s, sig -> {
                    if (stopping) {
                        Runtime.getRuntime().halt(130);
                    }
                    stopping = true;
                    err.println();
                    err.println("SIG" + sig.getName() + ": stopping; finishing frames in flight and finalising "
                            + "outputs (again to abort)");
                    Runnable r = stop;
                    if (r != null) {
                        r.run();
                    }
                }));
                signals.add(s);
            } catch (IllegalArgumentException e) {
                // signal not available on this platform
            }
        }
    }

    /** What a signal does from now on (a pipeline's stop); done at once when a signal came before. */
    void attach(Runnable onStop) {
        stop = onStop;
        if (stopping) {
            onStop.run();
        }
    }

    /** @return whether a stop was asked for */
    boolean stopping() {
        return stopping;
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
    }
}
