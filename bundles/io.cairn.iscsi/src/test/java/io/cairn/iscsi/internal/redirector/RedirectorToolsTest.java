package io.cairn.iscsi.internal.redirector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.clock.Clock;
import io.cairn.common.clock.ManualClock;
import io.cairn.common.internal.SystemClock;
import io.cairn.iscsi.internal.TestStargates;
import io.cairn.iscsi.internal.redirector.SessionEnder.RedirectedLogin;
import io.cairn.storage.api.iscsi.PortalAddresses;

/**
 * Real initiators (libiscsi-bin, qemu-utils) against a redirector in front of in-JVM "Stargates":
 * where their sessions land, and a QEMU session that lives through a local portal kill and failback.
 */
class RedirectorToolsTest {

    static final String T = RedirectorTest.T;
    static final String INITIATOR = "iqn.2010-06.org.cairn:host-h1.vm-v1.e1";
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    TestStargates stargates;
    Redirector redirector;
    SystemClock systemClock;

    private Redirector start(Clock clock, Duration failbackDelay) throws IOException {
        stargates = new TestStargates(4, RedirectorTest.TARGETS.toArray(String[]::new));
        Redirector.Settings settings = Redirector.Settings
                .defaults(new InetSocketAddress("127.0.0.1", 0), stargates.address(0), stargates::addresses, dir.resolve("iscsi_redirector.log"))
                .withFailbackDelay(failbackDelay);
        // the cluster RPC of production, here a direct call to the remote Stargate's portal
        redirector = new Redirector(stargates.portals(), clock, (remote, logins) -> stargates.portal(stargates.nodeOf(remote))
                .endSessions(s -> logins.contains(new RedirectedLogin(s.initiatorName(), String.valueOf(s.targetName()))), 1000), settings);
        redirector.start();
        return redirector;
    }

    @AfterEach
    void tearDown() {
        if (redirector != null) {
            redirector.close();
        }
        if (stargates != null) {
            stargates.close();
        }
        if (systemClock != null) {
            systemClock.close();
        }
    }

    private String url(String target) {
        return "iscsi://127.0.0.1:" + redirector.address().getPort() + "/" + target + "/0";
    }

    @Test
    void givenAHealthyLocalStargate_whenIscsiInqAndQemuImgGoThroughTheRedirector_thenTheirSessionsEndAtTheLocalStargate() throws Exception {
        ManualClock clock = new ManualClock();
        start(clock, Redirector.Settings.FAILBACK_DELAY);
        clock.advance(Duration.ZERO);

        Run inq = run("iscsi-inq", "-i", INITIATOR, url(T));
        assertThat(inq.ok()).as(inq.output).isTrue();
        assertThat(inq.output).contains("CAIRN");
        assertThat(stargates.served(0)).containsExactly(INITIATOR + " " + T);

        byte[] content = new byte[16 << 20];
        new Random(42).nextBytes(content);
        Path in = dir.resolve("in.raw");
        Path out = dir.resolve("out.raw");
        Files.write(in, content);
        Run up = run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", in.toString(), url(T));
        Run down = run("qemu-img", "convert", "-f", "raw", "-O", "raw", url(T), out.toString());
        assertThat(up.ok()).as(up.output).isTrue();
        assertThat(down.ok()).as(down.output).isTrue();
        byte[] back = Files.readAllBytes(out);
        assertThat(java.util.Arrays.equals(back, 0, content.length, content, 0, content.length)).as("16 MiB identical").isTrue();
        assertThat(stargates.served(0)).hasSize(3);
        for (int i = 1; i < 4; i++) {
            assertThat(stargates.served(i)).isEmpty();
        }
    }

    @Test
    void givenTheLocalStargateDown_whenIscsiInqGoesThroughTheRedirector_thenItsSessionEndsAtTheHashChosenRemote() throws Exception {
        ManualClock clock = new ManualClock();
        start(clock, Redirector.Settings.FAILBACK_DELAY);
        stargates.stop(0);
        clock.advance(Duration.ZERO);
        assertThat(redirector.down(stargates.address(0))).isTrue();

        Run inq = run("iscsi-inq", "-i", INITIATOR, url(T));

        assertThat(inq.ok()).as(inq.output).isTrue();
        int chosen = stargates.nodeOf(PathOrder.remotePaths(T, stargates.addresses().subList(1, 4), 1).get(0));
        assertThat(stargates.served(chosen)).containsExactly(INITIATOR + " " + T);
    }

    /**
     * One qemu-io process (one libiscsi session) through the redirector, on the real clock (1 s probes):
     * the local portal is closed while a READ is in flight there; libiscsi reconnects through the
     * redirector, lands on the hash-chosen remote and re-sends the READ. The local portal comes back,
     * failback (2 s here) ends the remote session and the next commands run locally again. Every
     * pattern must verify, and the stall of the READ is printed.
     */
    @Test
    void givenAQemuIoSession_whenTheLocalStargateDiesWithAReadInFlightAndComesBack_thenItMovesToTheRemoteAndBackWithoutAnIoError()
            throws Exception {
        systemClock = SystemClock.withDefaults();
        start(systemClock, Duration.ofSeconds(2));
        Await.until("local portal up", Duration.ofSeconds(5), () -> redirector.up(stargates.address(0)));
        int remote = stargates.nodeOf(PathOrder.remotePaths(T, stargates.addresses().subList(1, 4), 1).get(0));

        Process qemu = start("qemu-io", "-f", "raw", "-c", "write -P 0x11 0 4M", "-c", "sleep 3000", "-c", "read -P 0x11 0 4M", "-c",
                "write -P 0x22 4M 4M", "-c", "sleep 8000", "-c", "read -P 0x22 4M 4M", "-c", "write -P 0x33 8M 4M", "-c", "read -P 0x33 8M 4M",
                url(T));
        Await.until("the session at the local Stargate", Duration.ofSeconds(10),
                () -> stargates.portal(0).sessions().stream().anyMatch(s -> T.equals(s.targetName()) && s.commands() > 0));
        String initiator = stargates.portal(0).sessions().get(0).initiatorName();
        awaitIdle(0); // the first write is done, qemu-io sleeps
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = stargates.holdNextRead(release);
        assertThat(held.await(10, TimeUnit.SECONDS)).as("the READ reached the local Stargate").isTrue();

        long killed = System.nanoTime();
        Thread stopper = Thread.ofVirtual().start(() -> stargates.stop(0));
        Await.until("marked down", Duration.ofSeconds(5), () -> redirector.down(stargates.address(0)));
        long markedDown = System.nanoTime();
        release.countDown(); // the connection is gone: the held READ's answer goes nowhere
        stopper.join(Duration.ofSeconds(15));
        Await.until("the session at the remote Stargate", Duration.ofSeconds(20),
                () -> stargates.portal(remote).sessions().stream().anyMatch(s -> T.equals(s.targetName())));
        long atRemote = System.nanoTime();

        stargates.start(0);
        Await.until("failed back to the local Stargate", Duration.ofSeconds(20),
                () -> stargates.portal(0).sessions().stream().anyMatch(s -> T.equals(s.targetName())));
        long back = System.nanoTime();

        assertThat(qemu.waitFor(60, TimeUnit.SECONDS)).as("qemu-io finished").isTrue();
        String output = new String(qemu.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        java.util.regex.Matcher stalled = java.util.regex.Pattern
                .compile("read 4194304/4194304 bytes at offset 0\\R4 MiB, 1 ops; (\\S+)").matcher(output);
        System.out.printf("redirector stall: local killed with a READ in flight -> marked down %d ms, -> session at remote %d ms, "
                + "READ time in qemu-io %s; local restarted -> session back %d ms%n%s%n", (markedDown - killed) / 1_000_000,
                (atRemote - killed) / 1_000_000, stalled.find() ? stalled.group(1) : "?", (back - atRemote) / 1_000_000, output);
        assertThat(qemu.exitValue()).as(output).isZero();
        assertThat(output).doesNotContain("Pattern verification failed", "error", "failed");
        assertThat(output.split("read 4194304/4194304 bytes", -1)).hasSize(4);
        assertThat(stargates.served(0)).containsExactly(initiator + " " + T, initiator + " " + T);
        assertThat(stargates.served(remote)).containsExactly(initiator + " " + T);
        String local = "Portal " + PortalAddresses.hostPort(stargates.address(0));
        assertThat(Files.readAllLines(dir.resolve("iscsi_redirector.log"))).filteredOn(l -> l.contains(local))
                .extracting(l -> l.substring(l.indexOf(' ') + 1)).containsExactly(local + " is up", local + " is down", local + " is up");
    }

    /** Waits until the node's sessions have answered no command for 500 ms. */
    private void awaitIdle(int node) throws InterruptedException {
        long[] last = {-1, System.nanoTime()};
        Await.until("idle session", Duration.ofSeconds(10), () -> {
            long n = stargates.portal(node).sessions().stream().mapToLong(s -> s.commands()).sum();
            if (n != last[0]) {
                last[0] = n;
                last[1] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - last[1] > 500_000_000L;
        });
    }

    record Run(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private static void require(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return;
            }
        }
        fail(tool + " is not installed; apt-get install libiscsi-bin qemu-utils");
    }

    private static Process start(String... command) throws IOException {
        require(command[0]);
        return new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    }

    private static Run run(String... command) throws IOException, InterruptedException {
        Process p = start(command);
        // the tools print little: reading after the exit cannot block on a full pipe
        if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            return new Run(-1, "timed out: " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
