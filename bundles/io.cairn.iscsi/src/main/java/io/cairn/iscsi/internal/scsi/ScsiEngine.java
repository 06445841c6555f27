package io.cairn.iscsi.internal.scsi;

import java.util.List;

import io.cairn.storage.api.iscsi.LogicalUnit;
import io.cairn.storage.api.iscsi.ReservationStore;

/** Makes the {@link ScsiTarget} a session serves. */
public interface ScsiEngine {

    /**
     * The SCSI side of target {@code targetName} with {@code luns}, keeping persistent reservations
     * in {@code reservations}. Sessions of the same target may each get their own object: whatever
     * must be shared between them (reservations, unit attentions after a resize) goes through
     * {@code reservations} or lives in the engine, keyed by {@link LogicalUnit#luId()}.
     */
    ScsiTarget target(String targetName, List<LogicalUnit> luns, ReservationStore reservations);
}
