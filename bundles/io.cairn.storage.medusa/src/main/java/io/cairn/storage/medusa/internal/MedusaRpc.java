package io.cairn.storage.medusa.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.medusa.Entry;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.Op;
import io.cairn.storage.api.medusa.ShardStatus;

/**
 * Medusa over the cluster RPC (for the CLI, tools and tests; bundles use the {@link Medusa} service).
 * Bodies are JSON; values are given as {@code value} (UTF-8 text) or {@code base64}, and returned as
 * both when the bytes are valid UTF-8.
 */
@Component(service = RpcHandler.class, property = {ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE, RpcHandler.METHOD + "=medusa.get", RpcHandler.METHOD + "=medusa.put",
        RpcHandler.METHOD + "=medusa.cas", RpcHandler.METHOD + "=medusa.delete", RpcHandler.METHOD + "=medusa.batch",
        RpcHandler.METHOD + "=medusa.scan", RpcHandler.METHOD + "=medusa.status", RpcHandler.METHOD + "=medusa.compact",
        RpcHandler.METHOD + "=medusa.map", RpcHandler.METHOD + "=medusa.shardOf"})
public final class MedusaRpc implements RpcHandler {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final MedusaService medusa;

    @Activate
    public MedusaRpc(@Reference MedusaService medusa) {
        this.medusa = medusa;
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        JsonNode body = call.body().length == 0 ? JSON.createObjectNode() : tree(call.body(), call.method());
        Object result = switch (call.method()) {
            case "medusa.get" -> medusa.get(text(body, "key")).map(MedusaRpc::entry).orElse(Map.of("key", text(body, "key"), "version", 0));
            case "medusa.put" -> Map.of("version", medusa.put(text(body, "key"), value(body)));
            case "medusa.cas" -> Map.of("version", medusa.compareAndSet(text(body, "key"), version(body, "expectedVersion"), value(body)));
            case "medusa.delete" -> body.has("expectedVersion")
                    ? deleteVersioned(text(body, "key"), version(body, "expectedVersion"))
                    : Map.of("existed", medusa.delete(text(body, "key")));
            case "medusa.batch" -> Map.of("versions", medusa.batch(ops(body)));
            case "medusa.scan" -> Map.of("entries", medusa.scan(text(body, "prefix"),
                    body.hasNonNull("startAfter") ? body.get("startAfter").asText() : null,
                    body.has("limit") ? body.get("limit").asInt() : 100).stream().map(MedusaRpc::entry).toList());
            case "medusa.status" -> status();
            case "medusa.compact" -> Map.of("text", medusa.compactLocal());
            case "medusa.map" -> JSON.readTree(medusa.map().toJson());
            case "medusa.shardOf" -> {
                JsonNode keys = body.get("keys");
                if (keys == null || !keys.isArray()) {
                    throw CairnException.invalid("'keys' must be a list of keys");
                }
                List<Integer> shards = new ArrayList<>();
                keys.forEach(k -> shards.add(medusa.shardOf(k.asText())));
                yield Map.of("shards", shards);
            }
            default -> throw CairnException.notFound("no method " + call.method());
        };
        return JSON.writeValueAsBytes(result);
    }

    private Map<String, Object> deleteVersioned(String key, long expected) {
        medusa.delete(key, expected);
        return Map.of("existed", true);
    }

    private Map<String, Object> status() {
        List<ShardStatus> shards = medusa.shards();
        StringBuilder text = new StringBuilder();
        text.append(String.format("%-5s %-36s %-8s %-10s %-8s %s%n", "Shard", "Leader", "Term", "Commit", "Keys", "Members (lag)"));
        for (ShardStatus s : shards) {
            StringBuilder m = new StringBuilder();
            for (var id : s.members()) {
                Long lag = s.lag().get(id);
                m.append(id.toString(), 0, 8).append('(').append(lag == null || lag < 0 ? "?" : lag.toString()).append(") ");
            }
            text.append(String.format("%-5d %-36s %-8d %-10d %-8s %s%n", s.shard(), s.leader() == null ? "NO QUORUM" : s.leader(),
                    s.term(), s.commitIndex(), s.keys() < 0 ? "-" : Long.toString(s.keys()), m.toString().trim()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("shards", shards);
        out.put("available", shards.stream().filter(ShardStatus::available).count());
        out.put("text", text.toString());
        return out;
    }

    static Map<String, Object> entry(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", e.key());
        m.put("version", e.version());
        try {
            m.put("value", StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(e.value())).toString());
        } catch (CharacterCodingException x) {
            m.put("value", null);
        }
        m.put("base64", Base64.getEncoder().encodeToString(e.value()));
        return m;
    }

    private static List<Op> ops(JsonNode body) {
        JsonNode list = body.get("ops");
        if (list == null || !list.isArray()) {
            throw CairnException.invalid("medusa batch needs 'ops': a list of {\"op\":\"put|cas|delete|check\",\"key\":...}");
        }
        List<Op> ops = new ArrayList<>();
        for (JsonNode o : list) {
            String key = text(o, "key");
            String kind = o.path("op").asText("");
            ops.add(switch (kind) {
                case "put" -> new Op.Put(key, value(o));
                case "cas" -> new Op.Cas(key, version(o, "expectedVersion"), value(o));
                case "delete" -> new Op.Delete(key, o.has("expectedVersion") ? version(o, "expectedVersion") : -1);
                case "check" -> new Op.Check(key, version(o, "expectedVersion"));
                default -> throw CairnException.invalid("batch operation '" + kind + "' is unknown: use put, cas, delete or check");
            });
        }
        return ops;
    }

    private static JsonNode tree(byte[] body, String method) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw CairnException.invalid(method + " needs a JSON object body: " + e.getMessage());
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual()) {
            throw CairnException.invalid("'" + field + "' is missing or not a string");
        }
        return n.asText();
    }

    private static long version(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.canConvertToLong()) {
            throw CairnException.invalid("'" + field + "' is missing or not a number (0 means: the key must not exist)");
        }
        return n.asLong();
    }

    private static byte[] value(JsonNode body) {
        if (body.hasNonNull("base64")) {
            try {
                return Base64.getDecoder().decode(body.get("base64").asText());
            } catch (IllegalArgumentException e) {
                throw CairnException.invalid("'base64' is not valid base64: " + e.getMessage());
            }
        }
        if (body.hasNonNull("value")) {
            return body.get("value").asText().getBytes(StandardCharsets.UTF_8);
        }
        throw CairnException.invalid("give the value as 'value' (text) or 'base64'");
    }
}
