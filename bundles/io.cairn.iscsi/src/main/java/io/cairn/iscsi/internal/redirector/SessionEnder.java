package io.cairn.iscsi.internal.redirector;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Set;

/**
 * How the redirector fails back (spec 40 §7): it asks the remote Stargate it sent initiators to
 * while the local one was down to end those sessions, so the initiators log in again through the
 * redirector and land locally. Implemented by whoever runs the redirector (the node component,
 * through cluster RPC to that Stargate's {@code Portal.endSessions}).
 */
@FunctionalInterface
public interface SessionEnder {

    /** One login the redirector sent to a remote portal. */
    record RedirectedLogin(String initiatorName, String targetName) {
        public RedirectedLogin {
            Objects.requireNonNull(initiatorName, "initiatorName");
            Objects.requireNonNull(targetName, "targetName");
        }
    }

    /**
     * Ends the sessions the Stargate at {@code remotePortal} serves for any of {@code logins}
     * (initiator and target both matching); a login with no session there is no error. Called on a
     * redirector thread, never concurrently with itself, and should return within seconds. Throwing
     * means "not done": the redirector asks again a probe interval later (while the local portal is
     * still up).
     */
    void endRedirectedSessions(InetSocketAddress remotePortal, Set<RedirectedLogin> logins) throws Exception;
}
