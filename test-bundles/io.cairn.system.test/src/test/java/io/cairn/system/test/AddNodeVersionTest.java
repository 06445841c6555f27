package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spec 10 §6, "a node on a different AOS is brought to the cluster version ... before joining" through
 * {@code ncli cluster add-node node-uuid=UUID} (issue #10; 127.0.1.22-27): a 3-node cluster of the built (debug) image
 * and a 4th factory node running an image of version 0.0.9 (assembled and signed here from the same bundles; its
 * install made it trust the release key that signed it). First the image kept in the installer store of the member the CLI talks to
 * is tampered with (one byte): the factory node refuses it, nothing changes on it (slot A, 0.0.9, same controller) and
 * the cluster is unchanged. With the store repaired, add-node streams the cluster's image from the member to the
 * node, which installs it into its passive slot, restarts into it, comes back in factory state on the cluster's
 * version, and joins; it then reports the cluster's version. Then two more nodes on 0.0.9 (127.0.1.26-27) in one
 * {@code cairn cluster add-node --nodes} request are brought in parallel: node 6, whose trusted keys were removed, refuses
 * the image and is not joined (unchanged, still 0.0.9), node 5 joins; the command fails naming both.
 */
class AddNodeVersionTest {

    @TempDir
    Path tmp;

    @Test
    void givenAFactoryNodeOnAnOlderVersion_whenAddedWithNcli_thenItIsBroughtToTheClusterVersionAndJoins() throws Exception {
        String version = System.getProperty("cairn.version");
        Path registry = tmp.resolve("registry");
        Path oldArchive = FoundationRig.otherVersionImage(tmp.resolve("old-image"), "0.0.9");
        LoopbackCluster cluster = new LoopbackCluster(tmp.resolve("c"), "127.0.1", 21, 6);
        try {
            for (int i = 0; i < 6; i++) {
                Path cfg = Files.createDirectories(cluster.home(i).resolve("etc/config"));
                Files.writeString(cfg.resolve("io.cairn.cluster.genesis.discovery.json"),
                        "{\"discovery_registry_dir\": \"" + registry + "\", \"discovery_multicast\": false}\n");
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<Proc>> starts = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    int n = i;
                    starts.add(pool.submit(() -> cluster.startNode(n)));
                }
                for (Future<Proc> f : starts) {
                    Proc p = f.get();
                    assertThat(p.exitCode()).as(p.output()).isZero();
                }
            } finally {
                pool.shutdownNow();
            }
            Proc create = cluster.createWith(3);
            assertThat(create.exitCode()).as(create.output()).isZero();
            Path stored = cluster.home(0).resolve("data/foundation/store/cairn-appliance-debug-" + version + ".tar.gz");
            assertThat(stored).as("every install keeps its image in the node's installer store").exists();

            Path node4 = cluster.home(3);
            for (int i = 3; i < 6; i++) {
                Proc install = FoundationRig.imageTool(tmp, Duration.ofMinutes(2), "install", "--archive", oldArchive.toString(), "--home",
                        cluster.home(i).toString(), "--slot", "A", "--trust", Proc.ROOT.resolve(".signing").toString());
                assertThat(install.exitCode()).as(install.output()).isZero();
                // the install made the node trust the key its image was signed with (the release key)
                Path trust = cluster.home(i).resolve("data/foundation/trust");
                try (var keys = Files.list(trust)) {
                    assertThat(keys.map(k -> k.getFileName().toString())).as(install.output()).singleElement().asString().endsWith(".pub");
                }
                if (i == 5) { // node 6's operator removed every trusted key: it refuses every image
                    try (var keys = Files.list(trust)) {
                        for (Path k : keys.toList()) {
                            Files.delete(k);
                        }
                    }
                }
            }
            Proc start = cluster.startNode(3);
            assertThat(start.exitCode()).as(start.output()).isZero();
            assertThat(Files.readString(node4.resolve("run/ready"))).contains("version=0.0.9");
            long oldPid = cluster.pid(3);
            String uuid = LoopbackCluster.JSON.readTree(node4.resolve("data/identity/node.json").toFile()).get("uuid").asText();
            LoopbackCluster.waitFor(Duration.ofSeconds(30), () -> Files.exists(registry.resolve(uuid + ".json")), "node 4 in the registry");

            // refusal: the member's stored image is tampered with; the node verifies it and refuses, nothing changes
            byte[] good = Files.readAllBytes(stored);
            byte[] bad = good.clone();
            bad[bad.length / 2] ^= 0x01;
            Files.write(stored, bad);
            Proc refused;
            try {
                refused = Proc.cairn(Duration.ofMinutes(5), "ncli", "cluster", "add-node", "node-uuid=" + uuid, "--node", cluster.ip(0),
                        "--admin", cluster.admin.toString());
            } finally {
                Files.write(stored, good);
            }
            System.out.println("[add-node-version] tampered image:\n" + refused.output());
            assertThat(refused.exitCode()).as(refused.output()).isNotZero();
            assertThat(refused.output()).contains(cluster.ip(3) + " runs 0.0.9 and the cluster runs " + version)
                    .contains(cluster.ip(3) + " (on 0.0.9) was not brought to the cluster's version " + version + " and is not joined")
                    .contains("sha256 mismatch").contains("the node is unchanged (slot A stays active)")
                    .contains("the cluster is unchanged").doesNotContain("joined " + cluster.ip(3));
            assertThat(node4.resolve("boot")).hasContent("A");
            assertThat(node4.resolve("slots/B")).doesNotExist();
            assertThat(cluster.pid(3)).as("the node's controller was not restarted").isEqualTo(oldPid);
            assertThat(node4.resolve("data/cluster/cluster.json")).doesNotExist();
            Proc unchanged = cluster.cli(0, "cluster", "status");
            assertThat(unchanged.output()).as(unchanged.output()).contains("(3 of 3 CVMs up)").doesNotContain(cluster.ip(3));

            // the cluster's image from the member's installer store: the node comes back on the cluster's version and joins
            Proc added = Proc.cairn(Duration.ofMinutes(8), "ncli", "cluster", "add-node", "node-uuid=" + uuid, "--node", cluster.ip(0),
                    "--admin", cluster.admin.toString());
            System.out.println("[add-node-version] add-node:\n" + added.output());
            assertThat(added.exitCode()).as(added.output()).isZero();
            assertThat(added.output()).contains(cluster.ip(3) + " runs 0.0.9 and the cluster runs " + version + "; bringing it to " + version)
                    .contains(cluster.ip(3) + ": " + version + " verified and installed into slot B; restarting into it")
                    .contains(cluster.ip(3) + " is back in factory state on " + version).contains("joined " + cluster.ip(3) + " to cluster");
            assertThat(node4.resolve("boot")).hasContent("B");
            assertThat(cluster.pid(3)).as("a new controller runs from slot B").isNotEqualTo(oldPid);
            Proc hello = cluster.cli(3, "rpc", "genesis.hello");
            System.out.println("[add-node-version] " + cluster.ip(3) + " genesis.hello: " + hello.output().strip());
            assertThat(hello.exitCode()).as(hello.output()).isZero();
            assertThat(hello.output()).containsPattern("\"version\" ?: ?\"" + Pattern.quote(version) + "\"");
            Proc status = cluster.cli(0, "cluster", "status");
            System.out.println(status.output());
            assertThat(status.output()).as(status.output()).contains("CVM: " + cluster.ip(3) + " Up").contains("(4 of 4 CVMs up)");

            // two older nodes in one request: both are brought in parallel; node 6 (no trusted key) refuses the image and
            // is not joined, node 5 joins; the command fails naming both
            ExecutorService two = Executors.newFixedThreadPool(2);
            try {
                Future<Proc> s5 = two.submit(() -> cluster.startNode(4));
                Future<Proc> s6 = two.submit(() -> cluster.startNode(5));
                assertThat(s5.get().exitCode()).as(s5.get().output()).isZero();
                assertThat(s6.get().exitCode()).as(s6.get().output()).isZero();
            } finally {
                two.shutdownNow();
            }
            long pid6 = cluster.pid(5);
            Proc both = Proc.cairn(Duration.ofMinutes(8), "cluster", "add-node", "--nodes", cluster.ip(4) + "," + cluster.ip(5), "--node",
                    cluster.ip(1), "--admin", cluster.admin.toString());
            System.out.println("[add-node-version] two nodes:\n" + both.output());
            assertThat(both.exitCode()).as(both.output()).isNotZero();
            assertThat(both.output()).contains(cluster.ip(4) + " runs 0.0.9 and the cluster runs " + version)
                    .contains(cluster.ip(5) + " runs 0.0.9 and the cluster runs " + version)
                    .contains(cluster.ip(4) + " is back in factory state on " + version).contains("joined " + cluster.ip(4) + " to cluster")
                    .contains(cluster.ip(5) + " (on 0.0.9) was not brought to the cluster's version " + version + " and is not joined")
                    .contains("holds no trusted public key").contains(cluster.ip(4) + " joined; ")
                    .doesNotContain("joined " + cluster.ip(5));
            assertThat(cluster.home(5).resolve("boot")).hasContent("A");
            assertThat(cluster.pid(5)).isEqualTo(pid6);
            assertThat(Files.readString(cluster.home(5).resolve("run/ready"))).contains("version=0.0.9");
            Proc five = cluster.cli(0, "cluster", "status");
            System.out.println(five.output());
            assertThat(five.output()).as(five.output()).contains("CVM: " + cluster.ip(4) + " Up").contains("(5 of 5 CVMs up)")
                    .doesNotContain(cluster.ip(5));
            Proc hello5 = cluster.cli(4, "rpc", "genesis.hello");
            assertThat(hello5.output()).as(hello5.output()).containsPattern("\"version\" ?: ?\"" + Pattern.quote(version) + "\"");
        } finally {
            cluster.closeKeepingLogs("add-node-version-logs");
        }
    }
}
