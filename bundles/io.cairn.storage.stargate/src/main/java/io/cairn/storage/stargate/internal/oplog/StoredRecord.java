package io.cairn.storage.stargate.internal.oplog;

import java.io.IOException;
import java.util.Arrays;

/**
 * Where a write record lives and how much of it is still undrained. Fields other than the final
 * ones are guarded by the store's lock.
 */
final class StoredRecord {

    final Segment segment;
    /** Position of the payload in the segment file (unused for zero and trim records). */
    final long payloadPosition;
    final int storedBytes;
    final long vdiskId;
    final long epoch;
    final long sequence;
    final long offset;
    final int length;
    final RecordKind kind;
    /** Logical bytes of this record the index still points at; the record is dead at zero. */
    long coveredBytes;

    StoredRecord(Segment segment, long payloadPosition, int storedBytes, long vdiskId, long epoch, long sequence,
            long offset, int length, RecordKind kind) {
        this.segment = segment;
        this.payloadPosition = payloadPosition;
        this.storedBytes = storedBytes;
        this.vdiskId = vdiskId;
        this.epoch = epoch;
        this.sequence = sequence;
        this.offset = offset;
        this.length = length;
        this.kind = kind;
    }

    /** True if this record is not newer than {@code (epoch, sequence)}. */
    boolean notNewerThan(long otherEpoch, long otherSequence) {
        return epoch < otherEpoch || (epoch == otherEpoch && sequence <= otherSequence);
    }

    /** Copies {@code length} bytes from vDisk offset {@code from} of this record into {@code into}. */
    void copy(long from, byte[] into, int intoOffset, int count) throws IOException {
        if (kind == RecordKind.DATA) {
            segment.read(payloadPosition + (from - offset), into, intoOffset, count);
        } else {
            Arrays.fill(into, intoOffset, intoOffset + count, (byte) 0);
        }
    }
}
