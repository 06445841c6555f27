package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue #8 item 4, spec 50 §1 acceptance checks 1–7 and 9 on a 3-node cluster (127.0.1.141-143,
 * data services IP 127.0.1.140): volume groups made with {@code acli vg.*}, discovered and logged
 * into through the data services IP by libiscsi and QEMU, redirected to the target's affinity
 * node, libiscsi's conformance suites, failover of a write loop when the serving node is killed,
 * failback after the stable time (20 s here), a reservation kept across both, CHAP, and the
 * refusals of bad input. Check 8 (UNMAP reclaim) is {@code UnmapTest}; check 10 needs open-iscsi's
 * kernel module, which this machine's kernel lacks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VolumesTest {

    static final String DSIP = "127.0.1.140";
    static final String X = "iqn.2026-12.org.cairn.test:x";
    static final String Y = "iqn.2026-12.org.cairn.test:y";
    static final String Z = "iqn.2026-12.org.cairn.test:z";
    private static final Duration TOOL = Duration.ofSeconds(120);
    /** {@code volumes_failback_stable_secs} on these nodes (spec default 120). */
    static final int STABLE_SECS = 20;
    private LoopbackCluster cluster;
    private Path work;

    @BeforeAll
    void form() throws Exception {
        work = Files.createTempDirectory("cairn-volumes");
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 140, 3);
        for (int i = 0; i < 3; i++) { // the failback test waits the stable time: 20 s here instead of 120
            Path config = Files.createDirectories(cluster.home(i).resolve("etc/config"));
            Files.writeString(config.resolve("io.cairn.volumes.json"), "{\"volumes_failback_stable_secs\": " + STABLE_SECS + "}\n");
        }
        cluster.startAll();
        cluster.createWithMedusa();
        ok(cluster.ncli(0, "ctr", "create", "name=vc", "rf=2"));
        ok(cluster.ncli(1, "cluster", "edit-params", "external-data-services-ip-address=" + DSIP));
        LoopbackCluster.waitFor(Duration.ofSeconds(30), () -> listening(DSIP, 3260), "the data services IP " + DSIP + ":3260 answers");
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.closeKeepingLogs("volumes-logs");
        }
    }

    static boolean listening(String ip, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static Proc ok(Proc p) {
        assertThat(p.exitCode()).as(p.output()).isZero();
        return p;
    }

    Proc acli(int node, String... words) throws Exception {
        List<String> args = new ArrayList<>(List.of("acli"));
        args.addAll(List.of(words));
        return cluster.cli(node, args.toArray(String[]::new));
    }

    Proc tool(String... command) throws Exception {
        return Proc.run(TOOL, work, Map.of(), List.of(command));
    }

    JsonNode vg(String name) throws Exception {
        return cluster.call(0, "volumes.vg.get", Map.of("name", name));
    }

    /** Target name → the portal ({@code ip:3260}) of its affinity node, as {@code vg.get} reports it, in target order. */
    Map<String, String> affinity(String vg) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode t : vg(vg).path("targets")) {
            out.put(t.path("name").asText(), t.path("affinity_node").asText() + ":3260"); // one entry per attachment: the same targets
        }
        return out;
    }

    static String dsipUrl(String target, int lun) {
        return "iscsi://" + DSIP + ":3260/" + target + "/" + lun;
    }

    @Test
    void givenAVolumeGroupWithThreeDisks_whenDiscoveredAndLoggedIntoThroughTheDsip_thenOnlyAttachedInitiatorsSeeIt_andLoginsGoToTheAffinityNode()
            throws Exception {
        ok(acli(0, "vg.create", "vg1", "shared=true"));
        for (int d = 0; d < 3; d++) {
            ok(acli(d % 3, "vg.disk_create", "vg1", "container=vc", "create_size=64M"));
        }
        ok(acli(1, "vg.attach_external", "vg1", X));
        ok(acli(2, "vg.attach_external", "vg1", Y));
        Proc get = ok(acli(0, "vg.get", "vg1"));
        assertThat(get.output()).contains("external_initiator_name: \"" + X + "\"", "num_virtual_targets: 32");

        // check 1: X sees exactly tgt0..2 through the DSIP; an initiator not attached sees nothing
        Map<String, String> targets = affinity("vg1");
        assertThat(targets).hasSize(3);
        Proc ls = ok(tool("iscsi-ls", "-i", X, "iscsi://" + DSIP + ":3260/"));
        for (String t : targets.keySet()) {
            assertThat(ls.output()).contains(t);
        }
        assertThat(ls.output().lines().filter(l -> l.contains("Target:")).count()).as(ls.output()).isEqualTo(3);
        assertThat(targets.keySet()).allMatch(t -> t.matches("iqn\\.2010-06\\.org\\.cairn:vg1-[0-9a-f-]{36}-tgt[0-2]"));
        Proc none = tool("iscsi-ls", "-i", Z, "iscsi://" + DSIP + ":3260/");
        assertThat(none.output()).doesNotContain("Target:");

        // check 2: the first login at the DSIP is redirected (0x0101) to the target's affinity node
        for (Map.Entry<String, String> t : targets.entrySet()) {
            IscsiLogin r = IscsiLogin.first(new InetSocketAddress(DSIP, 3260), X, t.getKey());
            assertThat(r.status()).as(t.getKey() + " " + r.keys()).isEqualTo("0x0101");
            assertThat(r.keys().get("TargetAddress")).isEqualTo(t.getValue() + ",1");
        }
        // refusals: an unknown target 0x0203, an initiator not attached 0x0202
        String tgt0 = targets.keySet().iterator().next();
        String node = targets.get(tgt0);
        InetSocketAddress direct = new InetSocketAddress(node.substring(0, node.lastIndexOf(':')), 3260);
        assertThat(IscsiLogin.first(direct, X, "iqn.2010-06.org.cairn:nope-tgt0").status()).isEqualTo("0x0203");
        assertThat(IscsiLogin.first(direct, Z, tgt0).status()).isEqualTo("0x0202");

        // check 4: QEMU through the DSIP: the size, and a 1 MiB pattern written and read back verified
        Proc info = ok(tool("qemu-img", "info", "--image-opts", "driver=iscsi,transport=tcp,portal=" + DSIP + ":3260,target=" + tgt0
                + ",lun=0,initiator-name=" + X));
        assertThat(info.output()).contains("64 MiB");
        String img = "driver=iscsi,transport=tcp,portal=" + DSIP + ":3260,target=" + tgt0 + ",lun=0,initiator-name=" + X;
        ok(tool("qemu-io", "--image-opts", img, "-c", "write -P 0xa5 1M 1M"));
        Proc read = ok(tool("qemu-io", "--image-opts", img, "-c", "read -P 0xa5 1M 1M", "-c", "read -P 0 0 1M"));
        assertThat(read.output()).doesNotContain("Pattern verification failed");
    }

    /** The nodes whose Volumes portal serves a session of {@code initiator} on {@code target} now (killed nodes are skipped). */
    List<Integer> servedBy(String target, String initiator) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try {
                for (JsonNode s : cluster.call(i, "volumes.status", Map.of()).path("sessions")) {
                    if (s.path("target").asText().equals(target) && s.path("initiator").asText().equals(initiator)) {
                        out.add(i);
                    }
                }
            } catch (Exception | AssertionError e) {
                // a node that is down serves nothing
            }
        }
        return out;
    }

    /** One {@code pr.py} command (libiscsi through ctypes) at {@code portal}, tried again for up to 90 s while no session can be made. */
    Proc pr(String portal, String target, String initiator, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", Proc.ROOT.resolve("test-bundles/io.cairn.system.test/src/test/resources/pr.py")
                .toString(), portal, target, initiator));
        cmd.addAll(List.of(command));
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        Proc p = Proc.run(TOOL, work, Map.of(), cmd);
        while (p.exitCode() == 1 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            p = Proc.run(TOOL, work, Map.of(), cmd);
        }
        assertThat(p.exitCode()).as(String.join(" ", command) + ": " + p.output()).isZero();
        return p;
    }

    /**
     * Checks 5, 6 and 9: QEMU writes 64 KiB blocks to tgt0 through the DSIP, and X holds a Write
     * Exclusive reservation on tgt1 taken on tgt0's node; that node is killed: the writes resume on
     * another node, and Y's writes to tgt1 still conflict there; the node returns: the session goes
     * back to it once it has been healthy for the stable time; every acknowledged write reads back.
     */
    @Test
    void givenQemuWritingThroughTheDsip_whenTheServingNodeIsKilledAndReturns_thenWritesGoOnElsewhere_failBackAfterTheStableTime_andNothingIsLost()
            throws Exception {
        ok(acli(0, "vg.create", "vgf", "shared=true"));
        ok(acli(0, "vg.disk_create", "vgf", "container=vc", "create_size=2G"));  // disk 0: tgt0, written by QEMU as X
        ok(acli(0, "vg.disk_create", "vgf", "container=vc", "create_size=64M")); // disk 1: tgt1, reserved by X
        ok(acli(0, "vg.attach_external", "vgf", X));
        ok(acli(0, "vg.attach_external", "vgf", Y));
        Map<String, String> targets = affinity("vgf");
        String tgt0 = targets.keySet().stream().filter(n -> n.endsWith("-tgt0")).findFirst().orElseThrow();
        String tgt1 = targets.keySet().stream().filter(n -> n.endsWith("-tgt1")).findFirst().orElseThrow();
        String affinity = targets.get(tgt0);
        int home = cluster.indexOf(affinity.substring(0, affinity.lastIndexOf(':')));
        // check 9, first half: on the node about to be killed (a direct login), X reserves tgt1 Write Exclusive; Y may not write
        String direct = cluster.ip(home) + ":3260";
        assertThat(pr(direct, tgt1, X, "register", "0xc0ffee").output()).contains("status 0x00");
        assertThat(pr(direct, tgt1, X, "reserve", "0xc0ffee", "1").output()).contains("status 0x00");
        assertThat(pr(direct, tgt1, Y, "write", "0").output()).contains("status 0x18");
        assertThat(pr(direct, tgt1, X, "write", "0").output()).as("the holder may").contains("status 0x00");

        List<String> image = List.of("--image-opts", "driver=iscsi,transport=tcp,portal=" + DSIP + ":3260,target=" + tgt0
                + ",lun=0,initiator-name=" + X);
        QemuIo.Writer64k writer = null;
        Thread writerThread = null;
        try (QemuIo qemu = new QemuIo(work, image)) {
            QemuIo.Writer64k w = writer = new QemuIo.Writer64k(qemu);
            writerThread = Thread.ofPlatform().name("qemu-io-writer").start(writer);
            LoopbackCluster.waitFor(Duration.ofSeconds(60), () -> w.acks.size() >= 100, "100 writes acknowledged\n" + qemu.transcript());
            assertThat(servedBy(tgt0, X)).as("the affinity node serves the session").containsExactly(home);

            // check 5: kill -9 the serving node
            long killed = System.nanoTime();
            cluster.kill9(home);
            LoopbackCluster.waitFor(Duration.ofSeconds(180), () -> w.acksAfter(killed) >= 100 || w.crashed != null || !qemu.process.isAlive(),
                    "100 writes acknowledged after the kill\n" + qemu.transcript());
            assertThat(w.crashed).isNull();
            assertThat(w.acksAfter(killed)).as("writes go on after the kill\n" + qemu.transcript()).isGreaterThanOrEqualTo(100);
            List<Integer> during = servedBy(tgt0, X);
            System.out.printf("VolumesTest: failover stall (largest gap between acknowledged writes after kill -9 of node %d): %d ms; "
                    + "session now on node(s) %s; write errors: %s%n", home + 1, w.largestGapMillis(killed, System.nanoTime()),
                    during.stream().map(n -> n + 1).toList(), w.failures);
            assertThat(during).as("another node serves the session").hasSize(1).doesNotContain(home);
            // check 9, second half: the reservation holds on the other node
            assertThat(pr(DSIP + ":3260", tgt1, Y, "write", "0").output()).as("Y still conflicts with the node that took the reservation dead")
                    .contains("status 0x18");
            assertThat(pr(DSIP + ":3260", tgt1, Y, "keys").output()).contains("key 0xc0ffee");

            // check 6: the affinity node returns; the session goes back once it has been healthy for the stable time
            Proc start = cluster.startNode(home);
            assertThat(start.exitCode()).as(start.output()).isZero();
            long ready = System.nanoTime();
            LoopbackCluster.waitFor(Duration.ofSeconds(STABLE_SECS + 120), () -> servedBy(tgt0, X).equals(List.of(home)),
                    "the session is back on node " + (home + 1) + "\n" + qemu.transcript());
            long back = (System.nanoTime() - ready) / 1_000_000;
            long after = System.nanoTime();
            LoopbackCluster.waitFor(Duration.ofSeconds(120), () -> w.acksAfter(after) >= 50 || !qemu.process.isAlive(),
                    "50 writes acknowledged after the failback\n" + qemu.transcript());
            System.out.printf("VolumesTest: failback to node %d %d ms after it was ready again (stable time %d s); largest gap between "
                    + "acknowledged writes around it %d ms%n", home + 1, back, STABLE_SECS,
                    w.largestGapMillis(after - Duration.ofSeconds(5).toNanos(), System.nanoTime()));
            assertThat(back).as("not before the affinity node was healthy for the stable time (less the start-up it overlaps)")
                    .isGreaterThanOrEqualTo((STABLE_SECS - 10) * 1000L);
            assertThat(w.acksAfter(after)).as("writes go on after the failback\n" + qemu.transcript()).isGreaterThanOrEqualTo(50);
            assertThat(pr(DSIP + ":3260", tgt1, Y, "write", "0").output()).as("Y still conflicts after the failback").contains("status 0x18");
        } finally {
            if (writer != null) {
                writer.stop = true;
            }
            if (writerThread != null) {
                writerThread.join(Duration.ofSeconds(200));
            }
        }
        List<String> bad = QemuIo.verify(work, image, writer.acks);
        System.out.printf("VolumesTest: %d acknowledged writes verified, %d bad%n", writer.acks.size(), bad.size());
        assertThat(bad).as("every acknowledged write reads back").isEmpty();
    }

    /**
     * Acceptance check 3: the suites spec 50 §1 names, run whole through the DSIP with two attached
     * initiators, except two single tests left out for libiscsi 1.19 artefacts (the iSCSI engine's
     * module tests {@code ScsiConformanceTest}/{@code IscsiTestCuTest} give the reasons):
     * GetLBAStatus.UnmapSingle (assumes LBPPBE 0) and iSCSITMF.LUNResetSimpleAsync (asserts before its callback ran).
     */
    static final List<String> CONFORMANCE = List.of("SCSI.Inquiry", "SCSI.ReadCapacity10", "SCSI.ReadCapacity16", "SCSI.Read10",
            "SCSI.Read16", "SCSI.Write10", "SCSI.Write16", "SCSI.WriteSame10", "SCSI.WriteSame16", "SCSI.Unmap", "SCSI.CompareAndWrite",
            "SCSI.GetLBAStatus.Simple", "SCSI.GetLBAStatus.BeyondEol", "SCSI.ProutRegister", "SCSI.ProutReserve", "SCSI.ProutClear",
            "SCSI.ProutPreempt", "SCSI.PrinReadKeys", "SCSI.PrinReportCapabilities", "SCSI.TestUnitReady", "SCSI.ModeSense6",
            "iSCSI.iSCSITMF.AbortTaskSimpleAsync", "iSCSI.iSCSIcmdsn", "iSCSI.iSCSIResiduals");

    @Test
    void givenASharedVolumeGroup_whenLibiscsiRunsTheSpecsConformanceSuitesThroughTheDsip_thenEveryTestPasses() throws Exception {
        ok(acli(0, "vg.create", "vgt", "shared=true"));
        ok(acli(0, "vg.disk_create", "vgt", "container=vc", "create_size=64M"));
        ok(acli(0, "vg.attach_external", "vgt", X));
        ok(acli(0, "vg.attach_external", "vgt", Y));
        String tgt0 = affinity("vgt").keySet().iterator().next();
        Path logs = Files.createDirectories(Path.of("target", "volumes-iscsi-test-cu"));
        Map<String, String> results = new LinkedHashMap<>();
        for (String suite : CONFORMANCE) {
            Proc r = tool("iscsi-test-cu", "--dataloss", "-v", "--test=" + suite, "-i", X, "-I", Y, dsipUrl(tgt0, 0));
            Files.writeString(logs.resolve(suite + ".log"), r.output());
            results.put(suite, cunitSummary(r.output()));
        }
        System.out.println("iscsi-test-cu through the DSIP (ran/passed/failed): " + results);
        for (Map.Entry<String, String> e : results.entrySet()) {
            String[] n = e.getValue().split("/");
            assertThat(Integer.parseInt(n[0])).as(e.getKey() + " ran tests, see target/volumes-iscsi-test-cu").isPositive();
            assertThat(n[1]).as(e.getKey() + " all passed, see target/volumes-iscsi-test-cu").isEqualTo(n[0]);
        }
    }

    /** CUnit's run summary as {@code ran/passed/failed} ({@code 0/0/0} when there is none). */
    static String cunitSummary(String output) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("tests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)").matcher(output);
        return m.find() ? m.group(2) + "/" + m.group(3) + "/" + m.group(4) : "0/0/0";
    }

    @Test
    void givenBadVolumeRequests_thenEachIsRefusedWithWhatToFix_andNothingChanges() throws Exception {
        ok(acli(0, "vg.create", "vg2"));
        assertThat(acli(1, "vg.create", "vg2").output()).contains("vg2").contains("exists");
        ok(acli(0, "vg.disk_create", "vg2", "container=vc", "create_size=8M"));
        assertThat(acli(0, "vg.disk_create", "vg2", "container=vc", "create_size=1048577").output()).contains("multiple of 512");
        assertThat(acli(0, "vg.disk_create", "vg2", "container=nope", "create_size=8M").output()).contains("nope");
        assertThat(acli(0, "vg.disk_resize", "vg2", "index=0", "new_size=4M").output()).containsIgnoringCase("shrink");
        assertThat(acli(0, "vg.attach_external", "vg2", "host1").output()).contains("iqn.").contains("eui.");
        ok(acli(0, "vg.attach_external", "vg2", X));
        assertThat(acli(0, "vg.attach_external", "vg2", Y).output()).contains("shared");
        assertThat(acli(0, "vg.delete", "vg2").output()).contains(X);
        assertThat(acli(0, "vg.attach_external", "vg2", X, "num_virtual_targets=33").output()).contains("32");
        // CHAP secrets: 12 to 16 bytes, and a mutual target secret differing from the initiator's
        assertThat(acli(0, "vg.create", "vg3", "target_secret=elevenbytes").output()).contains("12");
        ok(acli(0, "vg.create", "vg3", "target_secret=target-secret1"));
        assertThat(acli(0, "vg.attach_external", "vg3", Z, "initiator_secret=target-secret1").output()).containsIgnoringCase("differ");
        JsonNode vg2 = vg("vg2");
        assertThat(vg2.path("disks")).hasSize(1);
        assertThat(vg2.path("attachments")).hasSize(1);
    }

    @Test
    void givenChap_whenTheInitiatorKnowsTheSecret_thenItLogsIn_andWithAWrongOneItGets0x0201() throws Exception {
        ok(acli(0, "vg.create", "vgc"));
        ok(acli(0, "vg.disk_create", "vgc", "container=vc", "create_size=16M"));
        ok(acli(0, "vg.attach_external", "vgc", Z, "initiator_secret=right-secret1"));
        String tgt0 = affinity("vgc").keySet().iterator().next();
        Proc good = tool("iscsi-inq", "-i", Z, "iscsi://" + Z + "%right-secret1@" + DSIP + ":3260/" + tgt0 + "/0");
        assertThat(good.exitCode()).as(good.output()).isZero();
        assertThat(good.output()).contains("CAIRN");
        Proc bad = tool("iscsi-inq", "-i", Z, "iscsi://" + Z + "%wrong-secret1@" + DSIP + ":3260/" + tgt0 + "/0");
        assertThat(bad.exitCode()).as(bad.output()).isNotZero();
        assertThat(bad.output()).containsIgnoringCase("auth");
        Proc none = tool("iscsi-inq", "-i", Z, dsipUrl(tgt0, 0));
        assertThat(none.exitCode()).as("no CHAP when the attachment has a secret: " + none.output()).isNotZero();
    }
}
