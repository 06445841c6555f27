package io.cairn.storage.curator.internal.scan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.curator.internal.ft.FaultTolerance;

/**
 * The reduce side of a scan, run by the Curator leader over the map tasks' output and the
 * extent-store inventories (read <em>before</em> the map tasks started: a drain writes data
 * before its record, so a record read second never looks like an orphan's). A replica counts
 * when its node's Stargate is alive and, if the node listed its inventory, holds it. The outcome
 * does not depend on how the vDisks were split over map tasks: a vDisk returned twice counts once.
 */
public final class ScanReduce {

    private ScanReduce() {
    }

    /** An extent group to restore to its replication factor (or to repair a scrubbed replica of). */
    public record Repair(VDisk vdisk, long egroup, int present, int failing) {
    }

    /**
     * An extent group no vBlock of its vDisk maps any more (every vBlock in it was unmapped): freed
     * by its owner in full scans; {@code bytes} per replica, on {@code replicas} nodes.
     */
    public record Garbage(VDisk vdisk, long egroup, long bytes, int replicas) {
    }

    /** Under-replicated extent groups of one container and the bytes they hold. */
    public record UnderReplication(long egroups, long bytes) {
    }

    /**
     * @param containers under-replication per container name (every container with a vDisk scanned), by name
     * @param repairs    extent groups with missing or surplus replicas, or a replica the scrub found failing
     * @param placements where every extent group's present replicas are, for fault tolerance
     * @param orphans    replicas no record lists on their node, written longer ago than the grace
     * @param scanned    extent-group records scanned
     * @param garbage    extent groups no vBlock maps any more (not among the repairs: a group nothing
     *                   refers to is freed, not re-replicated)
     */
    public record Result(Map<String, UnderReplication> containers, List<Repair> repairs,
            List<FaultTolerance.ReplicaPlacement> placements, List<Orphans.Orphan> orphans, long scanned, List<Garbage> garbage) {
        /** Copies everything (the container order is kept). */
        public Result {
            containers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(containers));
            repairs = List.copyOf(repairs);
            placements = List.copyOf(placements);
            orphans = List.copyOf(orphans);
            garbage = List.copyOf(garbage);
        }

        /** Bytes the garbage holds over all its replicas. */
        public long garbageBytes() {
            return garbage.stream().mapToLong(g -> g.bytes() * g.replicas()).sum();
        }

        /** Under-replicated extent groups over all containers. */
        public long underReplicated() {
            return containers.values().stream().mapToLong(UnderReplication::egroups).sum();
        }
    }

    /**
     * @param alive     the nodes whose Stargate is alive
     * @param inventory per live node that listed it, each extent group it holds and the time since last written
     * @param scans     the map tasks' output, in any order
     * @param rotten    per node, extent groups whose replica there failed the scrub
     * @param grace     how long ago an unlisted replica must have been written to be an orphan
     */
    public static Result reduce(Set<UUID> alive, Map<UUID, Map<Long, Duration>> inventory, Collection<VDiskScan> scans,
            Map<UUID, Set<Long>> rotten, Duration grace) {
        Map<UUID, VDiskScan> unique = new LinkedHashMap<>();
        scans.forEach(s -> unique.putIfAbsent(s.vdisk().uuid(), s));
        List<VDiskScan> ordered = new ArrayList<>(unique.values());
        ordered.sort(Comparator.comparing((VDiskScan s) -> String.valueOf(s.vdisk().containerName()))
                .thenComparing(s -> String.valueOf(s.vdisk().name())).thenComparing(s -> s.vdisk().uuid()));

        Map<String, long[]> perContainer = new LinkedHashMap<>();
        List<Repair> repairs = new ArrayList<>();
        List<FaultTolerance.ReplicaPlacement> placements = new ArrayList<>();
        List<Garbage> garbage = new ArrayList<>();
        Map<Long, Set<UUID>> listed = new HashMap<>();
        long scanned = 0;
        for (VDiskScan s : ordered) {
            VDisk v = s.vdisk();
            long[] c = perContainer.computeIfAbsent(v.containerName(), k -> new long[2]);
            int rf = v.replicationFactor();
            Set<Long> unreferenced = new HashSet<>(s.unreferenced());
            for (ExtentGroups.ExtentGroup g : s.egroups()) {
                scanned++;
                listed.computeIfAbsent(g.id(), k -> new HashSet<>()).addAll(g.replicas());
                if (unreferenced.contains(g.id())) {
                    // nothing maps it: freed, not counted or repaired (its replicas stay listed, so they are no orphans)
                    garbage.add(new Garbage(v, g.id(), g.bytes(), g.replicas().size()));
                    continue;
                }
                List<UUID> present = g.replicas().stream().distinct().filter(alive::contains)
                        .filter(n -> !inventory.containsKey(n) || inventory.get(n).containsKey(g.id())).toList();
                placements.add(new FaultTolerance.ReplicaPlacement(rf, present));
                if (present.size() < rf) {
                    c[0]++;
                    c[1] += g.bytes();
                }
                int scrubbedBad = (int) present.stream().filter(n -> rotten.getOrDefault(n, Set.of()).contains(g.id())).count();
                if (present.size() != rf || present.size() != g.replicas().size() || scrubbedBad > 0) {
                    repairs.add(new Repair(v, g.id(), present.size(), scrubbedBad));
                }
            }
        }
        Map<String, UnderReplication> containers = new LinkedHashMap<>();
        perContainer.forEach((name, c) -> containers.put(name, new UnderReplication(c[0], c[1])));
        // replicas no record lists on their node, written long enough ago that no drain or copy is still recording them
        List<Orphans.Orphan> orphans = Orphans.find(inventory, listed, grace);
        return new Result(containers, repairs, placements, orphans, scanned, garbage);
    }
}
