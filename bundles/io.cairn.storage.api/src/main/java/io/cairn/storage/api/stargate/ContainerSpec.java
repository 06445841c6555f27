package io.cairn.storage.api.stargate;

import java.util.Objects;

/**
 * What a new container should be: its name (1-75 characters: letters, digits, '-', '_', '.'),
 * replication factor (1, 2 or 3), the capacity reserved for it in the pool (0: none) and the
 * capacity it advertises to clients (0: the pool's).
 */
public record ContainerSpec(String name, int replicationFactor, long reservedBytes, long advertisedBytes) {

    public ContainerSpec {
        Objects.requireNonNull(name, "name");
    }

    public static ContainerSpec of(String name, int replicationFactor) {
        return new ContainerSpec(name, replicationFactor, 0, 0);
    }
}
