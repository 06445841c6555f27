package io.cairn.storage.stargate.internal.oplog;

/**
 * A contiguous run of undrained data within one 1 MiB extent, ready to write to the extent store.
 *
 * @param offset  vDisk offset of {@code data[0]}
 * @param data    the newest bytes of the range
 * @param allZero true when the whole range came from zero or trim records (the drainer may
 *                deallocate instead of writing)
 */
public record DrainExtent(long offset, byte[] data, boolean allZero) {

    /** The range this extent covers. */
    public ByteRange range() {
        return new ByteRange(offset, data.length);
    }
}
