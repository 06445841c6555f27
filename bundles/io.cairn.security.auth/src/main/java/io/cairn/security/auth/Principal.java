package io.cairn.security.auth;

import java.util.Set;

/**
 * An authenticated caller with its effective rights (the union of its roles' permissions, resolved
 * when it authenticated or its session was validated).
 *
 * @param username               local name, or the directory login name
 * @param provider               {@code local} or the directory's name
 * @param roles                  the role names bound to it (directly or by role mapping)
 * @param permissions            the union of those roles' permissions
 * @param passwordChangeRequired a local user who must change the password first (e.g. the
 *                               generated initial {@code admin}): nothing is authorised until then
 */
public record Principal(String username, String provider, Set<String> roles, Set<Permission> permissions, boolean passwordChangeRequired) {

    public static final String LOCAL = "local";

    public Principal {
        roles = Set.copyOf(roles);
        permissions = Set.copyOf(permissions);
    }

    /** True when the principal holds {@code wanted} and is not waiting for a password change. */
    public boolean permits(Permission wanted) {
        return !passwordChangeRequired && permissions.stream().anyMatch(p -> p.implies(wanted));
    }
}
