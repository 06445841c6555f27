package io.cairn.storage.curator.internal.ft;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Domain failures each component tolerates now (spec 20 §11,
 * {@code ncli cluster get-domain-fault-tolerance-status type=node|rackable_unit}).
 *
 * <ul>
 *   <li><b>{@link Component#EXTENT_GROUPS}</b>: an egroup whose live copies lie in {@code d}
 *       distinct domains survives {@code d − 1} domain failures, but is counted for at most
 *       {@code rf − 1}; the component tolerates the minimum over all egroups, and 0 as soon as one
 *       egroup is under-replicated (fewer distinct live copies than its RF).</li>
 *   <li><b>Quorum components</b> ({@link Component#ZOOKEEPER}, {@link Component#METADATA}, any
 *       majority-replicated group): with {@code m} members a majority {@code ⌊m/2⌋ + 1} must stay
 *       up, so {@code ⌊(m − 1)/2⌋} members may be lost (fewer when some are already down). Losing a
 *       domain loses every member in it, so the answer is the largest {@code k} for which the
 *       {@code k} most-populated domains hold no more members than may be lost: 3 members on 3
 *       domains → 1; two of them sharing a domain → 0.</li>
 * </ul>
 */
public final class FaultTolerance {

    /** What {@link #extentGroups} reports when there is no egroup: nothing can be lost. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;

    /** The level whose domains are counted. */
    public enum DomainLevel {
        /** Each node is a domain. */
        NODE,
        /** Each block (rackable unit) is a domain; a node with no block is a block of its own. */
        RACKABLE_UNIT
    }

    /** The components the status reports (spec 20 §11). */
    public enum Component {
        /** Data: extent-group replicas. */
        EXTENT_GROUPS,
        /** OpLog replicas. */
        OPLOG,
        /** Global metadata (Medusa) replicas. */
        METADATA,
        /** ZooKeeper servers. */
        ZOOKEEPER,
        /** Cluster configuration. */
        STATIC_CONFIGURATION,
        /** Room to rebuild after failures (resilient capacity). */
        FREE_SPACE,
        /** Erasure-code strips. */
        ERASURE_CODE_STRIP_SIZE
    }

    /**
     * Where one extent group's copies are.
     *
     * @param rf the replication factor it must have, at least 1
     * @param replicaNodes the nodes holding a copy (duplicates ignored)
     */
    public record ReplicaPlacement(int rf, List<UUID> replicaNodes) {
        /** Validates and copies. */
        public ReplicaPlacement {
            if (rf < 1) {
                throw new IllegalArgumentException("an egroup's replication factor must be at least 1, was " + rf);
            }
            replicaNodes = List.copyOf(replicaNodes);
        }
    }

    /**
     * One component's status.
     *
     * @param component the component
     * @param level the domain level counted
     * @param tolerableFailures domain failures it survives now; {@link #UNBOUNDED} when it has
     *     nothing to lose
     * @param detail what limits it, for the status output
     */
    public record Status(Component component, DomainLevel level, int tolerableFailures, String detail) {
        /** Checks the fields. */
        public Status {
            Objects.requireNonNull(component, "component");
            Objects.requireNonNull(level, "level");
            Objects.requireNonNull(detail, "detail");
            if (tolerableFailures < 0) {
                throw new IllegalArgumentException("tolerable failures must not be negative, was " + tolerableFailures);
            }
        }
    }

    private FaultTolerance() {
    }

    /**
     * The domain of a node at a level.
     *
     * @param node the node
     * @param nodeToBlock each node's block
     * @param level the level
     * @return the node's id at NODE level; its block (or, without one, its own id) at block level
     */
    public static String domainOf(UUID node, Map<UUID, String> nodeToBlock, DomainLevel level) {
        Objects.requireNonNull(node, "node");
        return switch (Objects.requireNonNull(level, "level")) {
            case NODE -> node.toString();
            case RACKABLE_UNIT -> nodeToBlock.getOrDefault(node, node.toString());
        };
    }

    /**
     * Domain failures the extent groups tolerate now.
     *
     * @param placements every egroup's copies
     * @param liveNodes nodes that are up (copies elsewhere do not count)
     * @param nodeToBlock each node's block
     * @param level the domain level
     * @return the {@link Component#EXTENT_GROUPS} status
     */
    public static Status extentGroups(
            Collection<ReplicaPlacement> placements, Set<UUID> liveNodes, Map<UUID, String> nodeToBlock,
            DomainLevel level) {
        Objects.requireNonNull(liveNodes, "liveNodes");
        Objects.requireNonNull(nodeToBlock, "nodeToBlock");
        Objects.requireNonNull(level, "level");
        int tolerable = UNBOUNDED;
        long underReplicated = 0;
        long limiting = 0;
        for (ReplicaPlacement p : placements) {
            Set<UUID> live = new LinkedHashSet<>();
            for (UUID node : p.replicaNodes()) {
                if (liveNodes.contains(node)) {
                    live.add(node);
                }
            }
            if (live.size() < p.rf()) {
                underReplicated++;
                continue;
            }
            Set<String> domains = new LinkedHashSet<>();
            live.forEach(n -> domains.add(domainOf(n, nodeToBlock, level)));
            int egroup = Math.min(domains.size() - 1, p.rf() - 1);
            if (egroup < tolerable) {
                tolerable = egroup;
                limiting = 1;
            } else if (egroup == tolerable) {
                limiting++;
            }
        }
        String unit = level == DomainLevel.NODE ? "node" : "block";
        if (underReplicated > 0) {
            return new Status(Component.EXTENT_GROUPS, level, 0,
                    underReplicated + " of " + placements.size() + " egroups under-replicated");
        }
        if (tolerable == UNBOUNDED) {
            return new Status(Component.EXTENT_GROUPS, level, UNBOUNDED, "no egroups");
        }
        return new Status(Component.EXTENT_GROUPS, level, tolerable,
                limiting + " of " + placements.size() + " egroups survive at most " + tolerable + " " + unit
                        + " failure" + (tolerable == 1 ? "" : "s"));
    }

    /**
     * Domain failures a majority-replicated component tolerates now.
     *
     * @param component which component it is (e.g. {@link Component#ZOOKEEPER})
     * @param members its members (duplicates ignored), at least one
     * @param liveNodes nodes that are up (members elsewhere are already lost)
     * @param nodeToBlock each node's block
     * @param level the domain level
     * @return the component's status
     * @throws IllegalArgumentException when there is no member
     */
    public static Status quorum(
            Component component, Collection<UUID> members, Set<UUID> liveNodes, Map<UUID, String> nodeToBlock,
            DomainLevel level) {
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(liveNodes, "liveNodes");
        Set<UUID> all = new LinkedHashSet<>(members);
        if (all.isEmpty()) {
            throw new IllegalArgumentException(component + " has no members; a quorum needs at least one");
        }
        int majority = all.size() / 2 + 1;
        Map<String, Integer> livePerDomain = new HashMap<>();
        int live = 0;
        for (UUID member : all) {
            if (liveNodes.contains(member)) {
                live++;
                livePerDomain.merge(domainOf(member, nodeToBlock, level), 1, Integer::sum);
            }
        }
        int spare = live - majority;
        if (spare < 0) {
            return new Status(component, level, 0,
                    "no quorum: " + live + " of " + all.size() + " members up, " + majority + " needed");
        }
        List<Integer> sizes = new ArrayList<>(livePerDomain.values());
        sizes.sort(Comparator.reverseOrder());
        int k = 0;
        int lost = 0;
        while (k < sizes.size() && lost + sizes.get(k) <= spare) {
            lost += sizes.get(k);
            k++;
        }
        String unit = level == DomainLevel.NODE ? "node" : "block";
        String detail = live + " of " + all.size() + " members up on " + sizes.size() + " " + unit
                + (sizes.size() == 1 ? "" : "s") + ", " + spare + " may be lost"
                + (!sizes.isEmpty() && sizes.getFirst() > 1 ? "; " + sizes.getFirst() + " share one " + unit : "");
        return new Status(component, level, k, detail);
    }
}
