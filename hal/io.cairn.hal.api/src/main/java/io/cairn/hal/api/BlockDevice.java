package io.cairn.hal.api;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A disk held exclusively by this controller. Offsets and lengths are multiples of
 * {@link #logicalBlockSize()}; a misaligned request fails with {@link IllegalArgumentException}.
 */
@ProviderType
public interface BlockDevice {

    /** Stable identity (serial number or WWN-like id); survives reboots and re-enumeration. */
    String id();

    DiskTier tier();

    long capacityBytes();

    int logicalBlockSize();

    int physicalBlockSize();

    /** Reads {@code dst.remaining()} bytes at {@code offset}; returns the bytes read. */
    int read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes at {@code offset}; durable only after {@link #flush()}. */
    int write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable (fdatasync or a device cache flush). */
    void flush() throws IOException;
}
