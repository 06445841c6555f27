package io.cairn.security.auth;

/** The outcome an audit record states (spec 30 §10). */
public enum AuditResult {
    SUCCESS, FAILURE, DENIED
}
