package io.cairn.storage.stargate.internal.nbd;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one export as served by one {@link NbdServer}, summed over all its connections:
 * operations by kind, payload bytes, and requests answered with an error. Cheap to update from
 * many threads; read without locking (each value is a sum at some moment).
 */
public final class NbdExportStats {

    private final LongAdder reads = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder flushes = new LongAdder();
    private final LongAdder trims = new LongAdder();
    private final LongAdder zeroes = new LongAdder();
    private final LongAdder errors = new LongAdder();

    void countRead(int bytes) {
        reads.increment();
        bytesRead.add(bytes);
    }

    void countWrite(int bytes) {
        writes.increment();
        bytesWritten.add(bytes);
    }

    void countFlush() {
        flushes.increment();
    }

    void countTrim() {
        trims.increment();
    }

    void countWriteZeroes() {
        zeroes.increment();
    }

    void countError() {
        errors.increment();
    }

    public long reads() {
        return reads.sum();
    }

    public long writes() {
        return writes.sum();
    }

    public long bytesRead() {
        return bytesRead.sum();
    }

    public long bytesWritten() {
        return bytesWritten.sum();
    }

    public long flushes() {
        return flushes.sum();
    }

    public long trims() {
        return trims.sum();
    }

    public long writeZeroes() {
        return zeroes.sum();
    }

    /** Requests answered with a non-zero error, whatever the cause (bad request or export failure). */
    public long errors() {
        return errors.sum();
    }

    @Override
    public String toString() {
        return "reads=" + reads() + " (" + bytesRead() + " B), writes=" + writes() + " (" + bytesWritten() + " B), flushes="
                + flushes() + ", trims=" + trims() + ", writeZeroes=" + writeZeroes() + ", errors=" + errors();
    }
}
