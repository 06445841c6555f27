package io.cairn.system.test;

import static io.cairn.system.test.LoopbackCluster.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * RF3 on a 5-node FT2 cluster (127.0.1.81-85): acknowledged writes are on three distinct nodes,
 * in the OpLog and in every extent group; after kill -9 of every node right after the writes, every byte reads back.
 * Clients use the nodes' NBD Unix sockets for local clients (no TLS).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StargateRf3Test {

    static final int IMAGE = 16 << 20;

    private LoopbackCluster cluster;
    private Path work;

    @BeforeAll
    void form() throws Exception {
        work = Files.createTempDirectory("cairn-stargate-rf3");
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 80, 5);
        cluster.startAll();
        Proc create = cluster.create("--ft", "2");
        assertThat(create.exitCode()).as(create.output()).isZero();
        cluster.medusaAvailable(Duration.ofSeconds(180));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.closeKeepingLogs("stargate-rf3-logs");
        }
    }

    String uri(int node, String export) {
        return "nbd+unix:///" + export + "?socket=" + cluster.home(node).resolve("run/nbd.sock");
    }

    Proc tool(Duration timeout, String... command) throws IOException, InterruptedException {
        return Proc.run(timeout, work, Map.of(), List.of(command));
    }

    @Test
    void givenAnRf3Container_whenWritesAreAcknowledgedAndEveryNodeIsKilled_thenThreeNodesHeldThemAndEveryByteReadsBack()
            throws Exception {
        Proc ctr = cluster.ncli(0, "ctr", "create", "name=c3", "rf=3");
        assertThat(ctr.exitCode()).as(ctr.output()).isZero();
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=c3", "name=d", "size=64M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        byte[] image = new byte[IMAGE];
        new Random(3).nextBytes(image);
        Path src = work.resolve("src.img");
        Files.write(src, image);
        // qemu-img writes in parallel, large requests, into new vBlocks: through the OpLog, drained into extent groups
        Proc in = tool(Duration.ofSeconds(180), "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", src.toString(), uri(0, "c3/d"));
        assertThat(in.exitCode()).as(in.output()).isZero();
        // small writes after it: through the OpLog, on three nodes before they are acknowledged
        Proc small = tool(Duration.ofSeconds(120), "qemu-io", "-f", "raw", uri(0, "c3/d"), "-c", "write -P 0x5c 1m 8k", "-c",
                "write -P 0x6d 12m 4k");
        assertThat(small.exitCode()).as(small.output()).isZero();
        java.util.Arrays.fill(image, 1 << 20, (1 << 20) + 8192, (byte) 0x5c);
        java.util.Arrays.fill(image, 12 << 20, (12 << 20) + 4096, (byte) 0x6d);

        JsonNode row = null;
        for (JsonNode r : cluster.call(0, "stargate.page", Map.of()).path("vdisks")) {
            if (r.path("vdisk").asText().equals("d")) {
                row = r;
            }
        }
        assertThat(row).as("node 1 owns the vDisk").isNotNull();
        String self = cluster.call(0, "stargate.page", Map.of()).path("node").asText();
        for (JsonNode peers : row.path("oplog_peers_per_gib")) {
            Set<String> distinct = new HashSet<>();
            peers.forEach(p -> distinct.add(p.asText()));
            assertThat(distinct).as("two OpLog peers other than the owner: " + row).hasSize(2).doesNotContain(self);
        }
        // every extent group recorded so far has three replicas on distinct nodes
        String uuid = row.path("uuid").asText();
        JsonNode entries = cluster.call(0, "medusa.scan", Map.of("prefix", "vdisk:" + uuid + "#eg:", "limit", 1000)).path("entries");
        assertThat(entries.size()).as("extent groups of the vDisk").isPositive();
        for (JsonNode e : entries) {
            JsonNode replicas = new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.path("value").asText()).path("replicas");
            Set<String> distinct = new HashSet<>();
            replicas.forEach(p -> distinct.add(p.asText()));
            assertThat(distinct).as("replicas of " + e.path("key").asText()).hasSize(3);
        }

        for (int i = 0; i < 5; i++) {
            cluster.kill9(i);
        }
        cluster.startAll();
        cluster.medusaAvailable(Duration.ofSeconds(180));
        Path out = work.resolve("out.img");
        Proc back = tool(Duration.ofSeconds(180), "qemu-img", "convert", "-f", "raw", "-O", "raw", uri(3, "c3/d"), out.toString());
        assertThat(back.exitCode()).as(back.output()).isZero();
        byte[] all = Files.readAllBytes(out);
        assertThat(java.util.Arrays.copyOf(all, IMAGE)).as("every acknowledged byte after kill -9 of every node").isEqualTo(image);
    }
}
