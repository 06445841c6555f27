package io.cairn.prism.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One REST operation under {@code /api/v1}.
 *
 * @param method      GET, POST, PUT or DELETE
 * @param path        the path below {@code /api/v1}, with parameters in braces, e.g. {@code /vdisks/{uuid}}
 * @param entityType  the entity type it acts on, for RBAC (e.g. {@code vdisk})
 * @param action      what it does, for RBAC
 * @param summary     one line for the OpenAPI document
 * @param request     the request body's schema, or {@code null} when it takes none
 * @param response    the success body's schema, or {@code null} for 204
 * @param status      the success status (200, 201, 202, 204)
 * @param list        whether it returns a list of entities the API pages and filters
 *                    ({@code ?offset=&limit=&filter=field==value;...})
 * @param handler     the code
 */
public record ApiOperation(String method, String path, String entityType, Action action, String summary, Schema request, Schema response,
        int status, boolean list, ApiHandler handler) {

    private static final Pattern PATH = Pattern.compile("(/[a-z0-9_.-]+|/\\{[a-z_]+\\})+");

    public ApiOperation {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(entityType, "entityType");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(handler, "handler");
        if (!java.util.Set.of("GET", "POST", "PUT", "DELETE").contains(method)) {
            throw new IllegalArgumentException("method " + method + " is not GET, POST, PUT or DELETE");
        }
        if (!PATH.matcher(path).matches()) {
            throw new IllegalArgumentException("path " + path + " is not /segment/{param}/...");
        }
        if (method.equals("GET") && action != Action.VIEW || !method.equals("GET") && action == Action.VIEW) {
            throw new IllegalArgumentException(method + " " + path + ": GET is exactly the view action");
        }
    }

    public static ApiOperation get(String path, String entityType, String summary, Schema response, ApiHandler handler) {
        return new ApiOperation("GET", path, entityType, Action.VIEW, summary, null, response, 200, false, handler);
    }

    /** A GET answering {@code {"entities": [...]}} that the API pages and filters. */
    public static ApiOperation list(String path, String entityType, String summary, Schema entity, ApiHandler handler) {
        return new ApiOperation("GET", path, entityType, Action.VIEW, summary, null, entity, 200, true, handler);
    }

    public boolean mutating() {
        return action != Action.VIEW;
    }
}
