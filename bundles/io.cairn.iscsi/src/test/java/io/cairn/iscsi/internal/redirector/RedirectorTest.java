package io.cairn.iscsi.internal.redirector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.clock.ManualClock;
import io.cairn.iscsi.internal.TestStargates;
import io.cairn.iscsi.internal.redirector.SessionEnder.RedirectedLogin;
import io.cairn.storage.api.iscsi.LoginDecision;
import io.cairn.storage.api.iscsi.PortalAddresses;

/** The redirector's decisions, probing, log and failback over real in-JVM portals, on a manual clock. */
class RedirectorTest {

    static final String INITIATOR = "iqn.2010-06.org.cairn:host-h1.vm-v1.e1";
    static final List<String> TARGETS = List.of("iqn.2010-06.org.cairn:vmdisk-00000000-0000-0000-0000-000000000001",
            "iqn.2010-06.org.cairn:vmdisk-00000000-0000-0000-0000-000000000002",
            "iqn.2010-06.org.cairn:vmdisk-00000000-0000-0000-0000-000000000003",
            "iqn.2010-06.org.cairn:vmdisk-00000000-0000-0000-0000-000000000004");
    static final String T = TARGETS.get(0);

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock();
    final List<Map.Entry<InetSocketAddress, Set<RedirectedLogin>>> endCalls = new CopyOnWriteArrayList<>();
    final AtomicInteger enderFailures = new AtomicInteger();
    TestStargates stargates;
    Redirector redirector;
    ServerSocket hung;

    private Path log() {
        return dir.resolve("logs/iscsi_redirector.log");
    }

    private Redirector start(InetSocketAddress local) throws IOException {
        Redirector.Settings settings = Redirector.Settings
                .defaults(new InetSocketAddress("127.0.0.1", 0), local, stargates::addresses, log()).withProbeTimeout(Duration.ofMillis(300));
        redirector = new Redirector(stargates.portals(), clock, (remote, logins) -> {
            if (enderFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IOException("RPC to " + remote + " timed out");
            }
            endCalls.add(Map.entry(remote, logins));
        }, settings);
        redirector.start();
        clock.advance(Duration.ZERO); // the first probe round
        return redirector;
    }

    private Redirector start() throws IOException {
        stargates = new TestStargates(4, TARGETS.toArray(String[]::new));
        return start(stargates.address(0));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (redirector != null) {
            redirector.close();
        }
        if (stargates != null) {
            stargates.close();
        }
        if (hung != null) {
            hung.close();
        }
    }

    private List<String> logLines() throws IOException {
        return Files.exists(log()) ? Files.readAllLines(log()) : List.of();
    }

    private long lines(String suffix) throws IOException {
        return logLines().stream().filter(l -> l.endsWith(" " + suffix)).count();
    }

    private static String hp(InetSocketAddress a) {
        return PortalAddresses.hostPort(a);
    }

    private List<InetSocketAddress> remotes() {
        return stargates.addresses().subList(1, 4);
    }

    private static LoginDecision.Redirect redirectTo(InetSocketAddress a) {
        return new LoginDecision.Redirect(hp(a) + ",1", false);
    }

    @Test
    void givenAHealthyLocalPortal_whenAnInitiatorLogsIn_thenItIsRedirectedTemporarilyToTheLocalPortal() throws Exception {
        Redirector r = start();

        for (String t : TARGETS) {
            assertThat(r.login(INITIATOR, t, r.address())).isEqualTo(redirectTo(stargates.address(0)));
        }
        assertThat(r.redirected()).isEmpty();
        assertThat(r.discover(INITIATOR, r.address())).isEmpty();
        for (InetSocketAddress a : stargates.addresses()) {
            assertThat(r.up(a)).isTrue();
            assertThat(lines("Portal " + hp(a) + " is up")).isEqualTo(1);
        }
        assertThat(logLines()).allSatisfy(l -> assertThat(l).matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z Portal 127\\.0\\.0\\.1:\\d+ is (up|down)"));
    }

    @Test
    void givenTheLocalPortalStops_whenTheNextProbeIsRefused_thenItIsDownAtOnceAndLoginsGoToTheHashChosenRemote() throws Exception {
        Redirector r = start();
        stargates.stop(0);

        clock.advance(Duration.ofSeconds(1));

        assertThat(r.down(stargates.address(0))).isTrue();
        for (String t : TARGETS) {
            InetSocketAddress chosen = PathOrder.remotePaths(t, remotes(), 2).get(0);
            assertThat(r.paths(t)).containsExactly(stargates.address(0), chosen, PathOrder.remotePaths(t, remotes(), 2).get(1));
            assertThat(r.login(INITIATOR, t, r.address())).isEqualTo(redirectTo(chosen));
        }
        clock.advance(Duration.ofSeconds(5));
        assertThat(lines("Portal " + hp(stargates.address(0)) + " is down")).isEqualTo(1);
        assertThat(r.redirected().values().stream().mapToInt(Set::size).sum()).isEqualTo(TARGETS.size());
    }

    @Test
    void givenTheLocalAndTheFirstRemotePathDown_whenLoggingIn_thenTheSecondRemotePathIsUsed_andWithBothDownTheLoginIsRefused()
            throws Exception {
        Redirector r = start();
        List<InetSocketAddress> paths = r.paths(T);
        stargates.stop(0);
        stargates.stop(stargates.nodeOf(paths.get(1)));
        clock.advance(Duration.ofSeconds(1));

        assertThat(r.login(INITIATOR, T, r.address())).isEqualTo(redirectTo(paths.get(2)));

        stargates.stop(stargates.nodeOf(paths.get(2)));
        clock.advance(Duration.ofSeconds(1));
        LoginDecision refused = r.login(INITIATOR, T, r.address());

        assertThat(refused).isInstanceOfSatisfying(LoginDecision.Refuse.class, f -> {
            assertThat(f.statusClass()).isEqualTo(3);
            assertThat(f.statusDetail()).isEqualTo(1);
        });
        // the fourth Stargate is up, but it is not one of this target's paths (spec 40 §7: local plus two remote paths)
        assertThat(r.up(stargates.addresses().stream().filter(a -> !paths.contains(a)).findFirst().orElseThrow())).isTrue();
    }

    @Test
    void givenALocalPortalThatAcceptsButNeverAnswers_whenProbed_thenItIsDownAfterTheThirdMissOnly() throws Exception {
        stargates = new TestStargates(3, TARGETS.toArray(String[]::new));
        hung = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", hung.getLocalPort());
        Redirector r = start(local); // miss 1

        assertThat(r.usable(local)).isTrue();
        assertThat(r.login(INITIATOR, T, r.address())).isEqualTo(redirectTo(local));
        clock.advance(Duration.ofSeconds(1)); // miss 2
        assertThat(r.usable(local)).isTrue();
        assertThat(lines("Portal " + hp(local) + " is down")).isZero();

        clock.advance(Duration.ofSeconds(1)); // miss 3

        assertThat(r.down(local)).isTrue();
        assertThat(r.login(INITIATOR, T, r.address())).isEqualTo(redirectTo(PathOrder.remotePaths(T, stargates.addresses(), 1).get(0)));
        clock.advance(Duration.ofSeconds(3));
        assertThat(lines("Portal " + hp(local) + " is down")).isEqualTo(1);
        assertThat(lines("Portal " + hp(local) + " is up")).isZero();
    }

    @Test
    void givenLoginsSentRemote_whenTheLocalPortalIsUpAgainForTheFailbackDelay_thenTheRemoteStargatesAreAskedOnceToEndThem()
            throws Exception {
        Redirector r = start();
        stargates.stop(0);
        clock.advance(Duration.ofSeconds(1));
        for (String t : TARGETS) {
            r.login(INITIATOR, t, r.address());
        }
        Map<InetSocketAddress, Set<RedirectedLogin>> sent = r.redirected();
        assertThat(sent.keySet()).isSubsetOf(remotes());
        stargates.start(0);
        clock.advance(Duration.ofSeconds(1)); // up again

        assertThat(r.up(stargates.address(0))).isTrue();
        assertThat(r.login(INITIATOR, T, r.address())).isEqualTo(redirectTo(stargates.address(0)));
        clock.advance(Duration.ofSeconds(9));
        assertThat(endCalls).isEmpty(); // up for 9 s only

        clock.advance(Duration.ofSeconds(1));

        Await.until("failback calls", Duration.ofSeconds(5), () -> endCalls.size() == sent.size());
        assertThat(endCalls.stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))).isEqualTo(sent);
        Await.until("nothing left to fail back", Duration.ofSeconds(5), () -> r.redirected().isEmpty());
        clock.advance(Duration.ofSeconds(5));
        assertThat(endCalls).hasSize(sent.size());
        String local = "Portal " + hp(stargates.address(0));
        assertThat(logLines().stream().filter(l -> l.contains(local)).map(l -> l.substring(l.indexOf(' ') + 1)))
                .containsExactly(local + " is up", local + " is down", local + " is up");
    }

    @Test
    void givenTheLocalPortalFlapsDuringTheFailbackDelay_whenItIsDownAgain_thenNoFailbackUntilItHasBeenUpForTheWholeDelay() throws Exception {
        Redirector r = start();
        stargates.stop(0);
        clock.advance(Duration.ofSeconds(1));
        r.login(INITIATOR, T, r.address());
        stargates.start(0);
        clock.advance(Duration.ofSeconds(5)); // up for 4 s
        stargates.stop(0);
        clock.advance(Duration.ofSeconds(12)); // down, long past the delay
        assertThat(endCalls).isEmpty();
        stargates.start(0);
        clock.advance(Duration.ofSeconds(10)); // up for 9 s
        assertThat(endCalls).isEmpty();

        clock.advance(Duration.ofSeconds(1));

        Await.until("failback call", Duration.ofSeconds(5), () -> endCalls.size() == 1);
        assertThat(endCalls.get(0).getValue()).containsExactly(new RedirectedLogin(INITIATOR, T));
        assertThat(lines("Portal " + hp(stargates.address(0)) + " is down")).isEqualTo(2);
    }

    @Test
    void givenTheSessionEnderFails_whenFailingBack_thenItIsAskedAgainOnALaterRound() throws Exception {
        Redirector r = start();
        stargates.stop(0);
        clock.advance(Duration.ofSeconds(1));
        r.login(INITIATOR, T, r.address());
        stargates.start(0);
        enderFailures.set(1);
        clock.advance(Duration.ofSeconds(11));
        Await.until("the failed attempt", Duration.ofSeconds(5), () -> enderFailures.get() == 0);
        assertThat(endCalls).isEmpty();
        assertThat(r.redirected()).isNotEmpty();

        Await.until("retried", Duration.ofSeconds(10), () -> {
            clock.advance(Duration.ofSeconds(1));
            return endCalls.size() == 1;
        });
        assertThat(r.redirected()).isEmpty();
    }
}
