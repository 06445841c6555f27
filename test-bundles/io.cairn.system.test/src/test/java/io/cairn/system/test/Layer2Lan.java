package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test-only layer-2 segment for virtual-IP takeover tests: observer namespace {@code ns} with bridge
 * {@code bridge} (the observer's address on it, {@code arp_accept=1}, tcpdump capturing ARP), and one
 * veth per node whose near end ({@code <prefix><n>}) stays in this namespace for the node to put the
 * virtual IP on. Addresses are from 198.18.0.0/15; nothing touches a real interface, and
 * {@link #close()} removes the links and the namespace.
 *
 * <p>All nodes share one kernel here, so a packet for the virtual IP reaches whichever node listens
 * on it whatever MAC it was sent to; the layer-2 move itself is what the observer's neighbour entry
 * and the capture show.
 */
final class Layer2Lan {

    final String ns;
    final String bridge;
    final String prefix;
    final String observerIp;
    final int nodes;
    final List<String> macs = new ArrayList<>();
    private final Path capture;
    private Process tcpdump;

    Layer2Lan(String ns, String bridge, String prefix, String observerCidr, int nodes, Path work) throws Exception {
        this.ns = ns;
        this.bridge = bridge;
        this.prefix = prefix;
        this.observerIp = observerCidr.substring(0, observerCidr.indexOf('/'));
        this.nodes = nodes;
        this.capture = work.resolve("arp-" + ns + ".txt");
        removeLinks();
        must("ip", "netns", "add", ns);
        must("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        must("ip", "netns", "exec", ns, "ip", "link", "add", bridge, "type", "bridge");
        must("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.conf." + bridge + ".arp_accept=1");
        must("ip", "netns", "exec", ns, "ip", "addr", "add", observerCidr, "dev", bridge);
        must("ip", "netns", "exec", ns, "ip", "link", "set", bridge, "up");
        for (int i = 0; i < nodes; i++) {
            String side = iface(i);
            must("ip", "link", "add", side, "type", "veth", "peer", "name", side + "-p");
            must("ip", "link", "set", side + "-p", "netns", ns);
            must("ip", "netns", "exec", ns, "ip", "link", "set", side + "-p", "master", bridge, "up");
            // all nodes share this namespace: only the interface holding the address answers ARP for it; loose reverse-path check
            must("sysctl", "-qw", "net.ipv4.conf." + side + ".arp_ignore=1");
            must("sysctl", "-qw", "net.ipv4.conf." + side + ".rp_filter=2");
            must("ip", "link", "set", side, "up");
            Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(sh("ip", "-o", "link", "show", "dev", side));
            assertThat(m.find()).isTrue();
            macs.add(m.group(1));
        }
        tcpdump = new ProcessBuilder("ip", "netns", "exec", ns, "timeout", "1200", "tcpdump", "-l", "-n", "-e", "-i", bridge, "arp")
                .redirectErrorStream(true).redirectOutput(capture.toFile()).start();
        LoopbackCluster.waitFor(Duration.ofSeconds(10), () -> read().contains("listening on"), "tcpdump listening");
    }

    /** Node {@code node}'s interface (0-based index). */
    String iface(int node) {
        return prefix + (node + 1);
    }

    /** Stops the capture (kept as {@code target/<logs>/arp.txt}) and removes the links and the namespace. */
    void close(String logs) throws Exception {
        try {
            if (tcpdump != null) {
                tcpdump.destroy();
                tcpdump.waitFor(5, TimeUnit.SECONDS);
                tcpdump.destroyForcibly();
            }
        } finally {
            removeLinks();
            if (Files.exists(capture)) {
                Path dir = Files.createDirectories(Path.of("target", logs));
                Files.move(capture, dir.resolve("arp.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private void removeLinks() {
        for (int i = 0; i < nodes; i++) {
            sh("ip", "link", "del", iface(i)); // also removes an address a killed node left on it
        }
        sh("ip", "netns", "del", ns);
    }

    /** The nodes whose interface has {@code cidr} now. */
    List<Integer> holders(String cidr) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            if (addresses(iface(i)).contains(cidr)) {
                out.add(i);
            }
        }
        return out;
    }

    static List<String> addresses(String iface) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\binet (\\S+)").matcher(sh("ip", "-o", "-4", "addr", "show", "dev", iface));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The MAC the observer's neighbour table has for {@code ip} on the bridge, or "". */
    String neighbour(String ip) {
        Matcher m = Pattern.compile("lladdr ([0-9a-f:]{17})").matcher(sh("ip", "netns", "exec", ns, "ip", "neigh", "show", ip, "dev", bridge));
        return m.find() ? m.group(1) : "";
    }

    /** Gratuitous ARPs (sender = target = {@code ip}, broadcast) captured from {@code mac}. */
    int garps(String mac, String ip) {
        return (int) read().lines().filter(l -> l.contains(mac + " > ff:ff:ff:ff:ff:ff") && l.contains("who-has " + ip + " ")
                && l.contains("tell " + ip + ",")).count();
    }

    /** ARP requests for {@code ip} the observer sent so far: broadcast ones (resolution), or unicast ones (probes of its entry). */
    int observerRequests(String ip, boolean broadcast) {
        return (int) read().lines().filter(l -> l.contains("who-has " + ip + " ") && l.contains("tell " + observerIp + ",")
                && l.contains("> ff:ff:ff:ff:ff:ff,") == broadcast).count();
    }

    /** Runs {@code command} in the observer namespace (bounded by {@code timeout}). */
    Proc inObserver(Path cwd, Duration timeout, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "timeout", String.valueOf(timeout.toSeconds())));
        cmd.addAll(List.of(command));
        return Proc.run(timeout.plusSeconds(10), cwd, Map.of(), cmd);
    }

    String read() {
        try {
            return Files.readString(capture, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static void must(String... command) throws Exception {
        Proc p = Proc.run(Duration.ofSeconds(30), Path.of("/"), Map.of(), List.of(command));
        assertThat(p.exitCode()).as(String.join(" ", command) + ": " + p.output()
                + " (this test needs root, iproute2, arping, tcpdump and libiscsi-bin: bin/setup)").isZero();
    }

    static String sh(String... command) {
        try {
            return Proc.run(Duration.ofSeconds(30), Path.of("/"), Map.of(), List.of(command)).output();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
