package io.cairn.storage.curator.internal.scan;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The cluster as one scan sees it.
 *
 * <p>A node is <em>usable</em> when it is live and not detached: only usable nodes count towards
 * an egroup's replication factor and receive new copies. A live detached node (being removed) can
 * still be read, so it may serve as a source; a node that is neither live nor detached is down and
 * may come back, so its copies are neither counted nor removed.
 *
 * @param liveNodes nodes whose services are up (Zeus session alive)
 * @param detachedNodes nodes detached from the ring or being removed from the cluster
 * @param faultDomains each node's fault domain at the active level (its block, or rack); a node
 *     without an entry is its own domain
 * @param freeBytes each node's free extent-store bytes; required for every usable node
 */
public record ClusterView(
        Set<UUID> liveNodes, Set<UUID> detachedNodes, Map<UUID, String> faultDomains, Map<UUID, Long> freeBytes) {

    /** Validates and copies. */
    public ClusterView {
        liveNodes = Set.copyOf(liveNodes);
        detachedNodes = Set.copyOf(detachedNodes);
        faultDomains = Map.copyOf(faultDomains);
        freeBytes = Map.copyOf(freeBytes);
        for (UUID node : liveNodes) {
            if (detachedNodes.contains(node)) {
                continue;
            }
            Long free = freeBytes.get(node);
            if (free == null) {
                throw new IllegalArgumentException("live node " + node + " has no free-bytes figure");
            }
            if (free < 0) {
                throw new IllegalArgumentException("live node " + node + " has negative free bytes: " + free);
            }
        }
    }

    /**
     * @param node a node
     * @return whether it is live and not detached
     */
    public boolean usable(UUID node) {
        return liveNodes.contains(node) && !detachedNodes.contains(node);
    }

    /**
     * @param node a node
     * @return whether it is live
     */
    public boolean live(UUID node) {
        return liveNodes.contains(node);
    }

    /**
     * @param node a node
     * @return its fault domain; the node's own id when none is configured
     */
    public String faultDomain(UUID node) {
        return faultDomains.getOrDefault(Objects.requireNonNull(node, "node"), node.toString());
    }

    /**
     * @param node a node
     * @return its free bytes, 0 when unknown
     */
    public long free(UUID node) {
        return freeBytes.getOrDefault(node, 0L);
    }

    /** @return the number of usable nodes */
    public int usableCount() {
        int n = 0;
        for (UUID node : liveNodes) {
            if (!detachedNodes.contains(node)) {
                n++;
            }
        }
        return n;
    }
}
