package io.cairn.storage.curator.internal.scan;

import io.cairn.storage.curator.internal.scan.ScanCounters.VDiskCounters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * Plans one Curator scan over extent groups (spec 20 §11, §21): a pure function from the
 * metadata's egroup records, the {@link ClusterView} and what each node's extent store really holds
 * to a {@link ScanPlan}.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Counting.</b> An egroup's copies are the distinct nodes its record lists. Only copies on
 *       usable nodes (live, not detached) count towards its RF; it wants
 *       {@code min(rf, usable nodes)} of them. Unreferenced egroups (no block map refers to them)
 *       are counted and otherwise left alone: they are garbage for the full scan's clean-up.</li>
 *   <li><b>Lost</b>: a referenced egroup with no copy on a live node (detached ones included).</li>
 *   <li><b>Under-replicated</b>: fewer usable copies than RF. One {@link ReplicateTask} per missing
 *       copy that can be placed. The <em>source</em> is a live node holding a listed copy, the one
 *       with the fewest source tasks so far in this scan (usable before detached, then by UUID), so
 *       the reading spreads round-robin over the survivors. The <em>target</em> is a usable node
 *       with no listed copy of that egroup number and room for it, ranked by: fewest copies already
 *       in its fault domain (the usable copies plus targets chosen for the egroup), so a domain not
 *       yet used wins; no stale unlisted file of the egroup on it; most free bytes per task, i.e.
 *       {@code (free − bytes planned onto it) / (tasks planned onto it + 1)}, which is "most free
 *       bytes" for the first task and spreads the following ones over the nodes in proportion to
 *       their space; then UUID. A copy no node can take is counted as unplaceable.</li>
 *   <li><b>Over-replicated</b>: more usable copies than RF. One {@link RemoveReplicaTask} per
 *       surplus copy, taken each time from the fault domain holding the most copies (keeping
 *       domain diversity), among those from the node with the least free bytes, then by UUID.
 *       Copies on down or detached nodes are neither counted nor removed here.</li>
 *   <li><b>Orphans</b>: a file of egroup number n on usable node N is deleted
 *       ({@link DeleteOrphanTask}) when no metadata record of number n lists N (no record at all,
 *       or records that list other nodes) and N is not a target of n in this plan (the copy
 *       replaces it). Never when a record lists N. Nodes that are not usable are skipped.</li>
 * </ul>
 * Sizes, where given, feed the byte counters and the space check; an egroup of unknown size is
 * counted as 0 bytes and placed as if it were {@value #ASSUMED_EGROUP_BYTES} bytes.
 *
 * <p>The caller must list a node's files no earlier than it reads the metadata (or leave out files
 * younger than the scan), or an egroup being created between the two reads would look orphaned.
 */
public final class ScanPlanner {

    /** Bytes assumed for an egroup of unknown size when checking a target's room: 4 MiB. */
    public static final long ASSUMED_EGROUP_BYTES = 4L << 20;

    private ScanPlanner() {
    }

    /**
     * Plans a scan without egroup sizes (byte counters are 0).
     *
     * @param egroups the metadata's egroup records, each id at most once
     * @param cluster the cluster's state
     * @param physicallyPresent what each node's extent store holds
     * @return the plan
     */
    public static ScanPlan plan(
            List<EgroupState> egroups, ClusterView cluster, Map<UUID, Set<EgroupId>> physicallyPresent) {
        return plan(egroups, cluster, physicallyPresent, id -> 0L);
    }

    /**
     * Plans a scan.
     *
     * @param egroups the metadata's egroup records, each id at most once
     * @param cluster the cluster's state
     * @param physicallyPresent what each node's extent store holds
     * @param bytesOf each egroup's size in bytes, 0 when unknown
     * @return the plan
     * @throws IllegalArgumentException when an egroup id appears twice or a size is negative
     */
    public static ScanPlan plan(
            List<EgroupState> egroups,
            ClusterView cluster,
            Map<UUID, Set<EgroupId>> physicallyPresent,
            ToLongFunction<EgroupId> bytesOf) {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(physicallyPresent, "physicallyPresent");
        Objects.requireNonNull(bytesOf, "bytesOf");
        return new Run(egroups, cluster, physicallyPresent, bytesOf).plan();
    }

    /** The mutable state of one planning run. */
    private static final class Run {
        private final List<EgroupState> egroups;
        private final ClusterView cluster;
        private final Map<UUID, Set<EgroupId>> present;
        private final ToLongFunction<EgroupId> bytesOf;
        private final int usableNodes;
        private final List<UUID> usableSorted;

        /** Egroup number → nodes any record of that number lists. */
        private final Map<Long, Set<UUID>> listedOn = new HashMap<>();
        /** Egroup number → usable nodes holding a file of it that no record lists there. */
        private final Map<Long, Set<UUID>> staleOn = new HashMap<>();
        /** Egroup number → nodes chosen as targets in this plan. */
        private final Map<Long, Set<UUID>> targetsOf = new HashMap<>();
        private final Map<UUID, Integer> sourceLoad = new HashMap<>();
        private final Map<UUID, Integer> targetLoad = new HashMap<>();
        private final Map<UUID, Long> plannedBytes = new HashMap<>();

        private final List<EgroupId> underReplicated = new ArrayList<>();
        private final List<EgroupId> overReplicated = new ArrayList<>();
        private final List<EgroupId> lost = new ArrayList<>();
        private final List<ReplicateTask> replications = new ArrayList<>();
        private final List<RemoveReplicaTask> removals = new ArrayList<>();
        private final List<DeleteOrphanTask> orphanDeletions = new ArrayList<>();
        private final Map<String, VDiskCounters> perVdisk = new TreeMap<>();
        private long unreferenced;
        private long underBytes;
        private long lostBytes;
        private long unplaceable;

        Run(List<EgroupState> egroups, ClusterView cluster, Map<UUID, Set<EgroupId>> present,
                ToLongFunction<EgroupId> bytesOf) {
            List<EgroupState> sorted = new ArrayList<>(Objects.requireNonNull(egroups, "egroups"));
            sorted.sort(Comparator.comparing(EgroupState::id));
            for (int i = 1; i < sorted.size(); i++) {
                if (sorted.get(i).id().equals(sorted.get(i - 1).id())) {
                    throw new IllegalArgumentException("egroup " + sorted.get(i).id() + " appears twice in the scan input");
                }
            }
            this.egroups = sorted;
            this.cluster = cluster;
            this.present = present;
            this.bytesOf = bytesOf;
            this.usableNodes = cluster.usableCount();
            this.usableSorted = cluster.liveNodes().stream().filter(cluster::usable).sorted().toList();
        }

        ScanPlan plan() {
            for (EgroupState e : egroups) {
                listedOn.computeIfAbsent(e.egroup(), k -> new HashSet<>()).addAll(e.replicaNodes());
            }
            present.forEach((node, ids) -> {
                if (cluster.usable(node)) {
                    for (EgroupId id : ids) {
                        if (!listedOn.getOrDefault(id.egroup(), Set.of()).contains(node)) {
                            staleOn.computeIfAbsent(id.egroup(), k -> new HashSet<>()).add(node);
                        }
                    }
                }
            });
            for (EgroupState e : egroups) {
                scan(e);
            }
            planOrphans();
            ScanCounters counters = new ScanCounters(egroups.size(), unreferenced, underReplicated.size(), underBytes,
                    overReplicated.size(), orphanDeletions.size(), lost.size(), lostBytes, unplaceable, perVdisk);
            return new ScanPlan(underReplicated, overReplicated, lost, replications, removals, orphanDeletions, counters);
        }

        private void scan(EgroupState e) {
            EgroupId id = e.id();
            if (!e.referenced()) {
                unreferenced++;
                return;
            }
            long bytes = bytesOf.applyAsLong(id);
            if (bytes < 0) {
                throw new IllegalArgumentException("egroup " + id + " has a negative size: " + bytes);
            }
            Set<UUID> listed = new LinkedHashSet<>(e.replicaNodes());
            List<UUID> live = listed.stream().filter(cluster::live).sorted().toList();
            List<UUID> usable = live.stream().filter(cluster::usable).toList();
            if (live.isEmpty()) {
                lost.add(id);
                lostBytes += bytes;
                perVdisk.merge(id.vdisk(), VDiskCounters.NONE.plusLost(bytes), (a, b) -> a.plusLost(bytes));
                return;
            }
            if (usable.size() < e.rf()) {
                underReplicated.add(id);
                underBytes += bytes;
                perVdisk.merge(id.vdisk(), VDiskCounters.NONE.plusUnderReplicated(bytes),
                        (a, b) -> a.plusUnderReplicated(bytes));
                int missing = Math.min(e.rf(), usableNodes) - usable.size();
                replicate(id, bytes, live, usable, missing);
            } else if (usable.size() > e.rf()) {
                overReplicated.add(id);
                trim(id, usable, usable.size() - e.rf());
            }
        }

        private void replicate(EgroupId id, long bytes, List<UUID> live, List<UUID> usable, int missing) {
            long room = bytes > 0 ? bytes : ASSUMED_EGROUP_BYTES;
            Map<String, Integer> perDomain = new HashMap<>();
            for (UUID node : usable) {
                perDomain.merge(cluster.faultDomain(node), 1, Integer::sum);
            }
            Set<UUID> excluded = new HashSet<>(listedOn.getOrDefault(id.egroup(), Set.of()));
            excluded.addAll(targetsOf.getOrDefault(id.egroup(), Set.of()));
            for (int i = 0; i < missing; i++) {
                UUID target = null;
                for (UUID candidate : usableSorted) {
                    if (excluded.contains(candidate) || freeAfterPlanned(candidate) < room) {
                        continue;
                    }
                    if (target == null || betterTarget(candidate, target, id, perDomain) < 0) {
                        target = candidate;
                    }
                }
                if (target == null) {
                    unplaceable += missing - i;
                    return;
                }
                UUID source = live.getFirst();
                for (UUID candidate : live) {
                    if (betterSource(candidate, source) < 0) {
                        source = candidate;
                    }
                }
                replications.add(new ReplicateTask(id, source, target));
                sourceLoad.merge(source, 1, Integer::sum);
                targetLoad.merge(target, 1, Integer::sum);
                plannedBytes.merge(target, room, Long::sum);
                perDomain.merge(cluster.faultDomain(target), 1, Integer::sum);
                excluded.add(target);
                targetsOf.computeIfAbsent(id.egroup(), k -> new HashSet<>()).add(target);
            }
        }

        private long freeAfterPlanned(UUID node) {
            return cluster.free(node) - plannedBytes.getOrDefault(node, 0L);
        }

        /** Negative when {@code a} is the better target. */
        private int betterTarget(UUID a, UUID b, EgroupId id, Map<String, Integer> perDomain) {
            int c = Integer.compare(perDomain.getOrDefault(cluster.faultDomain(a), 0),
                    perDomain.getOrDefault(cluster.faultDomain(b), 0));
            if (c != 0) {
                return c;
            }
            Set<UUID> stale = staleOn.getOrDefault(id.egroup(), Set.of());
            c = Boolean.compare(stale.contains(a), stale.contains(b));
            if (c != 0) {
                return c;
            }
            // more free bytes per planned task first: fa/(la+1) > fb/(lb+1) ⇔ fa·(lb+1) > fb·(la+1)
            c = -compareProducts(freeAfterPlanned(a), targetLoad.getOrDefault(b, 0) + 1L,
                    freeAfterPlanned(b), targetLoad.getOrDefault(a, 0) + 1L);
            return c != 0 ? c : a.compareTo(b);
        }

        /** Negative when {@code a} is the better source. */
        private int betterSource(UUID a, UUID b) {
            int c = Integer.compare(sourceLoad.getOrDefault(a, 0), sourceLoad.getOrDefault(b, 0));
            if (c != 0) {
                return c;
            }
            c = Boolean.compare(!cluster.usable(a), !cluster.usable(b));
            return c != 0 ? c : a.compareTo(b);
        }

        private void trim(EgroupId id, List<UUID> usable, int surplus) {
            List<UUID> kept = new ArrayList<>(usable);
            for (int i = 0; i < surplus; i++) {
                Map<String, Integer> perDomain = new HashMap<>();
                for (UUID node : kept) {
                    perDomain.merge(cluster.faultDomain(node), 1, Integer::sum);
                }
                Comparator<UUID> removeFirst = Comparator
                        .comparing((UUID n) -> perDomain.get(cluster.faultDomain(n)), Comparator.reverseOrder())
                        .thenComparingLong(cluster::free)
                        .thenComparing(Comparator.naturalOrder());
                UUID victim = kept.stream().min(removeFirst).orElseThrow();
                kept.remove(victim);
                removals.add(new RemoveReplicaTask(id, victim));
            }
        }

        private void planOrphans() {
            List<UUID> nodes = present.keySet().stream().filter(cluster::usable).sorted().toList();
            for (UUID node : nodes) {
                for (EgroupId id : new TreeSet<>(present.get(node))) {
                    boolean listed = listedOn.getOrDefault(id.egroup(), Set.of()).contains(node);
                    boolean replaced = targetsOf.getOrDefault(id.egroup(), Set.of()).contains(node);
                    if (!listed && !replaced) {
                        orphanDeletions.add(new DeleteOrphanTask(node, id));
                    }
                }
            }
        }

        /** Compares {@code a·b} with {@code c·d} exactly, in 128 bits. */
        private static int compareProducts(long a, long b, long c, long d) {
            int high = Long.compare(Math.multiplyHigh(a, b), Math.multiplyHigh(c, d));
            return high != 0 ? high : Long.compareUnsigned(a * b, c * d);
        }
    }
}
