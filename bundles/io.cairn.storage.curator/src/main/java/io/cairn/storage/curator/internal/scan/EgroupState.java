package io.cairn.storage.curator.internal.scan;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What the global metadata says about one extent group.
 *
 * @param vdisk the vDisk whose metadata records the egroup
 * @param egroup the egroup number
 * @param rf the replication factor it must have (its container's), at least 1
 * @param replicaNodes the nodes the metadata says hold a copy (duplicates are ignored)
 * @param referenced whether some block map refers to the egroup; an unreferenced egroup is garbage
 *     for the full scan's clean-up, so the planner neither re-replicates nor trims it
 */
public record EgroupState(String vdisk, long egroup, int rf, List<UUID> replicaNodes, boolean referenced) {

    /** Validates and copies. */
    public EgroupState {
        Objects.requireNonNull(vdisk, "vdisk");
        if (rf < 1) {
            throw new IllegalArgumentException(
                    "egroup " + new EgroupId(vdisk, egroup) + " has replication factor " + rf + "; it must be at least 1");
        }
        Objects.requireNonNull(replicaNodes, "replicaNodes");
        for (UUID node : replicaNodes) {
            if (node == null) {
                throw new IllegalArgumentException(
                        "egroup " + new EgroupId(vdisk, egroup) + " lists a null replica node");
            }
        }
        replicaNodes = List.copyOf(replicaNodes);
    }

    /** @return the egroup's id */
    public EgroupId id() {
        return new EgroupId(vdisk, egroup);
    }
}
