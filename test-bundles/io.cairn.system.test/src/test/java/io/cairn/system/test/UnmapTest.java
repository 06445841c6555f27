package io.cairn.system.test;

import static io.cairn.system.test.LoopbackCluster.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * UNMAP reclaims space (spec 50 §1, acceptance check 8), on three nodes (127.0.1.151-153): 64 MiB
 * written to an RF2 vDisk over NBD, then discarded (NBD TRIM, the path SCSI UNMAP takes too): reads
 * return zeros at once; the drain unmaps the vBlocks; one Curator full scan frees their extent groups,
 * and the storage pool's physical use (every replica on every node, as {@code ncli sp ls} reports it)
 * drops by at least 63 MiB per replica, and so does the container's use ({@code ncli ctr ls}: its extent groups on every replica).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnmapTest {

    private static final long MIB = 1L << 20;
    private static final int RF = 2;

    private LoopbackCluster cluster;
    private Path work;

    @BeforeAll
    void form() throws Exception {
        work = Files.createTempDirectory("cairn-unmap");
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 150, 3);
        cluster.startAll();
        cluster.createWithMedusa();
    }

    @AfterAll
    void stop() throws IOException {
        if (cluster != null) {
            cluster.closeKeepingLogs("unmap-logs");
        }
        if (work != null) {
            try (var walk = Files.walk(work)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private Proc qemuIo(int node, String export, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw", "-d", "unmap", cluster.nbdUnix(node, export)));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        return Proc.run(Duration.ofSeconds(180), work, Map.of(), cmd);
    }

    /** The storage pool's used bytes (physical: every replica), as {@code ncli sp ls} reports them. */
    private long poolUsed() throws IOException {
        return cluster.call(1, "stargate.sp.ls", Map.of()).path("pools").get(0).path("usedBytes").asLong();
    }

    /** The container's used bytes, as {@code ncli ctr ls} reports them. */
    private long containerUsed(String name) throws IOException {
        for (JsonNode c : cluster.call(2, "stargate.ctr.ls", Map.of()).path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c.path("usedBytes").asLong();
            }
        }
        throw new AssertionError("no container " + name);
    }

    /** Undrained OpLog bytes of the vDisk at whichever node owns it (-1: no node lists it). */
    private long undrained(String vdisk) throws IOException {
        long out = -1;
        for (int i = 0; i < 3; i++) {
            for (JsonNode v : cluster.call(i, "stargate.page", Map.of()).path("vdisks")) {
                if (v.path("vdisk").asText().equals(vdisk)) {
                    out = Math.max(out, v.path("undrained_bytes").asLong());
                }
            }
        }
        return out;
    }

    /** The line "Curator scan N finished ..." of scan {@code execution} in any node's log, or null. */
    private String scanFinished(long execution) {
        String prefix = "Curator scan " + execution + " finished in ";
        for (int i = 0; i < 3; i++) {
            try (var lines = Files.lines(cluster.home(i).resolve("logs/controller.log"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                var hit = lines.filter(l -> l.contains(prefix)).findFirst();
                if (hit.isPresent()) {
                    return hit.get();
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // not there (yet)
            }
        }
        return null;
    }

    private static boolean quietly(IoCheck check) {
        try {
            return check.test();
        } catch (IOException e) {
            return false;
        }
    }

    private interface IoCheck {
        boolean test() throws IOException;
    }

    @Test
    void given64MiBWritten_whenUnmapped_thenReadsAreZerosAndOneFullScanFreesAtLeast63MiBPerReplica() throws Exception {
        Proc ctr = cluster.ncli(0, "ctr", "create", "name=ctr1", "rf=" + RF);
        assertThat(ctr.exitCode()).as(ctr.output()).isZero();
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=ctr1", "name=thin", "size=128M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        long empty = poolUsed();

        Proc write = qemuIo(0, "ctr1/thin", "write -P 0x5a 0 64M", "write -P 0x6b 96M 1M");
        assertThat(write.exitCode()).as(write.output()).isZero();
        assertThat(write.output()).doesNotContain("failed");
        waitFor(Duration.ofSeconds(120), () -> quietly(() -> undrained("thin") == 0 && poolUsed() >= empty + RF * 65 * MIB),
                "65 MiB drained onto " + RF + " replicas");
        long written = poolUsed();
        long ctrWritten = containerUsed("ctr1");

        Proc discard = qemuIo(1, "ctr1/thin", "discard 0 64M");
        assertThat(discard.exitCode()).as(discard.output()).isZero();
        assertThat(discard.output()).doesNotContain("failed");
        Proc zeros = qemuIo(2, "ctr1/thin", "read -P 0 0 64M", "read -P 0x6b 96M 1M");
        assertThat(zeros.exitCode()).as(zeros.output()).isZero();
        assertThat(zeros.output()).as("reads right after the unmap").doesNotContain("Pattern verification failed").doesNotContain("failed");
        waitFor(Duration.ofSeconds(120), () -> quietly(() -> undrained("thin") == 0), "the unmap drained");

        Proc full = cluster.cli(1, "curator_cli", "start_scan", "task_type=2");
        assertThat(full.exitCode()).as(full.output()).isZero();
        Matcher m = Pattern.compile("Curator scan (\\d+)").matcher(full.output());
        assertThat(m.find()).as(full.output()).isTrue();
        long execution = Long.parseLong(m.group(1));
        waitFor(Duration.ofSeconds(180), () -> scanFinished(execution) != null, "full scan " + execution + " done");
        String finished = scanFinished(execution);
        Matcher freed = Pattern.compile("(\\d+) unmapped extent groups freed").matcher(finished);
        assertThat(freed.find()).as(finished).isTrue();
        assertThat(Long.parseLong(freed.group(1))).as(finished).isGreaterThanOrEqualTo(16);
        // every Stargate republishes its disks' use each second
        waitFor(Duration.ofSeconds(30), () -> quietly(() -> poolUsed() <= written - RF * 63 * MIB), "the pool's use dropped");
        long after = poolUsed();
        long ctrAfter = containerUsed("ctr1");
        System.out.printf("unmap: pool used empty %d, after writing 65 MiB %d, after unmapping 64 MiB and one full scan %d "
                + "(dropped %d MiB over %d replicas); container used %d -> %d (dropped %d MiB)%n", empty, written, after,
                (written - after) / MIB, RF, ctrWritten, ctrAfter, (ctrWritten - ctrAfter) / MIB);
        assertThat(written - after).as("physical bytes freed (RF%d)", RF).isGreaterThanOrEqualTo(RF * 63 * MIB);
        assertThat(ctrWritten - ctrAfter).as("container use freed (RF%d)", RF).isGreaterThanOrEqualTo(RF * 63 * MIB);

        Proc still = qemuIo(0, "ctr1/thin", "read -P 0 0 64M", "read -P 0x6b 96M 1M", "write -P 0x7c 8M 1M", "read -P 0x7c 8M 1M");
        assertThat(still.exitCode()).as(still.output()).isZero();
        assertThat(still.output()).as("after the reclaim: zeros, the untouched data, and new writes").doesNotContain("failed");
    }
}
