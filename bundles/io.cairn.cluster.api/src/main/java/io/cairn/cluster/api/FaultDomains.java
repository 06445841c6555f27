package io.cairn.cluster.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Placement over the fault-domain tree (node → block → rack): choose members so that as few as
 * possible share a rack, then a block. Every placement decision (Zookeeper members, metadata
 * replicas, extent group replicas) goes through here.
 */
public final class FaultDomains {

    private FaultDomains() {
    }

    /**
     * Chooses {@code count} of {@code candidates}, keeping those in {@code keep} (still-valid
     * current members) first, and otherwise preferring racks, then blocks, that hold fewest
     * chosen nodes; ties go to the earlier candidate, so the result is deterministic.
     *
     * @throws IllegalArgumentException when there are fewer candidates than {@code count}
     */
    public static List<NodeIdentity> spread(List<NodeIdentity> candidates, int count, Set<UUID> keep) {
        if (candidates.size() < count) {
            throw new IllegalArgumentException("need " + count + " nodes on distinct fault domains but only "
                    + candidates.size() + " are available");
        }
        List<NodeIdentity> chosen = new ArrayList<>();
        Map<String, Integer> perRack = new HashMap<>();
        Map<String, Integer> perBlock = new HashMap<>();
        Set<NodeIdentity> left = new LinkedHashSet<>(candidates);
        for (NodeIdentity n : candidates) {
            if (chosen.size() < count && keep.contains(n.uuid())) {
                take(n, chosen, perRack, perBlock, left);
            }
        }
        while (chosen.size() < count) {
            NodeIdentity best = left.stream()
                    .min(Comparator.<NodeIdentity>comparingInt(n -> perRack.getOrDefault(n.faultDomain().rack(), 0))
                            .thenComparingInt(n -> perBlock.getOrDefault(blockKey(n), 0)))
                    .orElseThrow();
            take(best, chosen, perRack, perBlock, left);
        }
        return List.copyOf(chosen);
    }

    /** How many of {@code nodes} share the most crowded block: 1 means all blocks are distinct. */
    public static int maxPerBlock(List<NodeIdentity> nodes) {
        Map<String, Integer> perBlock = new HashMap<>();
        nodes.forEach(n -> perBlock.merge(blockKey(n), 1, Integer::sum));
        return perBlock.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    private static void take(NodeIdentity n, List<NodeIdentity> chosen, Map<String, Integer> perRack,
            Map<String, Integer> perBlock, Set<NodeIdentity> left) {
        chosen.add(n);
        left.remove(n);
        perRack.merge(n.faultDomain().rack(), 1, Integer::sum);
        perBlock.merge(blockKey(n), 1, Integer::sum);
    }

    private static String blockKey(NodeIdentity n) {
        return n.faultDomain().rack() + "/" + n.faultDomain().block();
    }
}
