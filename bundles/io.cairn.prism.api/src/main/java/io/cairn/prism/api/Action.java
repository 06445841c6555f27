package io.cairn.prism.api;

import java.util.Locale;

/** What an operation does to its entity type, the unit of RBAC permissions (spec 10 §9). */
public enum Action {
    VIEW, CREATE, UPDATE, DELETE,
    /** Power, migrate, snapshot, run, acknowledge. */
    OPERATE;

    /** The lower-case name used in permissions and the OpenAPI document. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
