package io.roadseg.sink;

import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.FrameSink;

/**
 * Adapts a {@link FrameListener} to the pipeline's sink stage. Threading: the sink thread (see
 * {@link FrameListener}).
 */
public final class CallbackSink implements FrameSink {
    private final FrameListener listener;
    private final String name;

    public CallbackSink(String name, FrameListener listener) {
        this.name = name;
        this.listener = listener;
    }

    @Override
    public void accept(FrameResult frame) throws Exception {
        listener.onFrame(frame);
    }

    @Override
    public void close() {
    }

    @Override
    public String describe() {
        return "callback " + name;
    }
}
