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

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue #8 item 2: every node's Stargate iSCSI portal ({@code <node>:3261}) serves the vDisks as
 * targets {@code iqn.2010-06.org.cairn:vmdisk-<uuid>}, LUN 0, and redirects a login for a vDisk
 * another node owns to that node's portal. Real initiators only: libiscsi's tools and QEMU's iSCSI
 * driver (a 3-node cluster on 127.0.1.121-123).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IscsiPortalTest {

    private static final Duration TOOL = Duration.ofSeconds(120);
    private LoopbackCluster cluster;
    private Path work;

    @BeforeAll
    void form() throws Exception {
        work = Files.createTempDirectory("cairn-iscsi");
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 120, 3);
        cluster.startAll();
        cluster.createWithMedusa();
        Proc ctr = cluster.ncli(0, "ctr", "create", "name=ic", "rf=2");
        assertThat(ctr.exitCode()).as(ctr.output()).isZero();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.closeKeepingLogs("iscsi-logs");
        }
    }

    String portal(int node) {
        return "iscsi://" + cluster.ip(node) + ":3261";
    }

    /** The vDisk's uuid and owner (null before its first I/O) as node 0 sees it. */
    JsonNode vdisk(String name) throws Exception {
        for (JsonNode v : cluster.call(0, "stargate.vdisk.ls", Map.of("ctr", "ic")).path("vdisks")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no vDisk ic/" + name);
    }

    Proc tool(String... command) throws Exception {
        return Proc.run(TOOL, work, Map.of(), List.of(command));
    }

    long logLines(int node, String text) throws Exception {
        try (var lines = Files.lines(cluster.home(node).resolve("logs/controller.log"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.contains(text)).count();
        }
    }

    @Test
    void givenAVDisk_whenQemuWritesThroughOnePortalAndReadsThroughAnother_thenTheBytesMatch_andTheLoginIsRedirectedToTheOwner()
            throws Exception {
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=ic", "name=v1", "size=64M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        String iqn = "iqn.2010-06.org.cairn:vmdisk-" + vdisk("v1").path("uuid").asText();

        Proc ls = tool("iscsi-ls", "-s", portal(1));
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        assertThat(ls.output()).contains(iqn);
        Proc inq = tool("iscsi-inq", portal(0) + "/" + iqn + "/0");
        assertThat(inq.exitCode()).as(inq.output()).isZero();
        assertThat(inq.output()).contains("CAIRN");
        Proc cap = tool("iscsi-readcapacity16", portal(0) + "/" + iqn + "/0");
        assertThat(cap.exitCode()).as(cap.output()).isZero();
        assertThat(cap.output()).contains(Long.toString(64L * 1024 * 1024 / 512 - 1)); // the last LBA

        // 16 MiB of random data through node 0's portal: node 0 takes the vDisk on the first write
        Path in = work.resolve("in.img");
        byte[] data = new byte[16 << 20];
        new java.util.Random(8).nextBytes(data);
        Files.write(in, data);
        Proc put = tool("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", in.toString(), portal(0) + "/" + iqn + "/0");
        assertThat(put.exitCode()).as(put.output()).isZero();
        assertThat(vdisk("v1").path("owner").asText()).as("node 0 serves it").isNotEmpty();

        // read back through node 2's portal: redirected to the owner (node 0), byte-identical
        long redirects = logLines(2, "redirect");
        Path out = work.resolve("out.img");
        Proc get = tool("qemu-img", "convert", "-f", "raw", "-O", "raw", portal(2) + "/" + iqn + "/0", out.toString());
        assertThat(get.exitCode()).as(get.output()).isZero();
        byte[] back = Files.readAllBytes(out);
        assertThat(back.length).isEqualTo(64 << 20);
        assertThat(java.util.Arrays.equals(back, 0, data.length, data, 0, data.length)).as("the 16 MiB written").isTrue();
        assertThat(java.util.Arrays.equals(back, data.length, back.length, new byte[back.length - data.length], 0,
                back.length - data.length)).as("the rest reads as zeros").isTrue();
        assertThat(logLines(2, "redirect")).as("node 2 redirected the login to the owner's portal").isGreaterThan(redirects);
    }

    @Test
    void givenA9ExabyteSparseVDisk_thenItsCapacityIsReported_andItsLastBlocksAreWrittenAndReadBackVerified() throws Exception {
        long size = 9_000_000_000_000_000_000L;
        JsonNode created = cluster.call(0, "stargate.vdisk.create", Map.of("ctr", "ic", "name", "huge", "size", Long.toString(size)));
        String iqn = "iqn.2010-06.org.cairn:vmdisk-" + created.path("vdisks").get(0).path("uuid").asText();
        Proc cap = tool("iscsi-readcapacity16", portal(1) + "/" + iqn + "/0");
        assertThat(cap.exitCode()).as(cap.output()).isZero();
        assertThat(cap.output()).contains(Long.toString(size / 512 - 1));
        // the last blocks written and read back verified (libiscsi writes 1..256 blocks of 'A' ending at the last LBA, then
        // COMPARE AND WRITEs them to 'B' and reads them back); QEMU's iSCSI driver cannot open a LUN this large (it allocates
        // an allocation bitmap per cluster and fails with ENOMEM), so libiscsi's own tests do it
        for (String test : List.of("SCSI.Write16.Simple", "SCSI.Read16.Simple", "SCSI.CompareAndWrite.Simple")) {
            Proc r = tool("iscsi-test-cu", "--dataloss", "-v", "--test=" + test, "-i", "iqn.2026-12.org.cairn:huge", portal(1) + "/" + iqn
                    + "/0");
            assertThat(cunitPassed(r.output())).as(test + ":\n" + r.output()).isTrue();
        }
    }

    /** Whether CUnit's run summary says one test ran and none failed. */
    static boolean cunitPassed(String output) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("tests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)").matcher(output);
        return m.find() && m.group(2).equals("1") && m.group(3).equals("1") && m.group(4).equals("0");
    }

    @Test
    void givenTwoInitiators_whenLibiscsiRunsItsPersistentReservationTestsOnAClusterVDisk_thenTheyPass_andTheStateIsInZeus() throws Exception {
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=ic", "name=pr", "size=64M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        String uuid = vdisk("pr").path("uuid").asText();
        String url = portal(1) + "/iqn.2010-06.org.cairn:vmdisk-" + uuid + "/0";
        for (String test : List.of("SCSI.ProutRegister.Simple", "SCSI.ProutReserve.Simple", "SCSI.ProutReserve.AccessWE",
                "SCSI.ProutReserve.AccessEAAR", "SCSI.ProutPreempt.RemoveRegistration", "SCSI.ProutClear.Simple", "SCSI.PrinReadKeys.Simple",
                "SCSI.PrinReportCapabilities.Simple")) {
            Proc r = tool("iscsi-test-cu", "--dataloss", "-v", "--test=" + test, "-i", "iqn.2026-12.org.cairn:pr-a", "-I",
                    "iqn.2026-12.org.cairn:pr-b", url);
            assertThat(cunitPassed(r.output())).as(test + ":\n" + r.output()).isTrue();
        }
        // the reservation state lives in Zeus, where every node's portal reads it
        Proc doc = cluster.cli(2, "zeus", "read", "iscsi/pr/" + uuid);
        assertThat(doc.exitCode()).as(doc.output()).isZero();
    }
}
