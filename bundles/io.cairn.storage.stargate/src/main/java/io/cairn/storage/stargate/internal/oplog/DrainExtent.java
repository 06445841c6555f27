package io.cairn.storage.stargate.internal.oplog;

/**
 * A contiguous run of undrained data within one 1 MiB extent, ready to write to the extent store.
 *
 * @param offset  vDisk offset of {@code data[0]}
 * @param data    the newest bytes of the range
 * @param allZero true when the whole range came from zero or trim records (nothing to write where
 *                the vBlock has no extent yet)
 * @param trimmed true when the whole range came from trim records (unmapped: the drainer removes a
 *                whole vBlock's extent from the block map instead of writing zeros)
 */
public record DrainExtent(long offset, byte[] data, boolean allZero, boolean trimmed) {

    /** A run that was not trimmed (DATA or ZERO records, or a direct write). */
    public DrainExtent(long offset, byte[] data, boolean allZero) {
        this(offset, data, allZero, false);
    }

    /** The range this extent covers. */
    public ByteRange range() {
        return new ByteRange(offset, data.length);
    }
}
