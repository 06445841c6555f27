package io.cairn.iscsi.internal;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

import io.cairn.iscsi.internal.login.SessionParams;
import io.cairn.iscsi.internal.scsi.Nexus;
import io.cairn.iscsi.internal.scsi.ScsiTarget;
import io.cairn.storage.api.iscsi.SessionInfo;

/**
 * One iSCSI session (MaxConnections=1, so it has exactly one {@link Connection}): who logged in,
 * its TSIH, the negotiated parameters and, for a normal session, the SCSI target it drives.
 */
final class Session {

    final String initiatorName;
    final String isid;
    final int tsih;
    /** Null for a discovery session. */
    final String targetName;
    /** Null for a discovery session. */
    final ScsiTarget target;
    final Nexus nexus;
    final SessionParams params;
    final Connection connection;
    final LongAdder commands = new LongAdder();
    /** Set by {@link Portal#endSessions}: new SCSI commands are ignored. */
    volatile boolean quiescing;

    Session(String initiatorName, String isid, int tsih, String targetName, ScsiTarget target, int tpgt, SessionParams params,
            Connection connection) {
        this.initiatorName = initiatorName;
        this.isid = isid;
        this.tsih = tsih;
        this.targetName = targetName;
        this.target = target;
        this.nexus = targetName == null ? null : new Nexus(initiatorName, isid, targetName, tpgt);
        this.params = params;
        this.connection = connection;
    }

    boolean discovery() {
        return targetName == null;
    }

    /** Sessions with the same key are one I_T nexus: a new login with it reinstates the old session. */
    SessionKey key() {
        return new SessionKey(initiatorName, isid, targetName);
    }

    SessionInfo info() {
        return new SessionInfo(initiatorName, isid, tsih, targetName, (InetSocketAddress) connection.remote(), commands.sum());
    }

    record SessionKey(String initiatorName, String isid, String targetName) {
    }
}
