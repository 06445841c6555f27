package io.cairn.prism.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON shape of a request or response: the subset of OpenAPI 3 schemas the API uses (object,
 * array, string, integer, number, boolean; required, enum, minimum, read-only). The same object
 * checks request bodies (an unknown field is an error, so typos never go unnoticed) and writes the
 * OpenAPI document. Immutable; the builder methods return copies.
 */
public final class Schema {

    private final String type;
    private final String description;
    private final Map<String, Schema> properties;
    private final Set<String> required;
    private final Schema items;
    private final List<String> values;
    private final Long minimum;
    private final boolean readOnly;
    private final boolean open;

    private Schema(String type, String description, Map<String, Schema> properties, Set<String> required, Schema items, List<String> values,
            Long minimum, boolean readOnly, boolean open) {
        this.type = type;
        this.description = description;
        this.properties = properties;
        this.required = required;
        this.items = items;
        this.values = values;
        this.minimum = minimum;
        this.readOnly = readOnly;
        this.open = open;
    }

    private static Schema of(String type, String description) {
        return new Schema(type, description, Map.of(), Set.of(), null, List.of(), null, false, false);
    }

    public static Schema string(String description) {
        return of("string", description);
    }

    public static Schema integer(String description) {
        return of("integer", description);
    }

    public static Schema number(String description) {
        return of("number", description);
    }

    public static Schema bool(String description) {
        return of("boolean", description);
    }

    public static Schema object(String description) {
        return of("object", description);
    }

    public static Schema array(String description, Schema items) {
        return new Schema("array", description, Map.of(), Set.of(), items, List.of(), null, false, false);
    }

    /** An object with a required property added. */
    public Schema required(String name, Schema schema) {
        Schema s = property(name, schema);
        Set<String> req = new LinkedHashSet<>(required);
        req.add(name);
        return new Schema(type, description, s.properties, Collections.unmodifiableSet(req), items, values, minimum, readOnly, open);
    }

    /** An object with an optional property added. */
    public Schema property(String name, Schema schema) {
        if (!type.equals("object")) {
            throw new IllegalStateException("only objects have properties");
        }
        Map<String, Schema> props = new LinkedHashMap<>(properties);
        props.put(name, schema);
        return new Schema(type, description, Collections.unmodifiableMap(props), required, items, values, minimum, readOnly, open);
    }

    public Schema values(String... allowed) {
        return new Schema(type, description, properties, required, items, List.of(allowed), minimum, readOnly, open);
    }

    public Schema minimum(long min) {
        return new Schema(type, description, properties, required, items, values, min, readOnly, open);
    }

    /** Set by the server: shown in responses, ignored when a client sends it back (e.g. status, uuid). */
    public Schema readOnly() {
        return new Schema(type, description, properties, required, items, values, minimum, true, open);
    }

    /** An object whose members are not listed (free-form); its fields are not checked. */
    public Schema open() {
        return new Schema(type, description, properties, required, items, values, minimum, readOnly, true);
    }

    public String type() {
        return type;
    }

    public Map<String, Schema> properties() {
        return properties;
    }

    /**
     * What is wrong with {@code value} as this schema, each as {@code "<json path>: <what to fix>"};
     * empty when it is valid. Read-only members may be sent back (ignored, not checked).
     */
    public List<String> validate(JsonNode value) {
        List<String> errors = new ArrayList<>();
        validate(value, "$", errors);
        return errors;
    }

    private void validate(JsonNode v, String at, List<String> errors) {
        if (readOnly) {
            return;
        }
        switch (type) {
            case "object" -> {
                if (!v.isObject()) {
                    errors.add(at + ": must be an object, not " + kind(v));
                    return;
                }
                for (String r : required) {
                    if (!v.has(r) || v.get(r).isNull()) {
                        errors.add(at + "." + r + ": is required");
                    }
                }
                if (open) {
                    return;
                }
                v.properties().forEach(e -> {
                    Schema s = properties.get(e.getKey());
                    if (s == null) {
                        errors.add(at + "." + e.getKey() + ": unknown field; known fields are " + properties.keySet());
                    } else if (!e.getValue().isNull()) {
                        s.validate(e.getValue(), at + "." + e.getKey(), errors);
                    }
                });
            }
            case "array" -> {
                if (!v.isArray()) {
                    errors.add(at + ": must be an array, not " + kind(v));
                    return;
                }
                for (int i = 0; i < v.size(); i++) {
                    items.validate(v.get(i), at + "[" + i + "]", errors);
                }
            }
            case "string" -> {
                if (!v.isTextual()) {
                    errors.add(at + ": must be a string, not " + kind(v));
                } else if (!values.isEmpty() && !values.contains(v.asText())) {
                    errors.add(at + ": must be one of " + values + ", not '" + v.asText() + "'");
                }
            }
            case "integer" -> {
                if (!v.isIntegralNumber()) {
                    errors.add(at + ": must be an integer, not " + kind(v));
                } else if (!v.canConvertToLong()) {
                    errors.add(at + ": must be at most " + Long.MAX_VALUE);
                } else if (minimum != null && v.asLong() < minimum) {
                    errors.add(at + ": must be at least " + minimum + ", not " + v.asLong());
                }
            }
            case "number" -> {
                if (!v.isNumber()) {
                    errors.add(at + ": must be a number, not " + kind(v));
                }
            }
            case "boolean" -> {
                if (!v.isBoolean()) {
                    errors.add(at + ": must be true or false, not " + kind(v));
                }
            }
            default -> throw new IllegalStateException(type);
        }
    }

    private static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** This schema as an OpenAPI 3.0 Schema Object. */
    public ObjectNode toOpenApi() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("type", type);
        if (description != null && !description.isEmpty()) {
            n.put("description", description);
        }
        if (readOnly) {
            n.put("readOnly", true);
        }
        if (minimum != null) {
            n.put("minimum", minimum);
        }
        if (!values.isEmpty()) {
            values.forEach(n.putArray("enum")::add);
        }
        if (items != null) {
            n.set("items", items.toOpenApi());
        }
        if (type.equals("object")) {
            if (!properties.isEmpty()) {
                ObjectNode props = n.putObject("properties");
                properties.forEach((k, s) -> props.set(k, s.toOpenApi()));
            }
            if (!required.isEmpty()) {
                required.forEach(n.putArray("required")::add);
            }
            n.put("additionalProperties", open);
        }
        return n;
    }
}
