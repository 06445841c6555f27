package io.cairn.storage.stargate.internal.oplog;

import java.util.Objects;

/**
 * One write as the OpLog stores it: {@code length} bytes at byte {@code offset} of vDisk
 * {@code vdiskId}, written by the owner holding fencing {@code epoch}, numbered {@code sequence}
 * by that owner. The owner and every peer holding a copy store the same record; {@code (epoch,
 * sequence)} orders a vDisk's writes, newest wins.
 *
 * @param vdiskId  the vDisk written
 * @param epoch    the owner's fencing epoch; a store rejects epochs below the highest it has seen
 * @param sequence the owner's per-vDisk write number; with the epoch it must not decrease
 * @param offset   byte offset in the vDisk, a multiple of {@link #ALIGNMENT}
 * @param length   bytes covered, a positive multiple of {@link #ALIGNMENT}
 * @param kind     whether payload bytes are stored or the range reads as zeros
 * @param payload  the bytes written for {@link RecordKind#DATA} ({@code length} of them); empty otherwise
 */
public record OpLogRecord(long vdiskId, long epoch, long sequence, long offset, int length, RecordKind kind, byte[] payload) {

    /** Offsets and lengths are multiples of a 512-byte sector. */
    public static final int ALIGNMENT = 512;

    private static final byte[] NO_PAYLOAD = new byte[0];

    public OpLogRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payload, "payload");
        if (epoch < 0 || sequence < 0) {
            throw new IllegalArgumentException("epoch and sequence must not be negative, got epoch " + epoch + ", sequence " + sequence);
        }
        if (offset < 0 || offset % ALIGNMENT != 0) {
            throw new IllegalArgumentException("offset " + offset + " must be a non-negative multiple of " + ALIGNMENT);
        }
        if (length <= 0 || length % ALIGNMENT != 0) {
            throw new IllegalArgumentException("length " + length + " must be a positive multiple of " + ALIGNMENT);
        }
        if (offset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("write at " + offset + " of " + length + " bytes ends past the largest vDisk size (2^63-1)");
        }
        int expected = kind == RecordKind.DATA ? length : 0;
        if (payload.length != expected) {
            throw new IllegalArgumentException(kind + " record of " + length + " bytes needs a payload of " + expected + " bytes, got " + payload.length);
        }
    }

    /** A write of {@code data} (its length must be a multiple of 512). */
    public static OpLogRecord data(long vdiskId, long epoch, long sequence, long offset, byte[] data) {
        return new OpLogRecord(vdiskId, epoch, sequence, offset, data.length, RecordKind.DATA, data);
    }

    /** A write of {@code length} zero bytes, stored without payload. */
    public static OpLogRecord zero(long vdiskId, long epoch, long sequence, long offset, int length) {
        return new OpLogRecord(vdiskId, epoch, sequence, offset, length, RecordKind.ZERO, NO_PAYLOAD);
    }

    /** An unmap of {@code length} bytes, stored without payload; reads return zeros. */
    public static OpLogRecord trim(long vdiskId, long epoch, long sequence, long offset, int length) {
        return new OpLogRecord(vdiskId, epoch, sequence, offset, length, RecordKind.TRIM, NO_PAYLOAD);
    }

    /** The bytes a read of this record returns: the payload, or zeros. */
    public byte[] bytes() {
        return kind == RecordKind.DATA ? payload : new byte[length];
    }

    @Override
    public String toString() {
        return "OpLogRecord[vdisk " + vdiskId + ", epoch " + epoch + ", sequence " + sequence + ", " + kind + " " + length + " bytes at " + offset + "]";
    }
}
