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

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Stargate on small disks (127.0.1.75-77, simulated hardware: each node's disk declares 160 MiB, so
 * its OpLog is the 64 MiB floor): a write-heavy load on the tiny OpLog is throttled, never failed;
 * at 95% of the pool the next user write fails with "cluster storage full" (ENOSPC to NBD clients),
 * the storage-pool alerts are raised, and reads go on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StargateCapacityTest {

    private LoopbackCluster cluster;
    private Path work;

    @BeforeAll
    void form() throws Exception {
        work = Files.createTempDirectory("cairn-stargate-cap");
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 74, 3);
        cluster.startAll();
        for (int i = 0; i < 3; i++) {
            Path d0 = Files.createDirectories(cluster.home(i).resolve("data/disks/d0"));
            Files.writeString(d0.resolve("disk.json"), "{\"id\":\"d0\",\"tier\":\"SSD\",\"capacity_bytes\":" + (160L << 20) + "}\n");
        }
        cluster.createWithMedusa();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.closeKeepingLogs("stargate-capacity-logs");
        }
    }

    Proc tool(Duration timeout, String... command) throws IOException, InterruptedException {
        return Proc.run(timeout, work, Map.of(), List.of(command));
    }

    String uri(int node, String export) {
        return cluster.nbdUnix(node, export);
    }

    Proc fio(int node, String export, String... args) throws IOException, InterruptedException {
        return cluster.fio(node, export, work, Duration.ofSeconds(300), args);
    }

    Proc qemuIo(int node, String export, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw", uri(node, export)));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        return tool(Duration.ofSeconds(180), cmd.toArray(String[]::new));
    }

    @Test
    void givenSmallDisks_whenAWriteHeavyLoadFillsThePool_thenTheTinyOpLogThrottlesAndUserWritesStopAt95PercentWhileReadsWork()
            throws Exception {
        assertThat(Files.readString(cluster.home(0).resolve("logs/controller.log"))).contains("OpLog 64 MiB");
        Proc ctr = cluster.ncli(0, "ctr", "create", "name=ctr1", "rf=2");
        assertThat(ctr.exitCode()).as(ctr.output()).isZero();
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=ctr1", "name=fill", "size=1G");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        // more than the OpLog holds, as fast as the client can: throttled, nothing fails
        Proc heavy = fio(0, "ctr1/fill", "--rw=randwrite", "--bs=64k", "--iodepth=16", "--size=96M", "--io_size=96M",
                "--verify=crc32c", "--do_verify=1", "--verify_fatal=1");
        assertThat(heavy.exitCode()).as(heavy.output()).isZero();
        assertThat(heavy.output()).doesNotContain("verify: bad").contains("err= 0");
        // keep writing new data until the pool reaches 95%: the next user write is refused as "storage full"
        Proc refused = null;
        for (long off = 96L << 20; off < (1L << 30); off += 4L << 20) {
            Proc w = qemuIo(0, "ctr1/fill", "write -P 0x44 " + off + " 4M");
            if (w.exitCode() != 0 || w.output().contains("failed")) {
                refused = w;
                break;
            }
        }
        assertThat(refused).as("a write failed once the pool was full").isNotNull();
        assertThat(refused.output()).contains("No space left on device");
        assertThat(Files.readString(cluster.home(0).resolve("logs/controller.log"))).contains("cluster storage full");
        Proc sp = cluster.ncli(1, "sp", "ls");
        assertThat(sp.output()).contains("Used (Physical)");
        // alerts at the spec's thresholds: warning at 75% of resilient capacity, critical when the pool is full
        waitFor(Duration.ofSeconds(30), () -> {
            try {
                String list = Proc.cairn(Duration.ofSeconds(30), "alerts", "list", "--node", cluster.ips.get(2), "--admin",
                        cluster.admin.toString()).output();
                return list.contains("Storage pool pool full") && list.contains("Storage pool resilient warning");
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, "the storage-pool alerts");
        // reads go on: the heavy job's data verifies (the same job, read-only)
        Proc read = fio(1, "ctr1/fill", "--rw=randwrite", "--bs=64k", "--iodepth=16", "--size=96M", "--io_size=96M",
                "--verify=crc32c", "--verify_only", "--verify_fatal=1");
        assertThat(read.exitCode()).as(read.output()).isZero();
    }
}
