package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
 * Self-healing on a real 4-node loopback cluster (issue #7): an RF2 container with data, fio
 * writing and verifying over NBD while a node is killed with -9; Curator notices the node's
 * Stargate leave, scans at once and has the vDisk owners re-replicate every extent group that had
 * a copy there; the fault tolerance of extent groups goes 1 → 0 → 1 and fio sees no error. When the
 * node returns, the copies it kept were replaced meanwhile: the next full scan deletes them. Bit rot
 * in a replica nobody reads is found by the background scrubber (fast-forwarded through the Zeus
 * document stargate.settings) and repaired from the good replica without any scan being requested.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CuratorTest {

    private LoopbackCluster cluster;
    private Path work;

    @BeforeAll
    void form() throws Exception {
        work = Files.createTempDirectory("cairn-curator");
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 100, 4);
        cluster.startAll();
        cluster.createWithMedusa();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.closeKeepingLogs("curator-logs");
        }
    }

    Proc fio(int node, String export, String... args) throws IOException, InterruptedException {
        return cluster.fio(node, export, work, Duration.ofSeconds(400), args);
    }

    /** Extent-group fault tolerance as node {@code node} reports it (-1 before Curator's first scan). */
    int extentGroupTolerance(int node) {
        try {
            JsonNode r = cluster.call(node, "curator.ft_status", Map.of("type", "node"));
            return r.path("components").path("EXTENT_GROUPS").asInt(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    long underReplicated(int node) {
        try {
            return cluster.call(node, "curator.under_replication", Map.of("summary", "true")).path("underReplicatedEgroups").asLong(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    long orphans(int node) {
        try {
            return cluster.call(node, "curator.under_replication", Map.of("summary", "true")).path("orphanedReplicas").asLong(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Test
    @Order(1)
    void givenFioOnAnRf2VDisk_whenANodeIsKilled_thenCuratorReReplicatesEverythingAndFioSeesNoError() throws Exception {
        Proc ctr = cluster.ncli(0, "ctr", "create", "name=ctr1", "rf=2");
        assertThat(ctr.exitCode()).as(ctr.output()).isZero();
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=ctr1", "name=heal", "size=128M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        // lay the data down through node 0 (it becomes the owner) and let it drain into extent groups
        Proc fill = fio(0, "ctr1/heal", "--rw=write", "--bs=1M", "--iodepth=4", "--size=64M", "--verify=crc32c", "--do_verify=0");
        assertThat(fill.exitCode()).as(fill.output()).isZero();
        Proc scan = cluster.cli(1, "curator_cli", "start_scan", "task_type=3");
        LoopbackCluster.waitFor(Duration.ofSeconds(120), () -> extentGroupTolerance(2) == 1 && underReplicated(2) == 0,
                "Curator reports extent groups at fault tolerance 1 (" + scan.output() + ")");

        // fio keeps writing and verifying through node 0 while node 3 dies
        CompletableFuture<Proc> load = CompletableFuture.supplyAsync(() -> {
            try {
                return fio(0, "ctr1/heal", "--rw=randwrite", "--bs=64k", "--iodepth=4", "--size=64M", "--offset=64M", "--time_based",
                        "--runtime=60", "--verify=crc32c", "--do_verify=1", "--verify_fatal=1");
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(5_000);
        cluster.kill9(3);
        long killed = System.nanoTime();
        LoopbackCluster.waitFor(Duration.ofSeconds(60), () -> extentGroupTolerance(1) == 0 || underReplicated(1) > 0,
                "Curator sees the lost replicas");
        long noticed = System.nanoTime();
        LoopbackCluster.waitFor(Duration.ofSeconds(240), () -> underReplicated(1) == 0 && extentGroupTolerance(1) == 1,
                "every extent group back to 2 live replicas");
        long healed = System.nanoTime();
        System.out.printf("curator: node killed → under-replication seen in %d ms, fully re-protected after %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(noticed - killed), TimeUnit.NANOSECONDS.toMillis(healed - killed));
        Proc fioDone = load.get(400, TimeUnit.SECONDS);
        assertThat(fioDone.exitCode()).as(fioDone.output()).isZero();
        assertThat(fioDone.output()).doesNotContain("verify: bad").contains("err= 0");

        // everything written reads back verified from another node after the rebuild
        Proc verify = fio(2, "ctr1/heal", "--rw=read", "--bs=1M", "--iodepth=4", "--size=64M", "--verify=crc32c", "--do_verify=1",
                "--verify_only=1");
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output()).doesNotContain("verify: bad");

        // the killed node returns with copies that were replaced meanwhile: a full scan deletes them (grace shortened
        // through curator.settings), so every extent group ends with exactly RF copies
        Proc settings = cluster.cli(1, "zeus", "write", "curator.settings", "-1", "{\"orphan_grace_secs\": 1}");
        assertThat(settings.exitCode()).as(settings.output()).isZero();
        Proc back = cluster.startNode(3);
        assertThat(back.exitCode()).as(back.output()).isZero();
        LoopbackCluster.waitFor(Duration.ofSeconds(120), () -> orphans(1) > 0, "the returning node's replaced copies show as orphans");
        Proc full = cluster.cli(2, "curator_cli", "start_scan", "task_type=2");
        assertThat(full.exitCode()).as(full.output()).isZero();
        LoopbackCluster.waitFor(Duration.ofSeconds(120), () -> orphans(1) == 0 && underReplicated(1) == 0 && extentGroupTolerance(1) == 1,
                "a full scan deletes the orphaned copies; nothing under-replicated");
        Proc again = fio(3, "ctr1/heal", "--rw=read", "--bs=1M", "--iodepth=4", "--size=64M", "--verify=crc32c", "--do_verify=1",
                "--verify_only=1");
        assertThat(again.exitCode()).as(again.output()).isZero();

        Proc status = cluster.ncli(1, "cluster", "get-domain-fault-tolerance-status", "type=node");
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.output()).contains("EXTENT_GROUPS").contains("Current Fault Tolerance");
        Proc bad = cluster.ncli(1, "cluster", "get-domain-fault-tolerance-status", "type=galaxy");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.output()).contains("type=node");
    }

    /** Every extent-group file on every node's data disk. */
    List<Path> egroupFiles() throws IOException {
        List<Path> out = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path dir = cluster.home(i).resolve("data/disks/d0/estore");
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    files.filter(f -> f.toString().endsWith(".eg")).forEach(out::add);
                }
            }
        }
        return out;
    }

    @Test
    @Order(2)
    void givenBitRotInAReplicaNobodyReads_whenTheScrubberPasses_thenTheReplicaIsRepairedFromTheGoodOne() throws Exception {
        List<Path> before = egroupFiles();
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=ctr1", "name=rot", "size=16M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        Proc fill = fio(1, "ctr1/rot", "--rw=write", "--bs=1M", "--iodepth=2", "--size=8M", "--verify=crc32c", "--do_verify=0");
        assertThat(fill.exitCode()).as(fill.output()).isZero();
        // its data drains into new extent groups on two nodes
        List<Path> fresh = new java.util.ArrayList<>();
        LoopbackCluster.waitFor(Duration.ofSeconds(90), () -> {
            try {
                fresh.clear();
                egroupFiles().stream().filter(f -> !before.contains(f)).forEach(fresh::add);
                return fresh.size() >= 2 && Files.size(fresh.getFirst()) > 4096;
            } catch (IOException e) {
                return false;
            }
        }, "the new vDisk's extent groups on disk");
        Path victim = fresh.getFirst();
        byte[] bytes = Files.readAllBytes(victim);
        byte original = bytes[100];
        try (var ch = java.nio.channels.FileChannel.open(victim, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (original ^ 0x5A)}), 100);
        }
        // no client reads it: fast-forward the scrubbers (a full pass per disk within 20 s instead of a week; the flip just
        // changed the file's modification time, so groups written moments ago are not left for the next pass either); the
        // scrubber finds it, Curator hears of it through the node's presence and the owner rewrites the slice
        Proc settings = cluster.cli(1, "zeus", "write", "stargate.settings", "-1", "{\"scrub_pass_secs\": 20, \"scrub_cold_secs\": 0}");
        assertThat(settings.exitCode()).as(settings.output()).isZero();
        LoopbackCluster.waitFor(Duration.ofSeconds(120), () -> {
            try {
                return Files.readAllBytes(victim)[100] == original;
            } catch (IOException e) {
                return false;
            }
        }, "the rotten slice of " + victim + " rewritten with the good replica's bytes");
        Proc verify = fio(0, "ctr1/rot", "--rw=read", "--bs=1M", "--iodepth=2", "--size=8M", "--verify=crc32c", "--do_verify=1",
                "--verify_only=1");
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output()).doesNotContain("verify: bad");
    }
}
