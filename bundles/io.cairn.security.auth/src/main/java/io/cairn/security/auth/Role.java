package io.cairn.security.auth;

import java.util.Set;

/**
 * A named set of permissions. Built-in roles ({@link #CLUSTER_ADMIN}, {@link #USER_ADMIN},
 * {@link #OPERATOR}, {@link #VIEWER}) are immutable; custom roles are managed by a Cluster Admin.
 */
public record Role(String name, String description, boolean builtIn, Set<Permission> permissions) {

    public static final String CLUSTER_ADMIN = "cluster-admin";
    public static final String USER_ADMIN = "user-admin";
    public static final String OPERATOR = "operator";
    public static final String VIEWER = "viewer";

    public Role {
        permissions = Set.copyOf(permissions);
    }
}
