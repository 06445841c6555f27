package io.cairn.security.auth;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's append-only, hash-chained audit log (spec 30 §10). The gateway records every mutating
 * call; this bundle records logins and account changes itself.
 */
@ProviderType
public interface AuditLog {

    /**
     * Appends and syncs one record.
     *
     * @throws io.cairn.common.error.CairnException UNAVAILABLE when it cannot be written: the caller
     *         must refuse the mutating operation (fail closed)
     */
    AuditRecord record(AuditEvent event);

    /** Records matching the query, oldest first. */
    List<AuditRecord> read(AuditQuery query);

    /** Re-computes every hash and link of the retained files. */
    AuditVerification verify();
}
