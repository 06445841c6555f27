package io.cairn.storage.api.iscsi;

import java.util.Objects;

import io.cairn.storage.api.stargate.VDiskIo;

/**
 * A LUN of a target and the vDisk behind it.
 *
 * @param lun  the LUN, 0..16383 (flat space addressing)
 * @param io   the vDisk's I/O; the engine closes it when the session ends
 * @param luId a stable identity of the logical unit (the vDisk's uuid): its VPD 0x80 serial and
 *             0x83 designators, and the key of its persistent reservations, are derived from it
 */
public record LogicalUnit(int lun, VDiskIo io, String luId) {

    public LogicalUnit {
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(luId, "luId");
        if (lun < 0 || lun > 16383) {
            throw new IllegalArgumentException("LUN " + lun + " is outside 0..16383");
        }
    }
}
