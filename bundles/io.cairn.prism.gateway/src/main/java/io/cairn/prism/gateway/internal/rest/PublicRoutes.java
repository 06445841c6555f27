package io.cairn.prism.gateway.internal.rest;

import java.util.List;
import java.util.Optional;

import io.cairn.prism.api.Action;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Schema;

/**
 * The operations served before anyone is authenticated (spec 10 §9, spec 30 §2, §9): a login form's
 * {@code POST /auth/login}, {@code POST /auth/logout}, and the cluster CA certificate a new client
 * fetches to trust the cluster, and the cluster CRL. {@link ApiServlet} serves them itself; they are documented like the
 * others but without a permission and with {@code security: []}.
 */
final class PublicRoutes {

    static final Schema LOGIN_BODY = Schema.object("a login").required("username", Schema.string("a local user, user@domain or DOMAIN\\\\user"))
            .required("password", Schema.string("its password"));
    static final Schema LOGIN_ANSWER = Schema.object("who logged in (the session cookie is in Set-Cookie)")
            .property("username", Schema.string("")).property("provider", Schema.string("local or the directory's name"))
            .property("roles", Schema.array("", Schema.string("a role"))).property("password_change_required", Schema.bool(""));

    static final ApiOperation LOGIN = new ApiOperation("POST", "/auth/login", "auth", Action.OPERATE,
            "Log in with a user name and password: sets the session cookie (no authentication needed)", LOGIN_BODY, LOGIN_ANSWER, 200, false,
            r -> ApiResponse.noContent());
    static final ApiOperation LOGOUT = new ApiOperation("POST", "/auth/logout", "auth", Action.OPERATE,
            "End the session of the cookie sent (no authentication needed)", null, null, 204, false, r -> ApiResponse.noContent());
    static final ApiOperation CA_CERTIFICATE = new ApiOperation("GET", "/security/ca-certificate", "cluster", Action.VIEW,
            "The cluster CA certificate, PEM (no authentication needed)", null, null, 200, false, r -> ApiResponse.noContent());

    static final ApiOperation CRL = new ApiOperation("GET", "/security/crl", "cluster", Action.VIEW,
            "The cluster CRL (X.509 v2, signed by the cluster CA), PEM (no authentication needed); 404 CRL_NOT_ISSUED before the first",
            null, null, 200, false, r -> ApiResponse.noContent());

    static final List<ApiOperation> ALL = List.of(LOGIN, LOGOUT, CA_CERTIFICATE, CRL);

    private PublicRoutes() {
    }

    static Optional<ApiOperation> match(String method, String path) {
        return ALL.stream().filter(op -> op.method().equals(method.equals("HEAD") ? "GET" : method) && op.path().equals(path)).findFirst();
    }
}
