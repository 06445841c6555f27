/**
 * Prism authentication and RBAC (spec 10 §9, spec 30 §9–10): who a caller is ({@link Authenticator}:
 * passwords, sessions), what a caller may do ({@link Permission}s of {@link Role}s), the accounts,
 * roles and directories ({@link AccountAdmin}), and the tamper-evident {@link AuditLog}.
 * The HTTPS gateway calls these; it owns the transport (Basic header, cookie, status codes).
 */
@Export
@Version("1.2.0")
package io.cairn.security.auth;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
