package io.cairn.storage.curator.internal.scan;

import java.util.Objects;
import java.util.UUID;

/**
 * Drop a surplus copy of an over-replicated extent group: first remove the node from the egroup's
 * replicas in the metadata (compare-and-set against the version scanned), then delete the file.
 *
 * @param egroup the egroup
 * @param node the node whose copy goes
 */
public record RemoveReplicaTask(EgroupId egroup, UUID node) {

    /** Checks the fields. */
    public RemoveReplicaTask {
        Objects.requireNonNull(egroup, "egroup");
        Objects.requireNonNull(node, "node");
    }
}
