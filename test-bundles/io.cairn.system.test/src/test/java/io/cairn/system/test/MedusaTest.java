package io.cairn.system.test;

import static io.cairn.system.test.LoopbackCluster.JSON;
import static io.cairn.system.test.LoopbackCluster.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
import io.cairn.system.test.lin.LinearizabilityChecker;
import io.cairn.system.test.lin.Operation;

/**
 * Medusa on real controller processes (127.0.1.61-65): three nodes form the cluster, two join
 * later. Clients talk to every node through the cluster RPC ({@code medusa.*}); faults are real:
 * kill -9, SIGSTOP (a node that accepts connections and never answers, i.e. cut off), restarts.
 * Each scenario leaves every node of the cluster running.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MedusaTest {

    static final int SHARDS = 16;
    /** Seconds of concurrent clients + nemesis; raise with -Dcairn.medusa.linearizability.secs=600 for a long run. */
    static final int LIN_SECS = Integer.getInteger("cairn.medusa.linearizability.secs", 60);

    private LoopbackCluster cluster;
    private int members = 3;
    private final Map<String, Long> acked = new LinkedHashMap<>();

    @BeforeAll
    void form() throws Exception {
        Path dir = Files.createTempDirectory("cairn-medusa");
        cluster = new LoopbackCluster(dir, "127.0.1", 60, 5);
        List<Thread> starts = new ArrayList<>();
        List<Proc> started = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            starts.add(Thread.ofPlatform().start(() -> {
                try {
                    started.add(cluster.startNode(n));
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : starts) {
            t.join(LoopbackCluster.START.plusSeconds(30));
        }
        assertThat(started).hasSize(3);
        for (Proc p : started) {
            assertThat(p.exitCode()).as(p.output()).isZero();
        }
        Proc create = cluster.createWith(3);
        assertThat(create.exitCode()).as(create.output()).isZero();
        writeSettings(-1, STEP);
        waitForShards(Duration.ofSeconds(150));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.closeKeepingLogs("medusa-logs");
        }
    }

    // ---- helpers ----

    /**
     * The Medusa leader's pause between placement steps (replica moves; leadership balancing every
     * two): 1 s by default, shortened so that the rebalancing scenarios wait less. Same moves, same order.
     */
    private static final String STEP = "\"cairn.medusa.step_ms\": 250";

    /** Writes the cluster-wide Medusa settings document ({@code expectedVersion} -1: it does not exist yet). */
    private void writeSettings(int expectedVersion, String settings) throws IOException, InterruptedException {
        Proc p = Proc.cairn(Duration.ofSeconds(30), "zeus", "write", "medusa.settings", Integer.toString(expectedVersion),
                "{" + settings + "}", "--node", cluster.ips.get(0), "--admin", cluster.admin.toString());
        assertThat(p.exitCode()).as(p.output()).isZero();
    }

    JsonNode medusa(int node, String method, Object body) throws IOException {
        return JSON.readTree(cluster.client().call(cluster.ips.get(node), "medusa." + method, JSON.writeValueAsBytes(body),
                Duration.ofSeconds(20)));
    }

    /** The first running node that answers {@code method}. */
    JsonNode any(String method, Object body) {
        RuntimeException last = null;
        for (int i = 0; i < members; i++) {
            if (!Files.exists(cluster.home(i).resolve("run/ready"))) {
                continue;
            }
            try {
                return medusa(i, method, body);
            } catch (IOException | RuntimeException e) {
                last = e instanceof RuntimeException r ? r : new RuntimeException(e);
            }
        }
        throw last == null ? new IllegalStateException("no node running") : last;
    }

    void waitForShards(Duration timeout) throws InterruptedException {
        waitFor(timeout, () -> any("status", Map.of()).get("available").asInt() == SHARDS, SHARDS + " shards with a leader");
    }

    JsonNode map() {
        return any("map", Map.of());
    }

    static Map<Integer, List<String>> members(JsonNode map) {
        Map<Integer, List<String>> m = new HashMap<>();
        for (JsonNode g : map.get("groups")) {
            List<String> l = new ArrayList<>();
            g.get("members").forEach(x -> l.add(x.asText()));
            m.put(g.get("shard").asInt(), l);
        }
        return m;
    }

    String uuid(int node) throws IOException {
        JsonNode s = cluster.status(0, 1, 2);
        for (JsonNode n : s.get("nodes")) {
            if (n.get("address").asText().equals(cluster.ips.get(node))) {
                return n.get("uuid").asText();
            }
        }
        throw new IllegalStateException("node " + cluster.ips.get(node) + " is not in cluster status");
    }

    void restartIfDown(int i) throws Exception {
        if (!Files.exists(cluster.home(i).resolve("run/ready"))) {
            Proc p = cluster.startNode(i);
            assertThat(p.exitCode()).as(p.output()).isZero();
        }
    }

    void everyNodeRunning() throws Exception {
        for (int i = 0; i < members; i++) {
            try {
                cluster.signal(i, "CONT");
            } catch (Throwable e) {
                // not stopped, or not running
            }
            restartIfDown(i);
        }
        waitForShards(Duration.ofSeconds(120));
        everyReplicaCaughtUp(Duration.ofSeconds(180));
    }

    /**
     * A write to every shard, then every member of every shard at lag 0 by its leader: each replica is
     * reachable from its leader again. After a node restarts this can take up to two minutes (the
     * leader's gRPC channel to it waits out its reconnect back-off), and a fault injected meanwhile
     * would take down a shard that only looked healthy.
     */
    void everyReplicaCaughtUp(Duration timeout) throws Exception {
        Map<Integer, String> keys = keyPerShard("caught-up:");
        waitFor(timeout, () -> {
            try {
                for (String k : keys.values()) {
                    medusaFast(0, "put", Map.of("key", k, "value", "x"));
                }
                // followers learn the new commit index with the next heartbeat: look for a few seconds
                long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (System.nanoTime() < until) {
                    if (allCaughtUp(any("status", Map.of()))) {
                        return true;
                    }
                    Thread.sleep(500);
                }
                return false;
            } catch (IOException | RuntimeException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, "every replica of every shard caught up with its leader");
    }

    private static boolean allCaughtUp(JsonNode status) {
        for (JsonNode s : status.get("shards")) {
            for (var lag : s.get("lag").properties()) {
                if (lag.getValue().asLong() != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** One key per shard (found by asking the ring through medusa.shardOf). */
    Map<Integer, String> keyPerShard(String prefix) throws IOException {
        List<String> candidates = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            candidates.add(prefix + i);
        }
        JsonNode shards = any("shardOf", Map.of("keys", candidates)).get("shards");
        Map<Integer, String> out = new HashMap<>();
        for (int i = 0; i < candidates.size(); i++) {
            out.putIfAbsent(shards.get(i).asInt(), candidates.get(i));
        }
        assertThat(out).as("400 keys reach every shard").hasSize(SHARDS);
        return out;
    }

    // ---- scenarios ----

    @Test
    @Order(1)
    void givenThreeNodes_whenClusterCreated_thenEveryShardHasThreeDistinctMembersAndLeadersAreSpread() throws Exception {
        JsonNode status = any("status", Map.of());
        assertThat(status.get("shards")).hasSize(SHARDS);
        Map<String, Integer> leaders = new HashMap<>();
        for (JsonNode s : status.get("shards")) {
            Set<String> m = new HashSet<>();
            s.get("members").forEach(x -> m.add(x.asText()));
            assertThat(m).as("shard " + s.get("shard")).hasSize(3);
            leaders.merge(s.get("leader").asText(), 1, Integer::sum);
        }
        // the preferred leaders (Raft priorities) spread leadership: 16 shards on 3 nodes → 5 or 6 each
        waitFor(Duration.ofSeconds(60), () -> {
            Map<String, Integer> l = new HashMap<>();
            for (JsonNode s : any("status", Map.of()).get("shards")) {
                l.merge(s.get("leader").asText(), 1, Integer::sum);
            }
            return l.size() == 3 && l.values().stream().allMatch(c -> c >= 5 && c <= 6);
        }, "leaders balanced 5/5/6, was " + leaders);
        // the data path works from every node, and the status text is readable
        for (int i = 0; i < 3; i++) {
            long v = medusa(i, "put", Map.of("key", "hello:" + i, "value", "from " + i)).get("version").asLong();
            JsonNode e = medusa((i + 1) % 3, "get", Map.of("key", "hello:" + i));
            assertThat(e.get("value").asText()).isEqualTo("from " + i);
            assertThat(e.get("version").asLong()).isEqualTo(v);
        }
        assertThat(status.get("text").asText()).contains("Leader").contains("Members");
        Proc cli = Proc.cairn(Duration.ofSeconds(30), "medusa", "status", "--node", cluster.ips.get(0), "--admin",
                cluster.admin.toString());
        assertThat(cli.exitCode()).as(cli.output()).isZero();
        assertThat(cli.output()).contains("Shard").doesNotContain("NO QUORUM");
    }

    @Test
    @Order(2)
    void givenBadInput_whenMedusaCalled_thenClearErrorsAndNothingIsWritten() throws Exception {
        record Case(String method, Map<String, Object> body, ErrorCode code, String says) {
        }
        List<Case> cases = List.of(
                new Case("put", Map.of("key", "k".repeat(1025), "value", "v"), ErrorCode.INVALID_ARGUMENT, "at most 1024 bytes"),
                new Case("put", Map.of("key", "big", "base64", java.util.Base64.getEncoder().encodeToString(new byte[(1 << 20) + 1])),
                        ErrorCode.INVALID_ARGUMENT, "split it"),
                new Case("put", Map.of("key", "", "value", "v"), ErrorCode.INVALID_ARGUMENT, "must not be empty"),
                new Case("put", Map.of("key", "bad\u0001key", "value", "v"), ErrorCode.INVALID_ARGUMENT, "control"),
                new Case("put", Map.of("key", "nokey-value"), ErrorCode.INVALID_ARGUMENT, "'value'"),
                new Case("cas", Map.of("key", "bad-cas", "value", "v"), ErrorCode.INVALID_ARGUMENT, "expectedVersion"),
                new Case("cas", Map.of("key", "bad-cas", "value", "v", "expectedVersion", 7), ErrorCode.CONFLICT, "re-read"),
                new Case("batch", Map.of("ops", List.of(Map.of("op", "put", "key", "a#1", "value", "1"),
                        Map.of("op", "put", "key", "b#1", "value", "2"))), ErrorCode.INVALID_ARGUMENT, "routing part"),
                new Case("batch", Map.of("ops", List.of(Map.of("op", "frob", "key", "a#1"))), ErrorCode.INVALID_ARGUMENT, "unknown"),
                new Case("scan", Map.of("prefix", "vdisk:1"), ErrorCode.INVALID_ARGUMENT, "'#'"),
                new Case("scan", Map.of("prefix", "vdisk:1#", "limit", 0), ErrorCode.INVALID_ARGUMENT, "limit"));
        for (Case c : cases) {
            try {
                medusa(0, c.method(), c.body());
                throw new AssertionError(c.method() + " " + c.body().keySet() + " was accepted");
            } catch (CairnException e) {
                assertThat(e.code()).as(c.method() + " " + e.getMessage()).isEqualTo(c.code());
                assertThat(e.getMessage()).as(c.method()).contains(c.says());
            }
        }
        try {
            cluster.client().call(cluster.ips.get(0), "medusa.put", "{not json".getBytes(), Duration.ofSeconds(10));
            throw new AssertionError("malformed JSON was accepted");
        } catch (CairnException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        }
        for (String k : List.of("bad-cas", "a#1", "b#1", "big", "nokey-value")) {
            assertThat(medusa(1, "get", Map.of("key", k)).get("version").asLong()).as(k + " untouched").isZero();
        }
    }

    /** The key test: concurrent clients on every node, a nemesis killing and cutting off nodes, a checker. */
    @Test
    @Order(3)
    void givenClientsOnEveryNodeAndANemesis_whenHistoryChecked_thenItIsLinearizable() throws Exception {
        List<String> keys = List.of("lin:a", "lin:b", "lin:c", "lin:d");
        List<Operation> history = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger unique = new AtomicInteger();
        long t0 = System.nanoTime();
        long end = t0 + Duration.ofSeconds(LIN_SECS).toNanos();
        List<Thread> clients = new ArrayList<>();
        int perNode = 2;
        for (int c = 0; c < 3 * perNode; c++) {
            int client = c;
            int node = c % 3;
            clients.add(Thread.ofPlatform().name("lin-client-" + c).start(() -> {
                Random r = new Random(client * 7919L);
                while (running.get() && System.nanoTime() < end) {
                    String key = keys.get(r.nextInt(keys.size()));
                    int dice = r.nextInt(10);
                    if (dice < 4) {
                        read(client, node, key, history);
                    } else if (dice < 7) {
                        write(client, node, key, "c" + client + "-" + unique.incrementAndGet(), history);
                    } else {
                        Seen seen = read(client, node, key, history);
                        if (seen != null) {
                            cas(client, node, key, seen, "c" + client + "-" + unique.incrementAndGet(), history);
                        }
                    }
                }
            }));
        }
        // the nemesis: one fault at a time, alternating kill -9 + restart and SIGSTOP (cut off) + SIGCONT
        Random r = new Random(42);
        int kills = 0;
        int pauses = 0;
        try {
            while (System.nanoTime() < end - Duration.ofSeconds(10).toNanos()) {
                Thread.sleep(2000 + r.nextInt(2000));
                int victim = r.nextInt(3);
                if ((kills + pauses) % 2 == 1) {
                    cluster.kill9(victim);
                    kills++;
                    Thread.sleep(2000 + r.nextInt(3000));
                    restartIfDown(victim);
                } else {
                    cluster.signal(victim, "STOP");
                    pauses++;
                    try {
                        Thread.sleep(3000 + r.nextInt(5000));
                    } finally {
                        cluster.signal(victim, "CONT");
                    }
                }
            }
        } finally {
            running.set(false);
            for (Thread t : clients) {
                t.join(Duration.ofSeconds(60));
            }
            everyNodeRunning();
        }
        // final reads after healing settle every write whose outcome was unknown
        for (String k : keys) {
            assertThat(read(99, 0, k, history)).as("final read of " + k).isNotNull();
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Operation o : history) {
            counts.merge(o.kind() + "/" + o.outcome(), 1L, Long::sum);
        }
        System.out.println("medusa linearizability: " + history.size() + " operations in " + LIN_SECS + " s, " + kills + " kill -9, "
                + pauses + " SIGSTOP; " + counts);
        long okWrites = history.stream().filter(o -> o.kind() != Operation.Kind.READ && o.outcome() == Operation.Outcome.OK).count();
        long okReads = history.stream().filter(o -> o.kind() == Operation.Kind.READ && o.outcome() == Operation.Outcome.OK).count();
        LinearizabilityChecker.Result result = LinearizabilityChecker.check(history);
        assertThat(result.decided()).as(result.toString()).isTrue();
        assertThat(result.linearizable()).as(result.toString()).isTrue();
        assertThat(okWrites).as("acknowledged writes").isGreaterThan(50);
        assertThat(okReads).as("successful reads").isGreaterThan(50);
        assertThat(kills).as("kill -9 injected").isPositive();
        assertThat(pauses).as("SIGSTOP injected").isPositive();
    }

    /** A successful read: the value (null: absent) and the version that goes with it. */
    private record Seen(String value, long version) {
    }

    private Seen read(int client, int node, String key, List<Operation> history) {
        long start = System.nanoTime();
        try {
            JsonNode e = medusaFast(node, "get", Map.of("key", key));
            long version = e.get("version").asLong();
            String value = version == 0 ? null : e.get("value").asText();
            history.add(new Operation(client, key, Operation.Kind.READ, null, value, Operation.Outcome.OK, start, System.nanoTime()));
            return new Seen(value, version);
        } catch (RuntimeException | IOException e) {
            backOff(e);
            return null; // a failed read tells nothing
        }
    }

    private void write(int client, int node, String key, String value, List<Operation> history) {
        long start = System.nanoTime();
        Operation.Outcome outcome;
        try {
            medusaFast(node, "put", Map.of("key", key, "value", value));
            outcome = Operation.Outcome.OK;
        } catch (RuntimeException | IOException e) {
            outcome = notApplied(e) ? Operation.Outcome.FAILED : Operation.Outcome.UNKNOWN;
            backOff(e);
        }
        history.add(new Operation(client, key, Operation.Kind.WRITE, null, value, outcome, start, System.nanoTime()));
    }

    /**
     * Compare-and-set against the version a read returned. Every written value is unique, so a
     * version names exactly one value: the checker models "expected version" as "expected value".
     */
    private void cas(int client, int node, String key, Seen seen, String value, List<Operation> history) {
        long start = System.nanoTime();
        Operation.Outcome outcome;
        try {
            medusaFast(node, "cas", Map.of("key", key, "expectedVersion", seen.version(), "value", value));
            outcome = Operation.Outcome.OK;
        } catch (CairnException e) {
            outcome = e.code() == ErrorCode.CONFLICT ? Operation.Outcome.CONFLICT
                    : notApplied(e) ? Operation.Outcome.FAILED : Operation.Outcome.UNKNOWN;
        } catch (RuntimeException | IOException e) {
            outcome = Operation.Outcome.UNKNOWN;
        }
        history.add(new Operation(client, key, Operation.Kind.CAS, seen.value(), value, outcome, start, System.nanoTime()));
    }

    /** A client whose node is down waits a little instead of spinning. */
    private static void backOff(Throwable e) {
        if (notApplied(e)) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Only a refused connection, or a node that has no handler for the method yet (restarting: its
     * Medusa component is not registered), proves the request was not applied.
     */
    private static boolean notApplied(Throwable e) {
        return e instanceof RpcException r
                && (r.reason() == RpcException.Reason.PEER_UNREACHABLE || r.reason() == RpcException.Reason.NO_SUCH_METHOD);
    }

    private JsonNode medusaFast(int node, String method, Object body) throws IOException {
        return JSON.readTree(cluster.client().call(cluster.ips.get(node), "medusa." + method, JSON.writeValueAsBytes(body),
                Duration.ofSeconds(12)));
    }

    @Test
    @Order(4)
    void givenRf3Shards_whenOneNodeDies_thenServiceContinues_andWhenTwoDie_thenShardsRefuseUntilOneReturns() throws Exception {
        everyNodeRunning();
        Map<Integer, String> perShard = keyPerShard("fault:");
        for (String k : perShard.values()) {
            medusa(0, "put", Map.of("key", k, "value", "before"));
        }
        cluster.kill9(2);
        long killed = System.nanoTime();
        for (String k : perShard.values()) {
            medusa(0, "put", Map.of("key", k, "value", "one-down"));
        }
        long allWritten = (System.nanoTime() - killed) / 1_000_000;
        System.out.println("medusa: after kill -9 of one of three nodes, a write to each of the " + SHARDS + " shards took "
                + allWritten + " ms in total (leader elections included)");
        for (String k : perShard.values()) {
            assertThat(medusa(1, "get", Map.of("key", k)).get("value").asText()).isEqualTo("one-down");
        }
        cluster.kill9(1);
        String k0 = perShard.get(0);
        try {
            medusa(0, "put", Map.of("key", k0, "value", "no-quorum"));
            throw new AssertionError("a write was acknowledged by one replica of three");
        } catch (CairnException e) {
            assertThat(e.code()).as(e.getMessage()).isIn(ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT);
        }
        try {
            medusa(0, "get", Map.of("key", k0));
            throw new AssertionError("a read was served by one replica of three (it could be stale)");
        } catch (CairnException e) {
            assertThat(e.code()).as(e.getMessage()).isIn(ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT);
        }
        restartIfDown(1);
        waitFor(Duration.ofSeconds(90), () -> {
            try {
                medusa(0, "get", Map.of("key", k0));
                return true;
            } catch (IOException e) {
                return false;
            }
        }, "the shard serves again with two of three replicas");
        for (Map.Entry<Integer, String> e : perShard.entrySet()) {
            String v = medusa(1, "get", Map.of("key", e.getValue())).get("value").asText();
            assertThat(v).as("shard " + e.getKey()).isIn("one-down", "no-quorum");
            if (e.getKey() != 0) {
                assertThat(v).isEqualTo("one-down");
            }
        }
        everyNodeRunning();
    }

    @Test
    @Order(5)
    void givenAcknowledgedWrites_whenEveryNodeIsKilledAndRestarted_thenEveryWriteIsPresent() throws Exception {
        everyNodeRunning();
        for (int i = 0; i < 200; i++) {
            String key = "durable:" + (i % 20) + "#" + i;
            acked.put(key, medusa(i % 3, "put", Map.of("key", key, "value", "v" + i)).get("version").asLong());
        }
        for (int i = 0; i < 3; i++) {
            cluster.kill9(i);
        }
        for (int i = 0; i < 3; i++) {
            restartIfDown(i);
        }
        waitForShards(Duration.ofSeconds(120));
        assertAckedPresent(0);
    }

    /** Every acknowledged write of {@link #acked} is there, read through every running node in turn. */
    private void assertAckedPresent(int node) throws IOException {
        List<Integer> running = new ArrayList<>();
        for (int n = 0; n < members; n++) {
            if (Files.exists(cluster.home(n).resolve("run/ready"))) {
                running.add(n);
            }
        }
        int i = node;
        for (Map.Entry<String, Long> e : acked.entrySet()) {
            JsonNode got = medusa(running.get(i++ % running.size()), "get", Map.of("key", e.getKey()));
            assertThat(got.get("version").asLong()).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    @Order(6)
    void givenThreeNodes_whenAFourthAndAFifthJoin_thenAboutOneNthOfReplicasMoveAndDataStaysReadable() throws Exception {
        everyNodeRunning();
        for (int added = 3; added < 5; added++) {
            int n = added + 1;
            waitForPreferredLeaders();
            Map<Integer, List<String>> before = members(map());
            Map<Integer, String> leadersBefore = leaders();
            AtomicBoolean reading = new AtomicBoolean(true);
            AtomicLong reads = new AtomicLong();
            List<String> readErrors = new CopyOnWriteArrayList<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                List<String> ks = new ArrayList<>(acked.keySet());
                int i = 0;
                while (reading.get()) {
                    String k = ks.get(i++ % ks.size());
                    try {
                        long v = medusa(i % 3, "get", Map.of("key", k)).get("version").asLong();
                        if (v != acked.get(k)) {
                            readErrors.add(k + " read version " + v + ", acknowledged " + acked.get(k));
                        }
                        reads.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        readErrors.add(k + ": " + e.getMessage());
                    }
                }
            });
            try {
                Proc add = cluster.addNode(added, 0);
                assertThat(add.exitCode()).as(add.output()).isZero();
                members = n;
                String newNode = uuid(added);
                int total = SHARDS * 3;
                waitFor(Duration.ofSeconds(240), () -> {
                    Map<Integer, List<String>> now = members(map());
                    long held = now.values().stream().filter(m -> m.contains(newNode)).count();
                    boolean settled = now.values().stream().allMatch(m -> m.size() == 3)
                            && map().get("groups").findValues("adding").stream().allMatch(JsonNode::isNull);
                    return settled && held >= total / n;
                }, "node " + n + " holds about 1/" + n + " of the replicas");
            } finally {
                reading.set(false);
                reader.join(Duration.ofSeconds(30));
            }
            Map<Integer, List<String>> after = members(map());
            int moved = 0;
            for (int s = 0; s < SHARDS; s++) {
                List<String> gone = new ArrayList<>(before.get(s));
                gone.removeAll(after.get(s));
                moved += gone.size();
            }
            Map<String, Integer> load = new HashMap<>();
            after.values().forEach(m -> m.forEach(x -> load.merge(x, 1, Integer::sum)));
            System.out.println("medusa: " + (n - 1) + " -> " + n + " nodes moved " + moved + " of " + SHARDS * 3 + " replicas; load "
                    + load.values() + "; " + reads.get() + " reads during the move, " + readErrors.size() + " failed");
            int ideal = SHARDS * 3 / n;
            assertThat(moved).as("replicas moved when node " + n + " joined").isBetween(ideal - 1, ideal + 2);
            assertThat(Collections.max(load.values()) - Collections.min(load.values())).as("balanced: " + load).isLessThanOrEqualTo(1);
            assertThat(readErrors).as("every read during the rebalance succeeded with the acknowledged version").isEmpty();
            assertThat(reads.get()).isPositive();
            if (n == 5) {
                waitForPreferredLeaders();
                Map<Integer, String> leadersAfter = leaders();
                int changed = 0;
                for (int s = 0; s < SHARDS; s++) {
                    changed += leadersBefore.get(s).equals(leadersAfter.get(s)) ? 0 : 1;
                }
                double share = changed / (double) SHARDS; // shards carry equal shares of the ring (16 tokens each)
                System.out.println("medusa: 4 -> 5 nodes changed the primary of " + changed + " of " + SHARDS + " shards ("
                        + Math.round(share * 100) + "% of keys)");
                assertThat(share).as("share of keys whose primary changed").isBetween(0.10, 0.35);
            }
            assertAckedPresent(added);
        }
    }

    /** The Medusa leader hands each shard's leadership to its preferred member (first in the map): wait for it. */
    private void waitForPreferredLeaders() throws InterruptedException {
        waitFor(Duration.ofSeconds(120), () -> {
            Map<Integer, String> l = leaders();
            Map<Integer, List<String>> m = members(map());
            return l.size() == SHARDS && m.entrySet().stream().allMatch(e -> e.getValue().getFirst().equals(l.get(e.getKey())));
        }, "every shard led by its preferred member");
    }

    private Map<Integer, String> leaders() {
        Map<Integer, String> l = new HashMap<>();
        for (JsonNode s : any("status", Map.of()).get("shards")) {
            if (!s.get("leader").isNull()) {
                l.put(s.get("shard").asInt(), s.get("leader").asText());
            }
        }
        return l;
    }

    @Test
    @Order(7)
    void givenAShortDetachTime_whenANodeStaysDown_thenItsReplicasArePlacedElsewhere_andWhenItReturnsItRejoins() throws Exception {
        assertThat(members).as("runs after the expansion scenario").isEqualTo(5);
        everyNodeRunning();
        // the spec's 1800 s / 900 s, shortened through the cluster-wide settings document (the rule is the same)
        writeSettings(0, STEP + ", \"cairn.metadata.detach_after_secs\": 8, \"cairn.metadata.rejoin_stable_secs\": 5");
        int victim = 4;
        String gone = uuid(victim);
        cluster.kill9(victim);
        waitFor(Duration.ofSeconds(180), () -> {
            JsonNode m = map();
            return contains(m.get("detached"), gone) && members(m).values().stream().allMatch(l -> l.size() == 3 && !l.contains(gone));
        }, "node 5 detached and its replicas re-created on the other four");
        assertAckedPresent(0);
        restartIfDown(victim);
        waitFor(Duration.ofSeconds(240), () -> {
            JsonNode m = map();
            long held = members(m).values().stream().filter(l -> l.contains(gone)).count();
            return !contains(m.get("detached"), gone) && held >= SHARDS * 3 / 5
                    && members(m).values().stream().allMatch(l -> l.size() == 3);
        }, "node 5 back in the ring with about a fifth of the replicas");
        assertAckedPresent(0);
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (n.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
