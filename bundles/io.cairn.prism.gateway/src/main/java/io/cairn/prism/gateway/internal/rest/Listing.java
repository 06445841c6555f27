package io.cairn.prism.gateway.internal.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.prism.api.ApiException;

/**
 * Paging and filtering of list operations: {@code ?offset=N&limit=M&filter=A==x;B!=y}, where A and B
 * are dotted paths into the entity ({@code spec.name}, {@code status.owner}, {@code metadata.uuid});
 * conditions all hold (and). The answer is
 * {@code {"metadata": {"kind": "<type>_list", "total", "offset", "limit"}, "entities": [...]}}, plus any other
 * fields of the handler's own {@code metadata} (e.g. the audit list's {@code unreachable_nodes}).
 */
final class Listing {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;

    record Condition(String[] path, String value, boolean equal) {

        boolean holds(JsonNode entity) {
            JsonNode n = entity;
            for (String p : path) {
                n = n.path(p);
            }
            String actual = n.isMissingNode() || n.isNull() ? null : n.isValueNode() ? n.asText() : n.toString();
            return equal == value.equals(actual);
        }
    }

    private Listing() {
    }

    static ObjectNode page(String entityType, JsonNode result, Optional<String> offsetParam, Optional<String> limitParam,
            Optional<String> filterParam) {
        JsonNode entities = result.path("entities");
        JsonNode handlerMetadata = result.path("metadata").isObject() ? result.path("metadata") : JsonNodeFactory.instance.objectNode();
        int offset = number("offset", offsetParam, 0, Integer.MAX_VALUE);
        int limit = number("limit", limitParam, DEFAULT_LIMIT, MAX_LIMIT);
        List<Condition> conditions = filterParam.map(Listing::parse).orElse(List.of());
        List<JsonNode> kept = new ArrayList<>();
        for (JsonNode e : entities) {
            if (conditions.stream().allMatch(c -> c.holds(e))) {
                kept.add(e);
            }
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ObjectNode m = out.putObject("metadata");
        m.put("kind", entityType + "_list");
        m.put("total", kept.size());
        m.put("offset", offset);
        m.put("limit", limit);
        handlerMetadata.properties().forEach(f -> {
            if (!m.has(f.getKey())) {
                m.set(f.getKey(), f.getValue());
            }
        });
        ArrayNode page = out.putArray("entities");
        for (int i = offset; i < kept.size() && i < (long) offset + limit; i++) {
            page.add(kept.get(i));
        }
        return out;
    }

    static int number(String name, Optional<String> raw, int dflt, int max) {
        if (raw.isEmpty()) {
            return dflt;
        }
        try {
            int v = Integer.parseInt(raw.get());
            if (v < 0 || v > max || name.equals("limit") && v == 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("BAD_" + name.toUpperCase(java.util.Locale.ROOT), name + "='" + raw.get() + "' must be a whole number "
                    + (name.equals("limit") ? "from 1 to " + max : "from 0"));
        }
    }

    static List<Condition> parse(String filter) {
        List<Condition> out = new ArrayList<>();
        for (String part : filter.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int ne = part.indexOf("!=");
            int eq = part.indexOf("==");
            int at = ne >= 0 && (eq < 0 || ne < eq) ? ne : eq;
            if (at <= 0) {
                throw ApiException.badRequest("BAD_FILTER", "filter '" + part + "' is not FIELD==VALUE or FIELD!=VALUE (FIELD like spec.name; "
                        + "join conditions with ;)");
            }
            String field = part.substring(0, at).trim();
            if (!field.matches("(metadata|spec|status)(\\.[a-z_0-9]+)+")) {
                throw ApiException.badRequest("BAD_FILTER", "filter field '" + field + "' must start with metadata., spec. or status., e.g. "
                        + "spec.name");
            }
            out.add(new Condition(field.split("\\."), part.substring(at + 2), at == eq));
        }
        return out;
    }
}
