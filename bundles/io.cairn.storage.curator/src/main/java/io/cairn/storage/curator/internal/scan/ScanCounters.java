package io.cairn.storage.curator.internal.scan;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counters of one scan, for the 2010 page, {@code curator_cli get_under_replication_info} and
 * the data-loss alert.
 *
 * @param egroupsScanned metadata records looked at
 * @param unreferencedEgroups records no block map refers to (left to the full scan's clean-up)
 * @param underReplicatedEgroups referenced egroups with at least one live copy and fewer usable
 *     copies than their RF
 * @param underReplicatedBytes their bytes, where the caller gave sizes
 * @param overReplicatedEgroups referenced egroups with more usable copies than their RF
 * @param orphans extent-group files to delete because no metadata lists them on their node
 * @param lostEgroups referenced egroups with no live copy
 * @param lostBytes their bytes, where the caller gave sizes
 * @param unplaceableCopies missing copies no node could take (too few usable nodes or no space)
 * @param perVdisk the under-replicated and lost figures by vDisk, only vDisks with any
 */
public record ScanCounters(
        long egroupsScanned,
        long unreferencedEgroups,
        long underReplicatedEgroups,
        long underReplicatedBytes,
        long overReplicatedEgroups,
        long orphans,
        long lostEgroups,
        long lostBytes,
        long unplaceableCopies,
        Map<String, VDiskCounters> perVdisk) {

    /**
     * One vDisk's share of the counters.
     *
     * @param underReplicatedEgroups under-replicated egroups of the vDisk
     * @param underReplicatedBytes their bytes
     * @param lostEgroups egroups of the vDisk with no live copy
     * @param lostBytes their bytes
     */
    public record VDiskCounters(
            long underReplicatedEgroups, long underReplicatedBytes, long lostEgroups, long lostBytes) {

        /** No under-replication, nothing lost. */
        public static final VDiskCounters NONE = new VDiskCounters(0, 0, 0, 0);

        VDiskCounters plusUnderReplicated(long bytes) {
            return new VDiskCounters(underReplicatedEgroups + 1, underReplicatedBytes + bytes, lostEgroups, lostBytes);
        }

        VDiskCounters plusLost(long bytes) {
            return new VDiskCounters(underReplicatedEgroups, underReplicatedBytes, lostEgroups + 1, lostBytes + bytes);
        }

        /** @return whether the vDisk has data with no live copy */
        public boolean hasLostData() {
            return lostEgroups > 0;
        }
    }

    /** Copies the per-vDisk map, sorted by vDisk id. */
    public ScanCounters {
        perVdisk = Collections.unmodifiableMap(new TreeMap<>(perVdisk));
    }
}
