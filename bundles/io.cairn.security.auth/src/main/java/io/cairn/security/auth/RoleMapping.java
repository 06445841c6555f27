package io.cairn.security.auth;

import java.util.Objects;

/**
 * Binds directory users or groups to a role: {@code kind} USER matches the login name or the user's
 * DN, GROUP a group's CN or DN (case-insensitive); OU matches a DN suffix ({@code ou=ops,dc=...}).
 */
public record RoleMapping(Kind kind, String value, String role) {

    public enum Kind {
        USER, GROUP, OU
    }

    public RoleMapping {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(role, "role");
    }
}
