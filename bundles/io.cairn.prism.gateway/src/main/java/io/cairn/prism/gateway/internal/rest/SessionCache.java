package io.cairn.prism.gateway.internal.rest;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.cairn.security.auth.Principal;

/**
 * Sessions this gateway validated in the last {@link #TTL_NANOS} ns, so a client sending many
 * requests on one session does not cost two Zeus reads each (session and user documents). A
 * session ended elsewhere (logout on another node, password change, lockout, deletion, expiry)
 * stops working here within that second; a logout, or a change to users, roles or directories made
 * through this node, takes effect here at once.
 */
final class SessionCache {

    static final long TTL_NANOS = 1_000_000_000L;
    static final int MAX = 4096;

    private record Entry(Principal principal, long until) {
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    Optional<Principal> principal(String token, long now) {
        Entry e = entries.get(token);
        if (e == null) {
            return Optional.empty();
        }
        if (now - e.until() > 0) {
            entries.remove(token, e);
            return Optional.empty();
        }
        return Optional.of(e.principal());
    }

    void remember(String token, Principal principal, long now) {
        if (entries.size() >= MAX) {
            entries.clear(); // a burst of distinct sessions: start over rather than scan for the oldest
        }
        entries.put(token, new Entry(principal, now + TTL_NANOS));
    }

    void forget(String token) {
        entries.remove(token);
    }

    /** After a change to users, roles or directories: every session is checked again at its next request. */
    void clear() {
        entries.clear();
    }

    int size() {
        return entries.size();
    }
}
