package io.cairn.storage.api.iscsi;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Predicate;

import org.osgi.annotation.versioning.ProviderType;

/** One listening iSCSI portal. Closing it stops listening and ends every session it serves. */
@ProviderType
public interface Portal extends AutoCloseable {

    /** The bound address (the real port when opened with port 0). */
    InetSocketAddress address();

    /** The sessions open now. */
    List<SessionInfo> sessions();

    /**
     * Ends the matching sessions (failback, detach, an epoch bump): new commands on them are no
     * longer accepted, those in flight get up to {@code quiesceMillis} to finish (then they are
     * aborted), and the connections are closed, so the initiators log in again. Returns how many ended.
     */
    int endSessions(Predicate<SessionInfo> which, long quiesceMillis);

    @Override
    void close();
}
