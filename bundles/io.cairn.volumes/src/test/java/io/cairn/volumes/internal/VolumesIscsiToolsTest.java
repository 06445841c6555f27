package io.cairn.volumes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.NodeIdentity;
import io.cairn.iscsi.internal.IscsiPortalsImpl;
import io.cairn.storage.api.iscsi.Chap;
import io.cairn.storage.api.iscsi.DiscoveredTarget;
import io.cairn.storage.api.iscsi.LoginDecision;
import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalOptions;
import io.cairn.storage.api.iscsi.ReservationStore;
import io.cairn.storage.api.iscsi.TargetCatalog;

/**
 * Integration: the real iSCSI engine in this JVM serving {@link VolumeCatalog}s over a fake
 * two-node cluster, driven by libiscsi's tools as processes: the DSIP portal on 127.0.1.140 and the
 * node portals on 127.0.1.141 and .142, all on one port (the test's own addresses).
 */
class VolumesIscsiToolsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String X = "iqn.2026-01.org.example:x";
    private static final String Y = "iqn.2026-01.org.example:y";
    private static final String DSIP = "127.0.1.140";

    /** Reservations in memory with compare-and-set, as the engine needs them. */
    static final class MemoryReservations implements ReservationStore {
        private final Map<String, Versioned> states = new ConcurrentHashMap<>();

        @Override
        public Optional<Versioned> load(String luId) {
            return Optional.ofNullable(states.get(luId));
        }

        @Override
        public synchronized Optional<Long> compareAndSet(String luId, long expectedVersion, byte[] state) {
            Versioned cur = states.get(luId);
            if ((cur == null ? -1 : cur.version()) != expectedVersion) {
                return Optional.empty();
            }
            states.put(luId, new Versioned(state.clone(), expectedVersion + 1));
            return Optional.of(expectedVersion + 1);
        }
    }

    /** A catalog that records where each login went. */
    record Recording(String portal, TargetCatalog catalog, List<String> log) implements TargetCatalog {
        @Override
        public List<DiscoveredTarget> discover(String initiatorName, InetSocketAddress p) {
            return catalog.discover(initiatorName, p);
        }

        @Override
        public Optional<Chap> discoveryChap(String initiatorName) {
            return catalog.discoveryChap(initiatorName);
        }

        @Override
        public LoginDecision login(String initiatorName, String targetName, InetSocketAddress p) {
            LoginDecision d = catalog.login(initiatorName, targetName, p);
            log.add(portal + " " + d.getClass().getSimpleName() + (d instanceof LoginDecision.Redirect r ? " " + r.address() : ""));
            return d;
        }
    }

    private final FakeZeus zeus = new FakeZeus();
    private final FakeStargate stargate = new FakeStargate();
    private final VolumeStore store = new VolumeStore(zeus);
    private final VolumeService volumes = new VolumeService(store, stargate);
    private final FakeCluster cluster = new FakeCluster(store, stargate, "127.0.1.141", "127.0.1.142");
    private final List<String> logins = new CopyOnWriteArrayList<>();
    private final List<Portal> portals = new ArrayList<>();
    private int port;

    @BeforeEach
    void start() throws IOException {
        port = freePort();
        IscsiPortalsImpl engine = new IscsiPortalsImpl();
        PortalOptions options = PortalOptions.defaults(new MemoryReservations());
        portals.add(engine.open(new InetSocketAddress(InetAddress.getByName(DSIP), port),
                new Recording(DSIP, new VolumeCatalog(cluster, VolumeCatalog.Mode.REDIRECT, port, 1), logins), options));
        for (NodeIdentity n : cluster.nodes()) {
            portals.add(engine.open(new InetSocketAddress(InetAddress.getByName(n.address()), port),
                    new Recording(n.address(), new VolumeCatalog(cluster, VolumeCatalog.Mode.SERVE, port, 1), logins), options));
        }
        volumes.setDsip(DSIP);
    }

    @AfterEach
    void stop() {
        portals.forEach(Portal::close);
    }

    /** A port free on the three addresses (the node portals' and the DSIP's). */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int p;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.1.141"))) {
                p = s.getLocalPort();
            }
            try (ServerSocket a = new ServerSocket(p, 1, InetAddress.getByName(DSIP));
                    ServerSocket b = new ServerSocket(p, 1, InetAddress.getByName("127.0.1.142"))) {
                return p;
            } catch (IOException taken) {
                // another process has it on one of the addresses: pick again
            }
        }
        throw new IOException("no port free on 127.0.1.140-142");
    }

    private String dsipUrl(String target, int lun) {
        return "iscsi://" + DSIP + ":" + port + "/" + target + "/" + lun;
    }

    @Test
    void givenAGroupWithThreeDisksAttachedToX_whenIscsiLsAsksTheDsip_thenXSeesTgt0To2AndAnotherInitiatorNothing() throws Exception {
        volumes.create("vg1", false, null);
        for (int i = 0; i < 3; i++) {
            volumes.createDisk("vg1", FakeStargate.CONTAINER, "2M");
        }
        volumes.attach("vg1", X, null, null);
        VolumeGroup vg = volumes.get("vg1");

        Result asX = run(Map.of(), "iscsi-ls", "-i", X, "iscsi://" + DSIP + ":" + port);
        Result asY = run(Map.of(), "iscsi-ls", "-i", Y, "iscsi://" + DSIP + ":" + port);

        assertThat(asX.ok()).as(asX.output()).isTrue();
        for (int k = 0; k < 3; k++) {
            assertThat(asX.output()).contains("Target:" + Targets.name(vg, k) + " Portal:" + DSIP + ":" + port + ",1");
        }
        assertThat(asX.output()).doesNotContain("-tgt3");
        assertThat(asY.ok()).as(asY.output()).isTrue();
        assertThat(asY.output()).doesNotContain("Target:");
    }

    @Test
    void givenALoginAtTheDsip_whenIscsiInqRuns_thenItIsRedirectedToTheRendezvousWinnerAndServedThere() throws Exception {
        volumes.create("vg1", false, null);
        volumes.createDisk("vg1", FakeStargate.CONTAINER, "4M");
        volumes.attach("vg1", X, null, null);
        String target = Targets.name(volumes.get("vg1"), 0);
        String winner = Targets.affinity(target, cluster.nodes()).orElseThrow().address();

        Result inq = run(Map.of(), "iscsi-inq", "-i", X, dsipUrl(target, 0));
        Result cap = run(Map.of(), "iscsi-readcapacity16", "-i", X, dsipUrl(target, 0));

        assertThat(inq.ok()).as(inq.output()).isTrue();
        assertThat(inq.output()).contains("Vendor:");
        assertThat(cap.ok()).as(cap.output()).isTrue();
        assertThat(cap.output()).contains("Total size:" + (4 << 20));
        assertThat(logins).contains(DSIP + " Redirect " + winner + ":" + port + ",1", winner + " Serve");
        assertThat(logins).noneMatch(l -> l.contains("Serve") && !l.startsWith(winner));
    }

    @Test
    void givenAnInitiatorNotAttachedOrAnUnknownTarget_whenIscsiInqLogsIn_thenItIsRefused() throws Exception {
        volumes.create("vg1", false, null);
        volumes.createDisk("vg1", FakeStargate.CONTAINER, "1M");
        volumes.attach("vg1", X, null, null);
        String target = Targets.name(volumes.get("vg1"), 0);

        Result notAttached = run(Map.of(), "iscsi-inq", "-i", Y, dsipUrl(target, 0));
        Result unknown = run(Map.of(), "iscsi-inq", "-i", X, dsipUrl("iqn.2010-06.org.cairn:nope", 0));

        assertThat(notAttached.ok()).as(notAttached.output()).isFalse();
        assertThat(notAttached.output()).containsIgnoringCase("authoriz");
        assertThat(unknown.ok()).as(unknown.output()).isFalse();
        assertThat(unknown.output()).containsIgnoringCase("not found");
    }

    @Test
    void givenMutualChap_whenTheSecretsAreRight_thenTheLoginPasses_andAWrongInitiatorSecretFailsAuthentication() throws Exception {
        volumes.create("vg1", false, "target-secret-1");
        volumes.createDisk("vg1", FakeStargate.CONTAINER, "1M");
        volumes.attach("vg1", X, "initiator-sec", null);
        String url = dsipUrl(Targets.name(volumes.get("vg1"), 0), 0);

        Result good = run(Map.of("LIBISCSI_CHAP_USERNAME", X, "LIBISCSI_CHAP_PASSWORD", "initiator-sec", "LIBISCSI_CHAP_TARGET_USERNAME", X,
                "LIBISCSI_CHAP_TARGET_PASSWORD", "target-secret-1"), "iscsi-inq", "-i", X, url);
        Result wrong = run(Map.of("LIBISCSI_CHAP_USERNAME", X, "LIBISCSI_CHAP_PASSWORD", "wrong-secret1"), "iscsi-inq", "-i", X, url);

        assertThat(good.ok()).as(good.output()).isTrue();
        assertThat(wrong.ok()).as(wrong.output()).isFalse();
        assertThat(wrong.output()).containsIgnoringCase("auth");
    }

    // ---- the tools

    record Result(int exit, String output, boolean timedOut) {
        boolean ok() {
            return exit == 0 && !timedOut;
        }
    }

    private static Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        boolean installed = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            installed |= Files.isExecutable(Path.of(dir, command[0]));
        }
        if (!installed) {
            fail(command[0] + " is not installed; apt-get install libiscsi-bin");
        }
        Path out = Files.createTempFile("volumes-tool", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean finished = p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            return new Result(finished ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8), !finished);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
