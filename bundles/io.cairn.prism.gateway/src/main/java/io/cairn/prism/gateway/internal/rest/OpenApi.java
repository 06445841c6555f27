package io.cairn.prism.gateway.internal.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.Schema;

/** The OpenAPI 3.0 document of the registered operations: generated, so it cannot drift from what is served. */
final class OpenApi {

    static final String BASE = "/api/v1";
    /** The owner marking the operations of {@link PublicRoutes}. */
    private static final Object PUBLIC = new Object();

    private OpenApi() {
    }

    static ObjectNode document(List<Router.Route> routes, String version) {
        return document(routes, List.of(), version);
    }

    /** With {@code open}: operations served without authentication (no permission, {@code security: []}). */
    static ObjectNode document(List<Router.Route> routes, List<ApiOperation> open, String version) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode doc = f.objectNode();
        doc.put("openapi", "3.0.3");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Cairn Prism REST API");
        info.put("version", version);
        info.put("description", "Every entity is {metadata: {kind, uuid, version}, spec, status}. Lists page and filter with "
                + "?offset=&limit=&filter=spec.name==x;status.y!=z. Errors are {code, message}. Authenticate with HTTP Basic, the "
                + "session cookie a Basic login sets, or a client certificate from the cluster CA.");
        doc.putArray("servers").addObject().put("url", BASE);
        ObjectNode paths = doc.putObject("paths");
        List<String> tags = new ArrayList<>();
        List<Router.Route> all = new ArrayList<>(routes);
        open.forEach(op -> all.add(new Router.Route("session", op, Router.split(op.path()), PUBLIC)));
        for (Router.Route r : all) {
            ApiOperation op = r.op();
            boolean isPublic = r.owner() == PUBLIC;
            ObjectNode path = paths.has(op.path()) ? (ObjectNode) paths.get(op.path()) : paths.putObject(op.path());
            ObjectNode o = path.putObject(op.method().toLowerCase(Locale.ROOT));
            o.put("summary", op.summary());
            o.put("operationId", operationId(op));
            o.putArray("tags").add(r.tag());
            if (!tags.contains(r.tag())) {
                tags.add(r.tag());
            }
            if (isPublic) {
                o.putArray("security");
            } else {
                o.put("x-cairn-permission", op.entityType() + ":" + op.action().id());
            }
            ArrayNode params = f.arrayNode();
            for (String seg : Router.split(op.path())) {
                if (seg.startsWith("{")) {
                    ObjectNode p = params.addObject();
                    p.put("name", seg.substring(1, seg.length() - 1));
                    p.put("in", "path");
                    p.put("required", true);
                    p.putObject("schema").put("type", "string");
                }
            }
            if (op.list()) {
                query(params, "offset", "integer", "index of the first entity returned (default 0)");
                query(params, "limit", "integer", "most entities returned (default " + Listing.DEFAULT_LIMIT + ", at most " + Listing.MAX_LIMIT + ")");
                query(params, "filter", "string", "conditions FIELD==VALUE or FIELD!=VALUE joined with ;, FIELD a dotted path like spec.name");
            }
            if (!params.isEmpty()) {
                o.set("parameters", params);
            }
            if (op.request() != null) {
                ObjectNode body = o.putObject("requestBody");
                body.put("required", true);
                body.putObject("content").putObject("application/json").set("schema", op.request().toOpenApi());
            }
            ObjectNode responses = o.putObject("responses");
            ObjectNode ok = responses.putObject(Integer.toString(op.status()));
            ok.put("description", op.status() == 204 ? "done" : "success");
            if (op.response() != null) {
                Schema s = op.list() ? Schema.object(op.entityType() + " list").required("metadata", Schema.object("paging").open())
                        .required("entities", Schema.array("this page", op.response())) : op.response();
                ok.putObject("content").putObject("application/json").set("schema", s.toOpenApi());
            }
            for (String[] e : new String[][] {{"400", "bad input: the message says what to fix"}, {"401", "not authenticated"},
                    {"403", "not permitted for the caller's roles"}, {"404", "no such entity"}, {"409", "conflict, e.g. a stale metadata.version"}}) {
                ObjectNode err = responses.putObject(e[0]);
                err.put("description", e[1]);
                err.putObject("content").putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/Error");
            }
        }
        ArrayNode tagList = doc.putArray("tags");
        tags.forEach(t -> tagList.addObject().put("name", t));
        ObjectNode components = doc.putObject("components");
        ObjectNode error = components.putObject("schemas").putObject("Error");
        error.put("type", "object");
        ObjectNode ep = error.putObject("properties");
        ep.putObject("code").put("type", "string").put("description", "machine-readable, e.g. STALE_VERSION");
        ep.putObject("message").put("type", "string").put("description", "what was wrong and what to do");
        error.putArray("required").add("code").add("message");
        ObjectNode sec = components.putObject("securitySchemes");
        sec.putObject("basic").put("type", "http").put("scheme", "basic");
        sec.putObject("session").put("type", "apiKey").put("in", "cookie").put("name", io.cairn.security.auth.Authenticator.SESSION_COOKIE);
        ArrayNode security = doc.putArray("security");
        security.addObject().putArray("basic");
        security.addObject().putArray("session");
        return doc;
    }

    private static void query(ArrayNode params, String name, String type, String description) {
        ObjectNode p = params.addObject();
        p.put("name", name);
        p.put("in", "query");
        p.put("required", false);
        p.put("description", description);
        p.putObject("schema").put("type", type);
    }

    static String operationId(ApiOperation op) {
        StringBuilder b = new StringBuilder(op.method().toLowerCase(Locale.ROOT));
        for (String seg : Router.split(op.path())) {
            String s = seg.startsWith("{") ? "By_" + seg.substring(1, seg.length() - 1) : seg;
            for (String w : s.split("[_.-]")) {
                if (!w.isEmpty()) {
                    b.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
                }
            }
        }
        return b.toString();
    }
}
