package io.cairn.cluster.genesis.internal;

import java.io.IOException;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** JSON bodies of Genesis' calls. */
final class Codec {

    static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .registerModule(new com.fasterxml.jackson.databind.module.SimpleModule("cairn-time")
                    .addSerializer(java.time.Instant.class, com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance));

    private Codec() {
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot encode a reply: " + e.getMessage(), e);
        }
    }

    static JsonNode tree(byte[] body, String what) {
        if (body.length == 0) {
            return MAPPER.createObjectNode();
        }
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || !n.isObject()) {
                throw CairnException.invalid(what + " must be a JSON object");
            }
            return n;
        } catch (JacksonException e) {
            throw CairnException.invalid(what + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw CairnException.invalid(what + " cannot be read: " + e.getMessage());
        }
    }

    static <T> T read(JsonNode node, Class<T> type, String what) {
        try {
            return MAPPER.treeToValue(node, type);
        } catch (JacksonException e) {
            throw CairnException.invalid(what + " is malformed: " + e.getOriginalMessage());
        }
    }

    static String text(JsonNode body, String field, String what) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw CairnException.invalid(what + " needs the text field '" + field + "'");
        }
        return n.asText();
    }
}
