package io.cairn.storage.stargate.internal.oplog;

/**
 * A range of a vDisk's address space: {@code length} bytes from {@code offset}.
 *
 * @param offset first byte
 * @param length number of bytes, positive
 */
public record ByteRange(long offset, long length) {

    public ByteRange {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("a range needs a non-negative offset and a positive length, got " + offset + "+" + length);
        }
    }

    /** The first byte after the range. */
    public long end() {
        return offset + length;
    }
}
