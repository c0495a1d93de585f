package io.roadseg.pipeline;

/**
 * How a run ended.
 *
 * @param framesEntered frames that entered the ring
 * @param endOfStream   the source ended by itself
 * @param interrupted   a stop was requested (Ctrl-C, SIGTERM, {@code maxFrames})
 * @param failure       the first error a stage raised, or null
 */
public record RunResult(long framesEntered, boolean endOfStream, boolean interrupted, Throwable failure) {
}
