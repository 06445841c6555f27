package io.cairn.security.auth;

import java.util.List;

/**
 * An LDAP or Active Directory authentication provider (spec 30 §9): search-then-bind with a service
 * account. Transport is {@code ldaps://} or {@code ldap://} with StartTLS; bare {@code ldap://} is refused.
 *
 * @param name                   its name (lower-case letters, digits, {@code -_.})
 * @param type                   OPEN_LDAP or ACTIVE_DIRECTORY
 * @param url                    {@code ldaps://host:port} or {@code ldap://host:port}
 * @param startTls               required with {@code ldap://}
 * @param domain                 the AD domain ({@code user@domain}, {@code DOMAIN\\user}); may be null for OPEN_LDAP
 * @param searchBase             where users and groups are searched
 * @param serviceAccountDn       the bind DN of the search account
 * @param serviceAccountPassword its password (stored in Zeus; never returned by list)
 * @param userAttribute          the login-name attribute: {@code uid} (LDAP), {@code sAMAccountName} (AD)
 * @param caCertificatePem       PEM certificate(s) to trust for the directory's TLS, or null for the JVM's trust store
 * @param roleMappings           who gets which role
 */
public record DirectoryConfig(String name, Type type, String url, boolean startTls, String domain, String searchBase,
        String serviceAccountDn, String serviceAccountPassword, String userAttribute, String caCertificatePem,
        List<RoleMapping> roleMappings) {

    public enum Type {
        OPEN_LDAP, ACTIVE_DIRECTORY
    }

    public DirectoryConfig {
        roleMappings = roleMappings == null ? List.of() : List.copyOf(roleMappings);
    }

    /** The same configuration with the service account password blanked (for listing). */
    public DirectoryConfig redacted() {
        return new DirectoryConfig(name, type, url, startTls, domain, searchBase, serviceAccountDn,
                serviceAccountPassword == null ? null : "********", userAttribute, caCertificatePem, roleMappings);
    }
}
