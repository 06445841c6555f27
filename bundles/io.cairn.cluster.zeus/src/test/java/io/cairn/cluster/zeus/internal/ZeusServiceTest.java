package io.cairn.cluster.zeus.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.Leadership;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.ZeusLock;
import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.internal.PrometheusRegistry;
import io.cairn.common.internal.SystemClock;
import io.cairn.common.tasks.TaskHandler;
import io.cairn.common.tasks.TaskInfo;
import io.cairn.common.tasks.TaskState;

/**
 * Zeus against a real three-member ZooKeeper ensemble embedded in this JVM (members on
 * 127.0.2.1-3, the way three controllers run them), without OSGi.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZeusServiceTest {

    private Path tmp;

    private final List<ZookeeperMember> members = new ArrayList<>();
    private final List<ZeusService> zeus = new ArrayList<>();
    private ClusterConfig cluster;

    static ZeusConfig config() {
        return new ZeusConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ZeusConfig.class;
            }

            @Override
            public int clientPort() {
                return 19876;
            }

            @Override
            public int closedClientPort() {
                return 19875;
            }

            @Override
            public int quorumPort() {
                return 12888;
            }

            @Override
            public int electionPort() {
                return 13888;
            }

            @Override
            public int tickTimeMillis() {
                return 500;
            }

            @Override
            public int initLimit() {
                return 20;
            }

            @Override
            public int syncLimit() {
                return 5;
            }

            @Override
            public int zeus__session__timeout__secs() {
                return 4;
            }

            @Override
            public int zookeeper__member__replace__secs() {
                return 20;
            }
        };
    }

    static final SystemClock CLOCK = SystemClock.withDefaults();

    @BeforeAll
    void ensemble() throws Exception {
        tmp = Files.createTempDirectory("cairn-zeus-test");
        List<NodeIdentity> nodes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            UUID u = new UUID(7, i);
            nodes.add(new NodeIdentity(u, "127.0.2." + i, new FaultDomain("r", "b" + i, u.toString()), "test"));
        }
        cluster = new ClusterConfig(UUID.randomUUID(), "unit", 42, 1, nodes, nodes.stream().map(NodeIdentity::uuid).toList());
        // the three members share this JVM's ZooKeeper TLS system properties, so one certificate names all three addresses
        ClusterCa ca = ClusterCa.create("unit", Duration.ofDays(1));
        Credentials creds = ca.issueCredentials("node:unit", List.of("127.0.2.1", "127.0.2.2", "127.0.2.3"), Duration.ofDays(1));
        NodeTrust trust = new NodeTrust() {
            @Override
            public boolean clustered() {
                return true;
            }

            @Override
            public java.security.PublicKey publicKey() {
                return creds.certificate().getPublicKey();
            }

            @Override
            public String fingerprint() {
                return "unit";
            }

            @Override
            public void install(java.security.cert.X509Certificate c, java.security.cert.X509Certificate n) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void installAuthority(ClusterCa authority) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void removeAuthority() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Optional<ClusterCa> authority() {
                return Optional.of(ca);
            }

            @Override
            public Optional<Credentials> credentials() {
                return Optional.of(creds);
            }

            @Override
            public boolean applyCrl(java.security.cert.X509CRL crl) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Optional<java.security.cert.X509CRL> crl() {
                return Optional.empty();
            }

            @Override
            public java.util.Set<java.math.BigInteger> issuedHere() {
                return java.util.Set.of();
            }

            @Override
            public void renew(java.security.cert.X509Certificate nodeCertificate) {
                throw new UnsupportedOperationException();
            }

            @Override
            public javax.net.ssl.X509ExtendedKeyManager keyManager() {
                throw new UnsupportedOperationException();
            }

            @Override
            public javax.net.ssl.SSLContext tlsContext() {
                throw new UnsupportedOperationException();
            }
        };
        for (NodeIdentity n : nodes) {
            Path home = Files.createDirectories(tmp.resolve(n.address()));
            ClusterJoin join = new ClusterJoin() {
                @Override
                public ClusterConfig config() {
                    return cluster;
                }

                @Override
                public NodeIdentity self() {
                    return n;
                }
            };
            LocalNode local = new LocalNode() {
                @Override
                public NodeIdentity identity() {
                    return n;
                }

                @Override
                public Path home() {
                    return home;
                }
            };
            ZookeeperMember m = new ZookeeperMember(join, local, trust, config(), null, new io.cairn.common.clock.ManualClock());
            members.add(m);
            zeus.add(new ZeusService(join, m, new PrometheusRegistry(), config()));
        }
        waitFor(Duration.ofSeconds(60), () -> zeus.stream().allMatch(ZeusService::connected), "every Zeus client connected");
        waitFor(Duration.ofSeconds(30), () -> zeus.get(0).read(ClusterConfig.DOCUMENT).isPresent(), "the cluster document");
    }

    @AfterAll
    void stop() throws Exception {
        zeus.forEach(ZeusService::deactivate);
        for (ZookeeperMember m : members) {
            m.deactivate();
        }
        CLOCK.close();
        try (var walk = Files.walk(tmp)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static void waitFor(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** True if a client with this configuration could read the cluster document within 4 s. */
    private boolean reads(String address, org.apache.zookeeper.client.ZKClientConfig cfg) throws Exception {
        java.util.concurrent.CountDownLatch up = new java.util.concurrent.CountDownLatch(1);
        org.apache.zookeeper.ZooKeeper zk = new org.apache.zookeeper.ZooKeeper(address, 4000, e -> {
            if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                up.countDown();
            }
        }, cfg);
        try {
            if (!up.await(4, TimeUnit.SECONDS)) {
                return false;
            }
            zk.getData(ZeusService.CONFIG + "/" + ClusterConfig.DOCUMENT, false, null);
            return true;
        } catch (org.apache.zookeeper.KeeperException e) {
            return false;
        } finally {
            zk.close();
        }
    }

    @Test
    void givenEnsemble_whenAClientHasNoTlsOrAForeignCertificate_thenItCannotConnect() throws Exception {
        assertThat(reads("127.0.2.1:19876", ZkTls.clientConfig(members.get(0).tls()))).as("the node's own TLS client").isTrue();
        assertThat(reads("127.0.2.1:19876", new org.apache.zookeeper.client.ZKClientConfig())).as("plain text on the TLS port").isFalse();
        assertThat(reads("127.0.2.1:19875", new org.apache.zookeeper.client.ZKClientConfig())).as("plain text on the closed port")
                .isFalse();
        Credentials foreign = ClusterCa.create("other", Duration.ofDays(1)).issueCredentials("node:x", List.of("127.0.2.1"),
                Duration.ofDays(1));
        assertThat(reads("127.0.2.1:19876", ZkTls.clientConfig(ZkTls.write(tmp.resolve("foreign"), foreign))))
                .as("another cluster's certificate")
                .isFalse();
    }

    @Test
    void givenDocument_whenCompareAndSetRaces_thenExactlyOneWinsAndTheLoserGetsConflict() {
        VersionedDocument created = zeus.get(0).write("unit/cas", b("v0"), VersionedDocument.ABSENT);
        assertThat(created.version()).isZero();
        assertThatThrownBy(() -> zeus.get(1).write("unit/cas", b("again"), VersionedDocument.ABSENT))
                .isInstanceOf(CairnException.class).extracting(e -> ((CairnException) e).code()).isEqualTo(ErrorCode.CONFLICT);
        VersionedDocument v1 = zeus.get(1).write("unit/cas", b("v1"), 0);
        assertThat(v1.version()).isEqualTo(1);
        assertThatThrownBy(() -> zeus.get(2).write("unit/cas", b("stale"), 0)).hasMessageContaining("re-read it and retry");
        assertThat(new String(zeus.get(2).read("unit/cas").orElseThrow().data(), StandardCharsets.UTF_8)).isEqualTo("v1");
        assertThat(zeus.get(0).list("unit")).contains("cas");
        assertThatThrownBy(() -> zeus.get(0).delete("unit/cas", 0)).hasMessageContaining("not at version 0");
        zeus.get(0).delete("unit/cas", 1);
        assertThat(zeus.get(1).read("unit/cas")).isEmpty();
        assertThatThrownBy(() -> zeus.get(0).read("Bad/Name")).hasMessageContaining("is not a valid document name");
    }

    @Test
    void givenWatcherOnAnotherNode_whenDocumentChanges_thenEveryVersionIsDeliveredInOrder() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Registration w = zeus.get(2).watch("unit/watched", d -> seen.add(d.map(v -> v.version() + ":" + new String(v.data())).orElse("absent")));
        try {
            waitFor(Duration.ofSeconds(10), () -> seen.contains("absent"), "the initial state");
            zeus.get(0).write("unit/watched", b("a"), VersionedDocument.ABSENT);
            waitFor(Duration.ofSeconds(10), () -> seen.contains("0:a"), "the create");
            zeus.get(1).write("unit/watched", b("b"), 0);
            waitFor(Duration.ofSeconds(10), () -> seen.contains("1:b"), "the update");
            zeus.get(1).delete("unit/watched", 1);
            waitFor(Duration.ofSeconds(10), () -> seen.get(seen.size() - 1).equals("absent"), "the delete");
            assertThat(seen.indexOf("0:a")).isLessThan(seen.indexOf("1:b"));
        } finally {
            w.close();
        }
    }

    @Test
    void givenThreeCandidates_whenTheLeaderStepsDown_thenTheNextHasAHigherEpochAndTheOldOneIsFenced() throws Exception {
        List<Leadership> won = new CopyOnWriteArrayList<>();
        List<Registration> regs = new ArrayList<>();
        for (ZeusService z : zeus) {
            regs.add(z.elect("UnitRole", new LeadershipListener() {
                @Override
                public void acquired(Leadership l) {
                    won.add(l);
                }

                @Override
                public void lost(Leadership l) {
                }
            }));
        }
        try {
            waitFor(Duration.ofSeconds(20), () -> won.size() == 1, "one leader");
            Leadership first = won.get(0);
            assertThat(first.valid()).isTrue();
            VersionedDocument d = first.write("unit/leader-only", b("1"), VersionedDocument.ABSENT);
            int leaderIndex = -1;
            for (int i = 0; i < 3; i++) {
                if (zeus.get(i).leader("UnitRole").map(li -> li.epoch() == first.epoch()).orElse(false)
                        && zeus.get(0).leader("UnitRole").orElseThrow().address().equals(cluster.nodes().get(i).address())) {
                    leaderIndex = i;
                }
            }
            assertThat(leaderIndex).isNotNegative();
            regs.get(leaderIndex).close(); // step down
            waitFor(Duration.ofSeconds(20), () -> won.size() == 2, "a second leader");
            Leadership second = won.get(1);
            assertThat(second.epoch()).isGreaterThan(first.epoch());
            assertThatThrownBy(() -> first.write("unit/leader-only", b("stale"), d.version()))
                    .isInstanceOf(CairnException.class).extracting(e -> ((CairnException) e).code())
                    .isEqualTo(ErrorCode.FAILED_PRECONDITION);
            second.write("unit/leader-only", b("2"), d.version());
            assertThat(zeus.get(0).leader("UnitRole").orElseThrow().epoch()).isEqualTo(second.epoch());
        } finally {
            regs.forEach(Registration::close);
        }
    }

    @Test
    void givenLockHeldOnOneNode_whenAnotherAsks_thenItWaitsAndGetsItOnRelease() {
        ZeusLock held = zeus.get(0).lock("unit-lock", Duration.ofSeconds(5));
        assertThatThrownBy(() -> zeus.get(1).lock("unit-lock", Duration.ofMillis(300))).isInstanceOf(CairnException.class)
                .hasMessageContaining("was not granted within 300 ms");
        held.close();
        try (ZeusLock next = zeus.get(1).lock("unit-lock", Duration.ofSeconds(5))) {
            assertThat(next.name()).isEqualTo("unit-lock");
        }
    }

    @Test
    void givenPresence_whenUpdatedAndClosed_thenOtherNodesSeeIt() throws Exception {
        var p = zeus.get(1).announce("UnitService", Map.of("state", "UP"));
        waitFor(Duration.ofSeconds(10), () -> zeus.get(0).presences().stream()
                .anyMatch(s -> s.service().equals("UnitService") && "UP".equals(s.attributes().get("state"))), "presence");
        p.update(Map.of("state", "BUSY"));
        waitFor(Duration.ofSeconds(10), () -> zeus.get(2).presences().stream()
                .anyMatch(s -> s.service().equals("UnitService") && "BUSY".equals(s.attributes().get("state"))), "updated presence");
        p.close();
        waitFor(Duration.ofSeconds(10), () -> zeus.get(0).presences().stream().noneMatch(s -> s.service().equals("UnitService")),
                "presence withdrawn");
        assertThat(zeus.get(0).state(cluster.nodes().get(1).uuid()).name()).isEqualTo("UP");
    }

    @Test
    void givenTaskServicesOnEveryNode_whenTasksSubmitted_thenEachRunsOnceOnTheLeaderAndAbortWorks() throws Exception {
        List<String> runs = new CopyOnWriteArrayList<>();
        List<TaskServiceImpl> services = new ArrayList<>();
        for (ZeusService z : zeus) {
            TaskServiceImpl t = new TaskServiceImpl(z, CLOCK);
            t.addHandler(ctx -> {
                runs.add(ctx.task().id());
                ctx.progress(50, "half");
                return "{\"ok\":true}";
            }, Map.of(TaskHandler.TYPE, "unit.echo"));
            t.addHandler(ctx -> {
                for (int i = 0; i < 100 && !ctx.aborted(); i++) {
                    Thread.sleep(100);
                }
                return "stopped";
            }, Map.of(TaskHandler.TYPE, "unit.long"));
            services.add(t);
        }
        try {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ids.add(services.get(i % 3).submit("unit.echo", "{}", null).id());
            }
            TaskInfo parent = services.get(0).get(ids.get(0)).orElseThrow();
            waitFor(Duration.ofSeconds(30), () -> ids.stream().allMatch(id -> services.get(1).get(id).orElseThrow().state() == TaskState.SUCCEEDED),
                    "every task succeeded");
            assertThat(runs).containsExactlyInAnyOrderElementsOf(ids);
            TaskInfo done = services.get(2).get(ids.get(3)).orElseThrow();
            assertThat(done.percent()).isEqualTo(100);
            assertThat(done.result()).isEqualTo("{\"ok\":true}");
            assertThat(done.attempts()).isEqualTo(1);
            TaskInfo child = services.get(1).submit("unit.echo", "{}", parent.id());
            assertThat(child.parent()).isEqualTo(parent.id());
            assertThatThrownBy(() -> services.get(1).submit("unit.nope", "{}", null)).hasMessageContaining("unknown task type 'unit.nope'");
            assertThatThrownBy(() -> services.get(1).submit("unit.echo", "{}", "task-9999999999")).hasMessageContaining("does not exist");

            String longId = services.get(0).submit("unit.long", "{}", null).id();
            waitFor(Duration.ofSeconds(20), () -> services.get(0).get(longId).orElseThrow().state() == TaskState.RUNNING, "long task running");
            services.get(2).abort(longId);
            waitFor(Duration.ofSeconds(20), () -> services.get(0).get(longId).orElseThrow().state() == TaskState.ABORTED, "long task aborted");
            assertThatThrownBy(() -> services.get(2).abort(longId)).hasMessageContaining("already ABORTED");
        } finally {
            services.forEach(TaskServiceImpl::deactivate);
        }
    }

    @Test
    void givenAlertRaised_whenListedAndAcknowledged_thenEveryNodeSeesItAndListenersHearIt() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        AlertServiceImpl a0 = new AlertServiceImpl(zeus.get(0), CLOCK);
        AlertServiceImpl a2 = new AlertServiceImpl(zeus.get(2), CLOCK);
        a2.addListener(alert -> heard.add(alert.id() + (alert.isAcknowledged() ? ":acked" : "")));
        try {
            var raised = a0.raise("unit", io.cairn.common.alerts.Severity.CRITICAL, "disk gone", "disk 3");
            waitFor(Duration.ofSeconds(10), () -> heard.contains(raised.id()), "the listener on another node");
            assertThat(a2.list(10)).extracting(x -> x.id()).contains(raised.id());
            var acked = a2.acknowledge(raised.id(), "admin");
            assertThat(acked.acknowledgedBy()).isEqualTo("admin");
            waitFor(Duration.ofSeconds(10), () -> heard.contains(raised.id() + ":acked"), "the acknowledgement");
            assertThatThrownBy(() -> a0.acknowledge("alert-9999999999", "x")).hasMessageContaining("does not exist");
            assertThatThrownBy(() -> a0.raise("", io.cairn.common.alerts.Severity.INFO, "t", "m")).hasMessageContaining("needs a source");
        } finally {
            a0.deactivate();
            a2.deactivate();
        }
    }
}
