package io.cairn.storage.stargate.internal.vdisk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.stargate.ContainerSpec;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.stargate.internal.catalog.Catalog;

/** vDisk creation in the catalog: unique ids without contention on one counter, unique names. */
class CatalogCreateTest {

    @Test
    void givenTwoNodesCreatingConcurrently_whenIdsAreHandedOut_thenEveryIdIsUniqueAndTheCounterMovesByBlocks() throws Exception {
        InMemoryMedusa medusa = new InMemoryMedusa();
        FixedZeus zeus = FixedZeus.oneNode(UUID.randomUUID());
        Catalog a = new Catalog(medusa, zeus::cluster, System::currentTimeMillis);
        Catalog b = new Catalog(medusa, zeus::cluster, System::currentTimeMillis);
        a.createContainer(new ContainerSpec("c", 1, 0, 0));
        List<Future<Catalog.VDiskRecord>> created = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                Catalog via = i % 2 == 0 ? a : b;
                String name = "v" + i;
                created.add(pool.submit(() -> via.createVDisk("c", name, 1L << 20)));
            }
        }
        Set<Long> ids = new HashSet<>();
        for (Future<Catalog.VDiskRecord> f : created) {
            ids.add(f.get().id());
        }
        assertThat(ids).hasSize(200).allMatch(id -> id >= 1);
        assertThat(a.vdisks(null)).hasSize(200);
        // 100 creations per node at 64 ids a block: two blocks each, so the counter stands at 4 blocks
        assertThat(new String(medusa.get("catalog#vdisk-next-id").orElseThrow().value())).isEqualTo(Long.toString(4L * 64));
        // a node that starts again takes a fresh block: ids are never reused
        Catalog restarted = new Catalog(medusa, zeus::cluster, System::currentTimeMillis);
        assertThat(restarted.createVDisk("c", "after", 1L << 20).id()).isEqualTo(4L * 64 + 1);
    }

    @Test
    void givenAName_whenCreatedTwice_thenTheSecondIsRefusedAndNothingChanges() {
        InMemoryMedusa medusa = new InMemoryMedusa();
        FixedZeus zeus = FixedZeus.oneNode(UUID.randomUUID());
        Catalog catalog = new Catalog(medusa, zeus::cluster, System::currentTimeMillis);
        catalog.createContainer(new ContainerSpec("c", 1, 0, 0));
        Catalog.VDiskRecord first = catalog.createVDisk("c", "disk", 1L << 20);
        assertThatThrownBy(() -> catalog.createVDisk("c", "disk", 2L << 20)).isInstanceOf(StargateException.class)
                .hasMessageContaining("already has a vDisk named 'disk'; pick another name");
        assertThat(catalog.vdisks(null)).containsExactly(first);
    }
}
