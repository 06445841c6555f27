package io.cairn.storage.curator.internal.scan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.VDisk;

/** A cluster's catalog and metadata as every node sees it: vDisks, their shard and their extent groups. */
final class FakeCatalog implements ScanSource {

    final List<VDisk> vdisks = new ArrayList<>();
    final Map<UUID, Integer> shard = new HashMap<>();
    final Map<UUID, List<ExtentGroups.ExtentGroup>> egroups = new HashMap<>();
    /** Per vDisk, its groups no vBlock maps. */
    final Map<UUID, List<Long>> unreferenced = new HashMap<>();
    final AtomicInteger listings = new AtomicInteger();

    VDisk add(String container, String name, int rf, int shardOf, List<ExtentGroups.ExtentGroup> groups) {
        VDisk v = new VDisk(UUID.randomUUID(), name, new UUID(7, container.hashCode()), container, 1L << 30, rf, null, 0);
        vdisks.add(v);
        shard.put(v.uuid(), shardOf);
        egroups.put(v.uuid(), List.copyOf(groups));
        return v;
    }

    @Override
    public synchronized List<VDisk> vdisks() {
        listings.incrementAndGet();
        return List.copyOf(vdisks);
    }

    @Override
    public int metadataShard(UUID vdisk) {
        return shard.get(vdisk);
    }

    @Override
    public Optional<List<ExtentGroups.ExtentGroup>> egroups(UUID vdisk) {
        return Optional.ofNullable(egroups.get(vdisk));
    }

    @Override
    public List<Long> unreferenced(UUID vdisk) {
        return unreferenced.getOrDefault(vdisk, List.of());
    }
}
