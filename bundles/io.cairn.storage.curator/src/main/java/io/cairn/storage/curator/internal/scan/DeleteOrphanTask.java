package io.cairn.storage.curator.internal.scan;

import java.util.Objects;
import java.util.UUID;

/**
 * Delete an extent-group file that a node's extent store holds but no metadata record lists on that
 * node. The planner never emits one for an egroup number the metadata lists on the node.
 *
 * @param node the node
 * @param egroup the egroup as the node reported it
 */
public record DeleteOrphanTask(UUID node, EgroupId egroup) {

    /** Checks the fields. */
    public DeleteOrphanTask {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(egroup, "egroup");
    }
}
