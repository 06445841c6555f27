package io.cairn.security.auth;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Who is calling: passwords (local users first, then the directories), sessions, and whether a
 * principal may do something. Every login, failed login, logout and expiry is audited. Failures are
 * {@link io.cairn.common.error.CairnException}s: UNAUTHENTICATED (401; a locked account says
 * "locked until &lt;time&gt;" without revealing whether the password was right), PERMISSION_DENIED (403).
 */
@ProviderType
public interface Authenticator {

    /** The session cookie's name (spec 30 §9). */
    String SESSION_COOKIE = "CAIRN_SESSION";
    /** The attributes the gateway must set on the session cookie (spec 10 §9). */
    String SESSION_COOKIE_ATTRIBUTES = "Path=/; HttpOnly; Secure; SameSite=Strict";
    /** The 401 challenge: {@code WWW-Authenticate: Basic realm="Prism"}. */
    String WWW_AUTHENTICATE = "Basic realm=\"Prism\"";

    /**
     * Checks a user name and password (local users, then directories; {@code user@domain} and
     * {@code DOMAIN\\user} go to Active Directory). Audited as {@code auth.login}.
     *
     * @throws io.cairn.common.error.CairnException UNAUTHENTICATED on a bad name or password, a locked
     *         account or an unreachable directory
     */
    Principal authenticate(String username, String password, String sourceIp);

    /**
     * Opens a session for a principal that just authenticated; the returned token is shown only here.
     * A local user's session is bound to the password current when it is created: prefer
     * {@link #login}, which binds it to the password that was checked.
     */
    Session createSession(Principal principal, String sourceIp);

    /**
     * {@link #authenticate} and {@link #createSession} in one step (since 1.1.0): a local user's
     * session is bound to the very password that was checked, so a password change, reset or a
     * deletion that races this login ends the session at its first use (it cannot outlive the
     * password it was opened with). Audited as both steps are.
     *
     * @throws io.cairn.common.error.CairnException as {@link #authenticate}
     */
    Session login(String username, String password, String sourceIp);

    /**
     * The session's principal (rights re-resolved now); refreshes its idle timer.
     *
     * @throws io.cairn.common.error.CairnException UNAUTHENTICATED when unknown, revoked, idle too long
     *         or past its absolute lifetime
     */
    Session validateSession(String token, String sourceIp);

    /** Ends a session (logout); unknown tokens are ignored. Audited as {@code auth.logout}. */
    void revokeSession(String token, String sourceIp);

    /** True when the principal may do this. */
    default boolean authorize(Principal principal, Permission permission) {
        return principal.permits(permission);
    }

    /**
     * Throws PERMISSION_DENIED ("permission denied: ...") unless the principal may do this; a denial
     * is audited.
     */
    void check(Caller caller, Permission permission);
}
