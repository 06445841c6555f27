package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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

    static final String DSIP = "198.18.7.100";
    static final String X = "iqn.2026-12.org.cairn.test:l2x";
    private LoopbackCluster cluster;
    private Path work;
    private Layer2Lan lan;

    @BeforeAll
    void form() throws Exception {
        work = Files.createTempDirectory("cairn-volumes-l2");
        lan = new Layer2Lan("cvipsys", "cvipsbr", "cvip", "198.18.7.1/24", 3, work);
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 170, 3);
        for (int i = 0; i < 3; i++) {
            Path config = Files.createDirectories(cluster.home(i).resolve("etc/config"));
            Files.writeString(config.resolve("io.cairn.volumes.json"),
                    "{\"volumes_dsip_interface\": \"" + lan.iface(i) + "\", \"volumes_dsip_prefix_length\": 24}\n");
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
            if (lan != null) {
                lan.close("volumes-l2-logs");
            }
            if (work != null) {
                Files.deleteIfExists(work); // the cluster directory under it is deleted by closeKeepingLogs
            }
        }
    }

    @Test
    void givenALayer2Dsip_whenTheVolumesLeaderIsKilled9_thenTheDsipComesUpOnTheNewLeaderWithGratuitousArps_andIscsiLsWorksAgain()
            throws Exception {
        String cidr = DSIP + "/24";
        List<String> macs = lan.macs;
        // the leader holds the DSIP on its interface; the observer reaches it and knows its MAC
        LoopbackCluster.waitFor(Duration.ofSeconds(60), () -> lan.holders(cidr).size() == 1, "one node holds " + DSIP);
        int leader = lan.holders(cidr).get(0);
        LoopbackCluster.waitFor(Duration.ofSeconds(30), () -> lan.garps(macs.get(leader), DSIP) >= 3, "3 gratuitous ARPs from "
                + lan.iface(leader));
        Proc ls = observerLs();
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        assertThat(ls.output()).contains("Target:").contains("vgl2");
        assertThat(lan.neighbour(DSIP)).isEqualTo(macs.get(leader));
        assertThat(cluster.call(leader, "volumes.status", Map.of()).path("dsip_portal_here").asBoolean()).isTrue();
        System.out.printf("DSIP %s on node %d (%s, %s)%n", DSIP, leader + 1, lan.iface(leader), macs.get(leader));

        // kill -9: the leader cannot take its address down; the next leader takes over with gratuitous ARPs
        Thread.sleep(1500); // the Linux ARP locktime (1 s) must not hide the move
        int requestsBefore = lan.observerRequests(DSIP, true);
        int probesBefore = lan.observerRequests(DSIP, false);
        long t0 = System.nanoTime();
        cluster.kill9(leader);
        long killed = System.nanoTime();
        String mac = lan.neighbour(DSIP);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while ((mac.equals(macs.get(leader)) || mac.isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            mac = lan.neighbour(DSIP);
        }
        long moved = System.nanoTime();
        int next = macs.indexOf(mac);
        assertThat(next).as("the observer's entry for " + DSIP + " moved to another node's interface (now " + mac + ")")
                .isNotNegative().isNotEqualTo(leader);
        // a broadcast request could be answered by the new holder and move the entry without any gratuitous ARP: none may
        // come first; unicast probes to the old MAC (the kernel re-checking the entry after iscsi-ls) cannot move it
        assertThat(lan.observerRequests(DSIP, true)).as("broadcast ARP requests the observer sent before its entry moved")
                .isEqualTo(requestsBefore);
        int probes = lan.observerRequests(DSIP, false) - probesBefore;
        assertThat(Layer2Lan.addresses(lan.iface(next))).contains(cidr);
        Proc again = observerLs();
        long t2 = System.nanoTime();
        while (again.exitCode() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            again = observerLs();
            t2 = System.nanoTime();
        }
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("vgl2");
        LoopbackCluster.waitFor(Duration.ofSeconds(30), () -> lan.garps(macs.get(next), DSIP) >= 3, "3 gratuitous ARPs from "
                + lan.iface(next));
        assertThat(cluster.call(next, "volumes.status", Map.of()).path("dsip_portal_here").asBoolean()).isTrue();
        System.out.printf("kill -9 of node %d (took %.1f s to die): DSIP on node %d's %s; observer's neighbour entry moved %.2f s after "
                + "the kill; iscsi-ls through the DSIP answered again %.2f s after the kill (zeus_session_timeout_secs 6; spec: "
                + "within session timeout + 5 s); unicast probes from the observer to the old MAC meanwhile: %d%n", leader + 1,
                (killed - t0) / 1e9, next + 1, lan.iface(next), (moved - t0) / 1e9, (t2 - t0) / 1e9, probes);

        // the killed node's copy is still on its interface; started again, the node removes it (stale copy)
        assertThat(Layer2Lan.addresses(lan.iface(leader))).contains(cidr);
        Proc back = cluster.startNode(leader);
        assertThat(back.exitCode()).as(back.output()).isZero();
        LoopbackCluster.waitFor(Duration.ofSeconds(120), () -> !Layer2Lan.addresses(lan.iface(leader)).contains(cidr),
                "node " + (leader + 1) + " removes the stale " + DSIP + " from " + lan.iface(leader));
        assertThat(Layer2Lan.addresses(lan.iface(next))).contains(cidr);
        assertThat(lan.neighbour(DSIP)).isEqualTo(macs.get(next));
    }

    Proc observerLs() throws Exception {
        return lan.inObserver(work, Duration.ofSeconds(20), "iscsi-ls", "-i", X, "iscsi://" + DSIP + ":3260/");
    }
}
