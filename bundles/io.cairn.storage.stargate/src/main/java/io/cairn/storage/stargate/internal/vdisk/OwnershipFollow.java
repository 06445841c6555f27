package io.cairn.storage.stargate.internal.vdisk;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Spec 20 ("ownership follows the VM"): per owned vDisk, whether its I/O has been only forwarded
 * from one other node for a while. Local I/O (a front end on the owner) ends the streak; forwarded
 * I/O from another node than the streak's starts a new one. Times come from the injectable clock's
 * {@code nanoTime}, so tests control them.
 */
final class OwnershipFollow {

    private final LongSupplier nanos;
    /** The node whose forwarded I/O is all the vDisk saw since {@link #since}; null: local I/O last, or none yet. */
    private UUID from;
    private long since;

    OwnershipFollow(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** I/O from a front end on the owner itself. */
    synchronized void local() {
        from = null;
    }

    /** I/O forwarded by {@code node} (the node the VM's front end runs on). */
    synchronized void forwarded(UUID node) {
        if (!node.equals(from)) {
            from = node;
            since = nanos.getAsLong();
        }
    }

    /**
     * The node to give the vDisk to: the one whose forwarded I/O was the only I/O for at least
     * {@code after} (zero or negative: the rule is off, never).
     */
    synchronized Optional<UUID> due(Duration after) {
        if (from == null || after.isZero() || after.isNegative()) {
            return Optional.empty();
        }
        return nanos.getAsLong() - since >= after.toNanos() ? Optional.of(from) : Optional.empty();
    }

    /** How long the current forwarded-only streak has lasted (zero: none). */
    synchronized Duration streak() {
        return from == null ? Duration.ZERO : Duration.ofNanos(nanos.getAsLong() - since);
    }

    /** The node of the current streak, if any. */
    synchronized Optional<UUID> from() {
        return Optional.ofNullable(from);
    }
}
