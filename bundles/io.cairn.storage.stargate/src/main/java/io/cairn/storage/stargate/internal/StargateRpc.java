package io.cairn.storage.stargate.internal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.stargate.Container;
import io.cairn.storage.api.stargate.ContainerSpec;
import io.cairn.storage.api.stargate.StoragePool;
import io.cairn.storage.api.stargate.VDisk;

/**
 * The Stargate administration methods over the cluster RPC, with the argument names of {@code ncli}
 * ({@code cairn ncli sp ls}, {@code ctr ls|create|remove}, {@code vdisk ls|create|resize|remove}).
 * Bodies are JSON objects of {@code name=value} words; replies carry the objects and a {@code text}
 * table. They move to the REST API when Prism exists.
 */
@Component(service = RpcHandler.class, property = {ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE,
        RpcHandler.METHOD + "=stargate.sp.ls", RpcHandler.METHOD + "=stargate.ctr.ls", RpcHandler.METHOD + "=stargate.ctr.create",
        RpcHandler.METHOD + "=stargate.ctr.remove", RpcHandler.METHOD + "=stargate.vdisk.ls", RpcHandler.METHOD + "=stargate.vdisk.create",
        RpcHandler.METHOD + "=stargate.vdisk.resize", RpcHandler.METHOD + "=stargate.vdisk.remove",
        RpcHandler.METHOD + "=stargate.page"})
public final class StargateRpc implements RpcHandler {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final StargateService stargate;

    @Activate
    public StargateRpc(@Reference StargateService stargate) {
        this.stargate = stargate;
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        JsonNode body = call.body().length == 0 ? JSON.createObjectNode() : tree(call.body(), call.method());
        Object result = switch (call.method()) {
            case "stargate.sp.ls" -> pool(stargate.pool());
            case "stargate.ctr.ls" -> containers(stargate.containersWithUsage());
            case "stargate.ctr.create" -> {
                int rf = body.has("rf") ? integer(body, "rf") : 2;
                Container c = stargate.createContainer(new ContainerSpec(text(body, "name"), rf, bytes(body, "res-capacity"),
                        bytes(body, "adv-capacity")));
                yield containers(List.of(c));
            }
            case "stargate.ctr.remove" -> {
                stargate.deleteContainer(text(body, "name"));
                yield Map.of("text", "container " + text(body, "name") + " removed\n");
            }
            case "stargate.vdisk.ls" -> vdisks(body.has("ctr") ? stargate.vdisks(text(body, "ctr")) : stargate.vdisks());
            case "stargate.vdisk.create" -> vdisks(List.of(stargate.createVDisk(text(body, "ctr"), text(body, "name"),
                    sizeOf(body))));
            case "stargate.vdisk.resize" -> vdisks(List.of(stargate.resizeVDisk(vdisk(body).uuid(), sizeOf(body))));
            case "stargate.vdisk.remove" -> {
                VDisk v = vdisk(body);
                stargate.deleteVDisk(v.uuid());
                yield Map.of("text", "vDisk " + v.containerName() + "/" + v.name() + " removed\n");
            }
            case "stargate.page" -> stargate.page();
            default -> throw CairnException.notFound("no method " + call.method());
        };
        return JSON.writeValueAsBytes(result);
    }

    private VDisk vdisk(JsonNode body) {
        if (body.has("uuid")) {
            UUID id;
            try {
                id = UUID.fromString(text(body, "uuid"));
            } catch (IllegalArgumentException e) {
                throw CairnException.invalid("'uuid' is not a vDisk uuid: " + body.get("uuid").asText());
            }
            return stargate.vdisk(id).orElseThrow(() -> CairnException.notFound("no vDisk with uuid " + id));
        }
        String ctr = text(body, "ctr");
        String name = text(body, "name");
        return stargate.vdisk(ctr, name).orElseThrow(() -> CairnException.notFound("container " + ctr + " has no vDisk named '" + name
                + "'; list them with 'cairn ncli vdisk ls ctr=" + ctr + "'"));
    }

    static Map<String, Object> pool(StoragePool p) {
        StringBuilder t = new StringBuilder();
        t.append("    Id                        : ").append(p.uuid()).append('\n');
        t.append("    Name                      : ").append(p.name()).append('\n');
        t.append("    Disks                     : ").append(p.disks().size()).append('\n');
        t.append("    Capacity (Physical)       : ").append(human(p.capacityBytes())).append('\n');
        t.append("    Used (Physical)           : ").append(human(p.usedBytes())).append(String.format(" (%.1f%%)%n", 100 * p.usedFraction()));
        t.append("    Free (Physical)           : ").append(human(p.capacityBytes() - p.usedBytes())).append('\n');
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("pools", List.of(p));
        out.put("text", t.toString());
        return out;
    }

    static Map<String, Object> containers(List<Container> list) {
        StringBuilder t = new StringBuilder();
        for (Container c : list) {
            t.append("    Id                        : ").append(c.uuid()).append('\n');
            t.append("    Name                      : ").append(c.name()).append('\n');
            t.append("    Replication Factor        : ").append(c.replicationFactor()).append('\n');
            t.append("    Reserved Capacity         : ").append(human(c.reservedBytes())).append('\n');
            t.append("    Advertised Capacity       : ").append(c.advertisedBytes() == 0 ? "(pool)" : human(c.advertisedBytes())).append('\n');
            t.append("    Used                      : ").append(human(c.usedBytes())).append('\n');
            t.append("    VDisks                    : ").append(c.vdisks()).append("\n\n");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("containers", list);
        out.put("text", list.isEmpty() ? "no containers\n" : t.toString());
        return out;
    }

    static Map<String, Object> vdisks(List<VDisk> list) {
        StringBuilder t = new StringBuilder();
        for (VDisk v : list) {
            t.append("    Name                      : ").append(v.name()).append('\n');
            t.append("    Uuid                      : ").append(v.uuid()).append('\n');
            t.append("    Container                 : ").append(v.containerName()).append('\n');
            t.append("    Size                      : ").append(human(v.sizeBytes())).append(" (").append(v.sizeBytes()).append(" bytes)\n");
            t.append("    Replication Factor        : ").append(v.replicationFactor()).append('\n');
            t.append("    Owner                     : ").append(v.owner() == null ? "-" : v.owner()).append("\n\n");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("vdisks", list);
        out.put("text", list.isEmpty() ? "no vDisks\n" : t.toString());
        return out;
    }

    static String human(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " bytes" : String.format("%.2f %s", v, units[u]);
    }

    /** A size in bytes, or with a binary suffix K, M, G, T, P, E (e.g. 10G); at most 2^63-1 bytes. */
    static long parseSize(String text) {
        String s = text.trim().toUpperCase();
        long mult = 1;
        int shift = switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            case 'P' -> 50;
            case 'E' -> 60;
            default -> 0;
        };
        if (shift > 0) {
            s = s.substring(0, s.length() - 1);
            mult = 1L << shift;
        }
        try {
            return Math.multiplyExact(Long.parseLong(s), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw CairnException.invalid("size '" + text + "' is not a byte count (or a number with K, M, G, T, P or E) of at most "
                    + Long.MAX_VALUE + " bytes (2^63-1)");
        }
    }

    private static long sizeOf(JsonNode body) {
        return parseSize(text(body, "size"));
    }

    private static long bytes(JsonNode body, String field) {
        return body.has(field) ? parseSize(body.get(field).asText()) : 0;
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
        if (n == null || n.isNull() || n.asText().isBlank()) {
            throw CairnException.invalid("'" + field + "' is missing (give " + field + "=...)");
        }
        return n.asText();
    }

    private static int integer(JsonNode body, String field) {
        try {
            return Integer.parseInt(text(body, field).trim());
        } catch (NumberFormatException e) {
            throw CairnException.invalid("'" + field + "' must be a whole number, not " + body.get(field).asText());
        }
    }
}
