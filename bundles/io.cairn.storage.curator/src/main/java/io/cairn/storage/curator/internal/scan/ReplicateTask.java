package io.cairn.storage.curator.internal.scan;

import java.util.Objects;
import java.util.UUID;

/**
 * Copy an extent group from a node holding it to a node that does not. The target writes the whole
 * egroup afresh, replacing any stale file of that number it may hold, and the copy is added to the
 * egroup's replicas in the metadata once it is durable.
 *
 * @param egroup the egroup
 * @param sourceNode a live node holding a copy the metadata lists
 * @param targetNode a usable node that does not hold a listed copy
 */
public record ReplicateTask(EgroupId egroup, UUID sourceNode, UUID targetNode) {

    /** Checks the fields. */
    public ReplicateTask {
        Objects.requireNonNull(egroup, "egroup");
        Objects.requireNonNull(sourceNode, "sourceNode");
        Objects.requireNonNull(targetNode, "targetNode");
        if (sourceNode.equals(targetNode)) {
            throw new IllegalArgumentException(
                    "egroup " + egroup + " cannot be replicated from node " + sourceNode + " to itself");
        }
    }
}
