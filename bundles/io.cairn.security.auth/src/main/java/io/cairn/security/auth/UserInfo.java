package io.cairn.security.auth;

import java.time.Instant;
import java.util.Set;

/**
 * A local user as administrators see it (never the hash).
 *
 * @param lockedUntil            null unless locked out now
 * @param failures               consecutive failed logins since the last success
 */
public record UserInfo(String username, Set<String> roles, boolean passwordChangeRequired, int failures, Instant lockedUntil,
        Instant createdAt) {

    public UserInfo {
        roles = Set.copyOf(roles);
    }
}
