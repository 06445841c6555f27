package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;

class ClusterCreateTest {

    @Test
    void givenANewNode_whenItsJoinRequestIsBuilt_thenItCarriesTheCertificatesButNeverTheCaKey() {
        ClusterCa ca = ClusterCa.create("c1", Duration.ofDays(1));
        UUID id = UUID.randomUUID();
        NodeIdentity n = new NodeIdentity(id, "127.0.1.211", new FaultDomain("r1", "b1", id.toString()), "1.0");
        ClusterConfig config = new ClusterConfig(UUID.randomUUID(), "c1", 42, 1, List.of(n), List.of(id));
        Credentials node = ca.issueCredentials("node:" + id, List.of(n.address()), Duration.ofDays(1));

        byte[] sent = Commands.write(ClusterCreate.joinRequest(ca, node.certificate(), config));
        String text = new String(sent, StandardCharsets.UTF_8);

        assertThat(ClusterCreate.joinRequest(ca, node.certificate(), config).properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactlyInAnyOrder("config", "ca", "certificate");
        String key = ca.exportKey();
        assertThat(text).doesNotContain("PRIVATE KEY").doesNotContain(key.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow());
    }
}
