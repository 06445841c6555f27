package io.cairn.storage.stargate.internal.vdisk;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import io.cairn.cluster.api.Zeus;
import io.cairn.common.internal.SystemClock;
import io.cairn.storage.stargate.internal.catalog.Catalog;
import io.cairn.storage.stargate.internal.disks.LocalDisks;
import io.cairn.storage.stargate.internal.estore.LocalMetadata;
import io.cairn.storage.stargate.internal.estore.Scrubber;

/**
 * A one-node data path for unit tests: the real OpLog, extent store (one directory disk), node-local
 * metadata store and drain thread, over an {@link InMemoryMedusa} and a Zeus that lists no other
 * Stargate (so vDisks are RF1, no data RPC is made). Closing and opening again on the same home and
 * Medusa is a restart of the node: its OpLog is recovered, and the first I/O takes the vDisk over
 * at a new epoch, replaying what was not drained.
 */
final class OneNodeDataPath implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    final UUID self;
    final InMemoryMedusa medusa;
    final Catalog catalog;
    final DataPath path;
    private final LocalMetadata local;
    private final SystemClock clock;

    private OneNodeDataPath(UUID self, InMemoryMedusa medusa, Catalog catalog, DataPath path, LocalMetadata local, SystemClock clock) {
        this.self = self;
        this.medusa = medusa;
        this.catalog = catalog;
        this.path = path;
        this.local = local;
        this.clock = clock;
    }

    /** Opens (or re-opens) node {@code self} with its home under {@code home}, writing its direct writes never (everything through the OpLog). */
    static OneNodeDataPath open(Path home, UUID self, InMemoryMedusa medusa) throws Exception {
        Zeus zeus = FixedZeus.oneNode(self);
        SystemClock clock = SystemClock.withDefaults();
        LocalMetadata local = LocalMetadata.open(home);
        Catalog catalog = new Catalog(medusa, zeus::cluster, System::currentTimeMillis);
        List<LocalDisks.Disk> disks = List.of(new LocalDisks.Disk("d0", home.resolve("disks/d0"), "SSD", 1L << 30));
        DataPath path = new DataPath(new Peers(zeus, null, self, Duration.ofSeconds(5)), medusa, catalog, local.store(), disks,
                home.resolve("oplog"), 64L << 20, 6L << 30, clock, Duration.ofSeconds(20), () -> {
                }, 64L << 20, Long.MAX_VALUE, Scrubber.Settings.DEFAULTS);
        return new OneNodeDataPath(self, medusa, catalog, path, local, clock);
    }

    /** Waits until the vDisk has nothing undrained in the OpLog. */
    void drained(Catalog.VDiskRecord r) throws InterruptedException {
        waitUntil("vDisk " + r.name() + " drained", () -> path.oplog().undrainedBytes(r.id()) == 0);
    }

    /** Bytes of written slices on this node's disks. */
    long used() {
        return path.disks().stream().mapToLong(d -> d.usedBytes()).sum();
    }

    static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT + " waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            path.close();
        } finally {
            local.close();
            clock.close();
        }
    }
}
