package io.cairn.storage.api.stargate;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * I/O on one vDisk. Offsets and lengths are multiples of 512 bytes and stay below the vDisk's
 * size ({@code INVALID_REQUEST} otherwise, and nothing is done). A write returns once it is
 * durable on as many fault domains as the container's replication factor; a read returns only
 * checksum-verified data. Safe for concurrent use; requests that overlap are applied in the order
 * they reached the owner.
 */
@ProviderType
public interface VDiskIo extends AutoCloseable {

    VDisk vdisk();

    /** Reads {@code dst.remaining()} bytes at {@code offset} into {@code dst}. */
    void read(long offset, ByteBuffer dst);

    /**
     * Writes {@code src.remaining()} bytes at {@code offset}. Every write is durable when it returns
     * ({@code fua} is accepted for front ends that pass it on). Fails with {@code STORAGE_FULL}
     * when the pool is 95% full.
     */
    void write(long offset, ByteBuffer src, boolean fua);

    /** Makes the range read as zeros (stored without data). */
    void writeZeroes(long offset, long length);

    /** Tells Stargate the range is no longer needed; it reads as zeros afterwards. */
    void trim(long offset, long length);

    /** Every write that returned is already durable; flush exists for front ends that send it. */
    void flush();

    @Override
    void close();
}
