package io.roadseg.pipeline;

/**
 * The pipeline's last stage hands every processed frame to its sinks, in order, on one thread.
 *
 * <p>Threading: {@link #accept} and {@link #close} are called from the pipeline's sink thread (close after the
 * ring has drained, from the thread that owns the run). A sink must not keep references to the result's buffers.
 */
public interface FrameSink extends AutoCloseable {
    /** Consumes one frame; allocation-free in steady state. An exception stops the run with its message. */
    void accept(FrameResult frame) throws Exception;

    /** Finalises output (trailer, flush). Idempotent. */
    @Override
    void close() throws Exception;

    /** One line for logs: what this sink writes where. */
    String describe();
}
