package io.cairn.storage.stargate.internal.disks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.storage.api.layout.DiskKind;
import io.cairn.storage.api.layout.DriveLayout;
import io.cairn.storage.api.layout.PhysicalDisk;

class NodeDiskLayoutTest {

    private static final long GIB = 1L << 30;
    private static final long TB = 1_000_000_000_000L;

    @TempDir
    Path home;

    static List<PhysicalDisk> ssds(int n, long bytes) {
        List<PhysicalDisk> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new PhysicalDisk("ssd" + i, DiskKind.SSD, bytes));
        }
        return out;
    }

    static long oplogOf(JsonNode disk) {
        for (JsonNode l : disk.path("layers")) {
            if (l.path("layer").asText().equals("OPLOG")) {
                return l.path("size_bytes").asLong();
            }
        }
        return -1;
    }

    @Test
    void givenTheLayoutFileFoundationWrote_whenRead_thenItsDisksAreTheNodesAndTheRfItWasCutFor() throws IOException {
        Files.createDirectories(home.resolve("etc"));
        new ObjectMapper().writeValue(home.resolve(NodeDiskLayout.LAYOUT_FILE).toFile(), DriveLayout.withDefaults().plan(ssds(2, TB), 2));
        NodeDiskLayout layout = NodeDiskLayout.of(home, List.of());
        assertThat(layout.source()).isEqualTo(NodeDiskLayout.PARTITIONED);
        assertThat(layout.partitionedForRf()).isEqualTo(2);
        assertThat(layout.disks()).extracting(PhysicalDisk::id).containsExactly("ssd0", "ssd1");
        assertThat(layout.disks()).allSatisfy(d -> assertThat(d.capacityBytes()).isEqualTo(TB));
        assertThat(NodeDiskLayout.fromJson(layout.toJson())).isEqualTo(layout);
    }

    @Test
    void givenDataDirectories_whenRead_thenEachIsOneDeviceOfItsTier() throws IOException {
        NodeDiskLayout layout = NodeDiskLayout.of(home, List.of(new LocalDisks.Disk("d1", home.resolve("d1"), "SSD", TB),
                new LocalDisks.Disk("d2", home.resolve("d2"), "HDD", 4 * TB)));
        assertThat(layout.source()).isEqualTo(NodeDiskLayout.DIRECTORIES);
        assertThat(layout.disks()).containsExactly(new PhysicalDisk("d1", DiskKind.SSD, TB), new PhysicalDisk("d2", DiskKind.HDD, 4 * TB));
    }

    @Test
    void givenEightSsds_whenAContainerGoesToRf3_thenTheOplogCeilingRisesPerTheFormula() {
        NodeDiskLayout layout = new NodeDiskLayout(NodeDiskLayout.PARTITIONED, 2, ssds(8, TB));
        JsonNode rf2 = layout.view(NodeDiskLayout.layoutRf(1));
        JsonNode rf3 = layout.view(NodeDiskLayout.layoutRf(3));
        assertThat(rf2.path("rf_max").asInt()).as("RF1 containers count as 2").isEqualTo(2);
        // spec 10 §7: 8 SSD RF2 -> MIN(50, 225) = 50 GiB; RF3 -> 75 GiB (a disk with Home and metadata has less R, same result)
        assertThat(oplogOf(rf2.path("disks").get(7))).isEqualTo(50 * GIB);
        assertThat(oplogOf(rf3.path("disks").get(7))).isEqualTo(75 * GIB);
        assertThat(rf3.path("text").asText()).contains("RF3").contains("oplog 75 GiB").contains("partitioned for RF2");
    }

    @Test
    void givenDisksTooSmallForTheLayout_whenViewed_thenTheReasonIsShownInsteadOfAFailure() {
        JsonNode view = new NodeDiskLayout(NodeDiskLayout.DIRECTORIES, 0, List.of(new PhysicalDisk("d1", DiskKind.HDD, 8 * GIB))).view(2);
        assertThat(view.path("error").asText()).isNotEmpty();
        assertThat(view.path("disks")).isEmpty();
        assertThat(view.path("text").asText()).contains(view.path("error").asText());
    }
}
