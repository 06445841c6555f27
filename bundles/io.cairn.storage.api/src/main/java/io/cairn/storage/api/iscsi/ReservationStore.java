package io.cairn.storage.api.iscsi;

import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Durable SCSI-3 persistent-reservation state per logical unit, shared by every portal that serves
 * it (cluster-wide in production, so a reservation survives a session moving to another node and
 * a controller restart). The engine owns the encoding; the store keeps opaque bytes and changes
 * them only by compare-and-set.
 */
@ConsumerType
public interface ReservationStore {

    /** The state of logical unit {@code luId}, with a version for {@link #compareAndSet}; empty: none yet. */
    Optional<Versioned> load(String luId);

    /**
     * Replaces the state if its version is still {@code expectedVersion} (-1: absent); returns the
     * new version, or empty when it changed meanwhile (the engine reloads and tries again).
     */
    Optional<Long> compareAndSet(String luId, long expectedVersion, byte[] state);

    /** A stored state and its version. */
    record Versioned(byte[] state, long version) {
    }
}
