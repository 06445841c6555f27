package io.cairn.cluster.zeus.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomains;
import io.cairn.cluster.api.NodeIdentity;

/** Where the Zookeeper member roles should be: pure decisions for {@link EnsembleManager}. */
final class EnsemblePlan {

    private EnsemblePlan() {
    }

    /**
     * A better member list, if any: replace members down for {@code replaceAfterMillis} or longer
     * by live non-members, and move a role to a returning node when that spreads the ensemble over
     * more blocks. One member changes per proposal.
     *
     * @param live      nodes with a live Zeus session
     * @param downSince when each member was first seen down (epoch milliseconds)
     */
    static Optional<List<UUID>> proposal(ClusterConfig cfg, Set<UUID> live, Map<UUID, Long> downSince, long now,
            long replaceAfterMillis) {
        int size = cfg.ensembleSize();
        Set<UUID> usable = new LinkedHashSet<>();
        for (UUID m : cfg.zookeeper()) {
            Long since = downSince.get(m);
            if (live.contains(m) || since == null || now - since < replaceAfterMillis) {
                usable.add(m); // current members first: ties keep them
            }
        }
        for (NodeIdentity n : cfg.nodes()) {
            if (live.contains(n.uuid())) {
                usable.add(n.uuid());
            }
        }
        if (usable.size() < size) {
            return Optional.empty(); // not enough nodes to do better than now
        }
        List<NodeIdentity> candidates = usable.stream().map(u -> cfg.node(u).orElseThrow()).toList();
        Set<UUID> keepable = new HashSet<>(cfg.zookeeper());
        keepable.retainAll(usable);
        List<NodeIdentity> current = cfg.zookeeper().stream().map(u -> cfg.node(u).orElseThrow()).toList();
        List<NodeIdentity> best = FaultDomains.spread(candidates, size, Set.of());
        boolean replacing = keepable.size() < size;
        boolean improves = FaultDomains.maxPerBlock(best) < FaultDomains.maxPerBlock(current);
        if (!replacing && !improves) {
            return Optional.empty();
        }
        List<NodeIdentity> spread = replacing && !improves ? FaultDomains.spread(candidates, size, keepable) : best;
        List<UUID> next = new ArrayList<>(cfg.zookeeper());
        UUID in = spread.stream().map(NodeIdentity::uuid).filter(u -> !next.contains(u)).findFirst().orElse(null);
        UUID out = next.stream().filter(u -> spread.stream().noneMatch(n -> n.uuid().equals(u)))
                .sorted((a, b) -> Boolean.compare(live.contains(a), live.contains(b))).findFirst().orElse(null);
        if (in == null || out == null) {
            return Optional.empty();
        }
        next.set(next.indexOf(out), in);
        return Optional.of(next);
    }
}
