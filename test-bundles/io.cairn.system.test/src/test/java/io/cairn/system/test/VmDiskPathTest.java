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
            JsonNode ownRow = pageRow(0, "failover");
            System.out.printf("VmDiskPathTest: failback: remote session ended %d ms after node 1 was ready again; largest gap "
                    + "between acknowledged writes around it %d ms; session now on node(s) %s; node 1 owns the vDisk at epoch %d "
                    + "(node %d's page row: %s)%n", failback, failbackStall, plusOne(after), ownRow.path("epoch").asLong(), remote + 1,
                    pageRow(remote, "failover").path("epoch"));
            assertThat(lines(agentLog(0), "failing back 1 login(s) from ")).isGreaterThan(0);
            assertThat(lines(agentLog(0), "the local Stargate claimed the vDisks of")).as("the redirector had node 1 claim the vDisk")
                    .isGreaterThan(0);
            assertThat(after).as("the session failed back to node 1's own Stargate").containsExactly(0);
            assertThat(ownRow.path("epoch").asLong()).as("node 1 owns the vDisk again (its 2009 page lists it)").isPositive();
            assertThat(pageRow(remote, "failover").has("epoch")).as("node %d gave the vDisk up", remote + 1).isFalse();
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

    /** Node {@code node}'s 2009-page row of the vDisk (empty when it does not own it). */
    JsonNode pageRow(int node, String vdisk) throws IOException {
        for (JsonNode row : cluster.call(node, "stargate.page", Map.of()).path("vdisks")) {
            if (row.path("vdisk").asText().equals(vdisk)) {
                return row;
            }
        }
        return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
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

    /** The admin credential laid out as GnuTLS clients (qemu's NBD client) expect it. */
    private Path tls() throws Exception {
        Path tls = work.resolve("tls");
        if (Files.exists(tls.resolve("client-key.pem"))) {
            return tls;
        }
        Files.createDirectories(tls);
        Files.copy(cluster.admin.resolve("ca.pem"), tls.resolve("ca-cert.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(cluster.admin.resolve("cert.pem"), tls.resolve("client-cert.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // GnuTLS reads the EC key in its SEC1 form ("EC PRIVATE KEY"), not Java's PKCS#8
        Proc key = tool("openssl", "ec", "-in", cluster.admin.resolve("key.pem").toString(), "-out", tls.resolve("client-key.pem").toString());
        assertThat(key.exitCode()).as(key.output()).isZero();
        return tls;
    }

    /** {@code qemu-io} with {@code commands} on the vDisk through node {@code node}'s NBD server (TLS, admin credential). */
    Proc nbdIo(int node, String export, String... commands) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "--object", "tls-creds-x509,id=tls0,dir=" + tls() + ",endpoint=client",
                "--image-opts", "driver=nbd,host=" + cluster.ip(node) + ",port=10809,export=" + export + ",tls-creds=tls0"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        return Proc.run(TOOL, work, Map.of(), cmd);
    }

    @Test
    @Order(4)
    void givenNode1OwnsAVDisk_whenOnlyNode2ForwardsIoForTheFollowPeriod_thenNode2BecomesTheOwner_andNoWriteIsLost() throws Exception {
        cluster.call(0, "stargate.vdisk.create", Map.of("ctr", "vp", "name", "follow", "size", "64M"));
        String export = "vp/follow";
        Proc first = nbdIo(0, export, "write -P 0x11 0 1M");
        assertThat(first.exitCode()).as(first.output()).isZero();
        long epoch1 = pageRow(0, "follow").path("epoch").asLong();
        assertThat(epoch1).as("node 1 took the vDisk with its first write").isPositive();
        final long follow = 5;
        Proc set = cluster.cli(0, "zeus", "write", "stargate.settings", "-1", "{\"vdisk_ownership_follow_secs\": " + follow + "}");
        assertThat(set.exitCode()).as(set.output()).isZero();
        try {
            // writes and reads through node 2 only: node 2's Stargate forwards them to node 1, the owner
            List<Integer> patterns = new ArrayList<>();
            long start = System.nanoTime();
            long owned = -1;
            for (int i = 0; i < 120 && owned < 0; i++) {
                int pattern = 0x20 + i % 200;
                Proc p = nbdIo(1, export, "write -P " + pattern + " " + (1 + i) + "M 64k", "read -P " + pattern + " " + (1 + i) + "M 64k");
                assertThat(p.exitCode()).as(p.output()).isZero();
                assertThat(p.output()).as("write %d through node 2 reads back", i).doesNotContain("Pattern verification failed");
                patterns.add(pattern);
                if (pageRow(1, "follow").path("epoch").asLong() > 0) {
                    owned = (System.nanoTime() - start) / 1_000_000;
                }
                Thread.sleep(250);
            }
            JsonNode row2 = pageRow(1, "follow");
            System.out.printf("VmDiskPathTest: with vdisk_ownership_follow_secs=%d, node 2 owned the vDisk %d ms after its first "
                    + "forwarded request (%d forwarded writes; epoch %d -> %d)%n", follow, owned, patterns.size(), epoch1,
                    row2.path("epoch").asLong());
            assertThat(owned).as("node 2 became the owner").isNotNegative();
            assertThat(row2.path("epoch").asLong()).as("at a newer epoch").isGreaterThan(epoch1);
            assertThat(pageRow(0, "follow").has("epoch")).as("node 1 gave the vDisk up").isFalse();
            assertThat(lines(controllerLog(0), "vDisk vp/follow: handed over to Stargate")).as("node 1 logged the handover").isEqualTo(1);
            // every write reads back, through node 3
            List<String> cmds = new ArrayList<>(List.of("read -P 0x11 0 1M"));
            for (int i = 0; i < patterns.size(); i++) {
                cmds.add("read -P " + patterns.get(i) + " " + (1 + i) + "M 64k");
            }
            Proc verify = nbdIo(2, export, cmds.toArray(String[]::new));
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.output()).as("every write reads back").doesNotContain("Pattern verification failed");
        } finally {
            JsonNode doc = cluster.call(0, "zeus.read", Map.of("document", "stargate.settings"));
            System.out.println("VmDiskPathTest: stargate.settings was " + doc);
            Proc reset = cluster.cli(0, "zeus", "write", "stargate.settings", doc.path("version").asText("-1"), "{}");
            System.out.println("VmDiskPathTest: settings reset: " + reset.exitCode() + " " + reset.output());
        }
    }
}
