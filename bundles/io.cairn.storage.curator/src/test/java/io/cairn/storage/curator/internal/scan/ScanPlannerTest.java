package io.cairn.storage.curator.internal.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.storage.curator.internal.scan.ScanCounters.VDiskCounters;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ScanPlannerTest {

    private static final long GIB = 1L << 30;

    private static UUID node(int i) {
        return new UUID(0, i);
    }

    /** Nodes 1..n, all live, each its own domain unless {@code blocks} maps it, 100 GiB free each. */
    private static ClusterView cluster(int n, Set<Integer> down, Map<Integer, String> blocks) {
        Set<UUID> live = new java.util.HashSet<>();
        Map<UUID, String> domains = new HashMap<>();
        Map<UUID, Long> free = new HashMap<>();
        for (int i = 1; i <= n; i++) {
            if (!down.contains(i)) {
                live.add(node(i));
            }
            if (blocks.containsKey(i)) {
                domains.put(node(i), blocks.get(i));
            }
            free.put(node(i), 100 * GIB);
        }
        return new ClusterView(live, Set.of(), domains, free);
    }

    private static EgroupState eg(long n, int rf, int... nodes) {
        List<UUID> replicas = new ArrayList<>();
        for (int i : nodes) {
            replicas.add(node(i));
        }
        return new EgroupState("vd1", n, rf, replicas, true);
    }

    @Test
    void givenFourNodesRf2AndOneDown_thenEverySurvivorSourcesReplication_andTargetsAreDistinctFromCopies() {
        List<EgroupState> egroups = new ArrayList<>();
        // every pair (4, k) for k in 1..3, 4 times each: 12 egroups with a copy on the dead node 4
        for (int i = 0; i < 12; i++) {
            egroups.add(eg(i, 2, 4, 1 + i % 3));
        }
        egroups.add(eg(100, 2, 1, 2)); // healthy

        ScanPlan plan = ScanPlanner.plan(egroups, cluster(4, Set.of(4), Map.of()), Map.of());

        assertThat(plan.underReplicated()).hasSize(12);
        assertThat(plan.replications()).hasSize(12);
        assertThat(plan.replications()).extracting(ReplicateTask::sourceNode).containsOnly(node(1), node(2), node(3))
                .contains(node(1), node(2), node(3));
        for (ReplicateTask t : plan.replications()) {
            EgroupState e = egroups.get((int) t.egroup().egroup());
            assertThat(e.replicaNodes()).contains(t.sourceNode()).doesNotContain(t.targetNode());
            assertThat(t.targetNode()).isNotEqualTo(node(4));
        }
        // targets spread: each survivor receives some
        assertThat(plan.replications()).extracting(ReplicateTask::targetNode).contains(node(1), node(2), node(3));
        assertThat(plan.counters().egroupsScanned()).isEqualTo(13);
        assertThat(plan.counters().underReplicatedEgroups()).isEqualTo(12);
        assertThat(plan.removals()).isEmpty();
        assertThat(plan.lost()).isEmpty();
    }

    @Test
    void givenThreeBlocks_thenTheNewCopyGoesToABlockNotYetUsed() {
        // blocks A = {1, 2}, B = {3, 4}, C = {5, 6}; node 3 down
        Map<Integer, String> blocks = Map.of(1, "A", 2, "A", 3, "B", 4, "B", 5, "C", 6, "C");
        ClusterView view = cluster(6, Set.of(3), blocks);

        ScanPlan plan = ScanPlanner.plan(List.of(eg(1, 2, 1, 3)), view, Map.of());

        assertThat(plan.replications()).singleElement().satisfies(t -> {
            assertThat(t.sourceNode()).isEqualTo(node(1));
            assertThat(view.faultDomain(t.targetNode())).isIn("B", "C");
        });
    }

    @Test
    void givenEqualDomains_thenMostFreeBytesWins_andLaterTasksSpreadOverTheNodes() {
        Map<UUID, Long> free = Map.of(node(1), 10 * GIB, node(2), 50 * GIB, node(3), 40 * GIB, node(4), 40 * GIB);
        ClusterView view = new ClusterView(Set.of(node(1), node(2), node(3), node(4)), Set.of(), Map.of(), free);

        ScanPlan one = ScanPlanner.plan(List.of(eg(1, 2, 1)), view, Map.of());
        assertThat(one.replications()).singleElement().extracting(ReplicateTask::targetNode).isEqualTo(node(2));

        List<EgroupState> many = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            many.add(eg(i, 2, 1));
        }
        ScanPlan plan = ScanPlanner.plan(many, view, Map.of());
        Map<UUID, Integer> perTarget = new HashMap<>();
        plan.replications().forEach(t -> perTarget.merge(t.targetNode(), 1, Integer::sum));
        // in proportion to free space 50:40:40 over 13 tasks
        assertThat(perTarget).containsEntry(node(2), 5).containsEntry(node(3), 4).containsEntry(node(4), 4);
        // ties between nodes 3 and 4 by UUID: node 3 first
        assertThat(plan.replications().get(1).targetNode()).isEqualTo(node(3));
    }

    @Test
    void givenATargetWithoutRoom_thenItIsSkipped_andWithNoRoomAnywhereTheCopyIsUnplaceable() {
        Map<UUID, Long> free = Map.of(node(1), GIB, node(2), 1L << 20, node(3), 5L << 20);
        ClusterView view = new ClusterView(Set.of(node(1), node(2), node(3)), Set.of(), Map.of(), free);

        ScanPlan plan = ScanPlanner.plan(List.of(eg(1, 2, 1), eg(2, 2, 1)), view, Map.of());

        // the 4 MiB assumed size fits node 3 once (5 MiB), never node 2 (1 MiB)
        assertThat(plan.replications()).singleElement().extracting(ReplicateTask::targetNode).isEqualTo(node(3));
        assertThat(plan.counters().unplaceableCopies()).isEqualTo(1);
        assertThat(plan.underReplicated()).hasSize(2);
    }

    @Test
    void givenRf3OnTwoUsableNodes_thenOnlyOneCopyIsAdded_andTheThirdIsUnplaceable() {
        ScanPlan plan = ScanPlanner.plan(List.of(eg(1, 3, 1)), cluster(3, Set.of(3), Map.of()), Map.of());

        assertThat(plan.replications()).singleElement().extracting(ReplicateTask::targetNode).isEqualTo(node(2));
        assertThat(plan.counters().unplaceableCopies()).isZero(); // min(rf, usable) = 2 is all it can want
        assertThat(plan.underReplicated()).hasSize(1);
    }

    @Test
    void givenOverReplication_thenTheSurplusComesFromTheMostCrowdedDomain_leastFreeNodeFirst() {
        Map<UUID, Long> free = Map.of(node(1), 30 * GIB, node(2), 20 * GIB, node(3), 10 * GIB, node(4), 5 * GIB);
        Map<UUID, String> blocks = Map.of(node(1), "A", node(2), "A", node(3), "B", node(4), "C");
        ClusterView view = new ClusterView(Set.of(node(1), node(2), node(3), node(4)), Set.of(), blocks, free);

        ScanPlan plan = ScanPlanner.plan(List.of(eg(1, 2, 1, 2, 3), eg(2, 3, 1, 2, 3, 4)), view, Map.of());

        // eg 1: A holds two copies → drop node 2 (less free than node 1)
        // eg 2: A holds two → drop node 2, then each domain holds one... only one surplus
        assertThat(plan.overReplicated()).hasSize(2);
        assertThat(plan.removals()).containsExactly(
                new RemoveReplicaTask(new EgroupId("vd1", 1), node(2)),
                new RemoveReplicaTask(new EgroupId("vd1", 2), node(2)));
        // with two surplus copies and diversity already maximal for what is kept: domains A, B
        ScanPlan two = ScanPlanner.plan(List.of(eg(3, 1, 1, 2, 3)), view, Map.of());
        assertThat(two.removals()).extracting(RemoveReplicaTask::node).containsExactly(node(2), node(3));
        assertThat(plan.replications()).isEmpty();
    }

    @Test
    void givenACopyOnADownNode_thenItNeitherCountsNorIsRemoved_andWhenItReturnsTheSurplusIsTrimmed() {
        EgroupState e = eg(1, 2, 1, 2, 3); // node 3 was down, the egroup got re-replicated to 2
        ScanPlan whileDown = ScanPlanner.plan(List.of(e), cluster(4, Set.of(3), Map.of()), Map.of());
        assertThat(whileDown.removals()).isEmpty();
        assertThat(whileDown.replications()).isEmpty();

        ScanPlan back = ScanPlanner.plan(List.of(e), cluster(4, Set.of(), Map.of()), Map.of());
        assertThat(back.overReplicated()).containsExactly(e.id());
        assertThat(back.removals()).hasSize(1);
    }

    @Test
    void givenADetachedLiveNode_thenItsCopyDoesNotCount_itMaySource_andItIsNeverATarget() {
        Map<UUID, Long> free = Map.of(node(1), GIB, node(2), GIB, node(3), 100 * GIB);
        ClusterView view = new ClusterView(Set.of(node(1), node(2), node(3)), Set.of(node(3)), Map.of(), free);

        ScanPlan plan = ScanPlanner.plan(List.of(eg(1, 2, 3, 1), eg(2, 2, 3)), view, Map.of());

        assertThat(plan.replications()).containsExactly(
                new ReplicateTask(new EgroupId("vd1", 1), node(1), node(2)),
                new ReplicateTask(new EgroupId("vd1", 2), node(3), node(1)),
                new ReplicateTask(new EgroupId("vd1", 2), node(3), node(2)));
        assertThat(plan.lost()).isEmpty();
    }

    @Test
    void givenNoLiveCopy_thenTheEgroupIsLostPerVdisk_withBytes() {
        List<EgroupState> egroups = List.of(
                eg(1, 2, 3, 4),
                new EgroupState("vd2", 7, 2, List.of(node(4)), true),
                new EgroupState("vd2", 8, 2, List.of(node(1), node(4)), true),
                new EgroupState("vd2", 9, 2, List.of(), true));
        ScanPlan plan = ScanPlanner.plan(
                egroups, cluster(4, Set.of(3, 4), Map.of()), Map.of(), id -> id.egroup() * 1000);

        assertThat(plan.lost()).containsExactly(
                new EgroupId("vd1", 1), new EgroupId("vd2", 7), new EgroupId("vd2", 9));
        assertThat(plan.counters().lostEgroups()).isEqualTo(3);
        assertThat(plan.counters().lostBytes()).isEqualTo(1000 + 7000 + 9000);
        assertThat(plan.counters().underReplicatedBytes()).isEqualTo(8000);
        assertThat(plan.counters().perVdisk()).containsExactly(
                Map.entry("vd1", new VDiskCounters(0, 0, 1, 1000)),
                Map.entry("vd2", new VDiskCounters(1, 8000, 2, 16000)));
        assertThat(plan.counters().perVdisk().get("vd2").hasLostData()).isTrue();
    }

    @Test
    void givenOrphans_thenOnlyFilesNoRecordListsOnTheirNodeAreDeleted() {
        EgroupState listedOn12 = eg(1, 2, 1, 2);
        EgroupState otherVdiskListsNode3 = new EgroupState("vd9", 5, 2, List.of(node(3), node(1)), true);
        Map<UUID, Set<EgroupId>> present = Map.of(
                node(1), Set.of(new EgroupId("vd1", 1), new EgroupId("vd1", 42)),
                node(2), Set.of(new EgroupId("vd1", 1)),
                node(3), Set.of(new EgroupId("vd1", 1), new EgroupId("vd1", 5)),
                node(4), Set.of(new EgroupId("vd1", 77))); // node 4 is down: skipped

        ScanPlan plan = ScanPlanner.plan(
                List.of(listedOn12, otherVdiskListsNode3), cluster(4, Set.of(4), Map.of()), present);

        assertThat(plan.orphanDeletions()).containsExactly(
                new DeleteOrphanTask(node(1), new EgroupId("vd1", 42)), // no record at all
                new DeleteOrphanTask(node(3), new EgroupId("vd1", 1))); // record lists other nodes
        assertThat(plan.counters().orphans()).isEqualTo(2);
    }

    @Test
    void givenAStaleFileOnACandidate_thenItIsChosenLast_andWhenChosenItsFileIsNotDeleted() {
        // egroup on node 1 only; node 2 holds a stale unlisted copy, node 3 is full
        Map<UUID, Long> free = Map.of(node(1), GIB, node(2), 100 * GIB, node(3), 50 * GIB);
        ClusterView roomy = new ClusterView(Set.of(node(1), node(2), node(3)), Set.of(), Map.of(), free);
        Map<UUID, Set<EgroupId>> present = Map.of(node(2), Set.of(new EgroupId("vd1", 1)));

        ScanPlan plan = ScanPlanner.plan(List.of(eg(1, 2, 1)), roomy, present);
        assertThat(plan.replications()).singleElement().extracting(ReplicateTask::targetNode).isEqualTo(node(3));
        assertThat(plan.orphanDeletions()).containsExactly(new DeleteOrphanTask(node(2), new EgroupId("vd1", 1)));

        ClusterView tight = new ClusterView(Set.of(node(1), node(2), node(3)), Set.of(), Map.of(),
                Map.of(node(1), GIB, node(2), 100 * GIB, node(3), 0L));
        ScanPlan replaced = ScanPlanner.plan(List.of(eg(1, 2, 1)), tight, present);
        assertThat(replaced.replications()).singleElement().extracting(ReplicateTask::targetNode).isEqualTo(node(2));
        assertThat(replaced.orphanDeletions()).isEmpty();
    }

    @Test
    void givenAnUnreferencedEgroup_thenItIsCountedButNeitherReplicatedNorTrimmed_andItsFilesStay() {
        EgroupState garbage = new EgroupState("vd1", 1, 2, List.of(node(1)), false);
        EgroupState surplus = new EgroupState("vd1", 2, 1, List.of(node(1), node(2)), false);
        ScanPlan plan = ScanPlanner.plan(List.of(garbage, surplus), cluster(3, Set.of(), Map.of()),
                Map.of(node(1), Set.of(garbage.id(), surplus.id())));

        assertThat(plan.counters().unreferencedEgroups()).isEqualTo(2);
        assertThat(plan.replications()).isEmpty();
        assertThat(plan.removals()).isEmpty();
        assertThat(plan.orphanDeletions()).isEmpty();
        assertThat(plan.underReplicated()).isEmpty();
    }

    @Test
    void givenTheSameInputInAnotherOrder_thenThePlanIsTheSame() {
        List<EgroupState> egroups = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            egroups.add(eg(i, 2, 1 + i % 5));
        }
        ClusterView view = cluster(5, Set.of(), Map.of(1, "A", 2, "A", 3, "B", 4, "B", 5, "C"));
        ScanPlan a = ScanPlanner.plan(egroups, view, Map.of());
        Collections.shuffle(egroups, new java.util.Random(1));
        assertThat(ScanPlanner.plan(egroups, view, Map.of())).isEqualTo(a);
    }

    @Test
    void givenInvalidInput_thenTheMessageSaysWhatIsWrong() {
        assertThatThrownBy(() -> ScanPlanner.plan(List.of(eg(1, 2, 1), eg(1, 2, 2)), cluster(2, Set.of(), Map.of()),
                Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("egroup vd1#eg:0000000000000001 appears twice in the scan input");
        assertThatThrownBy(() -> eg(1, 0, 1))
                .hasMessage("egroup vd1#eg:0000000000000001 has replication factor 0; it must be at least 1");
        assertThatThrownBy(() -> new ClusterView(Set.of(node(1)), Set.of(), Map.of(), Map.of()))
                .hasMessage("live node 00000000-0000-0000-0000-000000000001 has no free-bytes figure");
        assertThatThrownBy(() -> ScanPlanner.plan(List.of(eg(1, 2, 1)), cluster(2, Set.of(), Map.of()), Map.of(),
                id -> -1)).hasMessage("egroup vd1#eg:0000000000000001 has a negative size: -1");
        assertThatThrownBy(() -> new ReplicateTask(new EgroupId("vd1", 1), node(1), node(1)))
                .hasMessageContaining("cannot be replicated from node");
        assertThatThrownBy(() -> new EgroupId(" ", 3)).hasMessage("an egroup's vDisk id must not be blank (egroup 3)");
    }
}
