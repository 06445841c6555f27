package io.cairn.storage.curator.internal.scan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.VDisk;

/**
 * The map task's request and reply on the cluster RPC, compact JSON.
 *
 * <pre>
 * request  {"shards":[0,5,9], "garbage":true}    (garbage: also list the unreferenced extent groups; full scans)
 * reply    {"nodes":[UUID...],
 *           "vdisks":[{"id":UUID,"name":..,"ctr":UUID,"ctrName":..,"size":bytes,"rf":2,"owner":UUID|null,"created":ms,
 *                      "eg":[[egroup id, slots, node index...]...], "free":[egroup id...]}...]}
 * </pre>
 * An extent group's replicas are indexes into {@code nodes}, so each node's UUID is written once.
 */
public final class MapTaskWire {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MapTaskWire() {
    }

    /** The request for a map task over {@code shards}, without garbage (a partial scan's). */
    public static byte[] request(Collection<Integer> shards) {
        return request(shards, false);
    }

    /** The request for a map task over {@code shards}; {@code garbage}: list each vDisk's unreferenced extent groups too. */
    public static byte[] request(Collection<Integer> shards, boolean garbage) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode a = o.putArray("shards");
        new TreeSet<>(shards).forEach(a::add);
        if (garbage) {
            o.put("garbage", true);
        }
        return bytes(o);
    }

    /** Whether a request asks for the unreferenced extent groups (absent: no). */
    public static boolean garbage(byte[] request) {
        return tree(request).path("garbage").asBoolean(false);
    }

    /** The shards a request asks for. */
    public static List<Integer> shards(byte[] request) {
        JsonNode shards = tree(request).path("shards");
        if (!shards.isArray()) {
            throw new IllegalArgumentException("a map task request names its shards: {\"shards\":[...]}");
        }
        List<Integer> out = new ArrayList<>();
        shards.forEach(s -> out.add(s.asInt()));
        return out;
    }

    /** A map task's output. */
    public static byte[] reply(List<VDiskScan> scans) {
        Map<UUID, Integer> index = new LinkedHashMap<>();
        ObjectNode o = JSON.createObjectNode();
        ArrayNode nodes = o.putArray("nodes");
        ArrayNode vdisks = o.putArray("vdisks");
        for (VDiskScan s : scans) {
            VDisk v = s.vdisk();
            ObjectNode d = vdisks.addObject();
            d.put("id", v.uuid().toString());
            d.put("name", v.name());
            d.put("ctr", v.container() == null ? null : v.container().toString());
            d.put("ctrName", v.containerName());
            d.put("size", v.sizeBytes());
            d.put("rf", v.replicationFactor());
            d.put("owner", v.owner() == null ? null : v.owner().toString());
            d.put("created", v.createdMillis());
            ArrayNode eg = d.putArray("eg");
            for (ExtentGroups.ExtentGroup g : s.egroups()) {
                ArrayNode row = eg.addArray();
                row.add(g.id());
                row.add(g.slots());
                for (UUID n : g.replicas()) {
                    Integer i = index.get(n);
                    if (i == null) {
                        i = index.size();
                        index.put(n, i);
                        nodes.add(n.toString());
                    }
                    row.add(i);
                }
            }
            if (!s.unreferenced().isEmpty()) {
                ArrayNode free = d.putArray("free");
                s.unreferenced().forEach(free::add);
            }
        }
        return bytes(o);
    }

    /** The vDisks a reply carries. */
    public static List<VDiskScan> scans(byte[] reply) {
        JsonNode o = tree(reply);
        List<UUID> nodes = new ArrayList<>();
        o.path("nodes").forEach(n -> nodes.add(UUID.fromString(n.asText())));
        List<VDiskScan> out = new ArrayList<>();
        for (JsonNode d : o.path("vdisks")) {
            VDisk v = new VDisk(UUID.fromString(d.path("id").asText()), d.path("name").asText(), uuid(d.get("ctr")),
                    d.path("ctrName").asText(), d.path("size").asLong(), d.path("rf").asInt(), uuid(d.get("owner")),
                    d.path("created").asLong());
            List<ExtentGroups.ExtentGroup> groups = new ArrayList<>();
            for (JsonNode row : d.path("eg")) {
                List<UUID> replicas = new ArrayList<>();
                for (int i = 2; i < row.size(); i++) {
                    replicas.add(nodes.get(row.get(i).asInt()));
                }
                groups.add(new ExtentGroups.ExtentGroup(row.get(0).asLong(), replicas, row.get(1).asInt()));
            }
            List<Long> free = new ArrayList<>();
            d.path("free").forEach(n -> free.add(n.asLong())); // absent from a node before reclaiming existed
            out.add(new VDiskScan(v, groups, free));
        }
        return out;
    }

    private static UUID uuid(JsonNode n) {
        return n == null || n.isNull() ? null : UUID.fromString(n.asText());
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a map task message: " + e.getMessage(), e);
        }
    }

    private static JsonNode tree(byte[] b) {
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new IllegalArgumentException("a map task message is not valid JSON: " + e.getMessage(), e);
        }
    }
}
