package io.cairn.storage.api.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DriveLayoutTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    /** A "1 TB" drive: 10^12 bytes, about 931 GiB formatted. */
    private static final long TB = 1_000_000_000_000L;

    private final DriveLayout layout = DriveLayout.withDefaults();

    private static List<PhysicalDisk> disks(DiskKind kind, int count, long capacity) {
        List<PhysicalDisk> disks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            disks.add(new PhysicalDisk(kind.name().toLowerCase() + i, kind, capacity));
        }
        return disks;
    }

    private static List<PhysicalDisk> concat(List<PhysicalDisk> a, List<PhysicalDisk> b) {
        List<PhysicalDisk> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static DiskLayout disk(NodeLayout node, String id) {
        return node.disks().stream().filter(d -> d.diskId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void givenTheSpecsWorkedExamples_thenFormulaGives50_75_100GiB() {
        assertThat(DriveLayout.oplogReservationBytes(2, 8, 900 * GIB)).isEqualTo(50 * GIB);
        assertThat(DriveLayout.oplogReservationBytes(3, 8, 900 * GIB)).isEqualTo(75 * GIB);
        assertThat(DriveLayout.oplogReservationBytes(2, 4, 900 * GIB)).isEqualTo(100 * GIB);
    }

    @Test
    void givenASmallRemaining_thenTheRemainingTermWins_flooredTo1MiB() {
        // RF3, R = 100 GiB + 5 bytes: 1.5 * 0.25 * R = 37.5 GiB + 1.875 bytes → 37.5 GiB
        assertThat(DriveLayout.oplogReservationBytes(3, 8, 100 * GIB + 5)).isEqualTo(37 * GIB + 512 * MIB);
        // RF2, 12 devices: 800/24 GiB = 33.33 GiB, floored to whole MiB
        assertThat(DriveLayout.oplogReservationBytes(2, 12, 900 * GIB)).isEqualTo(34133 * MIB);
        assertThat(DriveLayout.oplogReservationBytes(3, 1, Long.MAX_VALUE)).isEqualTo(600 * GIB);
    }

    @Test
    void givenRf2With8x1TbSsd_thenEveryDeviceGets50GiBOpLog_andTheLayersAreContiguous() {
        NodeLayout node = layout.plan(disks(DiskKind.SSD, 8, TB), 2);

        assertThat(node.oplogDevices()).isEqualTo(8);
        assertThat(node.warnings()).isEmpty();
        for (DiskLayout d : node.disks()) {
            assertThat(d.sizeOf(Layer.OPLOG)).isEqualTo(50 * GIB);
            long offset = 0;
            for (LayerExtent layer : d.layers()) {
                assertThat(layer.offsetBytes()).isEqualTo(offset);
                offset += layer.sizeBytes();
            }
            assertThat(offset).isEqualTo(TB);
            assertThat(d.layers().getLast().layer()).isEqualTo(Layer.EXTENT_STORE);
        }
        DiskLayout first = disk(node, "ssd0");
        assertThat(first.layers()).extracting(LayerExtent::layer).containsExactly(
                Layer.HOME, Layer.METADATA, Layer.OPLOG, Layer.CURATOR, Layer.EXTENT_STORE);
        assertThat(first.sizeOf(Layer.HOME)).isEqualTo(60 * GIB);
        assertThat(first.sizeOf(Layer.CURATOR)).isEqualTo(80 * GIB);
        assertThat(disk(node, "ssd1").layers()).extracting(LayerExtent::layer).containsExactly(
                Layer.HOME, Layer.METADATA, Layer.OPLOG, Layer.EXTENT_STORE);
        assertThat(disk(node, "ssd3").layers()).extracting(LayerExtent::layer).containsExactly(
                Layer.METADATA, Layer.OPLOG, Layer.EXTENT_STORE);
        assertThat(disk(node, "ssd4").layers()).extracting(LayerExtent::layer).containsExactly(
                Layer.OPLOG, Layer.EXTENT_STORE);
        assertThat(node.disks().stream().mapToLong(d -> d.sizeOf(Layer.METADATA)).sum()).isEqualTo(60 * GIB);
    }

    @Test
    void givenRf3With8x1TbSsd_thenEveryDeviceGets75GiBOpLog() {
        NodeLayout node = layout.plan(disks(DiskKind.SSD, 8, TB), 3);
        assertThat(node.disks()).allSatisfy(d -> assertThat(d.sizeOf(Layer.OPLOG)).isEqualTo(75 * GIB));
    }

    @Test
    void givenRf2With4NvmeAnd8Ssd_thenOpLogIsOnTheNvmeOnly_at100GiB_andHomeOnTheFirstSsds() {
        NodeLayout node = layout.plan(concat(disks(DiskKind.NVME, 4, TB), disks(DiskKind.SSD, 8, TB)), 2);

        assertThat(node.oplogDevices()).isEqualTo(4);
        for (DiskLayout d : node.disks()) {
            assertThat(d.sizeOf(Layer.OPLOG)).isEqualTo(d.kind() == DiskKind.NVME ? 100 * GIB : 0);
        }
        assertThat(disk(node, "ssd0").sizeOf(Layer.HOME)).isEqualTo(60 * GIB);
        assertThat(disk(node, "ssd1").sizeOf(Layer.HOME)).isEqualTo(60 * GIB);
        assertThat(disk(node, "nvme0").sizeOf(Layer.HOME)).isZero();
        assertThat(disk(node, "ssd0").sizeOf(Layer.CURATOR)).isEqualTo(80 * GIB);
    }

    @Test
    void given14Ssd_thenOpLogIsOnExactly12() {
        NodeLayout node = layout.plan(disks(DiskKind.SSD, 14, TB), 2);
        assertThat(node.oplogDevices()).isEqualTo(12);
        assertThat(node.disks().stream().filter(d -> d.sizeOf(Layer.OPLOG) > 0)).hasSize(12);
        assertThat(disk(node, "ssd12").sizeOf(Layer.OPLOG)).isZero();
        assertThat(disk(node, "ssd13").sizeOf(Layer.OPLOG)).isZero();
        assertThat(disk(node, "ssd11").sizeOf(Layer.OPLOG)).isEqualTo(34133 * MIB);
    }

    @Test
    void givenMaxSsdsForOplogConfigured_thenItCaps() {
        NodeLayout node = new DriveLayout(4, 80).plan(disks(DiskKind.SSD, 8, TB), 2);
        assertThat(node.oplogDevices()).isEqualTo(4);
        assertThat(disk(node, "ssd0").sizeOf(Layer.OPLOG)).isEqualTo(100 * GIB);
    }

    @Test
    void given2NvmeAnd4Ssd_thenOpLogOnlyOnTheNvme() {
        NodeLayout node = layout.plan(concat(disks(DiskKind.SSD, 4, TB), disks(DiskKind.NVME, 2, TB)), 2);
        assertThat(node.disks().stream().filter(d -> d.sizeOf(Layer.OPLOG) > 0).map(DiskLayout::diskId))
                .containsExactly("nvme0", "nvme1");
    }

    @Test
    void givenOptaneAndNvme_thenOpLogOnBoth() {
        NodeLayout node = layout.plan(List.of(new PhysicalDisk("ssd0", DiskKind.SSD, TB),
                new PhysicalDisk("ssd1", DiskKind.SSD, TB), new PhysicalDisk("nvme0", DiskKind.NVME, TB),
                new PhysicalDisk("optane0", DiskKind.OPTANE, TB)), 2);
        assertThat(node.oplogDevices()).isEqualTo(2);
        assertThat(disk(node, "nvme0").sizeOf(Layer.OPLOG)).isEqualTo(200 * GIB);
        assertThat(disk(node, "optane0").sizeOf(Layer.OPLOG)).isEqualTo(200 * GIB);
    }

    @Test
    void givenHybridNode_thenCuratorOnEachHdd_andHddsCarryNoOpLog() {
        NodeLayout node = layout.plan(concat(disks(DiskKind.SSD, 2, TB), disks(DiskKind.HDD, 4, 4 * TB)), 2);
        assertThat(disk(node, "hdd0").layers()).extracting(LayerExtent::layer)
                .containsExactly(Layer.CURATOR, Layer.EXTENT_STORE);
        assertThat(disk(node, "hdd0").layers().getFirst()).isEqualTo(new LayerExtent(Layer.CURATOR, 0, 80 * GIB));
        for (String hdd : List.of("hdd1", "hdd2", "hdd3")) {
            assertThat(disk(node, hdd).layers()).as(hdd).containsExactly(new LayerExtent(Layer.CURATOR, 0, 80 * GIB),
                    new LayerExtent(Layer.EXTENT_STORE, 80 * GIB, 4 * TB - 80 * GIB));
        }
        assertThat(disk(node, "ssd0").sizeOf(Layer.CURATOR)).isZero();
        // dual SSD: metadata mirrored, 15 GiB on each = 30 GiB
        assertThat(disk(node, "ssd0").sizeOf(Layer.METADATA) + disk(node, "ssd1").sizeOf(Layer.METADATA))
                .isEqualTo(30 * GIB);
        assertThat(node.oplogDevices()).isEqualTo(2);
    }

    @Test
    void givenASingleSsdNode_thenHomeUnmirrored_andAWarning() {
        NodeLayout node = layout.plan(concat(disks(DiskKind.SSD, 1, TB), disks(DiskKind.HDD, 2, 4 * TB)), 2);
        assertThat(node.warnings()).singleElement().asString()
                .contains("single flash device 'ssd0'").contains("not mirrored");
        assertThat(node.disks().stream().filter(d -> d.sizeOf(Layer.HOME) > 0)).hasSize(1);
        // R = 931.3 − 75 = 856.3 GiB; N = 1: MIN(400, 214.07) → the remaining term
        long remaining = TB - 75 * GIB;
        long expected = (2 * remaining / 8) / MIB * MIB;
        assertThat(disk(node, "ssd0").sizeOf(Layer.OPLOG)).isEqualTo(expected);
    }

    @Test
    void givenAllNvmeNode_thenHomeAndMetadataOnTheFirstNvme() {
        NodeLayout node = layout.plan(disks(DiskKind.NVME, 3, TB), 2);
        assertThat(disk(node, "nvme0").sizeOf(Layer.HOME)).isEqualTo(60 * GIB);
        assertThat(disk(node, "nvme1").sizeOf(Layer.HOME)).isEqualTo(60 * GIB);
        assertThat(disk(node, "nvme2").sizeOf(Layer.HOME)).isZero();
        assertThat(disk(node, "nvme2").sizeOf(Layer.METADATA)).isEqualTo(15 * GIB);
        assertThat(node.warnings()).isEmpty();
    }

    @Test
    void givenAFirstSsdTooSmall_thenErrorNamesTheDiskAndWhatItNeeds() {
        List<PhysicalDisk> node = concat(List.of(new PhysicalDisk("small", DiskKind.SSD, 100 * GIB)),
                disks(DiskKind.SSD, 3, TB));
        assertThatThrownBy(() -> layout.plan(node, 2))
                .isInstanceOf(CairnException.class)
                .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
                .hasMessageContaining("disk 'small' (SSD, 100.0 GiB formatted) is too small")
                .hasMessageContaining("needs more than 155.0 GiB (Home 60.0 GiB + metadata 15.0 GiB"
                        + " + Curator reservation 80.0 GiB) plus its OpLog share of up to 100.0 GiB");
    }

    @Test
    void givenAFirstHddTooSmallForCurator_thenError() {
        List<PhysicalDisk> node = List.of(new PhysicalDisk("ssd0", DiskKind.SSD, TB),
                new PhysicalDisk("ssd1", DiskKind.SSD, TB), new PhysicalDisk("hdd0", DiskKind.HDD, 80 * GIB));
        assertThatThrownBy(() -> layout.plan(node, 2))
                .hasMessageContaining("disk 'hdd0' (HDD, 80.0 GiB formatted) is too small")
                .hasMessageContaining("needs more than 80.0 GiB (Curator reservation 80.0 GiB)");
    }

    @Test
    void givenBadInput_thenClearErrors() {
        assertThatThrownBy(() -> layout.plan(disks(DiskKind.HDD, 2, TB), 2))
                .hasMessageContaining("none is flash");
        assertThatThrownBy(() -> layout.plan(disks(DiskKind.SSD, 2, TB), 1)).hasMessageContaining("give 2 or 3");
        assertThatThrownBy(() -> layout.plan(List.of(), 2)).hasMessageContaining("no disks");
        assertThatThrownBy(() -> layout.plan(List.of(new PhysicalDisk("a", DiskKind.SSD, TB),
                new PhysicalDisk("a", DiskKind.SSD, TB)), 2)).hasMessageContaining("appears twice");
        assertThatThrownBy(() -> layout.plan(List.of(new PhysicalDisk("a", DiskKind.SSD, 0)), 2))
                .hasMessageContaining("capacity 0 bytes");
        assertThatThrownBy(() -> new DriveLayout(0, 80)).hasMessageContaining("max_ssds_for_oplog is 0");
    }

    @Test
    void givenALayout_thenItSerialisesToPlainJson() throws Exception {
        NodeLayout node = layout.plan(disks(DiskKind.SSD, 2, TB), 2);
        String json = new ObjectMapper().writeValueAsString(node.disks().getFirst());
        assertThat(json).startsWith("{\"diskId\":\"ssd0\",\"kind\":\"SSD\",\"capacityBytes\":1000000000000,"
                + "\"layers\":[{\"layer\":\"HOME\",\"offsetBytes\":0,\"sizeBytes\":64424509440}");
        assertThat(new ObjectMapper().readValue(json, DiskLayout.class)).isEqualTo(node.disks().getFirst());
    }
}
