package io.cairn.system.test;

import static io.cairn.system.test.LoopbackCluster.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Zookeeper member roles follow the nodes: real controller processes on loopback, Zookeeper
 * dynamic reconfiguration underneath.
 */
class ZookeeperEnsembleTest {

    /** {@code zookeeper_member_replace_secs} on the four-node cluster's nodes (default 20): the same move, sooner. */
    static final int REPLACE_SECS = 5;

    private static List<String> members(JsonNode status) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : status.get("nodes")) {
            if (n.get("services").has("Zookeeper")) {
                out.add(n.get("address").asText());
            }
        }
        return out;
    }

    private static boolean serving(JsonNode status, String ip) {
        for (JsonNode n : status.get("nodes")) {
            if (n.get("address").asText().equals(ip)) {
                return n.get("services").path("Zookeeper").asText().startsWith("UP [");
            }
        }
        return false;
    }

    @Test
    void givenFourNodesOnThreeBlocks_whenAMemberNodeStaysDown_thenItsRoleMovesAndReturnsWithTheNode() throws Exception {
        try (LoopbackCluster c = new LoopbackCluster(Files.createTempDirectory("cairn-cluster4"), "127.0.1", 40, 4)) {
            try {
                for (int i = 0; i < 4; i++) { // the role moves after REPLACE_SECS of the node down instead of the default 20 s
                    Path config = Files.createDirectories(c.home(i).resolve("etc/config"));
                    Files.writeString(config.resolve("io.cairn.cluster.zeus.json"), "{\"zookeeper_member_replace_secs\": " + REPLACE_SECS + "}\n");
                }
                c.startAll();
                Proc create = c.create("--blocks", "127.0.1.41=A,127.0.1.42=B,127.0.1.43=C,127.0.1.44=A");
                assertThat(create.exitCode()).as(create.output()).isZero();
                waitFor(Duration.ofSeconds(60), () -> members(c.status(0)).equals(List.of("127.0.1.41", "127.0.1.42", "127.0.1.43"))
                        && serving(c.status(0), "127.0.1.43"), "members on blocks A, B, C");

                c.kill9(2); // 127.0.1.43, the only node of block C
                long t0 = System.nanoTime();
                waitFor(Duration.ofSeconds(90), () -> {
                    JsonNode s = c.status(0, 1);
                    return members(s).contains("127.0.1.44") && serving(s, "127.0.1.44") && !members(s).contains("127.0.1.43");
                }, "the member role of 127.0.1.43 moved to 127.0.1.44");
                System.out.println("[measure] Zookeeper member role moved " + (System.nanoTime() - t0) / 1_000_000
                        + " ms after kill -9 (zookeeper_member_replace_secs " + REPLACE_SECS + ")");
                JsonNode w = c.call(1, "zeus.write", Map.of("document", "test/moved", "expectedVersion", -1, "data", "yes"));
                assertThat(w.get("version").asInt()).isZero();

                Proc back = c.startNode(2);
                assertThat(back.exitCode()).as(back.output()).isZero();
                waitFor(Duration.ofSeconds(90), () -> {
                    JsonNode s = c.status(0, 1);
                    return members(s).equals(List.of("127.0.1.41", "127.0.1.42", "127.0.1.43")) && serving(s, "127.0.1.43");
                }, "the role back on block C once 127.0.1.43 returned");
                waitFor(Duration.ofSeconds(30), () -> !Files.exists(c.home(3).resolve("data/zookeeper/zoo.cfg")),
                        "127.0.1.44 removed its member data");
                assertThat(c.call(2, "zeus.read", Map.of("document", "test/moved")).get("data").asText()).isEqualTo("yes");
                Proc zeus = Proc.cairn(Duration.ofSeconds(60), "zeus", "config", "--home", c.home(0).toString());
                assertThat(zeus.output()).contains("service_vm_external_ip: \"127.0.1.43\"\n  zookeeper_myid: 3\n  zookeeper_member: true");
            } finally {
                c.close();
                c.deleteFiles();
            }
        }
    }

    @Test
    void givenFiveNodesAtFaultToleranceTwo_whenFormedAndOneMemberKilled_thenFiveMembersAndQuorumKeepsServing() throws Exception {
        try (LoopbackCluster c = new LoopbackCluster(Files.createTempDirectory("cairn-cluster5"), "127.0.1", 50, 5)) {
            try {
                c.startAll();
                Proc create = c.create("--ft", "2");
                assertThat(create.exitCode()).as(create.output()).isZero();
                assertThat(create.output()).contains("fault tolerance 2", "5 nodes");
                waitFor(Duration.ofSeconds(60), () -> {
                    JsonNode s = c.status(0);
                    for (JsonNode n : s.get("nodes")) {
                        for (String svc : List.of("Zookeeper", "Genesis", "Ticker", "Crashy")) {
                            if (!n.get("services").path(svc).asText().startsWith("UP [")) {
                                return false;
                            }
                        }
                    }
                    return members(s).size() == 5;
                }, "5 Zookeeper members and every service up on every node");
                c.kill9(4);
                c.kill9(3);
                waitFor(Duration.ofSeconds(30), () -> {
                    try {
                        return c.call(0, "zeus.write", Map.of("document", "test/ft2", "expectedVersion", -1, "data", "two down"))
                                .get("version").asInt() == 0;
                    } catch (Exception e) {
                        return false;
                    }
                }, "configuration writes with two of five members down");
                assertThat(c.call(2, "zeus.read", Map.of("document", "test/ft2")).get("data").asText()).isEqualTo("two down");
            } finally {
                c.close();
                c.deleteFiles();
            }
        }
    }
}
