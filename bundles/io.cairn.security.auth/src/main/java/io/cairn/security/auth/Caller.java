package io.cairn.security.auth;

import java.util.Objects;

/** Who asks for an administrative change, and from where (for authorisation and the audit log). */
public record Caller(Principal principal, String sourceIp) {

    public Caller {
        Objects.requireNonNull(principal, "principal");
        sourceIp = sourceIp == null ? "" : sourceIp;
    }
}
