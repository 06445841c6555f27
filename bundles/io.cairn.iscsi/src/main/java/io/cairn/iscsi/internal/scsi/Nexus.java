package io.cairn.iscsi.internal.scsi;

import java.util.Objects;

/**
 * An I_T nexus: the initiator port ({@code <initiator name>,i,0x<isid>}) and the target port
 * ({@code <target name>,t,0x<tpgt>}) a command arrived through (RFC 7143 §4.4.1, SPC-4 persistent
 * reservations key their registrations by it).
 *
 * @param initiatorName the initiator's iSCSI name
 * @param isid          the ISID, 12 lower-case hex digits
 * @param targetName    the target's iSCSI name
 * @param tpgt          the target portal group tag
 */
public record Nexus(String initiatorName, String isid, String targetName, int tpgt) {

    public Nexus {
        Objects.requireNonNull(initiatorName, "initiatorName");
        Objects.requireNonNull(isid, "isid");
        Objects.requireNonNull(targetName, "targetName");
    }

    /** The initiator port's TransportID name, {@code <initiator name>,i,0x<isid>}. */
    public String initiatorPort() {
        return initiatorName + ",i,0x" + isid;
    }

    /** The target port's name, {@code <target name>,t,0x<tpgt as 4 hex digits>}. */
    public String targetPort() {
        return targetName + ",t,0x" + String.format("%04x", tpgt);
    }
}
