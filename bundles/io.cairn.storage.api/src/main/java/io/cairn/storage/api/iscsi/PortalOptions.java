package io.cairn.storage.api.iscsi;

import java.util.Objects;

/**
 * How a portal serves.
 *
 * @param portalGroupTag     the TPGT this portal answers with (spec 50 §1: 1 everywhere, so a target's port identity survives moves)
 * @param reservations       where persistent reservations of the LUNs served here are kept
 * @param maxRecvDataSegment the MaxRecvDataSegmentLength offered (spec: 262144)
 * @param maxBurst           the MaxBurstLength offered (spec: 1048576)
 * @param firstBurst         the FirstBurstLength offered (spec: 65536)
 * @param cmdSnWindow        commands an initiator may have outstanding per session (spec: 128)
 */
public record PortalOptions(int portalGroupTag, ReservationStore reservations, int maxRecvDataSegment, int maxBurst, int firstBurst,
        int cmdSnWindow) {

    public PortalOptions {
        Objects.requireNonNull(reservations, "reservations");
        if (portalGroupTag < 1 || portalGroupTag > 65535) {
            throw new IllegalArgumentException("portal group tag must be 1..65535, not " + portalGroupTag);
        }
        if (maxRecvDataSegment < 512 || maxRecvDataSegment > 16777215 || maxBurst < 512 || firstBurst < 512 || firstBurst > maxBurst
                || cmdSnWindow < 1) {
            throw new IllegalArgumentException("bad iSCSI limits: MaxRecvDataSegmentLength " + maxRecvDataSegment + ", MaxBurstLength "
                    + maxBurst + ", FirstBurstLength " + firstBurst + ", CmdSN window " + cmdSnWindow);
        }
    }

    /** The values of spec 50 §1 with the given reservation store. */
    public static PortalOptions defaults(ReservationStore reservations) {
        return new PortalOptions(1, reservations, 262144, 1048576, 65536, 128);
    }
}
