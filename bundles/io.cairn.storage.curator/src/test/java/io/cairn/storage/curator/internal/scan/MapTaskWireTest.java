package io.cairn.storage.curator.internal.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.VDisk;

class MapTaskWireTest {

    @Test
    void givenAMapTaskOutput_whenSentOverTheWire_thenItArrivesUnchanged() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        VDisk owned = new VDisk(UUID.randomUUID(), "vm-1", UUID.randomUUID(), "ctr1", 128L << 20, 2, a, 1234);
        VDisk unowned = new VDisk(UUID.randomUUID(), "vm-2", UUID.randomUUID(), "ctr2", 1L << 40, 3, null, 99);
        List<VDiskScan> out = List.of(
                new VDiskScan(owned, List.of(new ExtentGroups.ExtentGroup(1, List.of(a, b), 4), new ExtentGroups.ExtentGroup(9, List.of(b), 1))),
                new VDiskScan(unowned, List.of()),
                new VDiskScan(new VDisk(UUID.randomUUID(), "vm-3", UUID.randomUUID(), "ctr1", 1L << 30, 2, null, 5),
                        List.of(new ExtentGroups.ExtentGroup(11, List.of(a, b), 4), new ExtentGroups.ExtentGroup(12, List.of(a, b), 2)),
                        List.of(12L)));

        byte[] wire = MapTaskWire.reply(out);

        assertThat(MapTaskWire.scans(wire)).isEqualTo(out);
        // each node's UUID is written once
        String text = new String(wire, StandardCharsets.UTF_8);
        assertThat(text.split(b.toString(), -1)).hasSize(2);
    }

    @Test
    void givenShards_whenRequested_thenTheNodeReadsThemBack() {
        assertThat(MapTaskWire.shards(MapTaskWire.request(List.of(9, 0, 5)))).containsExactly(0, 5, 9);
        assertThat(MapTaskWire.shards(MapTaskWire.request(List.of()))).isEmpty();
        assertThat(MapTaskWire.garbage(MapTaskWire.request(List.of(1)))).as("a partial scan's").isFalse();
        assertThat(MapTaskWire.garbage(MapTaskWire.request(List.of(1), true))).as("a full scan's").isTrue();
        assertThat(MapTaskWire.shards(MapTaskWire.request(List.of(3, 1), true))).containsExactly(1, 3);
        assertThatThrownBy(() -> MapTaskWire.shards("{}".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("names its shards");
    }
}
