package io.roadseg.engine.trt;

import io.roadseg.engine.InferenceException;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.tensorrt.nvinfer.IInt8EntropyCalibrator2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

/**
 * TensorRT's entropy calibrator (version 2) fed by {@link CalibrationBatches}: each {@link #getBatch} call
 * preprocesses the next batch of images on the host and copies it to one device buffer. The calibration table
 * TensorRT produces is written to {@code tableFile} and read back by later builds, which then skip the images.
 *
 * <p>Callbacks come from native code and must not throw: the first failure (an undecodable image, a CUDA error) is
 * kept, the batch stream ends, and {@link #failure()} lets the builder report it as the reason the build failed.
 *
 * <p>Ownership: allocated here (so, unlike objects TensorRT returns, really freed by {@link #close()}): the device
 * buffer, the host staging buffer and the JavaCPP callback object. Close after the build.
 *
 * <p>Threading: TensorRT calls it from the building thread only.
 */
@SuppressWarnings({"deprecation", "rawtypes"}) // the calibrator API is deprecated in TensorRT 10.x (not removed);
// its callback signature uses the raw PointerPointer of the presets
final class TrtCalibrator extends IInt8EntropyCalibrator2 implements AutoCloseable {
    private final CalibrationBatches batches;
    private final String inputName;
    private final Path tableFile;
    private final Consumer<String> log;
    private final FloatBuffer host;
    private final BytePointer hostPointer;
    private final Pointer device;
    private final long batchBytes;
    private BytePointer tableRead;
    private byte[] table;
    private InferenceException failure;
    private int served;
    private boolean closed;

    TrtCalibrator(CalibrationBatches batches, String inputName, Path tableFile, Consumer<String> log)
            throws InferenceException {
        super();
        this.batches = batches;
        this.inputName = inputName;
        this.tableFile = tableFile;
        this.log = log;
        this.batchBytes = (long) batches.batchFloats() * Float.BYTES;
        ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(batchBytes)).order(ByteOrder.nativeOrder());
        this.host = bytes.asFloatBuffer();
        this.hostPointer = new BytePointer(bytes);
        PointerPointer<Pointer> out = new PointerPointer<>(1);
        try {
            TrtNatives.check(cudart.cudaMalloc(out, batchBytes), "cudaMalloc",
                    "INT8 calibration batch, " + batchBytes / (1 << 20) + " MiB");
            this.device = out.get(0);
        } finally {
            out.close();
        }
    }

    @Override
    public int getBatchSize() {
        return batches.batchSize();
    }

    /** Images per calibration batch (what {@link #getBatchSize()} tells TensorRT). */
    int batchSize() {
        return batches.batchSize();
    }

    @Override
    public boolean getBatch(PointerPointer bindings, PointerPointer names, int nbBindings) {
        if (failure != null) {
            return false;
        }
        try {
            if (nbBindings != 1 || !inputName.equals(names.getString(0))) {
                throw new InferenceException("INT8 calibration: TensorRT asked for " + nbBindings + " inputs ("
                        + (nbBindings > 0 ? names.getString(0) : "none") + "), the model has one, '" + inputName
                        + "'");
            }
            if (!batches.next(host)) {
                return false;
            }
            TrtNatives.check(cudart.cudaMemcpy(device, hostPointer, batchBytes, cudart.cudaMemcpyHostToDevice),
                    "cudaMemcpy", "INT8 calibration batch");
            bindings.put(0, device);
            served++;
            if (served % 16 == 0 || served == batches.batchCount()) {
                log.accept("engine tensorrt: INT8 calibration batch " + served + "/" + batches.batchCount());
            }
            return true;
        } catch (InferenceException e) {
            failure = e;
        } catch (Throwable t) {
            failure = new InferenceException("INT8 calibration failed: " + t, t);
        }
        return false;
    }

    @Override
    public Pointer readCalibrationCache(LongPointer length) {
        try {
            if (Files.isRegularFile(tableFile)) {
                table = Files.readAllBytes(tableFile);
                if (tableRead != null) {
                    tableRead.close();
                }
                tableRead = new BytePointer(table);
                length.put(0, table.length);
                log.accept("engine tensorrt: INT8 calibration table " + tableFile + " reused (delete it to "
                        + "recalibrate)");
                return tableRead;
            }
        } catch (Throwable t) {
            log.accept("warning: INT8 calibration table " + tableFile + ": unreadable (" + t.getMessage()
                    + "); calibrating from the images");
        }
        length.put(0, 0);
        return null;
    }

    @Override
    public void writeCalibrationCache(Pointer ptr, long length) {
        try {
            byte[] bytes = new byte[Math.toIntExact(length)];
            new BytePointer(ptr).get(bytes);
            table = bytes;
            Files.createDirectories(tableFile.toAbsolutePath().getParent());
            Path tmp = tableFile.resolveSibling(tableFile.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, tableFile, StandardCopyOption.REPLACE_EXISTING);
            log.accept("engine tensorrt: INT8 calibration table written to " + tableFile);
        } catch (Throwable e) { // nothing may unwind through TensorRT: an Error there aborts the JVM
            log.accept("warning: INT8 calibration table cannot be written to " + tableFile + " (" + e
                    + "); the next INT8 build calibrates again");
        }
    }

    /** The calibration table TensorRT used (read or produced), or null when it produced none. */
    byte[] table() {
        return table;
    }

    /** The first failure inside a callback, or null. */
    InferenceException failure() {
        return failure;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cudart.cudaFree(device);
        hostPointer.close();
        if (tableRead != null) {
            tableRead.close();
        }
        super.close();
    }
}
