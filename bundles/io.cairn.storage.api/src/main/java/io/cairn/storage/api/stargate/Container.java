package io.cairn.storage.api.stargate;

import java.util.UUID;

/** A container: a slice of the storage pool whose vDisks share one replication factor. */
public record Container(UUID uuid, String name, int replicationFactor, long reservedBytes, long advertisedBytes,
        long usedBytes, int vdisks) {
}
