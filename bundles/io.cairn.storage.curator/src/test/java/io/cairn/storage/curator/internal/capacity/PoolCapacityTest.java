package io.cairn.storage.curator.internal.capacity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.stargate.StoragePool;

class PoolCapacityTest {

    static final long TB = 1_000_000_000_000L;
    final UUID a = new UUID(0, 1);
    final UUID b = new UUID(0, 2);
    final UUID c = new UUID(0, 3);
    final UUID d = new UUID(0, 4);

    StoragePool pool(StoragePool.Disk... disks) {
        return new StoragePool(new UUID(9, 9), "sp", 0, 0, List.of(disks));
    }

    @Test
    void givenFourNodesOfTenTbWithTwoDisksEach_thenTheSpecsFirstWorkedExample() {
        StoragePool p = pool(new StoragePool.Disk("d0", a, "hdd", 5 * TB, TB, true), new StoragePool.Disk("d1", a, "hdd", 5 * TB, 0, true),
                new StoragePool.Disk("d0", b, "hdd", 10 * TB, 0, true), new StoragePool.Disk("d0", c, "hdd", 10 * TB, 0, true),
                new StoragePool.Disk("d0", d, "hdd", 10 * TB, 0, true));

        PoolCapacity r = PoolCapacity.of(p, Map.of(), 2, 1);

        assertThat(r.capacity().resilientBytes()).isEqualTo(28_500_000_000_000L); // (40 − 10)·0.95
        assertThat(r.capacity().totalBytes()).isEqualTo(40 * TB);
        assertThat(r.usedBytes()).isEqualTo(TB);
        assertThat(r.level()).isEqualTo(ResilientCapacity.Level.OK);
    }

    @Test
    void givenBlocksAsFaultDomainsAndAnOfflineDisk_thenCapacityIsPerBlockAndTheOfflineDiskDoesNotCount() {
        StoragePool p = pool(new StoragePool.Disk("d0", a, "hdd", 10 * TB, 20 * TB, true), new StoragePool.Disk("d0", b, "hdd", 10 * TB, 0, true),
                new StoragePool.Disk("d0", c, "hdd", 40 * TB, 0, true), new StoragePool.Disk("d1", c, "hdd", 40 * TB, 0, false),
                new StoragePool.Disk("d0", d, "hdd", 40 * TB, 0, true));

        PoolCapacity r = PoolCapacity.of(p, Map.of(a, "b1", b, "b2", c, "b3", d, "b4"), 2, 1);

        // {10, 10, 40, 40}: the spec's second worked example
        assertThat(r.capacity().resilientBytes()).isEqualTo(38 * TB);
        assertThat(r.capacity().perFaultDomainBytes()).containsOnlyKeys("b1", "b2", "b3", "b4");
        assertThat(r.level()).as("20 TB used of 38 resilient, warning at 75 %").isEqualTo(ResilientCapacity.Level.OK);
        assertThat(PoolCapacity.of(pool(new StoragePool.Disk("d0", a, "hdd", 10 * TB, 10 * TB, true),
                new StoragePool.Disk("d0", b, "hdd", 10 * TB, 10 * TB, true), new StoragePool.Disk("d0", c, "hdd", 10 * TB, 0, true)), Map.of(),
                2, 1).level()).as("20 TB used of 19 resilient").isEqualTo(ResilientCapacity.Level.CRITICAL);
    }
}
