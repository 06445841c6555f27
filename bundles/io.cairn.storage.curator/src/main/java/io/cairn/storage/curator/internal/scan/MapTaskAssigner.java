package io.cairn.storage.curator.internal.scan;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Splits a scan's map tasks, one per Medusa shard, over the live nodes (spec 20 §8: a rebuild scan
 * costs each node about 1/N).
 *
 * <ol>
 *   <li>A shard's task goes to the node leading the shard, which reads it locally.</li>
 *   <li>Shards whose leader is down or not given go, in shard order, to the least-loaded live node
 *       (ties by UUID).</li>
 *   <li>Then tasks move from the most-loaded to the least-loaded node until every node runs between
 *       {@code lo = ⌈(1 − t)·S/N⌉} and {@code hi = ⌊(1 + t)·S/N⌋} of the S tasks (t the tolerance,
 *       20 % by default); where the counts cannot meet that (few shards), the bounds widen to
 *       {@code ⌊S/N⌋..⌈S/N⌉}, the most even split there is. A moved task is one not on its leader
 *       if the node has any, else its highest-numbered shard.</li>
 * </ol>
 * Deterministic: the same input gives the same assignment.
 */
public final class MapTaskAssigner {

    /** Default tolerance around the even share, in percent. */
    public static final int DEFAULT_TOLERANCE_PCT = 20;

    private MapTaskAssigner() {
    }

    /**
     * Assigns with the default tolerance ({@value #DEFAULT_TOLERANCE_PCT} %).
     *
     * @param shards the shards to scan
     * @param leaders each shard's current leader, where known
     * @param liveNodes the nodes that can run tasks
     * @return the assignment
     */
    public static MapTaskAssignment assign(Collection<Integer> shards, Map<Integer, UUID> leaders, Set<UUID> liveNodes) {
        return assign(shards, leaders, liveNodes, DEFAULT_TOLERANCE_PCT);
    }

    /**
     * Assigns map tasks to nodes.
     *
     * @param shards the shards to scan (duplicates ignored)
     * @param leaders each shard's current leader, where known; leaders that are not live are ignored
     * @param liveNodes the nodes that can run tasks
     * @param tolerancePct how far from the even share {@code S/N} a node's load may be, 0 to 100
     * @return the assignment
     * @throws IllegalArgumentException when there are shards but no live node, or the tolerance is
     *     out of range
     */
    public static MapTaskAssignment assign(
            Collection<Integer> shards, Map<Integer, UUID> leaders, Set<UUID> liveNodes, int tolerancePct) {
        Objects.requireNonNull(leaders, "leaders");
        if (tolerancePct < 0 || tolerancePct > 100) {
            throw new IllegalArgumentException("the map-task balance tolerance must be 0..100 %, was " + tolerancePct);
        }
        TreeSet<Integer> all = new TreeSet<>(Objects.requireNonNull(shards, "shards"));
        List<UUID> nodes = new ArrayList<>(new TreeSet<>(Objects.requireNonNull(liveNodes, "liveNodes")));
        if (!all.isEmpty() && nodes.isEmpty()) {
            throw new IllegalArgumentException("no live node to run the scan's " + all.size() + " map tasks");
        }
        Map<UUID, TreeSet<Integer>> byNode = new TreeMap<>();
        nodes.forEach(n -> byNode.put(n, new TreeSet<>()));
        Map<Integer, UUID> nodeOf = new HashMap<>();
        List<Integer> orphaned = new ArrayList<>();
        for (int shard : all) {
            UUID leader = leaders.get(shard);
            if (leader != null && byNode.containsKey(leader)) {
                byNode.get(leader).add(shard);
                nodeOf.put(shard, leader);
            } else {
                orphaned.add(shard);
            }
        }
        for (int shard : orphaned) {
            UUID target = leastLoaded(byNode);
            byNode.get(target).add(shard);
            nodeOf.put(shard, target);
        }

        if (!nodes.isEmpty()) {
            int s = all.size();
            int n = nodes.size();
            // lo = ⌈(100 − t)·S / (100·N)⌉, hi = ⌊(100 + t)·S / (100·N)⌋, widened to ⌊S/N⌋..⌈S/N⌉
            long lo = Math.min(Math.ceilDiv((long) (100 - tolerancePct) * s, 100L * n), s / n);
            long hi = Math.max(((long) (100 + tolerancePct) * s) / (100L * n), Math.ceilDiv(s, n));
            while (true) {
                UUID most = mostLoaded(byNode);
                UUID least = leastLoaded(byNode);
                int max = byNode.get(most).size();
                int min = byNode.get(least).size();
                if ((max <= hi && min >= lo) || max - min < 2) {
                    break;
                }
                int shard = pickToMove(byNode.get(most), most, leaders);
                byNode.get(most).remove(shard);
                byNode.get(least).add(shard);
                nodeOf.put(shard, least);
            }
        }

        Set<Integer> away = new HashSet<>();
        nodeOf.forEach((shard, node) -> {
            if (!node.equals(leaders.get(shard))) {
                away.add(shard);
            }
        });
        Map<UUID, List<Integer>> shardsOfNode = new TreeMap<>();
        byNode.forEach((node, set) -> shardsOfNode.put(node, new ArrayList<>(set)));
        return new MapTaskAssignment(new TreeMap<>(nodeOf), shardsOfNode, away);
    }

    private static int pickToMove(TreeSet<Integer> shards, UUID node, Map<Integer, UUID> leaders) {
        for (int shard : shards.descendingSet()) {
            if (!node.equals(leaders.get(shard))) {
                return shard;
            }
        }
        return shards.last();
    }

    private static UUID leastLoaded(Map<UUID, TreeSet<Integer>> byNode) {
        UUID best = null;
        for (Map.Entry<UUID, TreeSet<Integer>> e : byNode.entrySet()) { // UUID order: first wins ties
            if (best == null || e.getValue().size() < byNode.get(best).size()) {
                best = e.getKey();
            }
        }
        return best;
    }

    private static UUID mostLoaded(Map<UUID, TreeSet<Integer>> byNode) {
        UUID best = null;
        for (Map.Entry<UUID, TreeSet<Integer>> e : byNode.entrySet()) {
            if (best == null || e.getValue().size() > byNode.get(best).size()) {
                best = e.getKey();
            }
        }
        return best;
    }
}
