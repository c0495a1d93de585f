package io.roadseg.sim;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An endless stream of synthetic training samples — image, class ids and metric depth at a chosen resolution —
 * rendered ahead of use on a background thread into a bounded queue. Sample {@code i} depends only on
 * {@code (seed, i)}: every block of {@value #FRAMES_PER_DRIVE} samples is a fresh drive (its own town and look,
 * seeded from the dataset seed and the block), sampled every {@value #FRAME_STRIDE}th frame, so a data set is
 * reproducible and varied. A share of the drives (chosen per drive by hash, {@code suburbShare}) is the suburb layout
 * instead of the town ({@link TownScene}). The camera is the given calibration scaled to the requested size, so
 * labels are exact at that size (no resampling).
 *
 * <p>Threading: {@link #next()} from one consumer thread; the producer is internal. {@link #close()} stops it.
 */
public final class SimDataset implements Iterator<SimDataset.Sample>, AutoCloseable {
    static final int FRAMES_PER_DRIVE = 64;
    static final int FRAME_STRIDE = 4;

    /** One sample; its arrays belong to the consumer. {@code depth} is 0 where unknown (sky). */
    public record Sample(long index, int width, int height, byte[] bgr, byte[] classIds, float[] depth) {
    }

    private final long seed;
    private final double suburbShare;
    private final CameraCalibration camera;
    private final BlockingQueue<Sample> queue;
    private final Thread producer;
    private volatile boolean closed;
    private volatile Throwable failure;

    /**
     * @param base     camera to scale (its field of view and mounting are kept)
     * @param width    sample width in pixels
     * @param height   sample height in pixels
     * @param prefetch samples rendered ahead (≥ 1)
     * @param first    index of the first sample (to resume a run)
     */
    public SimDataset(long seed, CameraCalibration base, int width, int height, int prefetch, long first) {
        this(seed, 0, base, width, height, prefetch, first);
    }

    /**
     * @param suburbShare share of the drives in the suburb layout, 0..1 (0: town only, the data set before the suburb
     *                    existed, sample for sample)
     */
    public SimDataset(long seed, double suburbShare, CameraCalibration base, int width, int height, int prefetch,
                      long first) {
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be ≥ 1, got " + prefetch);
        }
        if (!(suburbShare >= 0 && suburbShare <= 1)) {
            throw new IllegalArgumentException("suburb share must be in 0..1, got " + suburbShare);
        }
        this.seed = seed;
        this.suburbShare = suburbShare;
        this.camera = scaled(base, width, height);
        this.queue = new ArrayBlockingQueue<>(prefetch);
        this.producer = new Thread(() -> produce(first), "roadseg-sim-dataset");
        this.producer.setDaemon(true);
        this.producer.start();
    }

    public CameraCalibration camera() {
        return camera;
    }

    /** @return {@code base} scaled to {@code width x height} (field of view and mounting kept) */
    public static CameraCalibration scaled(CameraCalibration base, int width, int height) {
        return base.resized(base.name() + "@" + width + "x" + height, width, height);
    }

    /** Renders sample {@code index} on the calling thread (what the background thread does). */
    public Sample render(long index, RoadSceneRenderer renderer, TownScene[] cache) {
        return render(seed, suburbShare, camera, index, renderer, cache);
    }

    /**
     * Renders sample {@code index} of the data set of {@code seed} on the calling thread, without a dataset (and its
     * background thread): what {@link #next()} returns for that index when the dataset's camera is {@code camera}
     * ({@link #scaled}).
     *
     * @param renderer a renderer for {@code camera}
     * @param cache    one slot holding the last drive's scene, reused while consecutive indices stay in one drive
     */
    public static Sample render(long seed, CameraCalibration camera, long index, RoadSceneRenderer renderer,
                                TownScene[] cache) {
        return render(seed, 0, camera, index, renderer, cache);
    }

    /** As above, for a data set with {@code suburbShare} of its drives in the suburb layout. */
    public static Sample render(long seed, double suburbShare, CameraCalibration camera, long index,
                                RoadSceneRenderer renderer, TownScene[] cache) {
        long drive = index / FRAMES_PER_DRIVE;
        long driveSeed = TownScene.hash(seed, 90, drive, 0);
        boolean suburb = isSuburb(seed, suburbShare, drive);
        SimDrive d = new SimDrive(suburb ? "suburb" : "town", driveSeed, FRAMES_PER_DRIVE * FRAME_STRIDE, 30,
                20 + TownScene.hash(seed, 91, drive, 0) % 40, camera);
        if (cache[0] == null || cache[0].seed != driveSeed || cache[0].suburb != suburb) {
            cache[0] = d.buildScene();
        }
        int n = camera.width() * camera.height();
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        d.render(cache[0], renderer, (int) (index % FRAMES_PER_DRIVE) * FRAME_STRIDE, bgr, ids, depth);
        return new Sample(index, camera.width(), camera.height(), bgr, ids, depth);
    }

    /** Whether drive {@code drive} of the data set is a suburb: a fixed draw per (seed, drive). */
    static boolean isSuburb(long seed, double suburbShare, long drive) {
        return suburbShare > 0 && TownScene.hash(seed, 92, drive, 0) % 10_000 < suburbShare * 10_000;
    }

    private void produce(long first) {
        RoadSceneRenderer renderer = new RoadSceneRenderer(camera);
        TownScene[] cache = new TownScene[1];
        try {
            for (long i = first; !closed; i++) {
                Sample s = render(i, renderer, cache);
                while (!closed && !queue.offer(s, 100, TimeUnit.MILLISECONDS)) {
                    Thread.onSpinWait();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e; // handed to the consumer by next(); without it next() would wait forever
        }
    }

    /** @return how many samples are rendered and waiting (at most the prefetch bound) */
    int ready() {
        return queue.size();
    }

    @Override
    public boolean hasNext() {
        return !closed;
    }

    /** The next sample, waiting for the background thread if it is behind. */
    @Override
    public Sample next() {
        if (closed) {
            throw new NoSuchElementException("dataset closed");
        }
        try {
            while (true) {
                Sample s = queue.poll(100, TimeUnit.MILLISECONDS);
                if (s != null) {
                    return s;
                }
                if (failure != null) {
                    throw new IllegalStateException("synthetic dataset: rendering failed: " + failure.getMessage(),
                            failure);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NoSuchElementException("interrupted");
        }
    }

    @Override
    public void close() {
        closed = true;
        producer.interrupt();
        try {
            producer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
