package io.cairn.storage.api.iscsi;

import java.net.InetSocketAddress;

/**
 * A session as a portal reports it.
 *
 * @param initiatorName the initiator's IQN (or eui./naa. name)
 * @param isid          the initiator session id, 12 hex digits
 * @param tsih          the target session identifying handle
 * @param targetName    the target (null for a discovery session)
 * @param initiator     the initiator's address
 * @param commands      SCSI commands completed on it
 */
public record SessionInfo(String initiatorName, String isid, int tsih, String targetName, InetSocketAddress initiator, long commands) {

    public boolean discovery() {
        return targetName == null;
    }
}
