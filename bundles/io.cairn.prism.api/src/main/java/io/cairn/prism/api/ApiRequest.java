package io.cairn.prism.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One call to an operation: the caller, the path parameters ({@code {uuid}} → value), the query
 * parameters and the request body (already checked against the operation's schema; a missing node
 * when the operation takes none).
 */
public record ApiRequest(Caller caller, Map<String, String> path, Map<String, List<String>> query, JsonNode body) {

    public String path(String name) {
        String v = path.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no path parameter " + name);
        }
        return v;
    }

    public Optional<String> query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }
}
