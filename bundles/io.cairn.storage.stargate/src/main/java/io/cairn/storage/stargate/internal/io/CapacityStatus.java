package io.cairn.storage.stargate.internal.io;

/**
 * The storage pool's fill state at one usage refresh (spec 20 §12).
 *
 * @param level the most severe level that applies
 * @param usedBytes bytes used in the pool
 * @param poolCapacityBytes formatted capacity of the pool
 * @param resilientCapacityBytes capacity usable while still restoring RF after FT fault-domain
 *     failures
 * @param message what the state means, suitable as the alert text
 */
public record CapacityStatus(CapacityLevel level, long usedBytes, long poolCapacityBytes, long resilientCapacityBytes,
        String message) {

    /** Whether user writes are refused in this state. */
    public boolean userWritesBlocked() {
        return level == CapacityLevel.POOL_FULL;
    }
}
