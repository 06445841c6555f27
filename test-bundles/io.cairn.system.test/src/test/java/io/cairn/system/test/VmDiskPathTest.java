package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue #8 item 3, spec 40 §7: the VM storage I/O path through each node's host-side iSCSI redirector
 * ({@code cairn node start} runs it as its own process on {@code 127.0.2.N:3261} next to the controller
 * on {@code 127.0.1.N}). Real initiators only: libiscsi's tools, QEMU's {@code qemu-io}, and libiscsi
 * itself for persistent reservations ({@code pr.py}). A 3-node RF2 cluster on 127.0.1.131-133.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmDiskPathTest {

    private static final Duration TOOL = Duration.ofSeconds(120);
    private LoopbackCluster cluster;
    private Path work;

    @BeforeAll
    void form() throws Exception {
        work = Files.createTempDirectory("cairn-vmdisk-path");
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 130, 3);
        cluster.startAll();
        cluster.createWithMedusa();
        Proc ctr = cluster.ncli(0, "ctr", "create", "name=vp", "rf=2");
        assertThat(ctr.exitCode()).as(ctr.output()).isZero();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            try {
                for (int i = 0; i < 3; i++) {
                    Path out = cluster.home(i).resolve("logs/iscsi_redirector.out");
                    if (Files.exists(out)) {
                        Path logs = Files.createDirectories(Path.of("target", "vmdisk-path-logs"));
                        Files.copy(out, logs.resolve("redirector-n" + (i + 1) + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } catch (IOException e) {
                System.out.println("could not keep the redirector logs: " + e);
            }
            cluster.closeKeepingLogs("vmdisk-path-logs");
        }
        if (work != null) {
            try (var walk = Files.walk(work)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort: it is under the temporary directory
            }
        }
    }

    /** Node {@code i}'s host-side address, where its redirector listens (spec 40 §0). */
    static String hostSide(int i) {
        return "127.0.2." + (131 + i);
    }

    String redirector(int i) {
        return hostSide(i) + ":3261";
    }

    String createVDisk(String name, String size) throws Exception {
        JsonNode created = cluster.call(0, "stargate.vdisk.create", Map.of("ctr", "vp", "name", name, "size", size));
        return "iqn.2010-06.org.cairn:vmdisk-" + created.path("vdisks").get(0).path("uuid").asText();
    }

    Proc tool(String... command) throws Exception {
        return Proc.run(TOOL, work, Map.of(), List.of(command));
    }

    long lines(Path file, String... all) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> java.util.Arrays.stream(all).allMatch(l::contains)).count();
        }
    }

    Path controllerLog(int i) {
        return cluster.home(i).resolve("logs/controller.log");
    }

    Path agentLog(int i) {
        return cluster.home(i).resolve("logs/iscsi_redirector.out");
    }

    /** The nodes (indexes) whose Stargate portal has a session for {@code target} now. */
    List<Integer> servedBy(String target) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try {
                for (JsonNode s : cluster.call(i, "iscsi.sessions", Map.of()).path("sessions")) {
                    if (target.equals(s.path("target").asText())) {
                        out.add(i);
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // node down
            }
        }
        return out;
    }

    @Test
    @Order(1)
    void givenARedirectorOnEveryNode_whenIscsiInqLogsInThroughNode1s_thenItSucceeds_andTheSessionEndsAtTheLocalStargate()
            throws Exception {
        Proc ss = tool("ss", "-ltn");
        for (int i = 0; i < 3; i++) {
            String address = hostSide(i);
            assertThat(ss.output().lines().anyMatch(l -> l.contains(address + ":3261") || l.contains(address + "]:3261")))
                    .as("the redirector of node %d listens on its host-side address %s:3261\n%s", i + 1, address, ss.output()).isTrue();
            Path list = cluster.home(i).resolve("run/stargate-portals");
            int node = i;
            LoopbackCluster.waitFor(Duration.ofSeconds(60), () -> {
                try {
                    String text = Files.readString(list);
                    return text.contains("local " + cluster.ip(node) + ":3261") && text.lines().filter(l -> l.startsWith("remote ")).count() == 2;
                } catch (IOException e) {
                    return false;
                }
            }, "node " + (i + 1) + "'s Stargate writes the cluster's portals for its redirector");
        }
        String iqn = createVDisk("inq", "64M");
        long served = lines(controllerLog(0), "target " + iqn + " on portal /" + cluster.ip(0) + ":3261", "session, TSIH");
        Proc inq = tool("iscsi-inq", "iscsi://" + redirector(0) + "/" + iqn + "/0");
        assertThat(inq.exitCode()).as(inq.output()).isZero();
        assertThat(inq.output()).contains("DIRECT_ACCESS");
        assertThat(lines(agentLog(0), "target " + iqn, "redirected temporarily to " + cluster.ip(0) + ":3261"))
                .as("node 1's redirector sent the login to the local Stargate").isEqualTo(1);
        assertThat(lines(controllerLog(0), "target " + iqn + " on portal /" + cluster.ip(0) + ":3261", "session, TSIH"))
                .as("node 1's Stargate served the session").isEqualTo(served + 1);
    }

    @Test
    @Order(2)
    void givenQemuWritingThroughNode1sRedirector_whenNode1sControllerIsKilled_thenWritesGoOnThroughARemoteStargate_noAckedWriteIsLost_andTheSessionFailsBack()
            throws Exception {
        String iqn = createVDisk("failover", "2G");
        String url = "iscsi://" + redirector(0) + "/" + iqn + "/0";
        Thread writerThread = null;
        QemuIo.Writer64k writer = null;
        try (QemuIo qemu = new QemuIo(work, List.of("-f", "raw", url))) {
            writer = new QemuIo.Writer64k(qemu);
            QemuIo.Writer64k w = writer;
            writerThread = Thread.ofPlatform().name("qemu-io-writer").start(writer);
            LoopbackCluster.waitFor(Duration.ofSeconds(60), () -> w.acks.size() >= 100, "100 writes acknowledged\n" + qemu.transcript());
            assertThat(servedBy(iqn)).as("node 1's Stargate serves the session").containsExactly(0);

            // kill -9 node 1's controller: its redirector (a process of its own) stays
            long redirectorPid = Long.parseLong(Files.readString(cluster.home(0).resolve("run/iscsi_redirector.pid")).trim());
            long downs = lines(cluster.home(0).resolve("logs/iscsi_redirector"), "Portal " + cluster.ip(0) + ":3261 is down");
            long killed = System.nanoTime();
            cluster.kill9(0);
            portalLogged(0, 0, "down", downs);
            System.out.printf("VmDiskPathTest: node 1's redirector logged its Stargate down %d ms after the kill%n",
                    (System.nanoTime() - killed) / 1_000_000);
            LoopbackCluster.waitFor(Duration.ofSeconds(180), () -> w.acksAfter(killed) >= 100 || w.crashed != null || !qemu.process.isAlive(),
                    "100 writes acknowledged after the kill\n" + qemu.transcript());
            assertThat(w.crashed).isNull();
            assertThat(w.acksAfter(killed)).as("writes go on after the kill\n" + qemu.transcript()).isGreaterThanOrEqualTo(100);
            long stall = w.largestGapMillis(killed, System.nanoTime());
            List<Integer> during = servedBy(iqn);
            System.out.printf("VmDiskPathTest: failover stall (largest gap between acknowledged writes after kill -9 of node 1's "
                    + "controller): %d ms; session now on node(s) %s; write errors: %s%n", stall, plusOne(during), w.failures);
            assertThat(ProcessHandle.of(redirectorPid).map(ProcessHandle::isAlive)).as("the redirector outlived its controller")
                    .contains(true);
            assertThat(during).as("a remote Stargate serves the session").hasSize(1).doesNotContain(0);
            int remote = during.get(0);

            // node 1 comes back: after the failback delay (10 s) its redirector has the remote Stargate end the session
            long endedBefore = lines(controllerLog(remote), "ended 1 session(s)");
            Proc start = cluster.startNode(0);
            assertThat(start.exitCode()).as(start.output()).isZero();
            long up = System.nanoTime();
            LoopbackCluster.waitFor(Duration.ofSeconds(90), () -> {
                try {
                    return lines(controllerLog(remote), "ended 1 session(s)") > endedBefore;
                } catch (IOException e) {
                    return false;
                }
            }, "node " + (remote + 1) + " ends the redirected session on node 1's redirector's request");
            long failback = (System.nanoTime() - up) / 1_000_000;
            long failedBack = System.nanoTime();
            LoopbackCluster.waitFor(Duration.ofSeconds(120), () -> w.acksAfter(failedBack) >= 50 || !qemu.process.isAlive(),
                    "50 writes acknowledged after the failback\n" + qemu.transcript());
            assertThat(w.acksAfter(failedBack)).as("writes go on after the failback\n" + qemu.transcript()).isGreaterThanOrEqualTo(50);
            List<Integer> after = servedBy(iqn);
            long failbackStall = w.largestGapMillis(failedBack - TimeUnit.SECONDS.toNanos(3), System.nanoTime());
            System.out.printf("VmDiskPathTest: failback: remote session ended %d ms after node 1 was ready again; largest gap "
                    + "between acknowledged writes around it %d ms; session now on node(s) %s (node 1's Stargate redirects a login "
                    + "to the vDisk's owner)%n", failback, failbackStall, plusOne(after));
            assertThat(lines(agentLog(0), "failing back 1 login(s) from ")).isGreaterThan(0);
            assertThat(after).hasSize(1);
            w.stop = true;
            writerThread.join(Duration.ofSeconds(200));
        } finally {
            if (writer != null) {
                writer.stop = true;
            }
            if (writerThread != null) {
                writerThread.join(Duration.ofSeconds(200));
            }
        }

        // every acknowledged block reads back, through another node's Stargate
        List<String> bad = QemuIo.verify(work, List.of("-f", "raw", "iscsi://" + cluster.ip(2) + ":3261/" + iqn + "/0"), writer.acks);
        System.out.printf("VmDiskPathTest: %d acknowledged writes verified, %d bad%n", writer.acks.size(), bad.size());
        assertThat(bad).as("every acknowledged write reads back").isEmpty();
    }

    static List<Integer> plusOne(List<Integer> nodes) {
        return nodes.stream().map(n -> n + 1).toList();
    }

    /**
     * One {@code pr.py} command through node {@code redirectorOf}'s redirector; a session that cannot be established (exit 1:
     * e.g. a Stargate still redirecting to a killed owner until its Zeus session expires) is tried again for up to 90 s.
     */
    Proc pr(int redirectorOf, String iqn, String initiator, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", Proc.ROOT.resolve("test-bundles/io.cairn.system.test/src/test/resources/pr.py")
                .toString(), redirector(redirectorOf), iqn, initiator));
        cmd.addAll(List.of(command));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Proc p = Proc.run(TOOL, work, Map.of(), cmd);
        while (p.exitCode() == 1 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            p = Proc.run(TOOL, work, Map.of(), cmd);
        }
        assertThat(p.exitCode()).as(String.join(" ", command) + ": " + p.output()).isZero();
        return p;
    }

    /** Waits until node {@code i}'s redirector has logged {@code Portal <ip>:3261 is <state>} more than {@code before} times. */
    void portalLogged(int redirectorOf, int portalOf, String state, long before) throws InterruptedException {
        Path log = cluster.home(redirectorOf).resolve("logs/iscsi_redirector");
        String line = "Portal " + cluster.ip(portalOf) + ":3261 is " + state;
        LoopbackCluster.waitFor(Duration.ofSeconds(30), () -> {
            try {
                return lines(log, line) > before;
            } catch (IOException e) {
                return false;
            }
        }, "node " + (redirectorOf + 1) + "'s redirector logs '" + line + "'");
    }

    @Test
    @Order(3)
    void givenAWriteExclusiveReservation_whenTheServingControllerIsKilledAndRestarted_thenAnotherInitiatorsWriteStillConflicts_andTheKeyIsKept()
            throws Exception {
        String iqn = createVDisk("pr", "64M");
        String x = "iqn.2026-12.org.cairn:vm-x";
        String y = "iqn.2026-12.org.cairn:vm-y";
        assertThat(pr(1, iqn, x, "register", "0xc0ffee").output()).contains("status 0x00");
        assertThat(pr(1, iqn, x, "reserve", "0xc0ffee", "1").output()).contains("status 0x00");
        assertThat(pr(1, iqn, y, "write", "0").output()).as("write exclusive: Y may not write").contains("status 0x18");
        assertThat(pr(1, iqn, x, "write", "0").output()).as("the holder may").contains("status 0x00");
        long served = lines(controllerLog(1), "target " + iqn + " on portal /" + cluster.ip(1) + ":3261", "session, TSIH");
        assertThat(served).as("node 2's Stargate served them (through node 2's redirector)").isGreaterThan(0);

        Path log = cluster.home(1).resolve("logs/iscsi_redirector");
        long downs = lines(log, "Portal " + cluster.ip(1) + ":3261 is down");
        long ups = lines(log, "Portal " + cluster.ip(1) + ":3261 is up");
        cluster.kill9(1);
        portalLogged(1, 1, "down", downs);
        assertThat(pr(1, iqn, y, "write", "0").output()).as("through a remote Stargate while node 2 is down").contains("status 0x18");
        Proc start = cluster.startNode(1);
        assertThat(start.exitCode()).as(start.output()).isZero();
        portalLogged(1, 1, "up", ups);
        assertThat(pr(1, iqn, y, "write", "0").output()).as("after node 2's restart").contains("status 0x18");
        assertThat(pr(1, iqn, x, "keys").output()).contains("key 0xc0ffee");
        assertThat(pr(0, iqn, y, "keys").output()).as("through another node").contains("key 0xc0ffee");
    }
}
