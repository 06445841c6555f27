package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Issue #9 item 4: {@code bin/ncli} and {@code bin/acli} against a real 3-node cluster
 * (127.0.1.161-163) through Prism's REST API only: storage with the admin certificate, through
 * non-leaders (redirects), a local user logging in with {@code --user}, a Viewer refused with
 * "permission denied", JSON output and {@code acli host.list}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private LoopbackCluster cluster;
    private Path work;

    @BeforeAll
    void form() throws Exception {
        // under target/, not /tmp: a first run lost its /tmp/cairn-* directory to someone else's clean-up mid-test
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        work = Files.createTempDirectory(target, "rc");
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 160, 3);
        cluster.startAll();
        Proc create = cluster.create();
        assertThat(create.exitCode()).as(create.output()).isZero();
        cluster.medusaAvailable(Duration.ofSeconds(150));
        assertThat(Files.readAllLines(cluster.admin.resolve("servers"))).as("cluster create lists the nodes for the CLIs")
                .containsExactly(cluster.ip(0), cluster.ip(1), cluster.ip(2));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.closeKeepingLogs("restcli-logs");
        }
        if (work != null) {
            work.toFile().delete(); // empty by now: the cluster directory went with closeKeepingLogs
        }
    }

    /** {@code bin/TOOL ARGS} with the cluster's admin directory (the servers file names the nodes) and {@code env}. */
    Proc run(String tool, Map<String, String> env, String... args) throws Exception {
        return cluster.bin(work, tool, env, args);
    }

    Proc ncli(String... args) throws Exception {
        return run("ncli", Map.of(), args);
    }

    @Test
    @Order(1)
    void givenTheAdminCertificate_whenStorageIsManagedWithNcli_thenContainersAndVDisksAreCreatedListedResizedAndRemoved() throws Exception {
        Proc sp = ncli("-o", "json", "sp", "ls");
        assertThat(sp.exitCode()).as(sp.output()).isZero();
        String pool = JSON.readTree(sp.output()).get(0).path("spec").path("name").asText();
        Proc noPool = ncli("ctr", "create", "name=rc0", "sp-name=nosuch");
        assertThat(noPool.exitCode()).isEqualTo(1);
        assertThat(noPool.output()).contains("no storage pool named 'nosuch'; the cluster has one: '" + pool + "'");
        Proc ctr = ncli("ctr", "create", "name=rc1", "rf=2", "sp-name=" + pool);
        assertThat(ctr.exitCode()).as(ctr.output()).isZero();
        assertThat(ctr.output()).contains("Name               : rc1").contains("Replication Factor : 2");
        Proc ls = ncli("ctr", "ls");
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        assertThat(ls.output()).contains(": rc1");

        Proc vd = ncli("vdisk", "create", "ctr=rc1", "name=v1", "size=1G");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        assertThat(vd.output()).contains(": v1").contains("Size", ": 1 GiB");
        Proc grow = ncli("vdisk", "resize", "ctr=rc1", "name=v1", "size=2G");
        assertThat(grow.exitCode()).as(grow.output()).isZero();
        assertThat(grow.output()).contains(": 2 GiB");
        Proc vls = ncli("--json=true", "vdisk", "ls", "ctr=rc1");
        assertThat(vls.exitCode()).as(vls.output()).isZero();
        JsonNode vdisks = JSON.readTree(vls.output());
        assertThat(vdisks.size()).isEqualTo(1);
        assertThat(vdisks.get(0).path("spec").path("size_bytes").asLong()).isEqualTo(2L << 30);
        Proc rm = ncli("vdisk", "remove", "ctr=rc1", "name=v1");
        assertThat(rm.exitCode()).as(rm.output()).isZero();
        assertThat(ncli("vdisk", "ls", "ctr=rc1").output()).contains("[None]");
        Proc missing = ncli("vdisk", "remove", "ctr=rc1", "name=v1");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.output()).contains("no vDisk named 'v1' in container 'rc1'");
        Proc usage = ncli("vdisk", "create", "ctr=rc1", "name=v2", "size=1G", "colour=red");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.output()).contains("unknown key 'colour'");

        for (int i = 0; i < 3; i++) { // at least two of them are not the Prism leader: GET 301 and POST/DELETE 308 are followed
            Proc via = ncli("--server", cluster.ip(i), "ctr", "create", "name=via" + i);
            assertThat(via.exitCode()).as("through " + cluster.ip(i) + ": " + via.output()).isZero();
            Proc del = ncli("--server", cluster.ip(i), "ctr", "remove", "name=via" + i);
            assertThat(del.exitCode()).as(del.output()).isZero();
        }
    }

    @Test
    @Order(2)
    void givenTheCluster_whenHostsAreListed_thenNcliBlocksAndJson_andAcliHostListShowEveryNode() throws Exception {
        Proc hosts = ncli("host", "ls");
        assertThat(hosts.exitCode()).as(hosts.output()).isZero();
        Proc json = ncli("-o", "json", "host", "ls");
        assertThat(JSON.readTree(json.output()).size()).as(json.output()).isEqualTo(3);
        Proc acli = run("acli", Map.of(), "host.list");
        assertThat(acli.exitCode()).as(acli.output()).isZero();
        Proc acliJson = run("acli", Map.of(), "-o", "json", "host.list");
        JsonNode data = JSON.readTree(acliJson.output()).path("data");
        assertThat(data.size()).as(acliJson.output()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            assertThat(hosts.output()).contains(": " + cluster.ip(i));
            assertThat(acli.output()).contains(cluster.ip(i));
        }
        assertThat(data.get(0).path("uuid").asText()).isNotEmpty();
        Proc vm = run("acli", Map.of(), "vm.create", "testVM", "memory=2G");
        assertThat(vm.exitCode()).isEqualTo(1);
        assertThat(vm.output()).contains("not available yet: vm.create needs the VM service (issue #11)");
        Proc info = ncli("cluster", "info");
        assertThat(info.exitCode()).as(info.output()).isZero();
        assertThat(info.output()).contains("Fault Tolerance").contains("Leaders");
        assertThat(ncli("cluster", "version").output()).contains("Cluster Version : ");
        Proc badVip = ncli("cluster", "edit-params", "external-ip-address=not-an-ip"); // PUT /cluster
        assertThat(badVip.exitCode()).as(badVip.output()).isEqualTo(1);
        assertThat(badVip.output()).contains("external-ip-address='not-an-ip' is not an IP address");
    }

    @Test
    @Order(3)
    void givenALocalViewer_whenItLogsInWithUser_thenItMustChangeItsPassword_canList_andIsRefusedChangesWithPermissionDenied() throws Exception {
        String first = "Viewer-first-2026!x";
        String second = "Quokka+Jump%93zZ";
        Proc user = run("ncli", Map.of("CAIRN_NEW_PASSWORD", first), "user", "create", "user-name=rv1", "roles=viewer");
        assertThat(user.exitCode()).as(user.output()).isZero();
        assertThat(ncli("user", "ls").output()).contains(": rv1");

        Map<String, String> asViewer = Map.of("CAIRN_PASSWORD", first);
        Proc before = run("ncli", asViewer, "--user", "rv1", "ctr", "ls");
        assertThat(before.exitCode() == 0 || before.output().contains("permission denied")).as(before.output()).isTrue();
        Proc change = run("ncli", Map.of("CAIRN_PASSWORD", first, "CAIRN_NEW_PASSWORD", second), "--user", "rv1", "user", "change-password");
        assertThat(change.exitCode()).as(change.output()).isZero();
        assertThat(change.output()).contains("Password of rv1 changed.");
        asViewer = Map.of("CAIRN_PASSWORD", second);
        Proc list = run("ncli", asViewer, "--user", "rv1", "ctr", "ls");
        assertThat(list.exitCode()).as(list.output()).isZero();
        assertThat(list.output()).contains(": rc1");
        Proc denied = run("ncli", asViewer, "--user", "rv1", "ctr", "create", "name=nope");
        assertThat(denied.exitCode()).as(denied.output()).isEqualTo(1);
        assertThat(denied.output()).contains("permission denied");
        Proc vip = run("ncli", asViewer, "--user", "rv1", "cluster", "edit-params", "external-ip-address=not-an-ip");
        assertThat(vip.exitCode()).as(vip.output()).isEqualTo(1);
        assertThat(vip.output()).contains("permission denied");
        Proc wrong = run("ncli", Map.of("CAIRN_PASSWORD", "not-the-password"), "--user", "rv1", "ctr", "ls");
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.output()).contains("not authenticated");
        Proc acli = run("acli", asViewer, "--user", "rv1", "host.list");
        assertThat(acli.exitCode()).as(acli.output()).isZero();

        Proc remove = ncli("user", "remove", "user-name=rv1");
        assertThat(remove.exitCode()).as(remove.output()).isZero();
        Proc gone = run("ncli", asViewer, "--user", "rv1", "ctr", "ls");
        assertThat(gone.exitCode()).isEqualTo(1);
    }

    @Test
    @Order(4)
    void givenTheCluster_whenAServiceIsStoppedOnOneNode_thenClusterStatusAndGenesisStatusOverRestShowItDownThereOnly() throws Exception {
        Proc all = run("cluster", Map.of(), "status");
        assertThat(all.exitCode()).as(all.output()).isZero();
        for (int i = 0; i < 3; i++) {
            assertThat(all.output()).contains("CVM: " + cluster.ip(i) + " Up");
        }
        assertThat(all.output()).containsPattern("Ticker +UP \\[\\d+\\]").contains("The state of the cluster: start");
        Proc local = run("genesis", Map.of(), "--server", cluster.ip(1), "status");
        assertThat(local.exitCode()).as(local.output()).isZero();
        assertThat(local.output()).contains("Services on " + cluster.ip(1) + ":").containsPattern("Genesis +UP \\[\\d+\\]")
                .containsPattern("Ticker +UP \\[\\d+\\]");
        assertThat(run("genesis", Map.of(), "--server", cluster.ip(0), "stats").exitCode()).as("unknown command").isEqualTo(2);

        Proc stop = Proc.cairn(Duration.ofSeconds(60), "genesis", "stop", "Ticker", "--home", cluster.home(1).toString());
        assertThat(stop.exitCode()).as(stop.output()).isZero();
        try {
            JsonNode nodes = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                Proc json = run("cluster", Map.of(), "-o", "json", "status");
                assertThat(json.exitCode()).as(json.output()).isZero();
                nodes = JSON.readTree(json.output()).path("status").path("nodes");
                if (ticker(nodes, cluster.ip(1)).startsWith("DOWN []")) {
                    break;
                }
                Thread.sleep(500);
            }
            System.out.println("cluster status nodes after genesis stop Ticker on " + cluster.ip(1) + ": " + nodes);
            assertThat(ticker(nodes, cluster.ip(1))).startsWith("DOWN []");
            assertThat(ticker(nodes, cluster.ip(0))).startsWith("UP [");
            assertThat(ticker(nodes, cluster.ip(2))).startsWith("UP [");
            Proc text = run("cluster", Map.of(), "status");
            System.out.println(text.output());
            assertThat(text.output()).containsPattern("Ticker +DOWN \\[\\]");
            Proc there = run("genesis", Map.of(), "--server", cluster.ip(1), "status");
            assertThat(there.output()).as(there.output()).containsPattern("Ticker +DOWN \\[\\]");
            Proc elsewhere = run("genesis", Map.of(), "--server", cluster.ip(2), "status");
            assertThat(elsewhere.output()).as(elsewhere.output()).contains("Services on " + cluster.ip(2) + ":")
                    .containsPattern("Ticker +UP \\[\\d+\\]");
        } finally {
            Proc start = Proc.cairn(Duration.ofSeconds(60), "cluster", "start", "Ticker", "--home", cluster.home(0).toString());
            assertThat(start.exitCode()).as(start.output()).isZero();
        }
    }

    @Test
    @Order(5)
    void givenClusterCreate_whenTheCaKeyIsHandedOverAfterTheJoin_thenEveryMemberHoldsItOwnerOnly() throws Exception {
        for (int i = 0; i < 3; i++) {
            Path key = cluster.home(i).resolve("data/pki/ca.key.pem");
            assertThat(key).as("node %d keeps the cluster CA key (genesis.authority.install over mutual TLS)", i).exists();
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
            assertThat(Files.readString(key)).isEqualTo(Files.readString(cluster.admin.resolve("ca.key.pem")));
        }
    }

    private static String ticker(JsonNode nodes, String ip) {
        for (JsonNode n : nodes) {
            if (n.path("address").asText().equals(ip)) {
                return n.path("services").path("Ticker").asText();
            }
        }
        return "(no node " + ip + ")";
    }
}
