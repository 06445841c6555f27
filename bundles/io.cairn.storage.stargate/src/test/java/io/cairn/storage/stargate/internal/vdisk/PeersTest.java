package io.cairn.storage.stargate.internal.vdisk;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.ServicePresence;

/** Replica choice for new extent groups: nodes whose disks are full are chosen last. */
class PeersTest {

    private static final UUID A = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID B = UUID.fromString("00000000-0000-0000-0000-00000000000b");
    private static final UUID C = UUID.fromString("00000000-0000-0000-0000-00000000000c");
    private static final UUID D = UUID.fromString("00000000-0000-0000-0000-00000000000d");

    @Test
    void givenSmallDisksAndOneNearlyFullNode_whenChoosingForManyGroups_thenTheFullNodeIsNeverChosen() {
        // 96 MiB disks (below the 1 GiB granularity of the free-space preference): C has less than one extent group left
        Peers peers = peers(Map.of(A, 40L << 20, B, 30L << 20, C, 3L << 20, D, 50L << 20));
        for (long salt = 1; salt <= 200; salt++) {
            List<UUID> two = peers.choose(2, Set.of(A), List.of(A), salt);
            assertThat(two).as("salt " + salt).hasSize(2).doesNotContain(A, C);
        }
    }

    @Test
    void givenOnlyFullNodesLeft_whenChoosing_thenTheyAreStillChosenRatherThanNone() {
        Peers peers = peers(Map.of(A, 40L << 20, B, 1L << 20, C, 0L, D, 2L << 20));
        assertThat(peers.choose(2, Set.of(A), List.of(A), 7)).hasSize(2).doesNotContain(A);
    }

    @Test
    void givenRoomEverywhere_whenChoosingForManyGroups_thenTheSaltSpreadsTheChoice() {
        Peers peers = peers(Map.of(A, 40L << 20, B, 40L << 20, C, 40L << 20, D, 40L << 20));
        Set<UUID> seen = new java.util.HashSet<>();
        for (long salt = 1; salt <= 64; salt++) {
            seen.addAll(peers.choose(1, Set.of(A), List.of(A), salt));
        }
        assertThat(seen).containsExactlyInAnyOrder(B, C, D);
    }

    private static Peers peers(Map<UUID, Long> free) {
        List<NodeIdentity> nodes = new ArrayList<>();
        List<ServicePresence> presences = new ArrayList<>();
        for (UUID n : List.of(A, B, C, D)) {
            nodes.add(new NodeIdentity(n, "127.0.0.1", new FaultDomain("r0", "b0", n.toString()), "test"));
            presences.add(new ServicePresence(n, Peers.PRESENCE, Map.of("free", Long.toString(free.get(n)))));
        }
        ClusterConfig cluster = new ClusterConfig(UUID.randomUUID(), "test", 1, 1, nodes, List.of(A, B, C));
        return new Peers(new FixedZeus(cluster, presences), null, A, Duration.ofSeconds(5));
    }
}
