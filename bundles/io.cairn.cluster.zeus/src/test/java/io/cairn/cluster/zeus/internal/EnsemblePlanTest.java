package io.cairn.cluster.zeus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.NodeIdentity;

class EnsemblePlanTest {

    private static final UUID N1 = new UUID(0, 1), N2 = new UUID(0, 2), N3 = new UUID(0, 3), N4 = new UUID(0, 4);

    private static NodeIdentity node(UUID u, String block) {
        return new NodeIdentity(u, "127.0.1." + u.getLeastSignificantBits(), new FaultDomain("r", block, u.toString()), "1");
    }

    /** n1 and n4 share block A; n2 is B, n3 is C; members n1, n2, n3. */
    private static final ClusterConfig CFG = new ClusterConfig(UUID.randomUUID(), "c", 1, 1,
            List.of(node(N1, "A"), node(N2, "B"), node(N3, "C"), node(N4, "A")), List.of(N1, N2, N3));

    @Test
    void givenAllMembersUp_whenPlanned_thenNothingChanges() {
        assertThat(EnsemblePlan.proposal(CFG, Set.of(N1, N2, N3, N4), Map.of(), 0, 20_000)).isEmpty();
    }

    @Test
    void givenMemberDownShorterThanTheDelay_whenPlanned_thenItKeepsItsRole() {
        assertThat(EnsemblePlan.proposal(CFG, Set.of(N1, N2, N4), Map.of(N3, 0L), 19_999, 20_000)).isEmpty();
    }

    @Test
    void givenMemberDownLongerThanTheDelay_whenPlanned_thenTheSpareTakesItsRole() {
        assertThat(EnsemblePlan.proposal(CFG, Set.of(N1, N2, N4), Map.of(N3, 0L), 20_000, 20_000)).contains(List.of(N1, N2, N4));
    }

    @Test
    void givenNoSpareNode_whenAMemberIsLongDown_thenNothingChanges() {
        ClusterConfig three = new ClusterConfig(UUID.randomUUID(), "c", 1, 1, List.of(node(N1, "A"), node(N2, "B"), node(N3, "C")),
                List.of(N1, N2, N3));
        assertThat(EnsemblePlan.proposal(three, Set.of(N1, N2), Map.of(N3, 0L), 60_000, 20_000)).isEmpty();
    }

    @Test
    void givenTheReplacedNodeBack_whenPlanned_thenTheRoleReturnsToSpreadOverMoreBlocks() {
        ClusterConfig moved = CFG.withZookeeper(List.of(N1, N2, N4));
        assertThat(EnsemblePlan.proposal(moved, Set.of(N1, N2, N3, N4), Map.of(), 0, 20_000)).contains(List.of(N1, N2, N3));
    }

    @Test
    void givenSpreadIsEqual_whenANodeReturns_thenNoNeedlessMove() {
        ClusterConfig distinct = new ClusterConfig(UUID.randomUUID(), "c", 1, 1,
                List.of(node(N1, "A"), node(N2, "B"), node(N3, "C"), node(N4, "D")), List.of(N1, N2, N4));
        assertThat(EnsemblePlan.proposal(distinct, Set.of(N1, N2, N3, N4), Map.of(), 0, 20_000)).isEmpty();
    }
}
