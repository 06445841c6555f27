package io.cairn.security.auth;

import java.time.Instant;

/** A filter over the audit log; null fields match everything; at most {@code limit} newest records. */
public record AuditQuery(Instant from, Instant to, String user, String action, int limit) {

    public static AuditQuery all() {
        return new AuditQuery(null, null, null, null, Integer.MAX_VALUE);
    }
}
