package io.cairn.hal.api;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A disk held exclusively by this controller. Offsets, lengths and buffer addresses are multiples
 * of {@link #logicalBlockSize()} (use {@link AlignedBuffers}); a misaligned request fails with
 * {@link IllegalArgumentException} before touching the device. I/O errors surface as
 * {@link IOException} ({@link DeviceUnavailableException} when the device is gone,
 * {@link DeviceFullException} when it has no space).
 */
@ProviderType
public interface BlockDevice {

    /** Service property carrying {@link #id()}, for targeted references. */
    String DEVICE_ID = "hal.device.id";

    /** Service property naming the provider ({@code linux}, {@code sim}). */
    String PROVIDER = "hal.provider";

    /** Stable identity (serial number or WWN-like id); survives reboots and re-enumeration. */
    default String id() {
        return identity().id();
    }

    DeviceIdentity identity();

    DeviceGeometry geometry();

    default DiskTier tier() {
        return geometry().tier();
    }

    default long capacityBytes() {
        return geometry().capacityBytes();
    }

    default int logicalBlockSize() {
        return geometry().logicalBlockSize();
    }

    default int physicalBlockSize() {
        return geometry().physicalBlockSize();
    }

    /** Reads {@code dst.remaining()} bytes at {@code offset}; returns the bytes read (short only at the end). */
    int read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes at {@code offset}; durable only after {@link #flush()}. */
    int write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable (fdatasync or a device cache flush). */
    void flush() throws IOException;

    /** Tells the device the range holds no data any more (TRIM / hole punch); later reads return zeros. */
    void discard(long offset, long length) throws IOException;

    /** Error counters, latency histograms and device (SMART-style) attributes, as of now. */
    DiskHealth health();
}
