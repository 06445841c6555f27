package io.cairn.cluster.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class FaultDomainsTest {

    private static NodeIdentity node(int i, String rack, String block) {
        UUID u = new UUID(0, i);
        return new NodeIdentity(u, "127.0.1." + i, new FaultDomain(rack, block, u.toString()), "1");
    }

    private static List<String> ips(List<NodeIdentity> nodes) {
        return nodes.stream().map(NodeIdentity::address).toList();
    }

    @Test
    void givenNodesSharingBlocks_whenSpread_thenDistinctBlocksFirst() {
        var a1 = node(1, "r1", "A");
        var a2 = node(2, "r1", "A");
        var b3 = node(3, "r1", "B");
        var c4 = node(4, "r1", "C");
        assertThat(ips(FaultDomains.spread(List.of(a1, a2, b3, c4), 3, Set.of()))).containsExactly("127.0.1.1", "127.0.1.3", "127.0.1.4");
        assertThat(FaultDomains.maxPerBlock(List.of(a1, a2, b3))).isEqualTo(2);
        assertThat(FaultDomains.maxPerBlock(List.of(a1, b3, c4))).isEqualTo(1);
    }

    @Test
    void givenRacks_whenSpread_thenRacksBeforeBlocks() {
        var n1 = node(1, "r1", "A");
        var n2 = node(2, "r1", "B");
        var n3 = node(3, "r2", "C");
        var n4 = node(4, "r3", "D");
        assertThat(ips(FaultDomains.spread(List.of(n1, n2, n3, n4), 3, Set.of()))).containsExactly("127.0.1.1", "127.0.1.3", "127.0.1.4");
    }

    @Test
    void givenMembersToKeep_whenSpread_thenKeptEvenIfSharingABlock() {
        var a1 = node(1, "r1", "A");
        var a2 = node(2, "r1", "A");
        var b3 = node(3, "r1", "B");
        var c4 = node(4, "r1", "C");
        assertThat(ips(FaultDomains.spread(List.of(a1, a2, b3, c4), 3, Set.of(a1.uuid(), a2.uuid()))))
                .containsExactly("127.0.1.1", "127.0.1.2", "127.0.1.3");
    }

    @Test
    void givenTooFewNodes_whenSpread_thenClearError() {
        assertThatThrownBy(() -> FaultDomains.spread(List.of(node(1, "r", "A")), 3, Set.of()))
                .hasMessage("need 3 nodes on distinct fault domains but only 1 are available");
    }

    @Test
    void givenClusterConfig_whenAsked_thenServerIdsAndEnsembleSizeFollowTheNodeOrder() {
        var n1 = node(1, "r", "A");
        var n2 = node(2, "r", "B");
        var n3 = node(3, "r", "C");
        ClusterConfig c = new ClusterConfig(UUID.randomUUID(), "c", 7, 1, List.of(n1, n2, n3), List.of(n1.uuid(), n2.uuid(), n3.uuid()));
        assertThat(c.ensembleSize()).isEqualTo(3);
        assertThat(c.serverId(n3.uuid())).isEqualTo(3);
        assertThat(c.withZookeeper(List.of(n1.uuid())).zookeeper()).containsExactly(n1.uuid());
        assertThatThrownBy(() -> new ClusterConfig(UUID.randomUUID(), "c", 7, 3, List.of(), List.of()))
                .hasMessageContaining("fault tolerance must be 1 or 2");
    }
}
