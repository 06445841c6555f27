package io.cairn.security.auth;

import java.util.Map;

/**
 * One line of the audit log as written (spec 30 §10): {@code hash} = SHA-256 (hex) of the canonical
 * record without {@code hash}, whose {@code prevHash} is the previous record's hash, so editing,
 * dropping or reordering a record breaks the chain.
 */
public record AuditRecord(String ts, String node, long seq, String user, String provider, String sourceIp, String action,
        String target, AuditResult result, Map<String, String> details, String prevHash, String hash) {
}
