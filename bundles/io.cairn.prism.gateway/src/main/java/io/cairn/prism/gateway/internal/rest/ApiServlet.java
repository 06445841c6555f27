package io.cairn.prism.gateway.internal.rest;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import io.cairn.common.error.CairnException;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.prism.api.ApiEndpoints;
import io.cairn.prism.api.ApiException;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiRequest;
import io.cairn.prism.api.ApiResponse;
import io.cairn.security.auth.AuditEvent;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.security.auth.AuditLog;
import io.cairn.security.auth.Principal;
import io.cairn.security.auth.Session;
import jakarta.servlet.http.Cookie;
import java.security.cert.X509Certificate;
import io.cairn.security.auth.AuditResult;
import io.cairn.security.auth.Authenticator;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code /api/v1/*}: authenticates the caller ({@link Authentication}), picks the operation, checks the body against its
 * schema (size ≤ {@value #MAX_BODY} bytes, well-formed JSON, no unknown fields), authorizes the
 * caller for the operation's entity type and action, runs it, pages and filters lists, and maps
 * every failure to a status with {@code {"code", "message"}} (5xx carry only a reference to the
 * log line, never a stack trace). Every mutating call is refused with 503 when the audit log
 * cannot be written, and otherwise leaves one audit line with its outcome. {@code GET /api/v1/openapi.json} is the document of the
 * operations registered right now, open to every authenticated caller.
 */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/api/v1/*", "osgi.http.whiteboard.servlet.name=prism-api",
        ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE}, configurationPid = io.cairn.prism.gateway.internal.GatewayConfig.PID)
public final class ApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final int MAX_BODY = 1 << 20;
    static final String VERSION = "1.0.0";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private final transient Logger logger = LoggerFactory.getLogger(ApiServlet.class);
    private final transient Router router = new Router();
    private final transient Authenticator auth;
    private final transient AuditLog audit;
    private final transient NodeTrust trust;
    private final transient BasicSessions basic = new BasicSessions();
    private final transient SessionCache sessions = new SessionCache();
    /** Entity types whose changes can end or narrow sessions. */
    private static final java.util.Set<String> ACCOUNT_TYPES = java.util.Set.of("user", "role", "auth");

    private final int port;

    @Activate
    public ApiServlet(@Reference Authenticator auth, @Reference AuditLog audit, @Reference NodeTrust trust,
            io.cairn.prism.gateway.internal.GatewayConfig config) {
        this.auth = auth;
        this.trust = trust;
        this.audit = audit;
        this.port = config.prism__port();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addEndpoints(ApiEndpoints e) {
        List<ApiOperation> refused = router.add(e, e.tag(), e.operations());
        refused.forEach(op -> logger.warn("REST API: {} {} of '{}' is refused: another bundle already serves it", op.method(), op.path(),
                e.tag()));
    }

    void removeEndpoints(ApiEndpoints e) {
        router.remove(e);
    }


    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
        String method = req.getMethod();
        String path = Optional.ofNullable(req.getPathInfo()).orElse("/");
        if (!req.isSecure() || req.getLocalPort() != port) {
            // the leader filter normally answers other ports first; this holds even when it is not registered
            write(res, 404, error("NOT_FOUND", "the REST API is served only over HTTPS on port " + port));
            return;
        }
        Optional<ApiOperation> open = PublicRoutes.match(method, path);
        if (open.isPresent()) {
            servePublic(open.get(), req, res);
            return;
        }
        Authentication.ApiCaller caller = null;
        ApiOperation op = null;
        int status = 500;
        try {
            caller = Authentication.authenticate(auth, basic, sessions, req, res).orElseThrow(() -> new ApiException(401, "UNAUTHENTICATED",
                    "log in: HTTP Basic with a Prism user, the session cookie of an earlier login, or a client certificate from the "
                            + "cluster CA"));
            if (path.equals("/openapi.json") && (method.equals("GET") || method.equals("HEAD"))) {
                write(res, 200, OpenApi.document(router.routes(), PublicRoutes.ALL, VERSION));
                return;
            }
            Router.Match m = router.match(method, path);
            if (m.route().isEmpty()) {
                if (!m.allowed().isEmpty()) {
                    res.setHeader("Allow", String.join(", ", m.allowed()));
                    throw new ApiException(405, "METHOD_NOT_ALLOWED", method + " is not allowed on /api/v1" + path + "; allowed: " + m.allowed());
                }
                throw ApiException.notFound("no resource at /api/v1" + path + "; GET /api/v1/openapi.json lists them");
            }
            op = m.route().get().op();
            boolean ownPassword = op.path().equals(AccountEndpoints.PASSWORD_PATH) && caller.name().equals(m.params().get("name"));
            if (caller.mustChangePassword() && !ownPassword) {
                throw new ApiException(403, "PASSWORD_CHANGE_REQUIRED", caller.name() + " must change the initial password first: POST "
                        + "/api/v1/users/" + caller.name() + "/password {\"old_password\": ..., \"new_password\": ...}");
            }
            if (!ownPassword && !caller.permits(op.entityType(), op.action())) {
                throw new ApiException(403, "PERMISSION_DENIED", "permission denied: " + caller.name() + " may not " + op.action().id() + " "
                        + op.entityType() + " (ask a Cluster Admin for a role that allows " + op.entityType() + ":" + op.action().id() + ")");
            }
            if (method.equals("POST") && !Optional.ofNullable(req.getContentType()).orElse("").toLowerCase(java.util.Locale.ROOT)
                    .startsWith("application/json")) {
                // a browser sends a cross-site POST without a preflight only with a "simple" type (or none): never accepted
                throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "send POST requests with Content-Type: application/json");
            }
            JsonNode body = body(req, op); // only after the caller is known to be allowed: refused callers' bodies are not parsed
            Map<String, List<String>> query = new LinkedHashMap<>();
            req.getParameterMap().forEach((k, v) -> query.put(k, List.of(v)));
            if (op.mutating()) {
                audit.checkWritable(); // fail closed: no change that could not be audited (503)
            }
            ApiResponse out;
            try {
                out = op.handler().handle(new ApiRequest(caller, m.params(), query, body));
            } finally {
                if (op.mutating() && ACCOUNT_TYPES.contains(op.entityType())) {
                    sessions.clear(); // a password, role or directory change counts at once on this node
                }
            }
            JsonNode result = out.body();
            if (op.list() && result != null) {
                result = Listing.page(op.entityType(), result, first(query, "offset"), first(query, "limit"),
                        first(query, "filter"));
            }
            status = out.status();
            write(res, out.status(), result);
        } catch (ApiException e) {
            status = e.status();
            write(res, e.status(), error(e.code(), e.getMessage()));
            if (e.status() == 401) {
                res.setHeader("WWW-Authenticate", "Basic realm=\"Prism\"");
            }
        } catch (CairnException e) {
            status = e.code().httpStatus();
            if (status >= 500 && status != 503 && status != 504 && status != 507) {
                internal(res, method, path, e);
            } else {
                write(res, status, error(e.code().name(), e.getMessage()));
            }
        } catch (RuntimeException e) {
            internal(res, method, path, e);
        } catch (Exception e) {
            internal(res, method, path, e);
        } finally {
            if (op != null && op.mutating() && caller != null) {
                record(caller, method, path, status);
            }
        }
    }

    /** Login, logout, the CA certificate and the CRL: before (and without) authentication. */
    private void servePublic(ApiOperation op, HttpServletRequest req, HttpServletResponse res) throws IOException {
        String source = req.getRemoteAddr();
        try {
            if (op == PublicRoutes.CA_CERTIFICATE) {
                X509Certificate ca = trust.credentials().orElseThrow().ca();
                res.setStatus(200);
                res.setHeader("Cache-Control", "no-store");
                res.setContentType("application/x-pem-file");
                String pem = "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                        .encodeToString(ca.getEncoded()) + "\n-----END CERTIFICATE-----\n";
                res.getOutputStream().write(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return;
            }
            if (op == PublicRoutes.CRL) {
                Optional<java.security.cert.X509CRL> crl = trust.crl();
                if (crl.isEmpty()) {
                    throw new ApiException(404, "CRL_NOT_ISSUED", "the cluster CA has not issued a CRL yet (a member holding the CA key "
                            + "issues the first within 30 s of the cluster's start); retry shortly");
                }
                res.setStatus(200);
                res.setHeader("Cache-Control", "no-store");
                res.setContentType("application/x-pem-file");
                res.getOutputStream().write(io.cairn.cluster.rpc.ClusterCa.crlPem(crl.get()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return;
            }
            if (!Optional.ofNullable(req.getContentType()).orElse("").toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
                throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "send POST requests with Content-Type: application/json");
            }
            if (op == PublicRoutes.LOGOUT) {
                Cookie[] cookies = req.getCookies();
                if (cookies != null) {
                    for (Cookie c : cookies) {
                        if (c.getName().equals(Authenticator.SESSION_COOKIE)) {
                            auth.revokeSession(c.getValue(), source);
                            sessions.forget(c.getValue()); // after the revocation: a request in between cannot re-cache it
                        }
                    }
                }
                res.addHeader("Set-Cookie", Authenticator.SESSION_COOKIE + "=; Max-Age=0; " + Authenticator.SESSION_COOKIE_ATTRIBUTES);
                write(res, 204, null);
                return;
            }
            JsonNode body = body(req, op);
            Session s;
            try {
                s = auth.login(body.path("username").asText(), body.path("password").asText(), source);
            } catch (CairnException e) {
                if (e.code() == io.cairn.common.error.ErrorCode.UNAUTHENTICATED || e.code() == io.cairn.common.error.ErrorCode.PERMISSION_DENIED) {
                    throw new ApiException(401, "UNAUTHENTICATED", e.getMessage());
                }
                throw e;
            }
            Principal p = s.principal();
            res.addHeader("Set-Cookie", Authenticator.SESSION_COOKIE + "=" + s.token() + "; " + Authenticator.SESSION_COOKIE_ATTRIBUTES);
            var answer = JSON.createObjectNode().put("username", p.username()).put("provider", p.provider());
            p.roles().stream().sorted().forEach(answer.putArray("roles")::add);
            answer.put("password_change_required", p.passwordChangeRequired());
            write(res, 200, answer);
        } catch (ApiException e) {
            write(res, e.status(), error(e.code(), e.getMessage()));
        } catch (CairnException e) {
            int status = e.code().httpStatus();
            if (status >= 500 && status != 503) {
                internal(res, req.getMethod(), op.path(), e);
            } else {
                write(res, status, error(e.code().name(), e.getMessage()));
            }
        } catch (RuntimeException | java.security.cert.CertificateEncodingException e) {
            internal(res, req.getMethod(), op.path(), e);
        }
    }

    /** One audit line per mutating call, whatever its outcome (spec 30 §10). */
    private void record(Authentication.ApiCaller caller, String method, String path, int status) {
        AuditResult result = status < 400 ? AuditResult.SUCCESS : status == 403 ? AuditResult.DENIED : AuditResult.FAILURE;
        try {
            audit.record(new AuditEvent(caller.name(), caller.provider(), caller.source(), method + " /api/v1" + path, "/api/v1" + path, result,
                    Map.of("status", Integer.toString(status))));
        } catch (RuntimeException e) {
            logger.error("REST API: the audit record of {} {} by {} could not be written: {}", method, path, caller.name(), e.toString());
        }
    }

    private void internal(HttpServletResponse res, String method, String path, Exception e) throws IOException {
        String ref = UUID.randomUUID().toString();
        logger.error("REST API {} /api/v1{} failed (reference {})", method, path, ref, e);
        write(res, 500, error("INTERNAL", "the server failed on this request; its log has the details under reference " + ref));
    }

    private static Optional<String> first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    /** The request body checked against the operation's schema; a missing node when it takes none. */
    static JsonNode body(HttpServletRequest req, ApiOperation op) throws IOException {
        if (op.request() == null) {
            return MissingNode.getInstance();
        }
        long declared = req.getContentLengthLong();
        if (declared > MAX_BODY) {
            throw new ApiException(413, "BODY_TOO_LARGE", "the request body is " + declared + " bytes; at most " + MAX_BODY + " are accepted");
        }
        byte[] raw;
        try (InputStream in = req.getInputStream()) {
            raw = in.readNBytes(MAX_BODY + 1);
        }
        if (raw.length > MAX_BODY) {
            throw new ApiException(413, "BODY_TOO_LARGE", "the request body is over " + MAX_BODY + " bytes; at most " + MAX_BODY + " are accepted");
        }
        if (raw.length == 0) {
            throw ApiException.badRequest("BODY_REQUIRED", op.method() + " " + op.path() + " needs a JSON body; GET /api/v1/openapi.json shows "
                    + "its schema");
        }
        String type = Optional.ofNullable(req.getContentType()).orElse("(none)");
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json, not " + type);
        }
        JsonNode body;
        try {
            body = JSON.readTree(raw);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("MALFORMED_JSON", "the body is not valid JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
        List<String> errors = new ArrayList<>(op.request().validate(body));
        if (!errors.isEmpty()) {
            String code = errors.stream().anyMatch(s -> s.contains("unknown field")) ? "UNKNOWN_FIELD" : "INVALID_BODY";
            throw ApiException.badRequest(code, String.join("; ", errors));
        }
        return body;
    }

    static JsonNode error(String code, String message) {
        return JSON.createObjectNode().put("code", code).put("message", message);
    }

    private static void write(HttpServletResponse res, int status, JsonNode body) throws IOException {
        res.setStatus(status);
        res.setHeader("Cache-Control", "no-store");
        if (body == null) {
            return;
        }
        res.setContentType("application/json");
        res.getOutputStream().write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
    }
}
