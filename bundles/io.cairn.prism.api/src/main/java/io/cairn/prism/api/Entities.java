package io.cairn.prism.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The entity shape every resource uses: {@code {"metadata": {"kind", "uuid", "version"}, "spec":
 * {...}, "status": {...}}}. {@code version} guards updates (optimistic concurrency): a PUT must
 * send back the version it read and gets 409 {@code STALE_VERSION} when the entity changed since.
 */
public final class Entities {

    private Entities() {
    }

    /** {@code {"entities": [...]}}: what a list operation's handler answers (the API pages and filters it). */
    public static ObjectNode list(java.util.List<? extends JsonNode> entities) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        com.fasterxml.jackson.databind.node.ArrayNode a = out.putArray("entities");
        entities.forEach(a::add);
        return out;
    }

    /** The schema of an entity of {@code kind} with these spec and status schemas. */
    public static Schema schema(String kind, Schema spec, Schema status) {
        Schema metadata = Schema.object("identity and version of the " + kind)
                .property("kind", Schema.string("always " + kind).readOnly())
                .property("uuid", Schema.string("the " + kind + "'s id").readOnly())
                .property("version", Schema.integer("send it back on update; 409 STALE_VERSION when it changed since").minimum(0));
        return Schema.object("a " + kind).property("metadata", metadata).required("spec", spec).property("status", status.readOnly());
    }

    public static ObjectNode entity(String kind, String uuid, long version, JsonNode spec, JsonNode status) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        ObjectNode m = n.putObject("metadata");
        m.put("kind", kind);
        m.put("uuid", uuid);
        m.put("version", version);
        n.set("spec", spec);
        n.set("status", status);
        return n;
    }

    /**
     * A version derived from an entity's current state, for stores without their own counter: it
     * changes whenever any of {@code state} does.
     */
    public static long versionOf(Object... state) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Object o : state) {
                d.update(String.valueOf(o).getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            byte[] h = d.digest();
            long v = 0;
            for (int i = 0; i < 6; i++) {
                v = v << 8 | h[i] & 0xff;
            }
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Refuses an update whose {@code metadata.version} is missing or not {@code current}. */
    public static void checkVersion(JsonNode body, long current, String what) {
        JsonNode v = body.path("metadata").path("version");
        if (!v.isIntegralNumber()) {
            throw ApiException.badRequest("VERSION_REQUIRED", "an update of " + what + " needs metadata.version: GET it first and send "
                    + "its version back");
        }
        if (v.asLong() != current) {
            throw ApiException.conflict("STALE_VERSION", what + " changed since version " + v.asLong() + " (now " + current
                    + "): GET it again, re-apply your change and retry");
        }
    }
}
