package io.cairn.security.auth;

import java.util.List;

/**
 * A remote syslog server the audit log is forwarded to (spec 30 §10), cluster-wide. Every node sends
 * each record of its audit log written after the server was added, as an RFC 5424 message (app-name
 * {@code cairn-audit}, msgid = the action, message = the record's JSON line with its hash), when the
 * server has the {@code AUDIT} module at a level the record reaches.
 *
 * @param name              its name (lower-case letters, digits, {@code -_.})
 * @param host              an IP address or host name
 * @param port              1-65535 (syslog: 514; TLS: 6514)
 * @param protocol          the transport
 * @param caCertificatePem  for TLS: PEM certificate(s) to trust, or null for the JVM's trust store
 * @param modules           what is sent; only {@code AUDIT} exists
 * @since 1.2.0
 */
public record SyslogServer(String name, String host, int port, Protocol protocol, String caCertificatePem, List<Module> modules) {

    /** UDP (RFC 5426), TCP (RFC 6587 octet counting), RELP (not supported yet), TLS (RFC 5425). */
    public enum Protocol {
        UDP, TCP, RELP, TLS
    }

    /** The module forwarding the audit log. */
    public static final String AUDIT = "AUDIT";

    /** A module sent to the server with the lowest severity sent (syslog names: EMERGENCY .. DEBUG, INFO by default). */
    public record Module(String name, String level) {
    }

    public SyslogServer {
        modules = modules == null ? List.of() : List.copyOf(modules);
    }

    /** The same server with {@code module} added or its level replaced. */
    public SyslogServer withModule(Module module) {
        List<Module> next = new java.util.ArrayList<>(modules.stream().filter(m -> !m.name().equals(module.name())).toList());
        next.add(module);
        return new SyslogServer(name, host, port, protocol, caCertificatePem, next);
    }
}
