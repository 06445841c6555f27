package io.cairn.security.auth;

import java.util.Locale;

import io.cairn.common.error.CairnException;

/** What a permission allows on an entity type (spec 10 §9). {@code OPERATE} = power, migrate, snapshot, run, ack. */
public enum Action {
    VIEW, CREATE, UPDATE, DELETE, OPERATE;

    /** The wire name: {@code view}, {@code create}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name (case-insensitive); INVALID_ARGUMENT otherwise. */
    public static Action parse(String s) {
        for (Action a : values()) {
            if (a.name().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return a;
            }
        }
        throw CairnException.invalid("unknown action '" + s + "'; use one of view, create, update, delete, operate");
    }
}
