package io.cairn.cluster.genesis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.NodeIdentity;

class AuthorityTest {

    @Test
    void givenTheCaKeyHandOver_whenCallersAreChecked_thenOnlyTheAdminAndCurrentMembersMayInstallIt() {
        UUID member = UUID.randomUUID();
        ClusterConfig c = new ClusterConfig(UUID.randomUUID(), "c1", 7, 1, List.of(new NodeIdentity(member, "127.0.1.211",
                new FaultDomain("r", "b", member.toString()), "1.0")), List.of(member));
        assertThat(Authority.allowed("admin", c)).isTrue();
        assertThat(Authority.allowed("node:" + member, c)).isTrue();
        assertThat(Authority.allowed("node:" + UUID.randomUUID(), c)).as("a node not in the configuration").isFalse();
        assertThat(Authority.allowed("node:not-a-uuid", c)).isFalse();
        assertThat(Authority.allowed("prism:127.0.1.211", c)).as("a service certificate").isFalse();
        assertThat(Authority.allowed("anonymous", c)).isFalse();
        assertThat(Authority.allowed(null, c)).isFalse();
    }
}
