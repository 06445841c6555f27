package io.cairn.storage.api.stargate;

import java.util.UUID;

/**
 * A thin virtual disk. Its address space is 1 MiB vBlocks; space is used only where it was
 * written. {@code owner} is the node whose Stargate serves it now (null: nobody yet).
 */
public record VDisk(UUID uuid, String name, UUID container, String containerName, long sizeBytes, int replicationFactor,
        UUID owner, long createdMillis) {
}
