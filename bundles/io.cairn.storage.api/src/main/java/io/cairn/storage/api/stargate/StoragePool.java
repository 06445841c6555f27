package io.cairn.storage.api.stargate;

import java.util.List;
import java.util.UUID;

/** The storage pool: capacity and use over every data disk of every node. */
public record StoragePool(UUID uuid, String name, long capacityBytes, long usedBytes, List<Disk> disks) {

    /** One data disk of one node, and how much of its extent-store space is used. */
    public record Disk(String id, UUID node, String tier, long capacityBytes, long usedBytes, boolean online) {
    }

    /** Used share of the pool, 0 to 1. */
    public double usedFraction() {
        return capacityBytes <= 0 ? 0 : (double) usedBytes / capacityBytes;
    }
}
