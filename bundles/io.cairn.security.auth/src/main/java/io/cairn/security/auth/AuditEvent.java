package io.cairn.security.auth;

import java.util.Map;
import java.util.Objects;

/**
 * What to audit: e.g. {@code ("alice", "local", "10.0.0.5", "POST /api/v1/vms", "vm/web1", SUCCESS, {"status": "201"})}.
 *
 * @param user     who (or {@code -} before authentication)
 * @param provider {@code local}, a directory name, or {@code -}
 * @param sourceIp the client address
 * @param action   e.g. {@code auth.login}, {@code user.create}, {@code POST /api/v1/...}
 * @param target   the entity, e.g. {@code user/alice}
 * @param result   SUCCESS, FAILURE or DENIED
 * @param details  extra fields (never secrets)
 */
public record AuditEvent(String user, String provider, String sourceIp, String action, String target, AuditResult result,
        Map<String, String> details) {

    public AuditEvent {
        user = user == null || user.isEmpty() ? "-" : user;
        provider = provider == null || provider.isEmpty() ? "-" : provider;
        sourceIp = sourceIp == null ? "" : sourceIp;
        Objects.requireNonNull(action, "action");
        target = target == null ? "" : target;
        Objects.requireNonNull(result, "result");
        details = details == null ? Map.of() : Map.copyOf(details);
    }
}
