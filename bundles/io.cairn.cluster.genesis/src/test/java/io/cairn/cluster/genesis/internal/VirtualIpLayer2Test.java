package io.cairn.cluster.genesis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.vip.VirtualIp;
import io.cairn.cluster.api.vip.VirtualIpException;
import io.cairn.cluster.api.vip.VirtualIpSpec;
import io.cairn.hal.linux.internal.LinuxInterfaceAddresses;

/**
 * The virtual IP holder in layer-2 mode over the real Linux provider ({@code ip}, {@code arping}),
 * on a test-only link: two holder sides {@code cvipa}, {@code cvipb} (veths in this namespace) whose
 * peers sit on bridge {@code cvipbr} in observer namespace {@code cvipobs}, which has 198.18.7.129/25
 * (the upper half of 198.18.7.0/24: the system test {@code VolumesLayer2Test} uses the /24),
 * accepts gratuitous ARPs into its neighbour table ({@code arp_accept=1}) and captures every ARP frame
 * with tcpdump. Nothing is connected to a real interface; everything is removed in {@link #tearDown()}.
 * Needs root (CAP_NET_ADMIN, CAP_NET_RAW), iproute2, arping and tcpdump ({@code bin/setup}).
 */
class VirtualIpLayer2Test {

    private static final String NS = "cvipobs";
    private static final String BRIDGE = "cvipbr";
    private static final String A = "cvipa";
    private static final String B = "cvipb";
    private static final String OBSERVER_IP = "198.18.7.129";
    private static final String VIP = "198.18.7.200";
    private static Path capture;
    private static Process tcpdump;
    private static String macA;
    private static String macB;
    private static String macObserver;

    @BeforeAll
    static void setUp() throws Exception {
        tearDownLinks();
        must("ip", "netns", "add", NS);
        must("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up");
        must("ip", "netns", "exec", NS, "ip", "link", "add", BRIDGE, "type", "bridge");
        must("ip", "netns", "exec", NS, "sysctl", "-qw", "net.ipv4.conf." + BRIDGE + ".arp_accept=1");
        must("ip", "netns", "exec", NS, "ip", "addr", "add", OBSERVER_IP + "/25", "dev", BRIDGE);
        must("ip", "netns", "exec", NS, "ip", "link", "set", BRIDGE, "up");
        for (String side : List.of(A, B)) {
            must("ip", "link", "add", side, "type", "veth", "peer", "name", side + "-p");
            must("ip", "link", "set", side + "-p", "netns", NS);
            must("ip", "netns", "exec", NS, "ip", "link", "set", side + "-p", "master", BRIDGE, "up");
            // only the side that has the address answers for it (both sides live in this one namespace)
            must("sysctl", "-qw", "net.ipv4.conf." + side + ".arp_ignore=1");
            must("ip", "link", "set", side, "up");
        }
        macA = mac(sh("ip", "-o", "link", "show", "dev", A));
        macB = mac(sh("ip", "-o", "link", "show", "dev", B));
        macObserver = mac(sh("ip", "netns", "exec", NS, "ip", "-o", "link", "show", "dev", BRIDGE));
        capture = Files.createTempFile("cvip-arp", ".txt");
        tcpdump = new ProcessBuilder("ip", "netns", "exec", NS, "timeout", "300", "tcpdump", "-l", "-n", "-e", "-i", BRIDGE, "arp")
                .redirectErrorStream(true).redirectOutput(capture.toFile()).start();
        await("tcpdump listening", Duration.ofSeconds(10), () -> read(capture).contains("listening on"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (tcpdump != null) {
            tcpdump.destroy();
            tcpdump.waitFor(5, TimeUnit.SECONDS);
            tcpdump.destroyForcibly();
        }
        tearDownLinks();
        if (capture != null) {
            Files.deleteIfExists(capture);
        }
    }

    private static void tearDownLinks() throws Exception {
        sh("ip", "link", "del", A);
        sh("ip", "link", "del", B);
        sh("ip", "netns", "del", NS);
    }

    private static VirtualIpHolder holder() {
        return new VirtualIpHolder(new LinuxInterfaceAddresses("ip", "arping", 10), 3, Duration.ofMillis(1000));
    }

    @Test
    void givenTwoHolders_whenTheFirstReleasesAndTheSecondAcquires_thenTheObserverMovesToTheSecondMacFromGratuitousArpsAlone() throws Exception {
        VirtualIpHolder holder = holder();
        try (VirtualIp a = holder.open(VirtualIpSpec.layer2(VIP, A, 25)); VirtualIp b = holder.open(VirtualIpSpec.layer2(VIP, B, 25))) {
            int before = garps(macA);
            assertThat(a.acquire().toCompletableFuture().get(20, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(a.held()).isTrue();
            assertThat(addresses(A)).containsExactly(VIP + "/25");
            await("3 gratuitous ARPs from " + A + " (" + macA + ") seen by the observer", Duration.ofSeconds(10),
                    () -> garps(macA) - before >= 3);
            assertThat(garps(macA) - before).isEqualTo(3);
            assertThat(neighbour()).isEqualTo(macA);
            a.acquire().toCompletableFuture().get(20, TimeUnit.SECONDS); // idempotent: still one copy
            assertThat(addresses(A)).containsExactly(VIP + "/25");

            int requestsBefore = observerRequests();
            int garpsB = garps(macB);
            long t0 = System.nanoTime();
            a.release();
            var sent = b.acquire();
            long added = System.nanoTime();
            String seen = pollNeighbour(macB, Duration.ofSeconds(10));
            long moved = System.nanoTime();
            assertThat(seen).as("observer's neighbour entry for " + VIP).isEqualTo(macB);
            assertThat(sent.toCompletableFuture().get(20, TimeUnit.SECONDS)).isEqualTo(3);
            await("3 gratuitous ARPs from " + B, Duration.ofSeconds(10), () -> garps(macB) - garpsB >= 3);
            assertThat(observerRequests()).as("ARP requests the observer sent during the takeover").isEqualTo(requestsBefore);
            assertThat(addresses(A)).isEmpty();
            assertThat(addresses(B)).containsExactly(VIP + "/25");
            System.out.printf("layer-2 takeover %s -> %s: release+add %.1f ms, observer's entry moved %.1f ms after the release%n",
                    A, B, (added - t0) / 1e6, (moved - t0) / 1e6);
            b.release();
            assertThat(addresses(B)).isEmpty();
            b.release(); // idempotent
        }
    }

    @Test
    void givenAHolderKilledWithTheAddressUp_whenAnotherAcquiresAndTheKilledOneReopens_thenTheObserverMovesAndTheStaleCopyIsRemoved() throws Exception {
        VirtualIpHolder holder = holder();
        VirtualIp a = holder.open(VirtualIpSpec.layer2(VIP, A, 25));
        a.acquire().toCompletableFuture().get(20, TimeUnit.SECONDS);
        await("observer on " + macA, Duration.ofSeconds(10), () -> macA.equals(neighbour()));
        // "killed": A never releases; B takes over while A's copy is still up
        try (VirtualIp b = holder().open(VirtualIpSpec.layer2(VIP, B, 25))) {
            long t0 = System.nanoTime();
            var sent = b.acquire();
            String seen = pollNeighbour(macB, Duration.ofSeconds(10));
            System.out.printf("takeover from a holder that did not release: observer's entry moved %.1f ms after the add%n",
                    (System.nanoTime() - t0) / 1e6);
            assertThat(seen).isEqualTo(macB);
            assertThat(sent.toCompletableFuture().get(20, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(addresses(A)).containsExactly(VIP + "/25");
            // A's node starts again: opening the virtual IP removes what the killed run left
            try (VirtualIp again = holder().open(VirtualIpSpec.layer2(VIP, A, 25))) {
                assertThat(again.held()).isFalse();
                assertThat(addresses(A)).isEmpty();
                assertThat(addresses(B)).containsExactly(VIP + "/25");
            }
        }
        assertThat(addresses(B)).isEmpty();
        holder.deactivate();
    }

    @Test
    void givenBadSettings_whenOpenedOrAcquired_thenClearErrors() throws Exception {
        VirtualIpHolder holder = holder();
        assertThatThrownBy(() -> holder.open(VirtualIpSpec.layer2(VIP, "cvipnone", 25)))
                .isInstanceOf(VirtualIpException.class).hasMessageContaining("'cvipnone' does not exist").hasMessageContaining("ip link");
        assertThatThrownBy(() -> holder.open(VirtualIpSpec.layer2("198.18.7.300", A, 25)))
                .isInstanceOf(VirtualIpException.class).hasMessageContaining("not an IPv4 address");
        assertThatThrownBy(() -> holder.open(VirtualIpSpec.layer2(VIP, A, 33)))
                .isInstanceOf(VirtualIpException.class).hasMessageContaining("1..32");
        assertThatThrownBy(() -> holder.open(VirtualIpSpec.layer2(VIP, "bad name", 25)))
                .isInstanceOf(VirtualIpException.class).hasMessageContaining("not an interface name");
        assertThatThrownBy(() -> holder.open(VirtualIpSpec.layer2(VIP, "lo", 25)))
                .isInstanceOf(VirtualIpException.class).hasMessageContaining("no Ethernet address");
        assertThatThrownBy(() -> new VirtualIpHolder(new LinuxInterfaceAddresses("/nonexistent/ip", "arping", 10), 3, Duration.ZERO)
                .open(VirtualIpSpec.layer2(VIP, A, 25)))
                .isInstanceOf(VirtualIpException.class).hasMessageContaining("install the Debian package iproute2");
        // no permission: ip run with CAP_NET_ADMIN and CAP_NET_RAW dropped from its bounding set (root loses them at exec)
        Path dir = Files.createTempDirectory("cvip-nocap");
        try {
            Path ip = dir.resolve("ip");
            Files.writeString(ip, "#!/bin/sh\nexec setpriv --bounding-set=-net_admin,-net_raw ip \"$@\"\n");
            ip.toFile().setExecutable(true);
            VirtualIpHolder noCaps = new VirtualIpHolder(new LinuxInterfaceAddresses(ip.toString(), "arping", 10), 3, Duration.ZERO);
            VirtualIp a = noCaps.open(VirtualIpSpec.layer2(VIP, A, 25)); // looking needs no capability
            assertThatThrownBy(a::acquire).isInstanceOf(VirtualIpException.class)
                    .hasMessageContaining("Operation not permitted").hasMessageContaining("CAP_NET_ADMIN");
            assertThat(a.held()).isFalse();
            assertThat(addresses(A)).isEmpty();
        } finally {
            Files.deleteIfExists(dir.resolve("ip"));
            Files.deleteIfExists(dir);
        }
        // arping missing: the address is still added (sockets can bind), the announcement fails saying what to install
        VirtualIpHolder noArping = new VirtualIpHolder(new LinuxInterfaceAddresses("ip", "/nonexistent/arping", 10), 3, Duration.ZERO);
        try (VirtualIp a = noArping.open(VirtualIpSpec.layer2(VIP, A, 25))) {
            var sent = a.acquire().toCompletableFuture();
            assertThatThrownBy(() -> sent.join()).isInstanceOf(CompletionException.class)
                    .hasMessageContaining("install the Debian package arping");
            assertThat(addresses(A)).containsExactly(VIP + "/25");
        }
        assertThat(addresses(A)).isEmpty();
        // loopback mode configures nothing
        try (VirtualIp lo = holder.open(VirtualIpSpec.loopback("127.0.1.140"))) {
            assertThat(lo.acquire().toCompletableFuture().get()).isZero();
            assertThat(lo.held()).isTrue();
        }
        try (VirtualIp lo6 = holder.open(VirtualIpSpec.loopback("::1"))) { // loopback mode binds any literal the caller has
            assertThat(lo6.acquire().toCompletableFuture().get()).isZero();
        }
    }

    // ---- observer side

    /** Gratuitous ARPs from {@code mac} for the VIP in the capture so far. */
    private static int garps(String mac) throws IOException {
        int n = 0;
        for (String line : read(capture).split("\n")) {
            if (line.contains(mac + " > ff:ff:ff:ff:ff:ff") && line.contains("who-has " + VIP) && line.contains("tell " + VIP + ",")) {
                n++;
            }
        }
        return n;
    }

    /** ARP requests the observer sent so far. */
    private static int observerRequests() throws IOException {
        int n = 0;
        for (String line : read(capture).split("\n")) {
            if (line.contains(" " + macObserver + " >") && line.contains("Request")) {
                n++;
            }
        }
        return n;
    }

    /** The observer's neighbour entry for the VIP: its MAC, or "" when it has none. */
    private static String neighbour() {
        try {
            Matcher m = Pattern.compile("lladdr ([0-9a-f:]{17})").matcher(sh("ip", "netns", "exec", NS, "ip", "neigh", "show", VIP, "dev", BRIDGE));
            return m.find() ? m.group(1) : "";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls the observer's entry (every 2 ms) until it is {@code mac} or the deadline passes; returns the last seen. */
    private static String pollNeighbour(String mac, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        String seen = neighbour();
        while (!mac.equals(seen) && System.nanoTime() < end) {
            Thread.sleep(2);
            seen = neighbour();
        }
        return seen;
    }

    private static List<String> addresses(String iface) throws Exception {
        return new LinuxInterfaceAddresses("ip", "arping", 10).addresses(iface);
    }

    // ---- helpers

    private static String mac(String ipLinkLine) {
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(ipLinkLine);
        if (!m.find()) {
            throw new IllegalStateException("no MAC in " + ipLinkLine);
        }
        return m.group(1);
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    private static void await(String what, Duration deadline, BooleanSupplierWithIo condition) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline + ": " + what + "\ncapture:\n" + read(capture));
            }
            Thread.sleep(20);
        }
    }

    @FunctionalInterface
    private interface BooleanSupplierWithIo {
        boolean get() throws Exception;
    }

    private static void must(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out
                    + " (this test needs root and iproute2, arping and tcpdump: run bin/setup)");
        }
    }

    private static String sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }
}
