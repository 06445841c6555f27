package io.cairn.security.auth;

import java.time.Instant;

/**
 * A server-side session. The token is an opaque random string, handed out once (at creation) to be
 * set as the {@link Authenticator#SESSION_COOKIE} cookie; the cluster stores only its SHA-256.
 *
 * @param token         the cookie value (only on the session returned by create)
 * @param principal     the caller as of the last validation
 * @param createdAt     creation time
 * @param expiresAt     absolute expiry (creation + absolute timeout)
 * @param idleExpiresAt when it expires unless used again (last use + idle timeout)
 */
public record Session(String token, Principal principal, Instant createdAt, Instant expiresAt, Instant idleExpiresAt) {
}
