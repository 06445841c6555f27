package io.cairn.system.test;

import static io.cairn.system.test.LoopbackCluster.waitFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.rpc.RpcException;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * A real 3-node cluster of controller processes on loopback (127.0.1.31-33), created once with
 * {@code cairn cluster create}; each scenario leaves it with every node running again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

    private LoopbackCluster cluster;
    private Path dir;
    private String createOutput;

    @BeforeAll
    void form() throws Exception {
        dir = Files.createTempDirectory("cairn-cluster3");
        cluster = new LoopbackCluster(dir, "127.0.1", 30, 3);
        cluster.startAll();
        Proc create = cluster.create();
        createOutput = create.output();
        assertThat(create.exitCode()).as(createOutput).isZero();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.closeKeepingLogs("cluster-logs");
        }
    }

    private JsonNode status() {
        return cluster.status(0, 1, 2);
    }

    private JsonNode status(int... from) {
        return cluster.status(from);
    }

    private void allServicesUp(String... services) throws InterruptedException {
        waitFor(Duration.ofSeconds(60), () -> {
            JsonNode s = status();
            for (JsonNode n : s.get("nodes")) {
                if (!n.get("up").asBoolean()) {
                    return false;
                }
                for (String svc : services) {
                    if (!n.get("services").path(svc).asText().startsWith("UP [")) {
                        return false;
                    }
                }
            }
            return true;
        }, "every service UP on every node: " + List.of(services));
    }

    private void restartIfDown(int i) throws Exception {
        if (!Files.exists(cluster.home(i).resolve("run/ready"))) {
            Proc p = cluster.startNode(i);
            assertThat(p.exitCode()).as(p.output()).isZero();
        }
        allServicesUp("Genesis", "Zookeeper", "Ticker", "Crashy");
    }

    private String leaderOf(String role) {
        return leaderOf(role, 0, 1, 2);
    }

    /** The role's leader as {@code address@epoch}, asking only the given nodes (not a paused one). */
    private String leaderOf(String role, int... from) {
        for (JsonNode l : status(from).get("leaders")) {
            if (l.get("role").asText().equals(role)) {
                return l.get("address").asText() + "@" + l.get("epoch").asLong();
            }
        }
        return "";
    }

    @Test
    @Order(1)
    void givenThreeFactoryNodes_whenClusterCreated_thenStatusListsEveryServiceOnEveryNode() throws Exception {
        assertThat(createOutput).contains("found 127.0.1.31", "joined 127.0.1.33 (Zookeeper member)", "cluster t3 created: cluster_id");
        allServicesUp("Genesis", "Zookeeper", "Ticker", "Crashy");
        Proc text = Proc.cairn(Duration.ofSeconds(60), "cluster", "status", "--home", cluster.home(1).toString());
        assertThat(text.exitCode()).as(text.output()).isZero();
        for (String ip : cluster.ips) {
            assertThat(text.output()).contains("CVM: " + ip + " Up");
        }
        assertThat(text.output()).containsPattern("Ticker +UP \\[\\d+\\]").contains("Leader of Tasks:", "3 of 3 CVMs up");
        Proc zeus = Proc.cairn(Duration.ofSeconds(60), "zeus", "config", "--node", "127.0.1.33", "--admin", cluster.admin.toString());
        assertThat(zeus.output()).containsPattern("cluster_id: \\d+").contains("zookeeper_member: true");
        Proc genesis = Proc.cairn(Duration.ofSeconds(60), "genesis", "status", "--home", cluster.home(0).toString());
        assertThat(genesis.output()).contains("Services on 127.0.1.31:").containsPattern("Crashy +UP \\[\\d+\\]")
                .containsPattern("Genesis +UP \\[\\d+\\]").containsPattern("Zookeeper +UP \\[\\d+\\]");
    }

    @Test
    @Order(2)
    void givenBadInput_whenCommandsRun_thenClearErrorsAndNothingChanges() throws Exception {
        Proc dup = Proc.cairn(Duration.ofSeconds(60), "cluster", "create", "--nodes", "127.0.1.31,127.0.1.32,127.0.1.31", "--admin",
                dir.resolve("a2").toString());
        assertThat(dup.exitCode()).isNotZero();
        assertThat(dup.output()).contains("127.0.1.31 is listed twice in --nodes");
        Proc unreachable = Proc.cairn(Duration.ofSeconds(60), "cluster", "create", "--nodes", "127.0.1.37,127.0.1.38,127.0.1.39",
                "--admin", dir.resolve("a3").toString());
        assertThat(unreachable.exitCode()).isNotZero();
        assertThat(unreachable.output()).contains("cannot reach the controller at 127.0.1.37", "cairn node start");
        Proc again = Proc.cairn(Duration.ofSeconds(60), "cluster", "create", "--nodes", String.join(",", cluster.ips), "--admin",
                dir.resolve("a4").toString());
        assertThat(again.exitCode()).isNotZero();
        assertThat(again.output()).contains("127.0.1.31 already belongs to a cluster");
        Proc tooFew = Proc.cairn(Duration.ofSeconds(60), "cluster", "create", "--nodes", "127.0.1.31,127.0.1.32", "--admin",
                dir.resolve("a5").toString());
        assertThat(tooFew.output()).contains("fault tolerance 1 needs at least 3 nodes");
        Proc unknown = Proc.cairn(Duration.ofSeconds(60), "genesis", "stop", "Stargat", "--home", cluster.home(0).toString());
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.output()).contains("unknown service 'Stargat'; known services:", "Crashy", "Ticker");
        Proc badDoc = Proc.cairn(Duration.ofSeconds(60), "zeus", "write", "Bad Name", "-1", "x", "--home", cluster.home(0).toString());
        assertThat(badDoc.output()).contains("'Bad Name' is not a valid document name");
        Proc badJson = Proc.cairn(Duration.ofSeconds(60), "rpc", "cluster.stop", "{\"service\": ", "--home", cluster.home(0).toString());
        assertThat(badJson.exitCode()).isEqualTo(2);
        assertThat(badJson.output()).contains("the request is not valid JSON");
        Proc badTask = Proc.cairn(Duration.ofSeconds(60), "tasks", "submit", "no.such.type", "--home", cluster.home(0).toString());
        assertThat(badTask.output()).contains("unknown task type 'no.such.type'; known types: ").contains("test.sleep");
        assertThat(Files.exists(dir.resolve("a2"))).as("a refused create writes no credentials").isFalse();
        allServicesUp("Genesis", "Zookeeper", "Ticker", "Crashy");
    }

    @Test
    @Order(3)
    void givenRole_whenStoppedLocallyCrashedOrStoppedClusterWide_thenGenesisFollowsTheSpec() throws Exception {
        Proc stop = Proc.cairn(Duration.ofSeconds(60), "genesis", "stop", "Crashy", "--home", cluster.home(1).toString());
        assertThat(stop.exitCode()).as(stop.output()).isZero();
        waitFor(Duration.ofSeconds(20), () -> status().get("nodes").get(1).get("services").get("Crashy").asText().startsWith("DOWN"),
                "Crashy DOWN on node 2");
        Thread.sleep(3000); // longer than the first restart back-off: a stopped role must stay down
        JsonNode s = status();
        assertThat(s.get("nodes").get(1).get("services").get("Crashy").asText()).startsWith("DOWN");
        assertThat(s.get("nodes").get(0).get("services").get("Crashy").asText()).startsWith("UP");
        assertThat(s.get("nodes").get(2).get("services").get("Crashy").asText()).startsWith("UP");

        Proc start = Proc.cairn(Duration.ofSeconds(60), "cluster", "start", "--home", cluster.home(0).toString());
        assertThat(start.exitCode()).as(start.output()).isZero();
        allServicesUp("Crashy");

        String before = status().get("nodes").get(2).get("services").get("Crashy").asText();
        cluster.call(2, "test.crash", Map.of());
        waitFor(Duration.ofSeconds(10), () -> {
            String now = status().get("nodes").get(2).get("services").get("Crashy").asText();
            return now.startsWith("UP [") && !now.equals(before);
        }, "Crashy restarted with a new pid on node 3 (was " + before + ")");

        Proc clusterStop = Proc.cairn(Duration.ofSeconds(60), "cluster", "stop", "crashy", "--node", "127.0.1.32", "--admin",
                cluster.admin.toString());
        assertThat(clusterStop.exitCode()).as(clusterStop.output()).isZero();
        waitFor(Duration.ofSeconds(20), () -> {
            for (JsonNode n : status().get("nodes")) {
                if (!n.get("services").get("Crashy").asText().startsWith("DOWN")) {
                    return false;
                }
            }
            return true;
        }, "Crashy DOWN on every node");
        Proc startOne = Proc.cairn(Duration.ofSeconds(60), "cluster", "start", "Crashy", "--home", cluster.home(2).toString());
        assertThat(startOne.exitCode()).as(startOne.output()).isZero();
        allServicesUp("Crashy", "Ticker");
    }

    @Test
    @Order(4)
    void givenConcurrentCompareAndSetFromAllNodes_whenOneNodeKilled_thenEveryAcknowledgedUpdatePresentOnce() throws Exception {
        String doc = "test/cas";
        Set<String> acked = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<Integer>> writers = new ArrayList<>();
        int victim = 2;
        try {
            for (int w = 0; w < 3; w++) {
                int writer = w;
                writers.add(pool.submit(() -> write(doc, writer, acked, stop)));
            }
            waitFor(Duration.ofSeconds(60), () -> acked.size() >= 30, "30 acknowledged updates before the kill");
            cluster.kill9(victim);
            int atKill = acked.size();
            waitFor(Duration.ofSeconds(90), () -> acked.size() >= atKill + 60, "60 more acknowledged updates after the kill");
        } finally {
            stop.set(true);
            pool.shutdown();
        }
        int total = 0;
        for (Future<Integer> f : writers) {
            total += f.get();
        }
        List<String> applied = entries(cluster.call(0, "zeus.read", Map.of("document", doc)));
        Set<String> unique = new HashSet<>(applied);
        assertThat(applied).as("no update applied twice").hasSameSizeAs(unique);
        assertThat(unique).as("every acknowledged update is present").containsAll(acked);
        assertThat(total).isEqualTo(acked.size());
        restartIfDown(victim);
    }

    /** One writer: appends its own ids with compare-and-set through its node, moving on when that node dies. */
    private int write(String doc, int writer, Set<String> acked, AtomicBoolean stop) throws Exception {
        int node = writer;
        int seq = 0;
        int mine = 0;
        String pending = null;
        while (!stop.get() && seq < 10_000) {
            String id = pending != null ? pending : "w" + writer + "-" + seq++;
            try {
                JsonNode cur;
                List<String> entries;
                int version;
                try {
                    cur = cluster.call(node, "zeus.read", Map.of("document", doc));
                    entries = entries(cur);
                    version = cur.get("version").asInt();
                } catch (RpcException e) {
                    if (e.remoteCode() != ErrorCode.NOT_FOUND) {
                        throw e;
                    }
                    entries = new ArrayList<>();
                    version = -1;
                }
                if (entries.contains(id)) { // an earlier attempt whose reply was lost did apply
                    acked.add(id);
                    mine++;
                    pending = null;
                    continue;
                }
                entries.add(id);
                cluster.call(node, "zeus.write", Map.of("document", doc, "expectedVersion", version, "data",
                        LoopbackCluster.JSON.writeValueAsString(entries)));
                acked.add(id);
                mine++;
                pending = null;
            } catch (CairnException e) {
                pending = id; // unknown outcome or conflict: re-read and decide
                if (!(e instanceof RpcException r) || r.remoteCode() != ErrorCode.CONFLICT) {
                    node = (node + 1) % 3;
                    Thread.sleep(100);
                }
            }
        }
        return mine;
    }

    private static List<String> entries(JsonNode read) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode e : LoopbackCluster.JSON.readTree(read.get("data").asText())) {
            out.add(e.asText());
        }
        return out;
    }

    @Test
    @Order(5)
    void givenRoleLeaderKilled_whenNineSecondsPass_thenANewLeaderServesWithAHigherEpoch() throws Exception {
        allServicesUp("Ticker");
        String before = leaderOf("Ticker");
        assertThat(before).isNotEmpty();
        int victim = cluster.indexOf(before.substring(0, before.indexOf('@')));
        long epochBefore = Long.parseLong(before.substring(before.indexOf('@') + 1));
        int other = (victim + 1) % 3;
        long t0 = System.nanoTime();
        cluster.kill9(victim);
        waitFor(Duration.ofSeconds(30), () -> {
            String now = leaderOf("Ticker");
            return !now.isEmpty() && !now.startsWith(before.substring(0, before.indexOf('@') + 1));
        }, "a new Ticker leader");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String after = leaderOf("Ticker");
        assertThat(Long.parseLong(after.substring(after.indexOf('@') + 1))).isGreaterThan(epochBefore);
        // serving: the new leader's ticks carry its epoch
        long epochAfter = Long.parseLong(after.substring(after.indexOf('@') + 1));
        waitFor(Duration.ofSeconds(10), () -> {
            try {
                JsonNode ticks = ticks(other);
                JsonNode last = ticks.get(ticks.size() - 1);
                return last.get("epoch").asLong() == epochAfter;
            } catch (Exception e) {
                return false;
            }
        }, "ticks of epoch " + epochAfter);
        System.out.println("[measure] Ticker leader failover after kill -9: " + ms + " ms (epoch " + epochBefore + " -> " + epochAfter + ")");
        restartIfDown(victim);
    }

    private JsonNode ticks(int node) throws Exception {
        JsonNode doc = cluster.call(node, "zeus.read", Map.of("document", "test/ticker"));
        return LoopbackCluster.JSON.readTree(doc.get("data").asText()).get("ticks");
    }

    @Test
    @Order(6)
    void givenLeaderPausedLongerThanItsSession_whenResumed_thenItIsFencedAndNoTwoLeadersActInOneEpoch() throws Exception {
        allServicesUp("Ticker");
        String before = leaderOf("Ticker");
        int victim = cluster.indexOf(before.substring(0, before.indexOf('@')));
        long epochBefore = Long.parseLong(before.substring(before.indexOf('@') + 1));
        int other = (victim + 1) % 3;
        int third = (victim + 2) % 3;
        cluster.signal(victim, "STOP");
        try {
            // ask only the running nodes: a stopped process accepts connections but never answers
            waitFor(Duration.ofSeconds(60), () -> {
                String now = leaderOf("Ticker", other, third);
                return !now.isEmpty() && Long.parseLong(now.substring(now.indexOf('@') + 1)) > epochBefore;
            }, "a new Ticker leader while the old one is paused");
            Thread.sleep(1500);
        } finally {
            cluster.signal(victim, "CONT");
        }
        Path log = cluster.home(victim).resolve("logs/controller.log");
        waitFor(Duration.ofSeconds(30), () -> {
            try {
                String text = Files.readString(log);
                return text.contains("lost leadership of Ticker (epoch " + epochBefore + ")")
                        || text.contains("Ticker fenced at epoch " + epochBefore);
            } catch (Exception e) {
                return false;
            }
        }, "the resumed node to notice it lost Ticker epoch " + epochBefore);
        Thread.sleep(2000);
        JsonNode ticks = ticks(other);
        Map<Long, String> ownerOfEpoch = new java.util.HashMap<>();
        long lastEpoch = 0;
        for (JsonNode t : ticks) {
            long e = t.get("epoch").asLong();
            assertThat(e).as("epochs never go back in the tick history").isGreaterThanOrEqualTo(lastEpoch);
            lastEpoch = e;
            String owner = ownerOfEpoch.putIfAbsent(e, t.get("node").asText());
            assertThat(owner == null || owner.equals(t.get("node").asText())).as("one leader per epoch " + e).isTrue();
        }
        assertThat(lastEpoch).isGreaterThan(epochBefore);
        allServicesUp("Genesis", "Ticker");
    }

    @Test
    @Order(7)
    void givenTaskRunningOnTheTasksLeader_whenLeaderKilled_thenMarkedFailedAndNeverRunTwice() throws Exception {
        JsonNode quick = cluster.call(0, "tasks.submit", Map.of("type", "test.sleep", "params", Map.of("seconds", 1)));
        String quickId = quick.get("id").asText();
        waitFor(Duration.ofSeconds(30), () -> task(quickId).get("state").asText().equals("SUCCEEDED"), "task " + quickId + " succeeded");
        assertThat(task(quickId).get("percent").asInt()).isEqualTo(100);
        assertThat(runs(quickId)).isEqualTo(1);

        JsonNode slow = cluster.call(1, "tasks.submit", Map.of("type", "test.sleep", "params", Map.of("seconds", 60)));
        String id = slow.get("id").asText();
        waitFor(Duration.ofSeconds(30), () -> task(id).get("state").asText().equals("RUNNING") && task(id).get("percent").asInt() > 0,
                "task " + id + " running");
        String executor = task(id).get("executor").asText();
        int victim = cluster.indexOf(executor);
        cluster.kill9(victim);
        int other = (victim + 1) % 3;
        waitFor(Duration.ofSeconds(40), () -> call(other, id).get("state").asText().equals("FAILED"), "task " + id + " failed after failover");
        JsonNode failed = call(other, id);
        assertThat(failed.get("message").asText()).contains("interrupted", "not run again");
        assertThat(failed.get("attempts").asInt()).isEqualTo(1);
        Thread.sleep(2000);
        assertThat(runs(id)).as("started exactly once").isEqualTo(1);
        restartIfDown(victim);
        Thread.sleep(1000);
        assertThat(runs(id)).as("still exactly once after the old leader is back").isEqualTo(1);
        assertThat(task(id).get("state").asText()).isEqualTo("FAILED");
    }

    private JsonNode task(String id) {
        return call(0, id);
    }

    private JsonNode call(int node, String id) {
        for (int n = node; n < node + 3; n++) {
            try {
                return cluster.call(n % 3, "tasks.get", Map.of("id", id));
            } catch (Exception e) {
                // try the next node
            }
        }
        throw new AssertionError("no node answered tasks.get " + id);
    }

    private int runs(String id) throws Exception {
        for (int n = 0; n < 3; n++) {
            try {
                JsonNode d = cluster.call(n, "zeus.read", Map.of("document", "test/runs/" + id));
                return Integer.parseInt(d.get("data").asText().split(" ")[0]);
            } catch (RpcException e) {
                if (e.remoteCode() == ErrorCode.NOT_FOUND) {
                    return 0;
                }
            }
        }
        throw new AssertionError("no node answered");
    }

    @Test
    @Order(8)
    void givenZookeeperMemberNodeKilled_whenConfigurationUsed_thenQuorumKeepsServingIt() throws Exception {
        cluster.kill9(0);
        try {
            waitFor(Duration.ofSeconds(30), () -> {
                try {
                    JsonNode w = cluster.call(1, "zeus.write", Map.of("document", "test/after-kill", "expectedVersion", -1, "data", "ok"));
                    return w.get("version").asInt() == 0;
                } catch (Exception e) {
                    return false;
                }
            }, "a configuration write with one member down");
            assertThat(cluster.call(2, "zeus.read", Map.of("document", "test/after-kill")).get("data").asText()).isEqualTo("ok");
            waitFor(Duration.ofSeconds(30), () -> !status(1, 2).get("nodes").get(0).get("up").asBoolean(),
                    "node 1 reported Down once its session expired");
            assertThat(status(1, 2).get("state").asText()).isEqualTo("UP");
            assertThatThrownBy(() -> cluster.call(1, "zeus.write", Map.of("document", "test/after-kill", "expectedVersion", 7, "data", "x")))
                    .isInstanceOf(RpcException.class).hasMessageContaining("re-read it and retry");
        } finally {
            restartIfDown(0);
        }
    }

    @Test
    @Order(9)
    void givenAlertRaisedOnOneNode_whenListedAndAcknowledgedOnAnother_thenEveryNodeSeesIt() throws Exception {
        JsonNode a = cluster.call(0, "alerts.raise", Map.of("severity", "warning", "source", "test", "title", "disk slow", "message", "x"));
        String id = a.get("id").asText();
        JsonNode list = cluster.call(2, "alerts.list", Map.of());
        assertThat(list.toString()).contains(id, "disk slow", "WARNING");
        JsonNode ack = cluster.call(1, "alerts.ack", Map.of("id", id));
        assertThat(ack.get("acknowledgedBy").asText()).isEqualTo("admin");
        assertThatThrownBy(() -> cluster.call(1, "alerts.raise", Map.of("severity", "loud", "source", "t", "title", "x")))
                .hasMessageContaining("severity must be INFO, WARNING or CRITICAL");
        Proc metrics = Proc.cairn(Duration.ofSeconds(60), "metrics", "--home", cluster.home(1).toString());
        assertThat(metrics.output()).contains("# TYPE cairn_genesis_roles_up gauge", "cairn_zeus_connected 1");
    }

    @Test
    @Order(10)
    void givenWholeClusterStopped_whenEveryNodeStartsAgain_thenItReformsWithItsConfiguration() throws Exception {
        JsonNode before = cluster.call(0, "zeus.read", Map.of("document", "test/cas"));
        for (int i = 0; i < 3; i++) {
            Proc stop = Proc.cairn(Duration.ofSeconds(60), "node", "stop", "--home", cluster.home(i).toString());
            assertThat(stop.exitCode()).as(stop.output()).isZero();
            assertThat(stop.output()).doesNotContain("killing it");
        }
        cluster.startAll();
        allServicesUp("Genesis", "Zookeeper", "Ticker", "Crashy");
        JsonNode after = cluster.call(2, "zeus.read", Map.of("document", "test/cas"));
        assertThat(after.get("data").asText()).isEqualTo(before.get("data").asText());
        assertThat(after.get("version").asInt()).isEqualTo(before.get("version").asInt());
        assertThat(Proc.cairn(Duration.ofSeconds(60), "zeus", "config", "--home", cluster.home(1).toString()).output())
                .contains("cluster_name: \"t3\"");
    }
}
