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

    /**
     * Throws UNAVAILABLE when a record could not be written now (the log is closed, its last write
     * failed, or its file system has less than 1 MiB free). A mutating operation calls this before
     * making its change, so a full disk refuses the change instead of leaving it unaudited.
     */
    void checkWritable();

    /** Records matching the query, oldest first. */
    List<AuditRecord> read(AuditQuery query);

    /** Re-computes every hash and link of the retained files. */
    AuditVerification verify();
}
