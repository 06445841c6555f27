package io.cairn.prism.gateway.internal.rest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

import io.cairn.common.error.CairnException;
import io.cairn.prism.api.Action;
import io.cairn.prism.api.ApiException;
import io.cairn.prism.api.Caller;
import io.cairn.security.auth.Authenticator;
import io.cairn.security.auth.EntityTypes;
import io.cairn.security.auth.Permission;
import io.cairn.security.auth.Principal;
import io.cairn.security.auth.Session;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Who is calling (spec 10 §9): a client certificate from the cluster CA (CN {@code admin}, a
 * Cluster Admin), the session cookie of an earlier login, or HTTP Basic (local users, then the
 * directories), which also starts a session and sets its cookie ({@code HttpOnly; Secure;
 * SameSite=Strict}) so that the slow password hash runs once per session, not per request; a client
 * that sends Basic every time gets the same session back ({@link BasicSessions}).
 */
final class Authentication {

    /** The authenticated caller: a principal of the auth bundle, as the REST API sees it. */
    record ApiCaller(Principal principal, String source, boolean certificate) implements Caller {

        ApiCaller(Principal principal, String source) {
            this(principal, source, false);
        }

        @Override
        public String name() {
            return principal.username();
        }

        @Override
        public String provider() {
            return principal.provider();
        }

        @Override
        public boolean permits(String entityType, Action action) {
            if (certificate) {
                return true;
            }
            if (!entityType.equals(EntityTypes.ANY) && !EntityTypes.ALL.contains(entityType)) {
                return false; // a type the RBAC model does not know: nobody but the certificate admin (below)
            }
            return principal.permits(Permission.of(entityType, io.cairn.security.auth.Action.valueOf(action.name())));
        }

        boolean mustChangePassword() {
            return principal.passwordChangeRequired();
        }

        io.cairn.security.auth.Caller asAuthCaller() {
            return new io.cairn.security.auth.Caller(principal, source);
        }
    }

    /** The cluster admin certificate holder: every right on every type. */
    static ApiCaller certificateAdmin(String source) {
        return new ApiCaller(new Principal(CertificateCaller.ADMIN, "certificate", Set.of("cluster-admin"),
                Set.of(Permission.of(EntityTypes.ANY, io.cairn.security.auth.Action.VIEW), Permission.of(EntityTypes.ANY,
                        io.cairn.security.auth.Action.CREATE), Permission.of(EntityTypes.ANY, io.cairn.security.auth.Action.UPDATE),
                        Permission.of(EntityTypes.ANY, io.cairn.security.auth.Action.DELETE), Permission.of(EntityTypes.ANY,
                                io.cairn.security.auth.Action.OPERATE)), false), source, true);
    }

    private Authentication() {
    }

    static Optional<ApiCaller> authenticate(Authenticator auth, BasicSessions basic, SessionCache cache, HttpServletRequest req,
            HttpServletResponse res) {
        String source = req.getRemoteAddr();
        if (CertificateCaller.from(req.getAttribute("jakarta.servlet.request.X509Certificate")).isPresent()) {
            return Optional.of(certificateAdmin(source));
        }
        String header = req.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ApiException(401, "UNAUTHENTICATED", "the Authorization header is not Basic base64(user:password)");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw new ApiException(401, "UNAUTHENTICATED", "the Authorization header is not Basic base64(user:password)");
            }
            String user = decoded.substring(0, colon);
            String password = decoded.substring(colon + 1);
            String key = basic.key(user, password, source);
            Optional<String> known = basic.token(key);
            if (known.isPresent()) {
                try {
                    Principal p = validate(auth, cache, known.get(), source);
                    res.addHeader("Set-Cookie", Authenticator.SESSION_COOKIE + "=" + known.get() + "; " + Authenticator.SESSION_COOKIE_ATTRIBUTES);
                    return Optional.of(new ApiCaller(p, source));
                } catch (CairnException e) {
                    basic.forget(key); // ended (password change, lockout, expiry): check the password again
                }
            }
            // one login per credential at a time (concurrent first requests share it); the session is bound to this
            // password, so a change racing the login ends it
            Session s = basic.loginOnce(key, () -> {
                Session opened = login(() -> auth.login(user, password, source));
                if (opened.principal().provider().equals(Principal.LOCAL)) {
                    // local users only: their password change, reset, lockout or deletion ends the session; a directory's
                    // user is bound again at each Basic request, so a password reset or group change there counts at once
                    basic.remember(key, opened.token());
                }
                return opened;
            });
            Principal p = s.principal();
            res.addHeader("Set-Cookie", Authenticator.SESSION_COOKIE + "=" + s.token() + "; " + Authenticator.SESSION_COOKIE_ATTRIBUTES);
            return Optional.of(new ApiCaller(p, source));
        }
        Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (c.getName().equals(Authenticator.SESSION_COOKIE)) {
                    Principal p = login(() -> validate(auth, cache, c.getValue(), source));
                    return Optional.of(new ApiCaller(p, source));
                }
            }
        }
        return Optional.empty();
    }

    /** The session's principal: from the cache when this gateway validated it within the last second, else from the auth bundle. */
    private static Principal validate(Authenticator auth, SessionCache cache, String token, String source) {
        long now = System.nanoTime();
        Optional<Principal> known = cache.principal(token, now);
        if (known.isPresent()) {
            return known.get();
        }
        Principal p = auth.validateSession(token, source).principal();
        cache.remember(token, p, now);
        return p;
    }

    /** Runs a login step; the auth bundle's UNAUTHENTICATED (and lockout) become a 401 with its message. */
    private static <T> T login(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (CairnException e) {
            if (e.code() == io.cairn.common.error.ErrorCode.UNAUTHENTICATED || e.code() == io.cairn.common.error.ErrorCode.PERMISSION_DENIED) {
                throw new ApiException(401, "UNAUTHENTICATED", e.getMessage());
            }
            throw e;
        }
    }
}
