package io.cairn.storage.curator.internal.ft;

import static io.cairn.storage.curator.internal.ft.FaultTolerance.DomainLevel.NODE;
import static io.cairn.storage.curator.internal.ft.FaultTolerance.DomainLevel.RACKABLE_UNIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.storage.curator.internal.ft.FaultTolerance.Component;
import io.cairn.storage.curator.internal.ft.FaultTolerance.ReplicaPlacement;
import io.cairn.storage.curator.internal.ft.FaultTolerance.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class FaultToleranceTest {

    private static UUID node(int i) {
        return new UUID(0, i);
    }

    private static Set<UUID> nodes(int... ids) {
        Set<UUID> s = new HashSet<>();
        for (int i : ids) {
            s.add(node(i));
        }
        return s;
    }

    private static Set<UUID> allNodes(int n) {
        Set<UUID> s = new HashSet<>();
        for (int i = 1; i <= n; i++) {
            s.add(node(i));
        }
        return s;
    }

    private static ReplicaPlacement eg(int rf, int... nodes) {
        List<UUID> replicas = new ArrayList<>();
        for (int i : nodes) {
            replicas.add(node(i));
        }
        return new ReplicaPlacement(rf, replicas);
    }

    /** 3 blocks × 2 nodes: A = {1, 2}, B = {3, 4}, C = {5, 6}. */
    private static final Map<UUID, String> BLOCKS = Map.of(
            node(1), "A", node(2), "A", node(3), "B", node(4), "B", node(5), "C", node(6), "C");

    @Test
    void givenRf2OnFourHealthyNodes_thenOneNodeFailureIsTolerated() {
        List<ReplicaPlacement> egroups = List.of(eg(2, 1, 2), eg(2, 3, 4), eg(2, 1, 4));
        Status s = FaultTolerance.extentGroups(egroups, allNodes(4), Map.of(), NODE);

        assertThat(s.tolerableFailures()).isEqualTo(1);
        assertThat(s.component()).isEqualTo(Component.EXTENT_GROUPS);
        assertThat(s.detail()).isEqualTo("3 of 3 egroups survive at most 1 node failure");
    }

    @Test
    void givenRf3OnFiveNodes_thenTwo_andAnOverReplicatedEgroupIsCappedAtRfMinusOne() {
        List<ReplicaPlacement> egroups = List.of(eg(3, 1, 2, 3), eg(3, 3, 4, 5), eg(2, 1, 2, 3, 4));
        assertThat(FaultTolerance.extentGroups(egroups.subList(0, 2), allNodes(5), Map.of(), NODE)
                .tolerableFailures()).isEqualTo(2);
        // the RF2 egroup has 4 copies but counts for rf − 1 = 1
        assertThat(FaultTolerance.extentGroups(egroups, allNodes(5), Map.of(), NODE).tolerableFailures()).isEqualTo(1);
    }

    @Test
    void givenBlockAwarePlacement_thenOneBlockFailureIsTolerated_butCopiesSharingABlockMakeItZero() {
        List<ReplicaPlacement> aware = List.of(eg(2, 1, 3), eg(2, 2, 5), eg(2, 4, 6));
        assertThat(FaultTolerance.extentGroups(aware, allNodes(6), BLOCKS, RACKABLE_UNIT).tolerableFailures())
                .isEqualTo(1);

        List<ReplicaPlacement> oneShares = List.of(eg(2, 1, 3), eg(2, 3, 4));
        Status block = FaultTolerance.extentGroups(oneShares, allNodes(6), BLOCKS, RACKABLE_UNIT);
        assertThat(block.tolerableFailures()).isZero();
        assertThat(block.detail()).isEqualTo("1 of 2 egroups survive at most 0 block failures");
        // at node level the same placement still survives a node
        assertThat(FaultTolerance.extentGroups(oneShares, allNodes(6), BLOCKS, NODE).tolerableFailures()).isEqualTo(1);
    }

    @Test
    void givenAnUnderReplicatedEgroup_thenZero_whateverTheOthersSurvive() {
        List<ReplicaPlacement> egroups = List.of(eg(2, 1, 3), eg(2, 2, 5), eg(2, 4, 6));
        Status s = FaultTolerance.extentGroups(egroups, nodes(1, 2, 3, 5, 6), BLOCKS, RACKABLE_UNIT);

        assertThat(s.tolerableFailures()).isZero();
        assertThat(s.detail()).isEqualTo("1 of 3 egroups under-replicated");
        // duplicates in a replica list are one copy
        assertThat(FaultTolerance.extentGroups(List.of(eg(2, 1, 1)), allNodes(2), Map.of(), NODE)
                .tolerableFailures()).isZero();
    }

    @Test
    void givenNoEgroups_thenUnbounded() {
        assertThat(FaultTolerance.extentGroups(List.of(), allNodes(3), Map.of(), NODE).tolerableFailures())
                .isEqualTo(FaultTolerance.UNBOUNDED);
    }

    @Test
    void givenZooKeeperOnThreeDistinctBlocks_thenOne_andWhenTwoShareABlockZeroAtBlockLevel() {
        assertThat(FaultTolerance.quorum(Component.ZOOKEEPER, nodes(1, 3, 5), allNodes(6), BLOCKS, RACKABLE_UNIT)
                .tolerableFailures()).isEqualTo(1);

        Status shared = FaultTolerance.quorum(Component.ZOOKEEPER, nodes(1, 2, 3), allNodes(6), BLOCKS, RACKABLE_UNIT);
        assertThat(shared.tolerableFailures()).isZero();
        assertThat(shared.detail()).isEqualTo("3 of 3 members up on 2 blocks, 1 may be lost; 2 share one block");
        assertThat(FaultTolerance.quorum(Component.ZOOKEEPER, nodes(1, 2, 3), allNodes(6), BLOCKS, NODE)
                .tolerableFailures()).isEqualTo(1);
    }

    @Test
    void givenFiveMembersOnSkewedBlocks_thenTheLargestBlocksAreLostFirst() {
        // blocks: A = {1, 2}, B = {3}, C = {4}, D = {5}: 2 may be lost; losing A costs 2 → 1 block
        Map<UUID, String> skewed = Map.of(node(1), "A", node(2), "A", node(3), "B", node(4), "C", node(5), "D");
        Set<UUID> members = allNodes(5);
        assertThat(FaultTolerance.quorum(Component.METADATA, members, members, skewed, RACKABLE_UNIT)
                .tolerableFailures()).isEqualTo(1);
        assertThat(FaultTolerance.quorum(Component.METADATA, members, members, skewed, NODE)
                .tolerableFailures()).isEqualTo(2);
        // blocks {3, 1, 1}: A alone already holds more than may be lost
        Map<UUID, String> heavy = Map.of(node(1), "A", node(2), "A", node(3), "A", node(4), "B", node(5), "C");
        assertThat(FaultTolerance.quorum(Component.METADATA, members, members, heavy, RACKABLE_UNIT)
                .tolerableFailures()).isZero();
    }

    @Test
    void givenMembersAlreadyDown_thenFewerFailuresAreTolerated() {
        Set<UUID> five = allNodes(5);
        assertThat(FaultTolerance.quorum(Component.METADATA, five, nodes(1, 2, 3, 4), Map.of(), NODE)
                .tolerableFailures()).isEqualTo(1);
        assertThat(FaultTolerance.quorum(Component.ZOOKEEPER, nodes(1, 2, 3), nodes(1, 2), Map.of(), NODE)
                .tolerableFailures()).isZero();
        Status lost = FaultTolerance.quorum(Component.ZOOKEEPER, nodes(1, 2, 3), nodes(1), Map.of(), NODE);
        assertThat(lost.tolerableFailures()).isZero();
        assertThat(lost.detail()).isEqualTo("no quorum: 1 of 3 members up, 2 needed");
        // even sizes: 4 members need 3, so 1 may be lost
        assertThat(FaultTolerance.quorum(Component.ZOOKEEPER, nodes(1, 2, 3, 4), allNodes(4), Map.of(), NODE)
                .tolerableFailures()).isEqualTo(1);
        assertThat(FaultTolerance.quorum(Component.ZOOKEEPER, nodes(1), allNodes(1), Map.of(), NODE)
                .tolerableFailures()).isZero();
    }

    @Test
    void givenANodeWithoutABlock_thenItIsABlockOfItsOwn() {
        Map<UUID, String> partial = new HashMap<>(Map.of(node(1), "A", node(2), "A"));
        assertThat(FaultTolerance.domainOf(node(3), partial, RACKABLE_UNIT)).isEqualTo(node(3).toString());
        assertThat(FaultTolerance.extentGroups(List.of(eg(2, 1, 3)), allNodes(3), partial, RACKABLE_UNIT)
                .tolerableFailures()).isEqualTo(1);
    }

    @Test
    void givenInvalidInput_thenTheMessageSaysWhatIsWrong() {
        assertThatThrownBy(() -> eg(0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("an egroup's replication factor must be at least 1, was 0");
        assertThatThrownBy(() -> FaultTolerance.quorum(Component.ZOOKEEPER, List.of(), allNodes(3), Map.of(), NODE))
                .hasMessage("ZOOKEEPER has no members; a quorum needs at least one");
    }
}
