package io.cairn.common.pages;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One request to a diagnostic page.
 *
 * @param method         GET or HEAD
 * @param path           the decoded path, e.g. {@code /master/control}
 * @param query          the decoded query parameters in request order (the first value of a repeated name)
 * @param pathAndQuery   the path and query as the client sent them (still percent-encoded), for
 *                       redirects to the same page on another node
 */
public record PageRequest(String method, String path, Map<String, String> query, String pathAndQuery) {

    public PageRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(query));
        Objects.requireNonNull(pathAndQuery, "pathAndQuery");
    }

    public Optional<String> param(String name) {
        return Optional.ofNullable(query.get(name));
    }

    /** Whether the client asked for the JSON variant ({@code ?format=json}). */
    public boolean json() {
        return "json".equals(query.get("format"));
    }
}
