package io.cairn.storage.stargate.internal.io;

import io.cairn.common.error.CairnException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Routes each write to the OpLog or the extent store by the sequential rule of spec 20 §3: a
 * write is sequential, and skips the OpLog, when its vDisk's outstanding write bytes
 * <em>including this write</em> are at least
 * {@value #SKIP_MIN_OUTSTANDING_WRITE_BYTES_PROPERTY} (default 1572864 = 1.5 MiB). So a lone
 * write of 1.5 MiB or more bypasses the OpLog, a stream of 1 MiB writes at iodepth 2 does once
 * two are in flight, and everything else, even writes above 64 KiB, goes to the OpLog (open
 * decision 1). The AES sustained-random bypass of §5 is decided elsewhere.
 *
 * <p>Outstanding bytes are counted per vDisk from {@link #begin} to {@link InFlightWrite#close}.
 * Thread-safe: each vDisk's counter is updated atomically in a concurrent map, so writers to
 * different vDisks do not contend; a vDisk with nothing in flight has no entry.
 */
public final class WriteClassifier {

    /** Config property (gflag) name of the threshold. */
    public static final String SKIP_MIN_OUTSTANDING_WRITE_BYTES_PROPERTY =
            "vdisk_distributed_oplog_skip_min_outstanding_write_bytes";
    /** Default of {@value #SKIP_MIN_OUTSTANDING_WRITE_BYTES_PROPERTY}: 1.5 MiB. */
    public static final long DEFAULT_SKIP_MIN_OUTSTANDING_WRITE_BYTES = 1_572_864L;

    private final long skipMinOutstandingWriteBytes;
    private final ConcurrentHashMap<Long, Long> outstandingByVDisk = new ConcurrentHashMap<>();

    /**
     * @param skipMinOutstandingWriteBytes the value of
     *     {@value #SKIP_MIN_OUTSTANDING_WRITE_BYTES_PROPERTY}, positive
     */
    public WriteClassifier(long skipMinOutstandingWriteBytes) {
        if (skipMinOutstandingWriteBytes <= 0) {
            throw CairnException.invalid(SKIP_MIN_OUTSTANDING_WRITE_BYTES_PROPERTY + " is "
                    + skipMinOutstandingWriteBytes + "; it must be a positive byte count (default "
                    + DEFAULT_SKIP_MIN_OUTSTANDING_WRITE_BYTES + ")");
        }
        this.skipMinOutstandingWriteBytes = skipMinOutstandingWriteBytes;
    }

    /**
     * Registers a write as outstanding on its vDisk and decides its destination. The caller
     * closes the returned handle when the write is acknowledged or fails, in a finally block or
     * try-with-resources.
     *
     * @param lengthBytes the write's length, positive
     */
    public InFlightWrite begin(long vdiskId, long lengthBytes) {
        if (lengthBytes <= 0) {
            throw CairnException.invalid("write of " + lengthBytes + " bytes to vDisk " + vdiskId
                    + " is not positive; a write covers at least one byte");
        }
        long outstanding = outstandingByVDisk.merge(vdiskId, lengthBytes, Math::addExact);
        WriteDestination destination = outstanding >= skipMinOutstandingWriteBytes
                ? WriteDestination.EXTENT_STORE
                : WriteDestination.OPLOG;
        return new InFlightWrite(vdiskId, lengthBytes, destination);
    }

    /** Bytes of writes begun and not yet ended on a vDisk. */
    public long outstandingBytes(long vdiskId) {
        return outstandingByVDisk.getOrDefault(vdiskId, 0L);
    }

    /** The threshold this classifier applies, in bytes. */
    public long skipMinOutstandingWriteBytes() {
        return skipMinOutstandingWriteBytes;
    }

    private void end(long vdiskId, long lengthBytes) {
        outstandingByVDisk.computeIfPresent(vdiskId, (id, bytes) -> bytes == lengthBytes ? null : bytes - lengthBytes);
    }

    /**
     * A write counted as outstanding on its vDisk until {@link #close()}, which is idempotent so
     * an error path that closes twice does not undercount the vDisk.
     */
    public final class InFlightWrite implements AutoCloseable {

        private final long vdiskId;
        private final long lengthBytes;
        private final WriteDestination destination;
        private final AtomicBoolean ended = new AtomicBoolean();

        private InFlightWrite(long vdiskId, long lengthBytes, WriteDestination destination) {
            this.vdiskId = vdiskId;
            this.lengthBytes = lengthBytes;
            this.destination = destination;
        }

        /** Where this write goes. */
        public WriteDestination destination() {
            return destination;
        }

        public long vdiskId() {
            return vdiskId;
        }

        public long lengthBytes() {
            return lengthBytes;
        }

        /** Ends the write: its bytes no longer count as outstanding on its vDisk. */
        @Override
        public void close() {
            if (ended.compareAndSet(false, true)) {
                end(vdiskId, lengthBytes);
            }
        }
    }
}
