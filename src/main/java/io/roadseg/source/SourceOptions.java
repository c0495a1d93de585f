package io.roadseg.source;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to open a source.
 *
 * @param loop      restart a recording at its end (soak tests); ignored for live sources
 * @param timeout   bound on connecting to and waiting for a network or camera source
 * @param folderFps frame rate assigned to a folder of images
 * @param topic     the camera topic of an MCAP recording, or null to take its only camera topic
 * @param motionTopic the vehicle-motion topic of an MCAP recording (odometry), or null to take the first by name
 * @param caCert    certificates (PEM) to trust for a {@code wss://} server beside the JVM's authorities, or null
 */
public record SourceOptions(boolean loop, Duration timeout, double folderFps, String topic, String motionTopic,
                            Path caCert) {
    public SourceOptions(boolean loop, Duration timeout, double folderFps) {
        this(loop, timeout, folderFps, null, null, null);
    }

    public SourceOptions(boolean loop, Duration timeout, double folderFps, String topic) {
        this(loop, timeout, folderFps, topic, null, null);
    }

    public SourceOptions(boolean loop, Duration timeout, double folderFps, String topic, String motionTopic) {
        this(loop, timeout, folderFps, topic, motionTopic, null);
    }

    public SourceOptions {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (!(folderFps > 0)) {
            throw new IllegalArgumentException("folderFps must be positive, got " + folderFps);
        }
    }

    public static SourceOptions defaults() {
        return new SourceOptions(false, Duration.ofSeconds(5), 10);
    }

    public SourceOptions withLoop(boolean loop) {
        return new SourceOptions(loop, timeout, folderFps, topic, motionTopic, caCert);
    }

    public SourceOptions withTimeout(Duration timeout) {
        return new SourceOptions(loop, timeout, folderFps, topic, motionTopic, caCert);
    }

    public SourceOptions withTopic(String topic) {
        return new SourceOptions(loop, timeout, folderFps, topic, motionTopic, caCert);
    }

    public SourceOptions withMotionTopic(String motionTopic) {
        return new SourceOptions(loop, timeout, folderFps, topic, motionTopic, caCert);
    }

    public SourceOptions withCaCert(Path caCert) {
        return new SourceOptions(loop, timeout, folderFps, topic, motionTopic, caCert);
    }
}
