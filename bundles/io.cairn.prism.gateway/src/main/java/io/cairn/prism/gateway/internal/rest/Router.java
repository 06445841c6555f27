package io.cairn.prism.gateway.internal.rest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import io.cairn.prism.api.ApiOperation;

/** The registered operations and which one a method and path select. Thread-safe. */
final class Router {

    /** An operation with the tag of the endpoints that registered it. */
    record Route(String tag, ApiOperation op, String[] segments, Object owner) {
    }

    /** A match: the route and its path parameters; or only the methods the path allows (405). */
    record Match(Optional<Route> route, Map<String, String> params, List<String> allowed) {
    }

    private final List<Route> routes = new CopyOnWriteArrayList<>();

    /** Adds {@code owner}'s operations; returns those refused because another owner has the same method and path. */
    synchronized List<ApiOperation> add(Object owner, String tag, List<ApiOperation> ops) {
        List<ApiOperation> refused = new ArrayList<>();
        for (ApiOperation op : ops) {
            boolean taken = routes.stream().anyMatch(r -> r.op().method().equals(op.method()) && r.op().path().equals(op.path()));
            if (taken) {
                refused.add(op);
            } else {
                routes.add(new Route(tag, op, split(op.path()), owner));
            }
        }
        return refused;
    }

    synchronized void remove(Object owner) {
        routes.removeIf(r -> r.owner() == owner);
    }

    List<Route> routes() {
        List<Route> out = new ArrayList<>(routes);
        out.sort(Comparator.comparing((Route r) -> r.op().path()).thenComparing(r -> r.op().method()));
        return out;
    }

    Match match(String method, String path) {
        String[] segs = split(path);
        List<String> allowed = new ArrayList<>();
        for (Route r : routes) {
            Map<String, String> params = params(r.segments(), segs);
            if (params == null) {
                continue;
            }
            if (r.op().method().equals(method) || method.equals("HEAD") && r.op().method().equals("GET")) {
                return new Match(Optional.of(r), params, List.of());
            }
            allowed.add(r.op().method());
        }
        return new Match(Optional.empty(), Map.of(), allowed);
    }

    private static Map<String, String> params(String[] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{")) {
                if (path[i].isEmpty()) {
                    return null;
                }
                out.put(t.substring(1, t.length() - 1), path[i]);
            } else if (!t.equals(path[i])) {
                return null;
            }
        }
        return out;
    }

    static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }
}
