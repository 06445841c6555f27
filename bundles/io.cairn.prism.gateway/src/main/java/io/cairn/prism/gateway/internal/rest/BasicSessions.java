package io.cairn.prism.gateway.internal.rest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.cairn.security.auth.Session;

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
    private final ConcurrentHashMap<String, CompletableFuture<Session>> inflight = new ConcurrentHashMap<>();
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

    /**
     * Runs {@code login} for {@code key} unless a login with the same key is running already, in
     * which case this waits for that one and shares its session (or its failure): a client that
     * opens many connections at once with one credential (wrk, a parallel script) costs one
     * Argon2id check and one session, not one per connection. Without this, 64 simultaneous first
     * requests meant 64 memory-hard hashes at once and the gateway stopped answering for seconds.
     */
    Session loginOnce(String key, Supplier<Session> login) {
        CompletableFuture<Session> mine = new CompletableFuture<>();
        CompletableFuture<Session> running = inflight.putIfAbsent(key, mine);
        if (running != null) {
            try {
                return running.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw e;
            }
        }
        try {
            Session s = login.get();
            mine.complete(s);
            return s;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inflight.remove(key, mine);
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
