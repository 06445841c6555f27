package io.cairn.storage.curator.internal.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.curator.internal.ft.FaultTolerance;

class ScanReduceTest {

    static final Duration GRACE = Duration.ofMinutes(10);
    static final List<Integer> SHARDS = IntStream.range(0, 16).boxed().toList();

    /** A random cluster: nodes (some down), vDisks with extent groups, inventories, scrub findings. */
    static final class World {
        final List<UUID> nodes = new ArrayList<>();
        final Set<UUID> alive = new HashSet<>();
        final FakeCatalog catalog = new FakeCatalog();
        final Map<UUID, Map<Long, Duration>> inventory = new LinkedHashMap<>();
        final Map<UUID, Set<Long>> rotten = new HashMap<>();
        final Map<Integer, UUID> leaders = new HashMap<>();

        World(Random r, int nodeCount) {
            for (int i = 0; i < nodeCount; i++) {
                nodes.add(new UUID(1, i));
            }
            nodes.forEach(n -> {
                if (r.nextInt(6) != 0) {
                    alive.add(n);
                }
            });
            alive.add(nodes.getFirst()); // the leader
            long eg = 1;
            int vdisks = r.nextInt(40);
            for (int v = 0; v < vdisks; v++) {
                List<ExtentGroups.ExtentGroup> groups = new ArrayList<>();
                int count = r.nextInt(8);
                for (int g = 0; g < count; g++) {
                    List<UUID> replicas = new ArrayList<>();
                    int copies = r.nextInt(5);
                    for (int c = 0; c < copies; c++) {
                        replicas.add(nodes.get(r.nextInt(nodeCount))); // duplicates and dead nodes included
                    }
                    groups.add(new ExtentGroups.ExtentGroup(eg++, replicas, 1 + r.nextInt(4)));
                }
                catalog.add("ctr" + r.nextInt(3), "vd" + v, 1 + r.nextInt(3), r.nextInt(16), groups);
            }
            long maxEg = eg + 5; // some replicas of groups no record lists
            for (UUID n : alive) {
                if (r.nextInt(5) == 0) {
                    continue; // did not answer: its replicas count as present
                }
                Map<Long, Duration> held = new HashMap<>();
                for (long g = 1; g < maxEg; g++) {
                    if (r.nextInt(3) == 0) {
                        held.put(g, Duration.ofMinutes(r.nextInt(20)));
                    }
                }
                inventory.put(n, held);
                if (r.nextBoolean()) {
                    rotten.put(n, Set.of(1 + (long) r.nextInt((int) maxEg)));
                }
            }
            for (int s : SHARDS) {
                if (r.nextInt(5) != 0) {
                    leaders.put(s, nodes.get(r.nextInt(nodeCount)));
                }
            }
        }
    }

    /** The single-node scan: the leader reads every vDisk's records itself, in catalog order (Curator's tally before map tasks). */
    static Tally singleNode(World w) {
        Tally t = new Tally();
        Map<Long, Set<UUID>> listed = new HashMap<>();
        for (VDisk v : w.catalog.vdisks()) {
            long[] c = t.containers.computeIfAbsent(v.containerName(), k -> new long[2]);
            int rf = v.replicationFactor();
            for (ExtentGroups.ExtentGroup g : w.catalog.egroups(v.uuid()).orElseThrow()) {
                t.scanned++;
                listed.computeIfAbsent(g.id(), k -> new HashSet<>()).addAll(g.replicas());
                List<UUID> present = g.replicas().stream().distinct().filter(w.alive::contains)
                        .filter(n -> !w.inventory.containsKey(n) || w.inventory.get(n).containsKey(g.id())).toList();
                t.placements.add(placement(new FaultTolerance.ReplicaPlacement(rf, present)));
                if (present.size() < rf) {
                    c[0]++;
                    c[1] += g.bytes();
                }
                boolean bad = present.stream().anyMatch(n -> w.rotten.getOrDefault(n, Set.of()).contains(g.id()));
                if (present.size() != rf || present.size() != g.replicas().size() || bad) {
                    t.repairs.add(v.uuid() + "/" + g.id());
                }
            }
        }
        t.orphans.addAll(Orphans.find(w.inventory, listed, GRACE));
        return t;
    }

    /** A tally in comparable form: counts per container, repairs and orphans as sets, placements as a sorted multiset. */
    static final class Tally {
        final Map<String, long[]> containers = new HashMap<>();
        final Set<String> repairs = new TreeSet<>();
        final List<String> placements = new ArrayList<>();
        final Set<Orphans.Orphan> orphans = new HashSet<>();
        long scanned;

        Map<String, List<Long>> containerCounts() {
            Map<String, List<Long>> out = new HashMap<>();
            containers.forEach((k, v) -> out.put(k, List.of(v[0], v[1])));
            return out;
        }

        List<String> sortedPlacements() {
            List<String> p = new ArrayList<>(placements);
            Collections.sort(p);
            return p;
        }
    }

    static String placement(FaultTolerance.ReplicaPlacement p) {
        return p.rf() + ":" + p.replicaNodes();
    }

    static Tally of(ScanReduce.Result r) {
        Tally t = new Tally();
        r.containers().forEach((k, v) -> t.containers.put(k, new long[] {v.egroups(), v.bytes()}));
        r.repairs().forEach(x -> t.repairs.add(x.vdisk().uuid() + "/" + x.egroup()));
        r.placements().forEach(p -> t.placements.add(placement(p)));
        t.orphans.addAll(r.orphans());
        t.scanned = r.scanned();
        return t;
    }

    static void assertSameTally(ScanReduce.Result distributed, Tally single, String as) {
        Tally d = of(distributed);
        assertThat(d.scanned).as(as).isEqualTo(single.scanned);
        assertThat(d.containerCounts()).as(as).isEqualTo(single.containerCounts());
        assertThat(d.repairs).as(as).isEqualTo(single.repairs);
        assertThat(d.sortedPlacements()).as(as).isEqualTo(single.sortedPlacements());
        assertThat(d.orphans).as(as).isEqualTo(single.orphans);
        assertThat(distributed.underReplicated()).as(as).isEqualTo(single.containers.values().stream().mapToLong(c -> c[0]).sum());
    }

    @Test
    void givenRandomClusters_whenTheMapTasksRunOnEveryNodeAndTheLeaderReduces_thenTheTallyIsTheSingleNodeScans() {
        Random r = new Random(20);
        for (int round = 0; round < 500; round++) {
            World w = new World(r, 3 + r.nextInt(3));
            MapTaskAssignment a = MapTaskAssigner.assign(SHARDS, w.leaders, w.alive);
            List<VDiskScan> outputs = new ArrayList<>();
            a.shardsOfNode().forEach((node, shards) ->
                    outputs.addAll(MapTaskWire.scans(MapTaskWire.reply(MapTask.run(w.catalog, shards, () -> false)))));
            if (!outputs.isEmpty() && r.nextBoolean()) {
                outputs.add(outputs.get(r.nextInt(outputs.size()))); // a node's output arrived twice
            }
            Collections.shuffle(outputs, r);

            ScanReduce.Result distributed = ScanReduce.reduce(w.alive, w.inventory, outputs, w.rotten, GRACE);

            assertSameTally(distributed, singleNode(w), "round " + round);
            assertThat(outputs.stream().map(s -> s.vdisk().uuid()).distinct().count()).as("round %d: every vDisk mapped", round)
                    .isEqualTo(w.catalog.vdisks.size());
        }
    }

    @Test
    void givenGroupsNoVBlockMaps_thenTheyAreGarbage_neitherRepairedNorCounted_andTheirReplicasAreNoOrphans() {
        FakeCatalog c = new FakeCatalog();
        UUID a = new UUID(1, 1);
        UUID b = new UUID(1, 2);
        VDisk v = c.add("ctr1", "y", 2, 1, List.of(new ExtentGroups.ExtentGroup(2, List.of(a, b), 4),
                new ExtentGroups.ExtentGroup(3, List.of(a, b), 4), new ExtentGroups.ExtentGroup(4, List.of(a, b), 3)));
        c.unreferenced.put(v.uuid(), List.of(3L, 4L, 99L)); // 99: gone meanwhile (no record in this scan)
        Map<UUID, Map<Long, Duration>> inventory = Map.of(a, Map.of(2L, Duration.ofHours(1), 3L, Duration.ofHours(1), 4L,
                Duration.ofHours(1)));

        // b is down: every group has one live replica of two, but only the mapped one needs a repair
        ScanReduce.Result res = ScanReduce.reduce(Set.of(a), inventory, MapTaskWire.scans(MapTaskWire.reply(MapTask.run(c, SHARDS,
                () -> false))), Map.of(), GRACE);

        assertThat(res.garbage()).containsExactly(new ScanReduce.Garbage(v, 3, 4L << 20, 2), new ScanReduce.Garbage(v, 4, 3L << 20, 2));
        assertThat(res.garbageBytes()).isEqualTo(14L << 20);
        assertThat(res.repairs()).containsExactly(new ScanReduce.Repair(v, 2, 1, 0));
        assertThat(res.containers()).containsExactly(Map.entry("ctr1", new ScanReduce.UnderReplication(1, 4L << 20)));
        assertThat(res.orphans()).isEmpty();
        assertThat(res.scanned()).isEqualTo(3);
        // a partial scan does not read the block maps: nothing is garbage, the groups are counted and repaired as before
        ScanReduce.Result partial = ScanReduce.reduce(Set.of(a), inventory, MapTask.run(c.withoutGarbage(), SHARDS, () -> false), Map.of(),
                GRACE);
        assertThat(partial.garbage()).isEmpty();
        assertThat(partial.repairs()).hasSize(3);
    }

    @Test
    void givenTheSameInput_thenUnderReplicationIsPerContainerInNameOrder() {
        FakeCatalog c = new FakeCatalog();
        UUID a = new UUID(1, 1);
        UUID b = new UUID(1, 2);
        VDisk v2 = c.add("ctr2", "x", 2, 0, List.of(new ExtentGroups.ExtentGroup(1, List.of(a, b), 2)));
        VDisk v1 = c.add("ctr1", "y", 2, 1, List.of(new ExtentGroups.ExtentGroup(2, List.of(a, b), 4)));

        // b is down: both groups have one live replica of two
        ScanReduce.Result res = ScanReduce.reduce(Set.of(a), Map.of(), MapTask.run(c, SHARDS, () -> false), Map.of(), GRACE);

        assertThat(res.containers()).containsExactly(Map.entry("ctr1", new ScanReduce.UnderReplication(1, 4L << 20)),
                Map.entry("ctr2", new ScanReduce.UnderReplication(1, 2L << 20)));
        assertThat(res.repairs()).containsExactly(new ScanReduce.Repair(v1, 2, 1, 0), new ScanReduce.Repair(v2, 1, 1, 0));
        assertThat(res.scanned()).isEqualTo(2);
    }
}
