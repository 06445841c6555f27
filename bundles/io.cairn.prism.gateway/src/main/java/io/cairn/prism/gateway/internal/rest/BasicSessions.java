package io.cairn.prism.gateway.internal.rest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The session a Basic login opened, per (user, password, client address), so that a client sending
 * Basic on every request (scripts, benchmarks, most API clients) reuses it: the Argon2id check runs
 * and a session is created once per credential, not once per request. Keys are salted SHA-256
 * digests (the salt is random per process), so neither passwords nor their unsalted hashes are kept.
 * A remembered session is still validated on each use: a password change, lockout, deletion or
 * expiry ends it, and the next request logs in again.
 */
final class BasicSessions {

    static final int MAX = 1024;

    private final byte[] salt = new byte[32];
    private final Map<String, String> tokens = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX;
        }
    };

    BasicSessions() {
        new SecureRandom().nextBytes(salt);
    }

    String key(String user, String password, String source) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(salt);
            for (String part : new String[] {user, password, source}) {
                d.update(part.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    synchronized Optional<String> token(String key) {
        return Optional.ofNullable(tokens.get(key));
    }

    synchronized void remember(String key, String token) {
        tokens.put(key, token);
    }

    synchronized void forget(String key) {
        tokens.remove(key);
    }

    synchronized int size() {
        return tokens.size();
    }
}
