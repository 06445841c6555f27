package io.cairn.security.auth;

import java.util.Objects;

import io.cairn.common.error.CairnException;

/**
 * One right: an action on an entity type ({@link EntityTypes}; {@link EntityTypes#ANY} for all types).
 * Written {@code <type>:<action>}, e.g. {@code vm:operate}.
 */
public record Permission(String entityType, Action action) {

    public Permission {
        Objects.requireNonNull(entityType, "entityType");
        Objects.requireNonNull(action, "action");
        if (!entityType.equals(EntityTypes.ANY) && !EntityTypes.ALL.contains(entityType)) {
            throw CairnException.invalid("unknown entity type '" + entityType + "'; known types: "
                    + EntityTypes.ALL.stream().sorted().toList());
        }
    }

    public static Permission of(String entityType, Action action) {
        return new Permission(entityType, action);
    }

    /** Parses {@code <type>:<action>}; INVALID_ARGUMENT on anything else. */
    public static Permission parse(String s) {
        int colon = s == null ? -1 : s.indexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw CairnException.invalid("permission '" + s + "' is not <entity type>:<action>, e.g. vm:operate");
        }
        return new Permission(s.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), Action.parse(s.substring(colon + 1)));
    }

    /** True when this permission grants {@code wanted} ({@code *} covers every type). */
    public boolean implies(Permission wanted) {
        return action == wanted.action && (entityType.equals(EntityTypes.ANY) || entityType.equals(wanted.entityType));
    }

    @Override
    public String toString() {
        return entityType + ":" + action.wireName();
    }
}
