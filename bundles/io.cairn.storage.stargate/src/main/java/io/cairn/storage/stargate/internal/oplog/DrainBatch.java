package io.cairn.storage.stargate.internal.oplog;

import java.util.List;

/**
 * A snapshot of part of a vDisk's undrained data, taken by {@link OpLogStore#drainable}. It holds
 * everything the OpLog had in its ranges at the moment of the snapshot, whose newest write was
 * {@code (upToEpoch, upToSequence)}. After writing the extents to the extent store the drainer hands
 * the batch to {@link OpLogStore#markDrained}, which releases exactly the snapshot's data: writes
 * that arrived after the snapshot stay in the OpLog even where they overlap the batch.
 *
 * @param vdiskId      the vDisk
 * @param upToEpoch    epoch of the newest write included
 * @param upToSequence sequence of the newest write included
 * @param extents      contiguous runs, ascending, none crossing a 1 MiB extent boundary; empty if
 *                     nothing was undrained
 */
public record DrainBatch(long vdiskId, long upToEpoch, long upToSequence, List<DrainExtent> extents) {

    public DrainBatch {
        extents = List.copyOf(extents);
    }

    /** True when there was nothing to drain. */
    public boolean isEmpty() {
        return extents.isEmpty();
    }

    /** Logical bytes in the batch. */
    public long bytes() {
        long total = 0;
        for (DrainExtent extent : extents) {
            total += extent.data().length;
        }
        return total;
    }
}
