package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @TempDir
    java.nio.file.Path tmp;

    @Test
    void givenAnUnfinishedCreation_whenCreateIsRunForOtherNodesOrAnotherName_thenItIsRefusedBeforeAnyNodeIsContacted() throws Exception {
        java.nio.file.Path admin = tmp.resolve("admin");
        java.nio.file.Files.createDirectories(admin);
        List<NodeIdentity> nodes = new java.util.ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            UUID u = UUID.randomUUID();
            nodes.add(new NodeIdentity(u, "127.0.1.21" + i, new FaultDomain("rack", "b" + i, u.toString()), "1.0"));
        }
        ClusterConfig c = new ClusterConfig(UUID.randomUUID(), "rsm", 42, 1, nodes, nodes.stream().map(NodeIdentity::uuid).toList());
        java.nio.file.Files.writeString(admin.resolve(ClusterCreate.PENDING), Commands.JSON.writeValueAsString(c));

        for (String[] args : List.of(new String[] {"--nodes", "127.0.1.211,127.0.1.212,127.0.1.219", "--name", "rsm"},
                new String[] {"--nodes", "127.0.1.211,127.0.1.212,127.0.1.213", "--name", "other"},
                new String[] {"--nodes", "127.0.1.211,127.0.1.212,127.0.1.213,127.0.1.214,127.0.1.215", "--name", "rsm", "--ft", "2"})) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            List<String> a = new java.util.ArrayList<>(List.of("cluster", "create"));
            a.addAll(List.of(args));
            a.addAll(List.of("--admin", admin.toString()));
            int rc = Main.run(a.toArray(String[]::new), new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                    new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(rc).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("holds the unfinished creation of cluster rsm (nodes "
                    + "127.0.1.211,127.0.1.212,127.0.1.213, fault tolerance 1); run cluster create with that --name, --nodes and --ft");
            assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("found ");
        }
        assertThat(admin.resolve("ca.key.pem")).as("no CA was made for another cluster").doesNotExist();
    }
}
