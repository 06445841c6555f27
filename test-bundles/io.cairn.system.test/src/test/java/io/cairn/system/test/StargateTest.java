package io.cairn.system.test;

import static io.cairn.system.test.LoopbackCluster.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;


/**
 * Stargate on real controller processes (127.0.1.71-73, RF2 container): the ncli surface, vDisks
 * through real NBD clients over TLS with the admin certificate (qemu-img, nbdinfo, fio with
 * verify), I/O through a node that does not own the vDisk, kill -9 of the owner, a flipped byte in
 * an extent-group replica, and kill -9 of every node after acknowledged writes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StargateTest {

    static final long DISK = 64L << 20;
    static final int IMAGE = 24 << 20;

    private LoopbackCluster cluster;
    private Path tls;
    private Path work;
    private byte[] image;

    @BeforeAll
    void form() throws Exception {
        work = Files.createTempDirectory("cairn-stargate");
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 70, 3);
        cluster.startAll();
        cluster.createWithMedusa();
        // the admin credential, laid out as GnuTLS clients (qemu, libnbd) expect it
        tls = Files.createDirectories(work.resolve("tls"));
        Files.copy(cluster.admin.resolve("ca.pem"), tls.resolve("ca-cert.pem"));
        Files.copy(cluster.admin.resolve("cert.pem"), tls.resolve("client-cert.pem"));
        // GnuTLS reads the EC key in its SEC1 form ("EC PRIVATE KEY"), not Java's PKCS#8
        Proc key = tool(Duration.ofSeconds(30), "openssl", "ec", "-in", cluster.admin.resolve("key.pem").toString(), "-out",
                tls.resolve("client-key.pem").toString());
        assertThat(key.exitCode()).as(key.output()).isZero();
        image = new byte[IMAGE];
        new Random(42).nextBytes(image);
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.closeKeepingLogs("stargate-logs");
        }
    }

    String nbd(int node, String export) {
        return "driver=nbd,host=" + cluster.ips.get(node) + ",port=10809,export=" + export + ",tls-creds=tls0";
    }

    String tlsObject() {
        return "tls-creds-x509,id=tls0,dir=" + tls + ",endpoint=client";
    }

    Proc tool(Duration timeout, String... command) throws IOException, InterruptedException {
        return Proc.run(timeout, work, Map.of(), List.of(command));
    }

    /** Writes {@code data} at offset 0 of the vDisk through node {@code node}'s NBD server (qemu-img convert -n). */
    void writeImage(int node, String export, byte[] data) throws Exception {
        Path src = work.resolve("src-" + System.nanoTime() + ".img");
        Files.write(src, data);
        Proc in = tool(Duration.ofSeconds(180), "qemu-img", "convert", "-n", "-f", "raw", "--object", tlsObject(), "--target-image-opts",
                src.toString(), nbd(node, export));
        Files.delete(src);
        assertThat(in.exitCode()).as(in.output()).isZero();
    }

    byte[] readBack(int node, String export, long length) throws Exception {
        Path out = work.resolve("out-" + System.nanoTime() + ".img");
        Proc p = tool(Duration.ofSeconds(120), "qemu-img", "convert", "-O", "raw", "--object", tlsObject(), "--image-opts",
                nbd(node, export), out.toString());
        assertThat(p.exitCode()).as(p.output()).isZero();
        byte[] all = Files.readAllBytes(out);
        Files.delete(out);
        assertThat(all.length).isEqualTo(DISK);
        return java.util.Arrays.copyOf(all, (int) length);
    }

    @Test
    @Order(1)
    void givenACluster_whenContainersAndVDisksAreManaged_thenNcliShowsThemAndBadInputIsRefused() throws Exception {
        Proc sp = cluster.ncli(0, "sp", "ls");
        assertThat(sp.exitCode()).as(sp.output()).isZero();
        assertThat(sp.output()).contains("Disks").contains("Capacity");
        Proc ctr = cluster.ncli(0, "ctr", "create", "name=ctr1", "rf=2");
        assertThat(ctr.exitCode()).as(ctr.output()).isZero();
        assertThat(ctr.output()).contains("ctr1").contains("Replication Factor        : 2");
        Proc rf3 = cluster.ncli(0, "ctr", "create", "name=ctr3", "rf=3");
        assertThat(rf3.exitCode()).isEqualTo(1);
        assertThat(rf3.output()).contains("replication factor 3 needs fault tolerance 2 and at least 5 nodes");
        Proc dup = cluster.ncli(1, "ctr", "create", "name=ctr1", "rf=2");
        assertThat(dup.exitCode()).isEqualTo(1);
        assertThat(dup.output()).contains("exists already");
        Proc vd = cluster.ncli(1, "vdisk", "create", "ctr=ctr1", "name=disk1", "size=64M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        Proc tooBig = cluster.ncli(1, "vdisk", "create", "ctr=ctr1", "name=huge", "size=9223372036854775808");
        assertThat(tooBig.exitCode()).isEqualTo(1);
        assertThat(tooBig.output()).contains("2^63-1");
        Proc zero = cluster.ncli(1, "vdisk", "create", "ctr=ctr1", "name=empty", "size=0");
        assertThat(zero.exitCode()).isEqualTo(1);
        assertThat(zero.output()).contains("must be positive");
        Proc max = cluster.ncli(2, "vdisk", "create", "ctr=ctr1", "name=max", "size=9223372036854775807");
        assertThat(max.exitCode()).as(max.output()).isZero();
        // QEMU's largest image: 2^63 - 2^30 bytes
        Proc sparse = cluster.ncli(2, "vdisk", "create", "ctr=ctr1", "name=sparse", "size=9223372035781033984");
        assertThat(sparse.exitCode()).as(sparse.output()).isZero();
        Proc ls = cluster.ncli(2, "vdisk", "ls", "ctr=ctr1");
        assertThat(ls.output()).contains("disk1").contains("sparse");
        Proc nbdList = tool(Duration.ofSeconds(30), "nbdinfo", "--list", "nbds://" + cluster.ips.get(2) + ":10809/?tls-certificates=" + tls);
        assertThat(nbdList.exitCode()).as(nbdList.output()).isZero();
        assertThat(nbdList.output()).contains("ctr1/disk1");
        Proc plain = tool(Duration.ofSeconds(30), "nbdinfo", "nbd://" + cluster.ips.get(2) + ":10809/ctr1/disk1");
        assertThat(plain.exitCode()).as("a client without TLS is refused").isNotZero();
    }

    @Test
    @Order(2)
    void givenAnImage_whenConvertedIntoAVDiskOverNbd_thenItReadsBackIdenticallyFromEveryNode() throws Exception {
        writeImage(0, "ctr1/disk1", image);
        for (int node = 0; node < 3; node++) {
            assertThat(readBack(node, "ctr1/disk1", IMAGE)).as("read through node " + node).isEqualTo(image);
        }
        // the last 512-byte block of the largest vDisk QEMU opens
        Proc last = tool(Duration.ofSeconds(60), "qemu-io", "--object", tlsObject(), "--image-opts", nbd(1, "ctr1/sparse"), "-c",
                "write -P 0x5a 9223372035781033472 512", "-c", "read -P 0x5a 9223372035781033472 512");
        assertThat(last.exitCode()).as(last.output()).isZero();
        assertThat(last.output()).doesNotContain("Pattern verification failed").doesNotContain("error");
    }

    @Test
    @Order(3)
    void givenFio_whenRandomWritesAreVerifiedThroughTheNbdEngine_thenVerifyPasses() throws Exception {
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=ctr1", "name=fio1", "size=32M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        // fio's nbd engine (libnbd) may not read certificate files named in its URI, so nbdkit's nbd plugin
        // holds the TLS connection to the node and offers it to fio on a local Unix socket
        Path socket = work.resolve("fio.sock");
        Process nbdkit = new ProcessBuilder("nbdkit", "-f", "--exit-with-parent", "-U", socket.toString(), "nbd",
                "hostname=" + cluster.ips.get(1), "port=10809", "export=ctr1/fio1", "tls=require", "tls-certificates=" + tls)
                .redirectErrorStream(true).redirectOutput(work.resolve("nbdkit.log").toFile()).start();
        try {
            waitFor(Duration.ofSeconds(30), () -> Files.exists(socket), "nbdkit's socket");
            Proc fio = tool(Duration.ofSeconds(240), "fio", "--name=verify", "--ioengine=nbd", "--uri=nbd+unix:///?socket=" + socket,
                    "--rw=randwrite", "--bs=4k", "--iodepth=16", "--size=8M", "--verify=crc32c", "--do_verify=1", "--verify_fatal=1");
            assertThat(fio.exitCode()).as(fio.output() + Files.readString(work.resolve("nbdkit.log"))).isZero();
            assertThat(fio.output()).doesNotContain("verify: bad").contains("err= 0");
        } finally {
            nbdkit.destroy();
            nbdkit.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            nbdkit.destroyForcibly();
        }
    }

    @Test
    @Order(4)
    void givenAFlippedByteInOneReplica_whenRead_thenTheDataIsCorrectAndTheReplicaIsRepaired() throws Exception {
        // the image was drained into extent groups by now; corrupt one replica file of one of them
        Path victim = null;
        waitFor(Duration.ofSeconds(60), () -> eggroupFiles().findAny().isPresent(), "extent-group files on disk");
        victim = eggroupFiles().filter(p -> p.toFile().length() > 8192).findFirst().orElseThrow();
        try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
            f.seek(100);
            int b = f.read();
            f.seek(100);
            f.write(b ^ 0xff);
        }
        for (int node = 0; node < 3; node++) {
            assertThat(readBack(node, "ctr1/disk1", IMAGE)).as("read through node " + node + " after the flip").isEqualTo(image);
        }
    }

    Stream<Path> eggroupFiles() {
        List<Path> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path estore = cluster.home(i).resolve("data/disks/d0/estore");
            if (Files.isDirectory(estore)) {
                try (Stream<Path> s = Files.walk(estore)) {
                    s.filter(p -> p.toString().endsWith(".eg")).forEach(all::add);
                } catch (IOException e) {
                    // listing raced with a write; next poll
                }
            }
        }
        return all.stream();
    }

    @Test
    @Order(5)
    void givenTheOwnerIsKilled_whenAnotherNodeServesTheVDisk_thenEveryAcknowledgedByteIsThere() throws Exception {
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=ctr1", "name=takeover", "size=64M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        byte[] data = new byte[4 << 20];
        new Random(7).nextBytes(data);
        // written through node 0, which becomes the owner; acknowledged writes sit in OpLogs (maybe not drained)
        writeImage(0, "ctr1/takeover", data);
        cluster.kill9(0);
        try {
            assertThat(readBack(1, "ctr1/takeover", data.length)).isEqualTo(data);
        } finally {
            Proc start = cluster.startNode(0);
            assertThat(start.exitCode()).as(start.output()).isZero();
        }
        assertThat(readBack(0, "ctr1/takeover", data.length)).isEqualTo(data);
    }

    @Test
    @Order(6)
    void givenAcknowledgedWrites_whenEveryNodeIsKilledAndRestarted_thenEveryByteIsThere() throws Exception {
        Proc vd = cluster.ncli(1, "vdisk", "create", "ctr=ctr1", "name=crash", "size=64M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        byte[] data = new byte[6 << 20];
        new Random(11).nextBytes(data);
        writeImage(1, "ctr1/crash", data);
        for (int i = 0; i < 3; i++) {
            cluster.kill9(i);
        }
        cluster.startAll();
        cluster.medusaAvailable(Duration.ofSeconds(150));
        assertThat(readBack(2, "ctr1/crash", data.length)).isEqualTo(data);
        assertThat(readBack(0, "ctr1/disk1", IMAGE)).isEqualTo(image);
    }


    /** fio's nbd engine on node {@code node}'s Unix socket for local clients (no TLS; the test runs as the nodes' user). */
    Proc fio(int node, String export, String... args) throws IOException, InterruptedException {
        return cluster.fio(node, export, work, Duration.ofSeconds(300), args);
    }

    /** Node {@code node}'s 2009-page row of the vDisk, or an empty object if it does not own it. */
    com.fasterxml.jackson.databind.JsonNode pageRow(int node, String vdisk) throws IOException {
        for (com.fasterxml.jackson.databind.JsonNode row : cluster.call(node, "stargate.page", Map.of()).path("vdisks")) {
            if (row.path("vdisk").asText().equals(vdisk)) {
                return row;
            }
        }
        return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }

    Proc qemuIo(int node, String export, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "--object", tlsObject(), "--image-opts", nbd(node, export)));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        return tool(Duration.ofSeconds(180), cmd.toArray(String[]::new));
    }

    @Test
    @Order(7)
    void givenDeepSequentialWrites_whenWrittenAndReadTwice_thenTheySkipTheOpLogAndTheSecondReadHitsTheCache() throws Exception {
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=ctr1", "name=seq", "size=64M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        // the first pass creates the vBlocks (through the OpLog, whose drain allocates extents in batches)
        Proc first = fio(1, "ctr1/seq", "--rw=write", "--bs=1M", "--iodepth=4", "--size=32M");
        assertThat(first.exitCode()).as(first.output()).isZero();
        waitFor(Duration.ofSeconds(60), () -> {
            try {
                return pageRow(1, "seq").path("undrained_bytes").asLong(-1) == 0;
            } catch (IOException e) {
                return false;
            }
        }, "the first pass drained");
        long before = pageRow(1, "seq").path("writes_to_extent_store").asLong();
        Proc write = fio(1, "ctr1/seq", "--rw=write", "--bs=1M", "--iodepth=4", "--size=32M", "--verify=crc32c", "--do_verify=1",
                "--verify_fatal=1");
        assertThat(write.exitCode()).as(write.output()).isZero();
        assertThat(write.output()).doesNotContain("verify: bad").contains("err= 0");
        var row = pageRow(1, "seq");
        assertThat(row.path("writes_to_extent_store").asLong()).as("sequential 1 MiB overwrites at depth 4 (4 MiB outstanding) go "
                + "straight to the extent store: " + row).isGreaterThan(before);
        Proc reread = fio(1, "ctr1/seq", "--rw=read", "--bs=64k", "--iodepth=4", "--size=16M", "--loops=2");
        assertThat(reread.exitCode()).as(reread.output()).isZero();
        row = pageRow(1, "seq");
        assertThat(row.path("reads_from_cache").asLong()).as("the second pass is served by the unified cache: " + row).isPositive();
        Proc page = Proc.cairn(Duration.ofSeconds(60), "rpc", "stargate.page", "{}", "--node", cluster.ips.get(1), "--admin",
                cluster.admin.toString());
        assertThat(page.output()).contains("w:estore").contains("r:cache").contains("seq");
    }

    @Test
    @Order(8)
    void givenAPausedOwner_whenAnotherNodeTookOverAndItResumes_thenItsStaleEpochCannotWrite() throws Exception {
        Proc vd = cluster.ncli(0, "vdisk", "create", "ctr=ctr1", "name=stale", "size=16M");
        assertThat(vd.exitCode()).as(vd.output()).isZero();
        Proc a = qemuIo(2, "ctr1/stale", "write -P 0x11 0 4M");
        assertThat(a.exitCode()).as(a.output()).isZero();
        assertThat(pageRow(2, "stale").path("epoch").asLong()).as("node 3 owns the vDisk").isPositive();
        long oldEpoch = pageRow(2, "stale").path("epoch").asLong();
        cluster.signal(2, "STOP");
        try {
            // its Zeus session (6 s) expires, so node 1 may take the vDisk over
            Thread.sleep(12_000);
            Proc b = qemuIo(0, "ctr1/stale", "write -P 0x22 0 1M");
            assertThat(b.exitCode()).as(b.output()).isZero();
            assertThat(b.output()).doesNotContain("failed");
            // node 1 takes it over, unless Curator's re-protection of node 3's replicas (it looks down) got there first and
            // node 2 took it: either way a live node now owns it at a newer epoch
            long newEpoch = Math.max(pageRow(0, "stale").path("epoch").asLong(), pageRow(1, "stale").path("epoch").asLong());
            assertThat(newEpoch).as("node 1 or node 2 owns it at a newer epoch").isGreaterThan(oldEpoch);
        } finally {
            cluster.signal(2, "CONT");
        }
        // the resumed node still holds its old controller; its next write is refused by the peers (stale epoch) and
        // goes to the new owner instead
        Proc c = qemuIo(2, "ctr1/stale", "write -P 0x33 1M 1M");
        assertThat(c.exitCode()).as(c.output()).isZero();
        assertThat(c.output()).doesNotContain("failed");
        Proc check = qemuIo(1, "ctr1/stale", "read -P 0x22 0 1M", "read -P 0x33 1M 1M", "read -P 0x11 2M 2M");
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).doesNotContain("Pattern verification failed").doesNotContain("failed");
        assertThat(pageRow(2, "stale").path("epoch").isMissingNode()).as("node 3 no longer serves the vDisk").isTrue();
        // it learnt of the newer owner either from a peer refusing its epoch or from its drain finding the ownership
        // record moved (whichever came first after it resumed)
        assertThat(Files.readString(cluster.home(2).resolve("logs/controller.log"))).containsAnyOf("newer owner",
                "another Stargate owns it now");
    }
}
