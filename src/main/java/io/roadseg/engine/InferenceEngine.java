package io.roadseg.engine;

/**
 * A loaded model on one backend: describes its contract and runs one frame from a {@link TensorBinding}'s input
 * into its outputs.
 *
 * <p>Threading: {@link #infer} is called from one thread at a time (the pipeline's inference stage); bindings may
 * be allocated from any thread before the pipeline starts. {@link #close()} after every binding is closed.
 */
public interface InferenceEngine extends AutoCloseable {

    /** The backend's name as used on the command line ({@code cpu}, {@code tensorrt}). */
    String backend();

    /** One line for logs: backend, runtime version, threads, device. */
    String describe();

    ModelInfo model();

    /** Allocates the buffers for one frame in flight. The caller owns the result and closes it. */
    TensorBinding allocate() throws InferenceException;

    /**
     * Runs the model on {@code binding.input} and writes its outputs. Allocation-free in steady state.
     *
     * @return the engine's own time for this run in nanoseconds (excluding any pipeline wait)
     */
    long infer(TensorBinding binding) throws InferenceException;

    @Override
    void close();
}
