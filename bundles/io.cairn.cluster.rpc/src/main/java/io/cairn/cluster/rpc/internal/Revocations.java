package io.cairn.cluster.rpc.internal;

import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The certificate serials the cluster CRL revokes, as this process applies them: read by the transport's trust
 * manager at every handshake; listeners (the server and the node's client) close the open connections of a peer
 * whose certificate was just revoked.
 */
public final class Revocations {

    /** Revokes nothing, for clients outside a controller (the CLI, tests). */
    public static final Revocations NONE = new Revocations();

    private volatile Set<BigInteger> revoked = Set.of();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public boolean revoked(BigInteger serial) {
        return revoked.contains(serial);
    }

    public Set<BigInteger> serials() {
        return revoked;
    }

    /** Replaces the revoked serials; listeners run (on the caller's thread) when the set changed. */
    public void set(Set<BigInteger> serials) {
        Set<BigInteger> next = Set.copyOf(serials);
        if (next.equals(revoked)) {
            return;
        }
        revoked = next;
        if (this == NONE) {
            return;
        }
        for (Runnable l : listeners) {
            l.run();
        }
    }

    void listen(Runnable listener) {
        if (this != NONE) {
            listeners.add(listener);
        }
    }

    void unlisten(Runnable listener) {
        listeners.remove(listener);
    }
}
