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

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue #8, spec 50 §1 "DSIP holder dies" in layer-2 mode: a 3-node cluster (127.0.1.171-173, in this
 * network namespace) whose nodes have {@code volumes_dsip_interface=cvip<n>}, veths whose peers sit on
 * bridge {@code cvipsbr} in observer namespace {@code cvipsys} (198.18.7.1/24, {@code arp_accept=1},
 * tcpdump on the bridge); the data services IP is 198.18.7.100/24. The Volumes leader is killed with
 * SIGKILL: the address comes up on the new leader's interface with gratuitous ARPs, the observer's
 * neighbour entry moves to that interface's MAC without the observer asking, and {@code iscsi-ls}
 * run in the observer namespace through the DSIP works again; the gaps are printed. The killed node,
 * started again, removes the copy of the address it left behind. Nothing touches a real interface;
 * the namespace and links are removed at the end.
 *
 * <p>All three nodes share one kernel here, so a packet for the DSIP reaches whichever node listens on
 * it whatever MAC it was sent to; the layer-2 move itself is what the neighbour entry and the capture show.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VolumesLayer2Test {

    static final String NS = "cvipsys";
    static final String BRIDGE = "cvipsbr";
    static final String OBSERVER_IP = "198.18.7.1";
    static final String DSIP = "198.18.7.100";
    static final String X = "iqn.2026-12.org.cairn.test:l2x";
    private static final Duration TOOL = Duration.ofSeconds(60);
    private LoopbackCluster cluster;
    private Path work;
    private Path capture;
    private Process tcpdump;
    private final List<String> macs = new ArrayList<>();

    static String iface(int node) {
        return "cvip" + (node + 1);
    }

    @BeforeAll
    void form() throws Exception {
        removeNetwork();
        must("ip", "netns", "add", NS);
        must("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up");
        must("ip", "netns", "exec", NS, "ip", "link", "add", BRIDGE, "type", "bridge");
        must("ip", "netns", "exec", NS, "sysctl", "-qw", "net.ipv4.conf." + BRIDGE + ".arp_accept=1");
        must("ip", "netns", "exec", NS, "ip", "addr", "add", OBSERVER_IP + "/24", "dev", BRIDGE);
        must("ip", "netns", "exec", NS, "ip", "link", "set", BRIDGE, "up");
        for (int i = 0; i < 3; i++) {
            String side = iface(i);
            must("ip", "link", "add", side, "type", "veth", "peer", "name", side + "-p");
            must("ip", "link", "set", side + "-p", "netns", NS);
            must("ip", "netns", "exec", NS, "ip", "link", "set", side + "-p", "master", BRIDGE, "up");
            // all nodes share this namespace: only the interface holding the DSIP answers ARP for it; loose reverse-path check
            must("sysctl", "-qw", "net.ipv4.conf." + side + ".arp_ignore=1");
            must("sysctl", "-qw", "net.ipv4.conf." + side + ".rp_filter=2");
            must("ip", "link", "set", side, "up");
            Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(sh("ip", "-o", "link", "show", "dev", side));
            assertThat(m.find()).isTrue();
            macs.add(m.group(1));
        }
        work = Files.createTempDirectory("cairn-volumes-l2");
        capture = work.resolve("arp.txt");
        tcpdump = new ProcessBuilder("ip", "netns", "exec", NS, "timeout", "1200", "tcpdump", "-l", "-n", "-e", "-i", BRIDGE, "arp")
                .redirectErrorStream(true).redirectOutput(capture.toFile()).start();
        LoopbackCluster.waitFor(Duration.ofSeconds(10), () -> read().contains("listening on"), "tcpdump listening");

        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 170, 3);
        for (int i = 0; i < 3; i++) {
            Path config = Files.createDirectories(cluster.home(i).resolve("etc/config"));
            Files.writeString(config.resolve("io.cairn.volumes.json"),
                    "{\"volumes_dsip_interface\": \"" + iface(i) + "\", \"volumes_dsip_prefix_length\": 24}\n");
        }
        cluster.startAll();
        cluster.createWithMedusa();
        VolumesTest.ok(cluster.ncli(0, "ctr", "create", "name=vc", "rf=2"));
        VolumesTest.ok(cluster.cli(0, "acli", "vg.create", "vgl2"));
        VolumesTest.ok(cluster.cli(0, "acli", "vg.disk_create", "vgl2", "container=vc", "create_size=16M"));
        VolumesTest.ok(cluster.cli(0, "acli", "vg.attach_external", "vgl2", X));
        VolumesTest.ok(cluster.ncli(1, "cluster", "edit-params", "external-data-services-ip-address=" + DSIP));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (cluster != null) {
                cluster.closeKeepingLogs("volumes-l2-logs");
            }
        } finally {
            if (tcpdump != null) {
                tcpdump.destroy();
                tcpdump.waitFor(5, TimeUnit.SECONDS);
                tcpdump.destroyForcibly();
            }
            removeNetwork();
            if (capture != null && Files.exists(capture)) {
                Path logs = Files.createDirectories(Path.of("target", "volumes-l2-logs"));
                Files.move(capture, logs.resolve("arp.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            if (work != null) {
                Files.deleteIfExists(work); // the cluster directory under it is deleted by closeKeepingLogs
            }
        }
    }

    private static void removeNetwork() throws Exception {
        for (int i = 0; i < 3; i++) {
            sh("ip", "link", "del", iface(i)); // also removes a DSIP a killed node left on it
        }
        sh("ip", "netns", "del", NS);
    }

    @Test
    void givenALayer2Dsip_whenTheVolumesLeaderIsKilled9_thenTheDsipComesUpOnTheNewLeaderWithGratuitousArps_andIscsiLsWorksAgain()
            throws Exception {
        // the leader holds the DSIP on its interface; the observer reaches it and knows its MAC
        LoopbackCluster.waitFor(Duration.ofSeconds(60), () -> holders().size() == 1, "one node holds " + DSIP);
        int leader = holders().get(0);
        LoopbackCluster.waitFor(Duration.ofSeconds(30), () -> garps(macs.get(leader)) >= 3, "3 gratuitous ARPs from " + iface(leader));
        Proc ls = observerLs();
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        assertThat(ls.output()).contains("Target:").contains("vgl2");
        assertThat(neighbour()).isEqualTo(macs.get(leader));
        assertThat(cluster.call(leader, "volumes.status", Map.of()).path("dsip_portal_here").asBoolean()).isTrue();
        System.out.printf("DSIP %s on node %d (%s, %s)%n", DSIP, leader + 1, iface(leader), macs.get(leader));

        // kill -9: the leader cannot take its address down; the next leader takes over with gratuitous ARPs
        Thread.sleep(1500); // the Linux ARP locktime (1 s) must not hide the move
        int requestsBefore = observerRequests(true);
        int probesBefore = observerRequests(false);
        long t0 = System.nanoTime();
        cluster.kill9(leader);
        long killed = System.nanoTime();
        String mac = neighbour();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while ((mac.equals(macs.get(leader)) || mac.isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            mac = neighbour();
        }
        long moved = System.nanoTime();
        int next = macs.indexOf(mac);
        assertThat(next).as("the observer's entry for " + DSIP + " moved to another node's interface (now " + mac + ")")
                .isNotNegative().isNotEqualTo(leader);
        // a broadcast request could be answered by the new holder and move the entry without any gratuitous ARP: none may
        // come first; unicast probes to the old MAC (the kernel re-checking the entry after iscsi-ls) cannot move it
        assertThat(observerRequests(true)).as("broadcast ARP requests the observer sent before its entry moved").isEqualTo(requestsBefore);
        int probes = observerRequests(false) - probesBefore;
        assertThat(addresses(iface(next))).contains(DSIP + "/24");
        Proc again = observerLs();
        long t2 = System.nanoTime();
        while (again.exitCode() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            again = observerLs();
            t2 = System.nanoTime();
        }
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("vgl2");
        LoopbackCluster.waitFor(Duration.ofSeconds(30), () -> garps(macs.get(next)) >= 3, "3 gratuitous ARPs from " + iface(next));
        assertThat(cluster.call(next, "volumes.status", Map.of()).path("dsip_portal_here").asBoolean()).isTrue();
        System.out.printf("kill -9 of node %d (took %.1f s to die): DSIP on node %d's %s; observer's neighbour entry moved %.2f s after "
                + "the kill; iscsi-ls through the DSIP answered again %.2f s after the kill (zeus_session_timeout_secs 6; spec: "
                + "within session timeout + 5 s); unicast probes from the observer to the old MAC meanwhile: %d%n", leader + 1,
                (killed - t0) / 1e9, next + 1, iface(next), (moved - t0) / 1e9, (t2 - t0) / 1e9, probes);

        // the killed node's copy is still on its interface; started again, the node removes it (stale copy)
        assertThat(addresses(iface(leader))).contains(DSIP + "/24");
        Proc back = cluster.startNode(leader);
        assertThat(back.exitCode()).as(back.output()).isZero();
        LoopbackCluster.waitFor(Duration.ofSeconds(120), () -> !addresses(iface(leader)).contains(DSIP + "/24"),
                "node " + (leader + 1) + " removes the stale " + DSIP + " from " + iface(leader));
        assertThat(addresses(iface(next))).contains(DSIP + "/24");
        assertThat(neighbour()).isEqualTo(macs.get(next));
    }

    // ---- helpers

    /** The nodes whose interface has the DSIP now. */
    List<Integer> holders() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (addresses(iface(i)).contains(DSIP + "/24")) {
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

    Proc observerLs() throws Exception {
        return Proc.run(TOOL, work, Map.of(), List.of("ip", "netns", "exec", NS, "timeout", "20", "iscsi-ls", "-i", X,
                "iscsi://" + DSIP + ":3260/"));
    }

    String neighbour() {
        Matcher m = Pattern.compile("lladdr ([0-9a-f:]{17})").matcher(sh("ip", "netns", "exec", NS, "ip", "neigh", "show", DSIP, "dev", BRIDGE));
        return m.find() ? m.group(1) : "";
    }

    int garps(String mac) {
        return (int) read().lines().filter(l -> l.contains(mac + " > ff:ff:ff:ff:ff:ff") && l.contains("who-has " + DSIP + " ")
                && l.contains("tell " + DSIP + ",")).count();
    }

    /** ARP requests for the DSIP the observer sent so far: broadcast ones (resolution), or unicast ones (probes of its entry). */
    int observerRequests(boolean broadcast) {
        return (int) read().lines().filter(l -> l.contains("who-has " + DSIP + " ") && l.contains("tell " + OBSERVER_IP + ",")
                && l.contains("> ff:ff:ff:ff:ff:ff,") == broadcast).count();
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
