package io.cairn.storage.stargate.internal.catalog;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.storage.api.stargate.StargateException;

class CatalogRulesTest {

    static ClusterConfig cluster(int nodes, int ft) {
        List<NodeIdentity> list = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            list.add(new NodeIdentity(UUID.randomUUID(), "127.0.1." + i, new FaultDomain("r1", "b" + i, "n" + i), "0.1.0"));
        }
        return new ClusterConfig(UUID.randomUUID(), "c", 1, ft, list, List.of());
    }

    @Test
    void givenAClusterSize_whenAReplicationFactorIsChosen_thenOnlyWhatFaultDomainsAllowIsAccepted() {
        assertThatCode(() -> Catalog.checkReplicationFactor(2, cluster(3, 1))).doesNotThrowAnyException();
        assertThatCode(() -> Catalog.checkReplicationFactor(1, cluster(3, 1))).doesNotThrowAnyException();
        assertThatCode(() -> Catalog.checkReplicationFactor(3, cluster(5, 2))).doesNotThrowAnyException();
        assertThatThrownBy(() -> Catalog.checkReplicationFactor(3, cluster(4, 1))).isInstanceOf(StargateException.class)
                .hasMessageContaining("replication factor 3 needs fault tolerance 2 and at least 5 nodes");
        assertThatThrownBy(() -> Catalog.checkReplicationFactor(3, cluster(4, 2))).hasMessageContaining("at least 5 nodes");
        assertThatThrownBy(() -> Catalog.checkReplicationFactor(4, cluster(7, 2))).hasMessageContaining("use 1, 2 or 3");
        assertThatThrownBy(() -> Catalog.checkReplicationFactor(2, cluster(1, 1))).hasMessageContaining("needs at least 2 nodes");
    }

    @Test
    void givenSizes_whenChecked_thenPositiveUpTo2pow63minus1IsAccepted() {
        assertThatCode(() -> Catalog.checkSize(Long.MAX_VALUE)).doesNotThrowAnyException();
        assertThatCode(() -> Catalog.checkSize(1)).doesNotThrowAnyException();
        assertThatThrownBy(() -> Catalog.checkSize(0)).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> Catalog.checkName("container", "bad name")).hasMessageContaining("letters, digits");
        assertThatThrownBy(() -> Catalog.checkName("container", "x".repeat(76))).hasMessageContaining("1 to 75");
        assertThatCode(() -> Catalog.checkName("container", "ctr-1.a_b")).doesNotThrowAnyException();
    }
}
