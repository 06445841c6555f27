package io.cairn.security.auth;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The remote syslog servers the audit log is forwarded to (spec 30 §10), cluster-wide. Listing needs
 * {@code audit:view}; changes need {@code audit:update} (Cluster Admin) and are audited.
 *
 * @since 1.2.0
 */
@ProviderType
public interface AuditForwarding {

    List<SyslogServer> syslogServers(Caller caller);

    /**
     * Adds or replaces a server.
     *
     * @throws io.cairn.common.error.CairnException INVALID_ARGUMENT naming what is wrong (name, host,
     *         port, an unusable CA PEM, an unknown module or level, RELP)
     */
    SyslogServer putSyslogServer(Caller caller, SyslogServer server);

    /** Removes a server; NOT_FOUND if there is none of that name. Records not yet sent to it are dropped. */
    void deleteSyslogServer(Caller caller, String name);
}
