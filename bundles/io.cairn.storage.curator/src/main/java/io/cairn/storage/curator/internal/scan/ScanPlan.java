package io.cairn.storage.curator.internal.scan;

import java.util.List;

/**
 * The result of planning one scan: what is wrong and the tasks that fix it. Every list is in a
 * deterministic order (egroups by vDisk then number; orphans by node then egroup).
 *
 * @param underReplicated referenced egroups with at least one live copy and fewer usable copies
 *     than their RF
 * @param overReplicated referenced egroups with more usable copies than their RF
 * @param lost referenced egroups with no live copy
 * @param replications one task per missing copy that could be placed
 * @param removals one task per surplus copy
 * @param orphanDeletions one task per orphan file
 * @param counters the scan's counters
 */
public record ScanPlan(
        List<EgroupId> underReplicated,
        List<EgroupId> overReplicated,
        List<EgroupId> lost,
        List<ReplicateTask> replications,
        List<RemoveReplicaTask> removals,
        List<DeleteOrphanTask> orphanDeletions,
        ScanCounters counters) {

    /** Copies the lists. */
    public ScanPlan {
        underReplicated = List.copyOf(underReplicated);
        overReplicated = List.copyOf(overReplicated);
        lost = List.copyOf(lost);
        replications = List.copyOf(replications);
        removals = List.copyOf(removals);
        orphanDeletions = List.copyOf(orphanDeletions);
    }
}
