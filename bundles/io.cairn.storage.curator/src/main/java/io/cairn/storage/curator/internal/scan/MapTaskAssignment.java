package io.cairn.storage.curator.internal.scan;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Where a scan's map tasks run: one task per Medusa shard.
 *
 * @param nodeOfShard the node that runs each shard's task, by shard
 * @param shardsOfNode the shards each live node runs, ascending (nodes with none included)
 * @param awayFromLeader shards whose task does not run on the shard's leader (leader down, not
 *     given, or moved to balance the load)
 */
public record MapTaskAssignment(
        SortedMap<Integer, UUID> nodeOfShard, Map<UUID, List<Integer>> shardsOfNode, Set<Integer> awayFromLeader) {

    /** Copies everything. */
    public MapTaskAssignment {
        nodeOfShard = Collections.unmodifiableSortedMap(new TreeMap<>(nodeOfShard));
        Map<UUID, List<Integer>> copy = new TreeMap<>();
        shardsOfNode.forEach((node, shards) -> copy.put(node, List.copyOf(new TreeSet<>(shards))));
        shardsOfNode = Collections.unmodifiableMap(copy);
        awayFromLeader = Collections.unmodifiableSet(new TreeSet<>(awayFromLeader));
    }

    /**
     * @param node a node
     * @return how many tasks it runs
     */
    public int load(UUID node) {
        return shardsOfNode.getOrDefault(node, List.of()).size();
    }
}
