package io.cairn.foundation.disks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.foundation.FoundationException;
import io.cairn.storage.api.layout.DiskKind;
import io.cairn.storage.api.layout.DriveLayout;

/**
 * Spec 10 §7's acceptance check: sparse 2×1 TiB SSD + 2×4 TiB HDD images partitioned per the device
 * layout, read back with util-linux's {@code partx} (and, as root, by the kernel through loop devices).
 */
class NodeDisksTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long TIB = 1L << 40;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    /** One partition as partx reports it. */
    record Part(int nr, long startByte, long sizeBytes, String name) {
    }

    private List<NodeDisks.Disk> hybridNode() throws Exception {
        List<Map<String, Object>> made = NodeDisks.create(home, "CRN-T-1", NodeDisks.parseSpec("ssd:2x1T,hdd:2x4T"));
        Files.writeString(home.resolve("node.json"), JSON.writeValueAsString(Map.of("disks", made)));
        return NodeDisks.of(home, JSON.readTree(home.resolve("node.json").toFile()));
    }

    @Test
    void givenTwoSsdsAndTwoHdds_whenPartitioned_thenPartxSeesHomeMetadataOplogAndExtentStoreOnSsds_andCuratorAndExtentStoreOnHdds()
            throws Exception {
        List<NodeDisks.Disk> disks = hybridNode();
        assertThat(disks).extracting(NodeDisks.Disk::kind).containsExactly(DiskKind.SSD, DiskKind.SSD, DiskKind.HDD, DiskKind.HDD);
        List<NodeDisks.Result> results = NodeDisks.partition(home, disks, 2);
        assertThat(results).allMatch(NodeDisks.Result::written);

        long ssdFormatted = TIB - 2 * MIB;
        long oplog = DriveLayout.oplogReservationBytes(2, 2, ssdFormatted - 75 * GIB);
        assertThat(oplog).as("MIN(400·1/2, 0.25·R) with R ≈ 948 GiB").isEqualTo(200 * GIB);
        for (NodeDisks.Disk ssd : disks.subList(0, 2)) {
            List<Part> parts = partx(ssd.image());
            assertThat(parts).extracting(Part::name).containsExactly("cairn-home", "cairn-metadata", "cairn-oplog", "cairn-estore");
            assertThat(parts).extracting(Part::sizeBytes).containsExactly(60 * GIB, 15 * GIB, oplog, ssdFormatted - 75 * GIB - oplog);
            assertThat(parts.getFirst().startByte()).isEqualTo(MIB);
            contiguous(parts);
            assertThat(allocatedBytes(ssd.image())).as("the image stays sparse").isLessThan(4 * MIB);
        }
        for (NodeDisks.Disk hdd : disks.subList(2, 4)) {
            List<Part> parts = partx(hdd.image());
            assertThat(parts).extracting(Part::name).containsExactly("cairn-curator", "cairn-estore");
            assertThat(parts).extracting(Part::sizeBytes).containsExactly(80 * GIB, 4 * TIB - 2 * MIB - 80 * GIB);
            contiguous(parts);
        }

        // the node is told where its extent store lives: a hal.linux device over each cairn-estore partition
        for (NodeDisks.Disk d : disks) {
            Part estore = partx(d.image()).getLast();
            JsonNode hal = JSON.readTree(home.resolve("etc/config/io.cairn.hal.linux.disk~" + d.serial() + ".json").toFile());
            assertThat(hal.get("path").asText()).isEqualTo(d.image().toString());
            assertThat(hal.get("offset.bytes").asLong()).isEqualTo(estore.startByte());
            assertThat(hal.get("size.bytes").asLong()).isEqualTo(estore.sizeBytes());
            assertThat(hal.get("tier").asText()).isEqualTo(d.kind().name());
            JsonNode data = JSON.readTree(home.resolve("data/disks/" + d.serial() + "/disk.json").toFile());
            assertThat(data.get("hal_device").asText()).isEqualTo(hal.get("hal.device.id").asText());
        }
        JsonNode layout = JSON.readTree(home.resolve(NodeDisks.LAYOUT_FILE).toFile());
        assertThat(layout.get("rfMax").asInt()).isEqualTo(2);
        assertThat(layout.get("disks")).hasSize(4);
    }

    @Test
    void givenPartitionedDisks_whenRunAgain_thenNothingIsWritten_andRf3RaisesTheOplogPartitionPerTheFormula() throws Exception {
        List<NodeDisks.Disk> disks = hybridNode();
        NodeDisks.partition(home, disks, 2);
        long modified = Files.getLastModifiedTime(disks.getFirst().image()).toMillis();
        assertThat(NodeDisks.partition(home, disks, 2)).noneMatch(NodeDisks.Result::written);
        assertThat(Files.getLastModifiedTime(disks.getFirst().image()).toMillis()).isEqualTo(modified);

        long rf2 = size(partx(disks.getFirst().image()), "cairn-oplog");
        assertThat(NodeDisks.partition(home, disks, 3)).as("the SSDs carry OpLog; the HDDs do not change")
                .extracting(NodeDisks.Result::written).containsExactly(true, true, false, false);
        long rf3 = size(partx(disks.getFirst().image()), "cairn-oplog");
        long r = TIB - 2 * MIB - 75 * GIB;
        assertThat(rf3).isEqualTo(DriveLayout.oplogReservationBytes(3, 2, r)).isEqualTo(300 * GIB).isGreaterThan(rf2);
    }

    @Test
    void givenADamagedTable_whenRead_thenItIsAnError_andPartitioningReplacesIt() throws Exception {
        List<NodeDisks.Disk> disks = hybridNode();
        NodeDisks.partition(home, disks, 2);
        Path ssd = disks.getFirst().image();
        try (var c = java.nio.channels.FileChannel.open(ssd, java.nio.file.StandardOpenOption.WRITE)) {
            c.write(java.nio.ByteBuffer.wrap(new byte[] {0x42}), 2 * 512 + 60); // inside the first entry's name
        }
        assertThatThrownBy(() -> Gpt.read(ssd)).hasMessageContaining("damaged (CRC mismatch)");
        assertThat(NodeDisks.partition(home, disks, 2).getFirst().written()).isTrue();
        assertThat(Gpt.read(ssd)).isPresent();
    }

    @Test
    void givenTheKernel_whenTheImageIsALoopDevice_thenItSeesThePartitions() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/loop-control")),
                "loop devices need root");
        List<Map<String, Object>> made = NodeDisks.create(home, "CRN-T-2", NodeDisks.parseSpec("ssd:1x200G"));
        Files.writeString(home.resolve("node.json"), JSON.writeValueAsString(Map.of("disks", made)));
        List<NodeDisks.Disk> disks = NodeDisks.of(home, JSON.readTree(home.resolve("node.json").toFile()));
        NodeDisks.partition(home, disks, 2);
        String loop = run("losetup", "--find", "--show", "--read-only", "--partscan", disks.getFirst().image().toString()).strip();
        try {
            String name = Path.of(loop).getFileName().toString();
            List<Part> parts = partx(disks.getFirst().image());
            assertThat(parts).hasSize(5); // home, metadata, oplog, curator (all-flash: the first SSD), extent store
            Path first = Path.of("/sys/block", name, name + "p1", "size");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (!Files.exists(first) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            if (!Files.exists(first)) { // this kernel does not scan GPT itself: partx adds them (BLKPG), as udev would
                run("partx", "--add", loop);
            }
            for (Part p : parts) {
                Path sys = Path.of("/sys/block", name, name + "p" + p.nr());
                assertThat(Long.parseLong(Files.readString(sys.resolve("start")).strip()) * 512).as(sys + " start").isEqualTo(p.startByte());
                assertThat(Long.parseLong(Files.readString(sys.resolve("size")).strip()) * 512).as(sys + " size").isEqualTo(p.sizeBytes());
            }
        } finally {
            run("losetup", "--detach", loop);
        }
    }

    @Test
    void givenBadDiskSpecsOrADiskTooSmall_thenTheErrorSaysWhatToGive() throws Exception {
        assertThatThrownBy(() -> NodeDisks.parseSpec("ssd:2x")).isInstanceOf(FoundationException.class)
                .hasMessageContaining("is not KIND:COUNTxSIZE");
        assertThatThrownBy(() -> NodeDisks.parseSpec("tape:1x1T")).hasMessageContaining("KIND nvme, ssd or hdd");
        assertThatThrownBy(() -> NodeDisks.parseSpec("ssd:0x1T")).hasMessageContaining("1 to 24 disks");
        assertThat(NodeDisks.parseSpec("none")).isEmpty();
        List<Map<String, Object>> made = NodeDisks.create(home, "CRN-T-3", NodeDisks.parseSpec("ssd:2x100G"));
        Map<String, Object> manifest = new LinkedHashMap<>(Map.of("disks", made));
        Files.writeString(home.resolve("node.json"), JSON.writeValueAsString(manifest));
        List<NodeDisks.Disk> disks = NodeDisks.of(home, JSON.readTree(home.resolve("node.json").toFile()));
        assertThatThrownBy(() -> NodeDisks.partition(home, disks, 2))
                .hasMessageContaining("disk 'CRN-T-3-SSD0' (SSD, 100.0 GiB formatted) is too small");
        assertThat(Gpt.read(disks.getFirst().image())).as("nothing written").isEmpty();
    }

    private static long size(List<Part> parts, String name) {
        return parts.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow().sizeBytes();
    }

    private static void contiguous(List<Part> parts) {
        for (int i = 1; i < parts.size(); i++) {
            assertThat(parts.get(i).startByte()).isEqualTo(parts.get(i - 1).startByte() + parts.get(i - 1).sizeBytes());
        }
    }

    private static long allocatedBytes(Path p) throws IOException {
        return Long.parseLong(run("stat", "-c", "%b", p.toString()).strip()) * 512;
    }

    /** The partitions util-linux's partx reads from the image. */
    private static List<Part> partx(Path image) throws IOException {
        List<Part> out = new ArrayList<>();
        for (String line : run("partx", "--raw", "--noheadings", "--output", "NR,START,SECTORS,NAME", image.toString())
                .split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.strip().split(" ");
            out.add(new Part(Integer.parseInt(f[0]), Long.parseLong(f[1]) * 512, Long.parseLong(f[2]) * 512, f.length > 3 ? f[3] : ""));
        }
        return out;
    }

    private static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }
}
