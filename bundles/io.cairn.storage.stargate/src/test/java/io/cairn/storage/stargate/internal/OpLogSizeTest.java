package io.cairn.storage.stargate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.cairn.storage.stargate.internal.disks.LocalDisks.Disk;

/** The OpLog size a node runs with: spec 20 §2's reservation over its flash disks, capped and floored. */
class OpLogSizeTest {

    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    static Disk disk(String id, String tier, long bytes) {
        return new Disk(id, Path.of("/tmp/" + id), tier, bytes);
    }

    @Test
    void givenTheDefaultDevDisk_whenSized_thenTheConfiguredCeilingApplies() {
        // RF2: a quarter of 16 GiB is 4 GiB, above the 1 GiB ceiling
        assertThat(StargateService.oplogBytes(List.of(disk("d0", "SSD", 16 * GIB)), GIB)).isEqualTo(GIB);
    }

    @Test
    void givenSmallDisks_whenSized_thenAQuarterOfThemAndNeverBelowFourSegments() {
        assertThat(StargateService.oplogBytes(List.of(disk("d0", "SSD", 2 * GIB)), GIB)).isEqualTo(512 * MIB);
        assertThat(StargateService.oplogBytes(List.of(disk("d0", "SSD", 160 * MIB)), GIB)).isEqualTo(64 * MIB);
    }

    @Test
    void givenHddsAndTwoSsds_whenSized_thenOnlyFlashCarriesTheOpLog() {
        List<Disk> disks = List.of(disk("d0", "SSD", 800 * MIB), disk("d1", "SSD", 800 * MIB), disk("d2", "HDD", 100 * GIB));
        assertThat(StargateService.oplogBytes(disks, 10 * GIB)).isEqualTo(400 * MIB);
    }
}
