package io.cairn.storage.stargate.internal.oplog;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an OpLog store lives and how much it may use.
 *
 * @param directory           the store's directory on the OpLog device; created if missing
 * @param capacityBytes       ceiling on the bytes of all segment files (the device's OpLog
 *                            reservation, spec 20 §2); appends wait for drains rather than exceed it
 * @param segmentBytes        size at which a segment file is closed and a new one started; also bounds
 *                            the largest record
 * @param vdiskBaselineBytes  a vDisk's fair share ({@code cairn.oplog.vdisk_baseline_bytes}); when
 *                            space is short, writers of vDisks over it wait behind the others
 */
public record OpLogConfig(Path directory, long capacityBytes, long segmentBytes, long vdiskBaselineBytes) {

    /** Default segment size: 64 MiB. */
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    /** Default per-vDisk baseline, spec 20 §4: 6 GiB. */
    public static final long DEFAULT_VDISK_BASELINE_BYTES = 6L << 30;
    /** Smallest segment accepted: 64 KiB. */
    public static final long MIN_SEGMENT_BYTES = 64L << 10;

    public OpLogConfig {
        Objects.requireNonNull(directory, "directory");
        if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("segmentBytes " + segmentBytes + " must be between " + MIN_SEGMENT_BYTES + " and " + Integer.MAX_VALUE);
        }
        long minimum = segmentBytes + OpLogStore.drainMarkerReserve();
        if (capacityBytes < minimum) {
            throw new IllegalArgumentException("capacityBytes " + capacityBytes + " is too small for segments of " + segmentBytes
                    + " bytes: it must hold one segment plus the drain-marker reserve, at least " + minimum + " bytes; use smaller segments");
        }
        if (vdiskBaselineBytes <= 0) {
            throw new IllegalArgumentException("vdiskBaselineBytes must be positive, got " + vdiskBaselineBytes);
        }
    }

    /** A store of {@code capacityBytes} in {@code directory} with the default segment size and baseline. */
    public static OpLogConfig of(Path directory, long capacityBytes) {
        return new OpLogConfig(directory, capacityBytes, DEFAULT_SEGMENT_BYTES, DEFAULT_VDISK_BASELINE_BYTES);
    }
}
