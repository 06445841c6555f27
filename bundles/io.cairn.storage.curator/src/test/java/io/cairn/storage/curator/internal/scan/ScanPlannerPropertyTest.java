package io.cairn.storage.curator.internal.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Random clusters (seeded): the planner's safety and repair properties hold for every one.
 */
class ScanPlannerPropertyTest {

    private static final int CASES = 4000;
    private static final long TIB = 1L << 40;

    /** One random case. */
    private record Case(List<EgroupState> egroups, ClusterView view, Map<UUID, Set<EgroupId>> present,
            Map<EgroupId, Long> sizes, boolean collisions) {
    }

    private static Case randomCase(Random r) {
        int n = 1 + r.nextInt(8);
        int blocks = 1 + r.nextInt(4);
        boolean domainsGiven = r.nextInt(5) != 0;
        List<UUID> nodes = new ArrayList<>();
        Set<UUID> live = new HashSet<>();
        Set<UUID> detached = new HashSet<>();
        Map<UUID, String> domains = new HashMap<>();
        Map<UUID, Long> free = new HashMap<>();
        for (int i = 0; i < n; i++) {
            UUID node = new UUID(r.nextLong(), r.nextLong());
            nodes.add(node);
            if (r.nextInt(5) != 0) {
                live.add(node);
            }
            if (r.nextInt(10) == 0) {
                detached.add(node);
            }
            if (domainsGiven) {
                domains.put(node, "b" + r.nextInt(blocks));
            }
            free.put(node, TIB + r.nextInt(1000) * (1L << 30));
        }
        ClusterView view = new ClusterView(live, detached, domains, free);

        boolean collisions = r.nextInt(5) == 0;
        int count = r.nextInt(40);
        List<EgroupState> egroups = new ArrayList<>();
        Set<EgroupId> ids = new HashSet<>();
        Set<Long> numbers = new HashSet<>();
        Map<EgroupId, Long> sizes = new HashMap<>();
        for (int i = 0; i < count; i++) {
            String vdisk = "v" + r.nextInt(3);
            long number = r.nextInt(60);
            EgroupId id = new EgroupId(vdisk, number);
            if (ids.contains(id) || (!collisions && numbers.contains(number))) {
                continue;
            }
            ids.add(id);
            numbers.add(number);
            int rf = 1 + r.nextInt(3);
            List<UUID> replicas = new ArrayList<>();
            int copies = r.nextInt(5);
            for (int c = 0; c < copies; c++) {
                replicas.add(nodes.get(r.nextInt(n))); // duplicates allowed, as a sloppy record might have
            }
            egroups.add(new EgroupState(vdisk, number, rf, replicas, r.nextInt(10) != 0));
            sizes.put(id, r.nextBoolean() ? 0L : (long) r.nextInt(4 << 20));
        }

        Map<UUID, Set<EgroupId>> present = new HashMap<>();
        for (UUID node : nodes) {
            Set<EgroupId> files = new HashSet<>();
            for (EgroupState e : egroups) {
                if (e.replicaNodes().contains(node) && r.nextInt(10) != 0) {
                    files.add(e.id());
                }
            }
            int extra = r.nextInt(4);
            for (int i = 0; i < extra; i++) {
                files.add(new EgroupId("v" + r.nextInt(3), r.nextInt(80)));
            }
            present.put(node, files);
        }
        return new Case(egroups, view, present, sizes, collisions);
    }

    @Test
    void givenRandomClusters_thenNoListedCopyIsDeleted_andEveryRecoverableEgroupEndsWithExactlyMinRfUsableCopies() {
        Random random = new Random(20260101L);
        int replications = 0;
        int removals = 0;
        int orphans = 0;
        for (int round = 0; round < CASES; round++) {
            Case c = randomCase(random);
            ScanPlan plan = ScanPlanner.plan(c.egroups(), c.view(), c.present(), id -> c.sizes().get(id));
            check(c, plan, "case " + round);
            replications += plan.replications().size();
            removals += plan.removals().size();
            orphans += plan.orphanDeletions().size();
        }
        // the generator exercises every kind of task
        assertThat(replications).isGreaterThan(1000);
        assertThat(removals).isGreaterThan(100);
        assertThat(orphans).isGreaterThan(1000);
    }

    private static void check(Case c, ScanPlan plan, String what) {
        ClusterView view = c.view();
        Map<Long, Set<UUID>> listedOn = new HashMap<>();
        for (EgroupState e : c.egroups()) {
            listedOn.computeIfAbsent(e.egroup(), k -> new HashSet<>()).addAll(e.replicaNodes());
        }

        // 1. an orphan deletion never hits a file of a number some record lists on that node
        for (DeleteOrphanTask t : plan.orphanDeletions()) {
            assertThat(listedOn.getOrDefault(t.egroup().egroup(), Set.of())).as(what).doesNotContain(t.node());
            assertThat(view.usable(t.node())).as(what).isTrue();
            assertThat(c.present().get(t.node())).as(what).contains(t.egroup());
        }
        // every unlisted file on a usable node is deleted unless the node is a new target of it
        Set<String> targeted = plan.replications().stream()
                .map(t -> t.targetNode() + "/" + t.egroup().egroup()).collect(Collectors.toSet());
        Set<DeleteOrphanTask> deletions = new HashSet<>(plan.orphanDeletions());
        c.present().forEach((node, files) -> files.forEach(f -> {
            boolean expected = view.usable(node) && !listedOn.getOrDefault(f.egroup(), Set.of()).contains(node)
                    && !targeted.contains(node + "/" + f.egroup());
            assertThat(deletions.contains(new DeleteOrphanTask(node, f))).as(what + " orphan %s on %s", f, node)
                    .isEqualTo(expected);
        }));

        Map<EgroupId, List<ReplicateTask>> replicationsOf = new HashMap<>();
        plan.replications().forEach(t -> replicationsOf.computeIfAbsent(t.egroup(), k -> new ArrayList<>()).add(t));
        Map<EgroupId, List<RemoveReplicaTask>> removalsOf = new HashMap<>();
        plan.removals().forEach(t -> removalsOf.computeIfAbsent(t.egroup(), k -> new ArrayList<>()).add(t));
        int usableNodes = view.usableCount();
        Set<String> allDomains = view.liveNodes().stream().filter(view::usable).map(view::faultDomain)
                .collect(Collectors.toSet());

        for (EgroupState e : c.egroups()) {
            Set<UUID> listed = new LinkedHashSet<>(e.replicaNodes());
            Set<UUID> usable = listed.stream().filter(view::usable).collect(Collectors.toCollection(LinkedHashSet::new));
            boolean anyLive = listed.stream().anyMatch(view::live);
            List<ReplicateTask> reps = replicationsOf.getOrDefault(e.id(), List.of());
            List<RemoveReplicaTask> rems = removalsOf.getOrDefault(e.id(), List.of());
            String eg = what + " egroup " + e;

            assertThat(plan.lost().contains(e.id())).as(eg).isEqualTo(e.referenced() && !anyLive);
            if (!e.referenced() || !anyLive) {
                assertThat(reps).as(eg).isEmpty();
                assertThat(rems).as(eg).isEmpty();
                continue;
            }
            // 2. sources hold a listed live copy; targets are usable, new and never duplicated
            Set<UUID> targets = new HashSet<>();
            for (ReplicateTask t : reps) {
                assertThat(listed).as(eg).contains(t.sourceNode());
                assertThat(view.live(t.sourceNode())).as(eg).isTrue();
                assertThat(view.usable(t.targetNode())).as(eg).isTrue();
                assertThat(listedOn.get(e.egroup())).as(eg).doesNotContain(t.targetNode());
                assertThat(targets.add(t.targetNode())).as(eg + " duplicate target").isTrue();
            }
            // 3. removals only take listed usable copies, never below RF
            Set<UUID> removed = new HashSet<>();
            for (RemoveReplicaTask t : rems) {
                assertThat(usable).as(eg).contains(t.node());
                assertThat(removed.add(t.node())).as(eg).isTrue();
            }
            assertThat(reps.isEmpty() || rems.isEmpty()).as(eg).isTrue();

            Set<UUID> after = new HashSet<>(usable);
            after.addAll(targets);
            after.removeAll(removed);
            int want = Math.min(e.rf(), usableNodes);
            if (usable.size() >= e.rf()) {
                assertThat(after).as(eg).hasSize(e.rf());
            } else if (c.collisions()) {
                assertThat(after.size()).as(eg).isBetween(usable.size(), want);
            } else {
                assertThat(after).as(eg).hasSize(want);
            }
            assertThat(plan.underReplicated().contains(e.id())).as(eg).isEqualTo(usable.size() < e.rf());
            assertThat(plan.overReplicated().contains(e.id())).as(eg).isEqualTo(usable.size() > e.rf());

            // 4. domain diversity: new copies fill unused domains first; trimming keeps the most domains
            Set<String> domainsBefore = usable.stream().map(view::faultDomain).collect(Collectors.toSet());
            Set<String> domainsAfter = after.stream().map(view::faultDomain).collect(Collectors.toSet());
            if (!c.collisions() && !targets.isEmpty() && domainsBefore.size() == usable.size()) {
                assertThat(domainsAfter).as(eg).hasSize(Math.min(after.size(), allDomains.size()));
            }
            if (!removed.isEmpty()) {
                assertThat(domainsAfter).as(eg).hasSize(Math.min(e.rf(), domainsBefore.size()));
            }
        }
    }
}
