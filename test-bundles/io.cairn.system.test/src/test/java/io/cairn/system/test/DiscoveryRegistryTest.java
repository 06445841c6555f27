package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.foundation.discovery.DiscoverCommand;

/**
 * Loopback-mode discovery with real controllers (spec 10 §5, §6; 127.0.1.221-224): factory-state
 * nodes keep {@code <uuid>.json} in the loopback registry (here a test directory, set through
 * {@code etc/config/io.cairn.cluster.genesis.discovery.json}; multicast off, so nothing answers on the
 * machine's links), {@code foundation discover} lists them; a node stopped cleanly leaves the list and
 * comes back when started; once {@code cairn cluster create} has joined them, none is listed and the
 * registry is empty. Then a 4th factory node is listed by {@code ncli cluster discover-nodes} on node 1
 * and added by the spec's one-liner ({@code ... | egrep "Uuid" | awk '{print $4}' | xargs -I UUID ncli
 * cluster add-node node-uuid=UUID}).
 */
class DiscoveryRegistryTest {

    @TempDir
    Path tmp;

    @Test
    void givenFactoryNodesOnLoopback_whenDiscovered_thenListedUntilStoppedOrJoined() throws Exception {
        Path registry = tmp.resolve("registry");
        try (LoopbackCluster cluster = new LoopbackCluster(tmp, "127.0.1", 220, 4)) {
            for (int i = 0; i < 4; i++) {
                Path cfg = Files.createDirectories(cluster.home(i).resolve("etc/config"));
                Files.writeString(cfg.resolve("io.cairn.cluster.genesis.discovery.json"),
                        "{\"discovery_registry_dir\": \"" + registry + "\", \"discovery_multicast\": false}\n");
            }
            for (int i = 0; i < 3; i++) {
                Proc p = cluster.startNode(i);
                assertThat(p.exitCode()).as(p.output()).isZero();
            }
            List<String> uuids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                uuids.add(LoopbackCluster.JSON.readTree(cluster.home(i).resolve("data/identity/node.json").toFile()).get("uuid").asText());
            }
            assertThat(awaitListed(registry, Set.copyOf(uuids))).containsExactlyInAnyOrderElementsOf(uuids);
            String text = discover(registry).out();
            assertThat(text).contains("Node IP Addresses        : " + cluster.ip(0), "Node State               : factory",
                    "Discovered Via           : registry");

            // direct addressing (where discovery cannot reach): genesis.hello to the controller's IP
            Found direct = run("--no-registry", "--no-multicast", "--address", cluster.ip(1), "--address", "127.0.1.229");
            assertThat(direct.uuids()).containsExactly(uuids.get(1));
            assertThat(direct.out()).contains("Discovered Via           : direct");
            assertThat(direct.err()).contains("127.0.1.229: no controller answers");

            Proc stop = Proc.cairn(java.time.Duration.ofSeconds(60), "node", "stop", "--home", cluster.home(2).toString());
            assertThat(stop.exitCode()).as(stop.output()).isZero();
            assertThat(discover(registry).uuids()).as("a node stopped cleanly removes its entry at once")
                    .containsExactlyInAnyOrder(uuids.get(0), uuids.get(1));

            Proc start = cluster.startNode(2);
            assertThat(start.exitCode()).as(start.output()).isZero();
            assertThat(awaitListed(registry, Set.copyOf(uuids))).containsExactlyInAnyOrderElementsOf(uuids);

            Proc create = cluster.createWith(3);
            assertThat(create.exitCode()).as(create.output()).isZero();
            assertThat(discover(registry).uuids()).as("nodes in a cluster are not offered").isEmpty();
            Found joined = run("--no-registry", "--no-multicast", "--address", cluster.ip(1));
            assertThat(joined.uuids()).isEmpty();
            assertThat(joined.err()).contains(cluster.ip(1) + ": already in a cluster");
            try (var files = Files.list(registry)) {
                assertThat(files.map(p -> p.getFileName().toString()).toList()).as("joined nodes removed their entries").isEmpty();
            }

            // spec 10 §6: a new factory node, found by the cluster (ncli cluster discover-nodes on node 1) and added verbatim
            Proc fourth = cluster.startNode(3);
            assertThat(fourth.exitCode()).as(fourth.output()).isZero();
            String uuid4 = LoopbackCluster.JSON.readTree(cluster.home(3).resolve("data/identity/node.json").toFile()).get("uuid").asText();
            assertThat(awaitListed(registry, Set.of(uuid4))).containsExactly(uuid4);
            Proc listed = Proc.cairn(java.time.Duration.ofSeconds(60), "ncli", "cluster", "discover-nodes", "--node", cluster.ip(0),
                    "--admin", cluster.admin.toString());
            assertThat(listed.exitCode()).as(listed.output()).isZero();
            assertThat(listed.output()).contains("Node Uuid                : " + uuid4, "Node IP Addresses        : " + cluster.ip(3));
            // the REST ncli (bin/ncli, Prism GET /api/v1/cluster/discovered_nodes) lists it in the same layout
            Proc rest = Proc.run(java.time.Duration.ofSeconds(90), Proc.ROOT, java.util.Map.of("CAIRN_ADMIN", cluster.admin.toString()),
                    List.of(Proc.ROOT.resolve("bin/ncli").toString(), "cluster", "discover-nodes"));
            System.out.println(rest.output());
            assertThat(rest.exitCode()).as(rest.output()).isZero();
            assertThat(rest.output().lines().filter(l -> l.contains("Uuid")).map(l -> l.trim().split("\\s+")[3]).toList())
                    .containsExactly(uuid4);
            // spec 10 §6: a join that fails takes the node out of the Zeus configuration again; the cluster is unchanged.
            // The node's data/cluster is made a plain file, so its genesis.join cannot store the configuration.
            Path clusterDir = cluster.home(3).resolve("data/cluster");
            boolean hadDir = java.nio.file.Files.isDirectory(clusterDir);
            if (hadDir) {
                java.nio.file.Files.move(clusterDir, clusterDir.resolveSibling("cluster.moved"));
            }
            java.nio.file.Files.writeString(clusterDir, "not a directory");
            Proc failed;
            try {
                failed = Proc.cairn(java.time.Duration.ofSeconds(180), "ncli", "cluster", "add-node", "node-uuid=" + uuid4, "--node",
                        cluster.ip(0), "--admin", cluster.admin.toString());
            } finally {
                java.nio.file.Files.delete(clusterDir);
                if (hadDir) {
                    java.nio.file.Files.move(clusterDir.resolveSibling("cluster.moved"), clusterDir);
                }
            }
            System.out.println(failed.output());
            assertThat(failed.exitCode()).as(failed.output()).isNotZero();
            assertThat(failed.output()).contains("joining " + cluster.ip(3) + " failed")
                    .contains(cluster.ip(3) + " removed from the cluster configuration again; the cluster is unchanged");
            Proc unchanged = Proc.cairn(java.time.Duration.ofSeconds(60), "cluster", "status", "--node", cluster.ip(0), "--admin",
                    cluster.admin.toString());
            assertThat(unchanged.output()).as(unchanged.output()).doesNotContain(cluster.ip(3)).contains(cluster.ip(2));
            // the spec's one-liner verbatim, with the installed REST ncli (bin/ncli) on PATH and the admin directory
            // (CAIRN_ADMIN, whose servers file names the cluster's nodes)
            Proc oneLiner = Proc.run(java.time.Duration.ofSeconds(300), Proc.ROOT, java.util.Map.of("CAIRN_ADMIN", cluster.admin.toString(),
                    "PATH", Proc.ROOT.resolve("bin") + ":" + System.getenv("PATH")), List.of("bash", "-c",
                    "ncli cluster discover-nodes | egrep \"Uuid\" | awk '{print $4}' | xargs -I UUID ncli cluster add-node node-uuid=UUID"));
            System.out.println(oneLiner.output());
            assertThat(oneLiner.exitCode()).as(oneLiner.output()).isZero();
            assertThat(oneLiner.output()).contains("joined " + cluster.ip(3) + " to cluster");
            assertThat(awaitListed(registry, Set.of())).as("a node that joined is no longer offered (its services start in seconds)").isEmpty();
            Proc restAfter = Proc.run(java.time.Duration.ofSeconds(90), Proc.ROOT, java.util.Map.of("CAIRN_ADMIN", cluster.admin.toString()),
                    List.of(Proc.ROOT.resolve("bin/ncli").toString(), "cluster", "discover-nodes"));
            assertThat(restAfter.exitCode()).as(restAfter.output()).isZero();
            assertThat(restAfter.output()).doesNotContain("Uuid");
            Proc status = Proc.cairn(java.time.Duration.ofSeconds(60), "cluster", "status", "--node", cluster.ip(0), "--admin",
                    cluster.admin.toString());
            System.out.println(status.output());
            assertThat(status.output()).contains(cluster.ip(3));
        }
    }

    record Found(int exit, String out, String err, Set<String> uuids) {
    }

    private static Found discover(Path registry) {
        return run("--registry", registry.toString(), "--no-multicast");
    }

    private static Found run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DiscoverCommand.run(List.of(args), new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        Set<String> uuids = new TreeSet<>();
        o.lines().filter(l -> l.contains("Uuid")).forEach(l -> uuids.add(l.trim().split("\\s+")[3])); // egrep Uuid | awk '{print $4}'
        return new Found(exit, o, err.toString(StandardCharsets.UTF_8), uuids);
    }

    /** Polls (30 s deadline) until {@code expected} are listed; returns what was listed last. */
    private static Set<String> awaitListed(Path registry, Set<String> expected) throws InterruptedException {
        long t0 = System.nanoTime();
        long end = t0 + 30_000_000_000L;
        Set<String> last = Set.of();
        while (System.nanoTime() < end) {
            last = discover(registry).uuids();
            if (last.equals(expected)) {
                break;
            }
            Thread.sleep(200);
        }
        System.out.printf("discovery registry: %d of %d nodes listed after %d ms%n", last.size(), expected.size(),
                (System.nanoTime() - t0) / 1_000_000);
        return last;
    }
}
