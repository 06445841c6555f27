package io.cairn.volumes.internal;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.api.LeaderInfo;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.iscsi.PortalAddresses;
import io.cairn.storage.api.iscsi.SessionInfo;
import io.cairn.storage.api.stargate.VDisk;

/**
 * Volumes over the cluster RPC, answered by every node (spec 50 §1 interfaces; {@code cairn acli vg.*}
 * and {@code cairn ncli cluster edit-params external-data-services-ip-address=} call these). Request
 * bodies are JSON objects; replies are JSON objects with a {@code text} rendering. Refusals are
 * {@link CairnException}s whose messages say what to do. {@value #SESSIONS} and {@value #END_SESSIONS}
 * are node-to-node: the sessions a node's portal serves, and ending some of them (detach, disk delete).
 */
@Component(service = RpcHandler.class, property = {ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE,
        RpcHandler.METHOD + "=" + VolumesRpc.VG_CREATE, RpcHandler.METHOD + "=" + VolumesRpc.VG_GET,
        RpcHandler.METHOD + "=" + VolumesRpc.VG_LIST, RpcHandler.METHOD + "=" + VolumesRpc.VG_DELETE,
        RpcHandler.METHOD + "=" + VolumesRpc.DISK_CREATE, RpcHandler.METHOD + "=" + VolumesRpc.DISK_RESIZE,
        RpcHandler.METHOD + "=" + VolumesRpc.DISK_DELETE, RpcHandler.METHOD + "=" + VolumesRpc.ATTACH,
        RpcHandler.METHOD + "=" + VolumesRpc.DETACH, RpcHandler.METHOD + "=" + VolumesRpc.DSIP_SET,
        RpcHandler.METHOD + "=" + VolumesRpc.STATUS, RpcHandler.METHOD + "=" + VolumesRpc.SESSIONS,
        RpcHandler.METHOD + "=" + VolumesRpc.END_SESSIONS})
public final class VolumesRpc implements RpcHandler {

    static final String VG_CREATE = "volumes.vg.create";
    static final String VG_GET = "volumes.vg.get";
    static final String VG_LIST = "volumes.vg.list";
    static final String VG_DELETE = "volumes.vg.delete";
    static final String DISK_CREATE = "volumes.vg.disk_create";
    static final String DISK_RESIZE = "volumes.vg.disk_resize";
    static final String DISK_DELETE = "volumes.vg.disk_delete";
    static final String ATTACH = "volumes.vg.attach_external";
    static final String DETACH = "volumes.vg.detach_external";
    static final String DSIP_SET = "volumes.dsip.set";
    static final String STATUS = "volumes.status";
    /** Node to node: {@code {}} → {@code {"sessions":[...]}}, the target sessions this node's portal serves. */
    static final String SESSIONS = "volumes.sessions";
    /** Node to node: {@code {"initiator"?, "target_prefix", "exact"?}} → {@code {"ended": n}}. */
    static final String END_SESSIONS = "volumes.end_sessions";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ASK = Duration.ofSeconds(5);

    private final VolumeService volumes;
    private final VolumesPortals portals;
    private final RpcClient rpc;
    private final Zeus zeus;

    @Activate
    public VolumesRpc(@Reference VolumeService volumes, @Reference VolumesPortals portals, @Reference RpcClient rpc, @Reference Zeus zeus) {
        this.volumes = volumes;
        this.portals = portals;
        this.rpc = rpc;
        this.zeus = zeus;
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        JsonNode body = call.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(call.body());
        Map<String, Object> reply = switch (call.method()) {
            case VG_CREATE -> created(volumes.create(required(body, "name"), bool(body, "shared"), text(body, "target_secret")));
            case VG_GET -> get(volumes.get(required(body, "name")));
            case VG_LIST -> list();
            case VG_DELETE -> deleted(volumes.delete(required(body, "name")));
            case DISK_CREATE -> diskCreated(required(body, "name"),
                    volumes.createDisk(required(body, "name"), required(body, "container"), required(body, "create_size")));
            case DISK_RESIZE -> diskResized(body);
            case DISK_DELETE -> diskDeleted(body);
            case ATTACH -> attached(body);
            case DETACH -> detached(body);
            case DSIP_SET -> reply(Map.of("ip", volumes.setDsip(required(body, "ip"))),
                    "external data services IP address set to " + volumes.dsip().orElse("") + "\n");
            case STATUS -> status();
            case SESSIONS -> reply(Map.of("sessions", portals.sessions().stream().map(VolumesRpc::session).toList()), "");
            case END_SESSIONS -> reply(Map.of("ended", endHere(text(body, "initiator"), required(body, "target_prefix"), bool(body, "exact"))), "");
            default -> throw CairnException.notFound("no method " + call.method());
        };
        return JSON.writeValueAsBytes(reply);
    }

    // ---- requests

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String required(JsonNode body, String field) {
        String v = text(body, field);
        if (v == null || v.isBlank()) {
            throw CairnException.invalid(field + " is required");
        }
        return v;
    }

    private static boolean bool(JsonNode body, String field) {
        String v = text(body, field);
        if (v == null) {
            return false;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw CairnException.invalid(field + "=" + v + " is not true or false");
        };
    }

    private static Integer integer(JsonNode body, String field, boolean required) {
        String v = required ? required(body, field) : text(body, field);
        if (v == null) {
            return null;
        }
        try {
            return Integer.valueOf(v.trim());
        } catch (NumberFormatException e) {
            throw CairnException.invalid(field + "=" + v + " is not a whole number");
        }
    }

    // ---- operations

    private Map<String, Object> diskResized(JsonNode body) {
        String name = required(body, "name");
        int index = integer(body, "index", true);
        long size = volumes.resizeDisk(name, index, required(body, "new_size"));
        return reply(Map.of("name", name, "index", index, "size_bytes", size),
                "disk " + index + " of volume group " + name + " is now " + size + " bytes\n");
    }

    private Map<String, Object> diskDeleted(JsonNode body) {
        String name = required(body, "name");
        int index = integer(body, "index", true);
        // the sessions of the targets that held the disk end before its vDisk is deleted (no I/O reaches a deleted vDisk);
        // those targets have other LUNs now, and their initiators log in again and see them
        Map<String, Object> ended = new LinkedHashMap<>();
        VolumeGroup.Disk d = volumes.deleteDisk(name, index, (vg, disk) -> {
            for (VolumeGroup.Attachment a : vg.attachments()) {
                String target = Targets.name(vg, disk.index() % a.numVirtualTargets());
                endEverywhere(a.iqn(), target, true).forEach((node, n) -> ended.merge(node, n,
                        (x, y) -> x instanceof Integer i && y instanceof Integer j ? (Object) (i + j) : y));
            }
        });
        return reply(Map.of("name", name, "index", index, "vdisk_uuid", d.vdisk().toString(), "sessions_ended", ended),
                "disk " + index + " of volume group " + name + " deleted (vDisk " + d.vdisk() + ")\n");
    }

    private Map<String, Object> attached(JsonNode body) {
        String name = required(body, "name");
        VolumeGroup.Attachment a = volumes.attach(name, required(body, "iqn"), text(body, "initiator_secret"),
                integer(body, "num_virtual_targets", false));
        return reply(Map.of("name", name, "iqn", a.iqn(), "chap", a.initiatorSecret() != null, "num_virtual_targets", a.numVirtualTargets()),
                "volume group " + name + " attached to " + a.iqn() + " (" + a.numVirtualTargets() + " virtual targets"
                        + (a.initiatorSecret() != null ? ", CHAP" : "") + ")\n");
    }

    private Map<String, Object> detached(JsonNode body) {
        String name = required(body, "name");
        String iqn = required(body, "iqn");
        VolumeGroup vg = volumes.detach(name, iqn);
        Map<String, Object> ended = endEverywhere(iqn, Targets.PREFIX + vg.name() + "-" + vg.uuid() + "-tgt", false);
        long count = ended.values().stream().filter(Integer.class::isInstance).mapToInt(Integer.class::cast).sum();
        List<String> unreached = ended.entrySet().stream().filter(e -> !(e.getValue() instanceof Integer)).map(Map.Entry::getKey).toList();
        return reply(Map.of("name", name, "iqn", iqn, "sessions_ended", ended),
                "volume group " + name + " detached from " + iqn + "; " + count + " live session(s) ended"
                        + (unreached.isEmpty() ? "" : "; not reached (their sessions end when the nodes see the detach at the next login): " + unreached)
                        + "\n");
    }

    /**
     * Ends the sessions of {@code initiator} (null: any) on target {@code prefix} ({@code exact}) or
     * the targets whose names start with it, on every node; per node address: how many, or why not reached.
     */
    private Map<String, Object> endEverywhere(String initiator, String prefix, boolean exact) {
        ObjectNode req = JSON.createObjectNode().put("target_prefix", prefix);
        if (initiator != null) {
            req.put("initiator", initiator);
        }
        req.put("exact", exact);
        byte[] request = req.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        UUID self = portals.cluster().self();
        Duration deadline = portals.quiesce().plusSeconds(10);
        Map<String, CompletableFuture<byte[]>> calls = new LinkedHashMap<>();
        Map<String, Object> out = new LinkedHashMap<>();
        for (NodeIdentity n : zeus.cluster().nodes()) {
            if (n.uuid().equals(self)) {
                out.put(n.address(), endHere(initiator, prefix, exact));
            } else {
                calls.put(n.address(), rpc.callAsync(n.address(), END_SESSIONS, request, deadline));
            }
        }
        calls.forEach((address, f) -> {
            try {
                out.put(address, JSON.readTree(f.join()).path("ended").asInt());
            } catch (Exception e) {
                out.put(address, "not reached: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
            }
        });
        return out;
    }

    private int endHere(String initiator, String prefix, boolean exact) {
        Predicate<SessionInfo> which = s -> s.targetName() != null && (exact ? s.targetName().equals(prefix) : s.targetName().startsWith(prefix))
                && (initiator == null || s.initiatorName().equalsIgnoreCase(initiator));
        return portals.endSessions(which);
    }

    // ---- replies

    private static Map<String, Object> reply(Map<String, Object> fields, String text) {
        Map<String, Object> out = new LinkedHashMap<>(fields);
        out.put("text", text);
        return out;
    }

    private static Map<String, Object> created(VolumeGroup vg) {
        return reply(Map.of("name", vg.name(), "uuid", vg.uuid().toString(), "shared", vg.shared()),
                "volume group " + vg.name() + " created, uuid " + vg.uuid() + "\n");
    }

    private static Map<String, Object> deleted(VolumeGroup vg) {
        return reply(Map.of("name", vg.name(), "uuid", vg.uuid().toString(), "disks_deleted", vg.disks().size()),
                "volume group " + vg.name() + " deleted with its " + vg.disks().size() + " disks\n");
    }

    private Map<String, Object> diskCreated(String name, VolumeGroup.Disk d) {
        long size = volumes.vdisk(d).map(VDisk::sizeBytes).orElse(-1L);
        return reply(Map.of("name", name, "index", d.index(), "vdisk_uuid", d.vdisk().toString(), "container", d.container(), "size_bytes", size),
                "disk " + d.index() + " of volume group " + name + " created: " + size + " bytes in container " + d.container() + ", vDisk "
                        + d.vdisk() + "\n");
    }

    private Map<String, Object> list() {
        List<Map<String, Object>> groups = new ArrayList<>();
        StringBuilder t = new StringBuilder(String.format("%-32s %s%n", "Volume Group name", "Volume Group UUID"));
        for (VolumeGroup vg : volumes.list()) {
            groups.add(Map.of("name", vg.name(), "uuid", vg.uuid().toString(), "shared", vg.shared(), "disks", vg.disks().size(),
                    "attachments", vg.attachments().stream().map(VolumeGroup.Attachment::iqn).toList()));
            t.append(String.format("%-32s %s%n", vg.name(), vg.uuid()));
        }
        return reply(Map.of("groups", groups), t.toString());
    }

    /** The group with its disks, attachments and targets: each target's LUNs, affinity node, where a login goes now and where it is served. */
    Map<String, Object> get(VolumeGroup vg) {
        ClusterView cluster = portals.cluster();
        List<NodeIdentity> nodes = cluster.nodes();
        Set<UUID> healthy = cluster.healthy();
        Map<String, List<SessionInfo>> sessions = sessionsEverywhere(nodes);
        StringBuilder t = new StringBuilder();
        t.append(vg.name()).append(" {\n");
        List<Map<String, Object>> attachments = new ArrayList<>();
        for (VolumeGroup.Attachment a : vg.attachments()) {
            attachments.add(Map.of("iqn", a.iqn(), "chap", a.initiatorSecret() != null, "num_virtual_targets", a.numVirtualTargets()));
            t.append("  attachment_list { external_initiator_name: \"").append(a.iqn()).append("\" target_params { num_virtual_targets: ")
                    .append(a.numVirtualTargets()).append(" } }\n");
        }
        List<Map<String, Object>> disks = new ArrayList<>();
        for (VolumeGroup.Disk d : vg.disks()) {
            Optional<VDisk> v = volumes.vdisk(d);
            long size = v.map(VDisk::sizeBytes).orElse(-1L);
            disks.add(Map.of("index", d.index(), "size_bytes", size, "vdisk_uuid", d.vdisk().toString(), "container", d.container()));
            t.append("  disk_list { container_name: \"").append(d.container()).append("\" index: ").append(d.index())
                    .append(" vmdisk_size: ").append(size).append(" vmdisk_uuid: \"").append(d.vdisk()).append("\" }\n");
        }
        t.append("  name: \"").append(vg.name()).append("\"\n");
        t.append("  shared: ").append(vg.shared() ? "True" : "False").append('\n');
        t.append("  target_secret: ").append(vg.targetSecret() != null ? "set" : "none").append('\n');
        t.append("  uuid: \"").append(vg.uuid()).append("\"\n");
        List<Map<String, Object>> targets = new ArrayList<>();
        for (VolumeGroup.Attachment a : vg.attachments()) {
            for (int k : Targets.targets(vg, a.numVirtualTargets())) {
                String name = Targets.name(vg, k);
                String affinity = Targets.affinity(name, nodes).map(NodeIdentity::address).orElse("none");
                String loginNow = Targets.serving(name, nodes, healthy).map(NodeIdentity::address).orElse("none (no healthy node)");
                List<String> serving = new ArrayList<>();
                sessions.forEach((address, list) -> {
                    if (list == null) {
                        return;
                    }
                    list.stream().filter(s -> name.equals(s.targetName()) && s.initiatorName().equalsIgnoreCase(a.iqn()))
                            .forEach(s -> serving.add(address));
                });
                List<Integer> luns = Targets.luns(vg, a.numVirtualTargets(), k).stream().map(l -> l.disk().index()).toList();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("initiator", a.iqn());
                m.put("disk_indexes", luns);
                m.put("affinity_node", affinity);
                m.put("login_node", loginNow);
                m.put("serving_nodes", serving);
                targets.add(m);
                t.append("  target_list { iscsi_target_name: \"").append(name).append("\" initiator: \"").append(a.iqn())
                        .append("\" disk_indexes: ").append(luns).append(" affinity_node: \"").append(affinity)
                        .append("\" serving_node: \"").append(serving.isEmpty() ? "none (a login now goes to " + loginNow + ")"
                                : String.join(", ", serving)).append("\" }\n");
            }
        }
        List<String> unreached = sessions.entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey).toList();
        if (!unreached.isEmpty()) {
            t.append("  # sessions unknown on ").append(unreached).append(" (not reachable)\n");
        }
        t.append("}\n");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", vg.name());
        out.put("uuid", vg.uuid().toString());
        out.put("shared", vg.shared());
        out.put("target_secret_set", vg.targetSecret() != null);
        out.put("attachments", attachments);
        out.put("disks", disks);
        out.put("targets", targets);
        return reply(out, t.toString());
    }

    /** Per node address the target sessions its portal serves (null: not reachable). */
    private Map<String, List<SessionInfo>> sessionsEverywhere(List<NodeIdentity> nodes) {
        UUID self = portals.cluster().self();
        Map<String, CompletableFuture<byte[]>> calls = new LinkedHashMap<>();
        Map<String, List<SessionInfo>> out = new LinkedHashMap<>();
        for (NodeIdentity n : nodes) {
            if (n.uuid().equals(self)) {
                out.put(n.address(), portals.sessions());
            } else {
                calls.put(n.address(), rpc.callAsync(n.address(), SESSIONS, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8), ASK));
            }
        }
        calls.forEach((address, f) -> {
            try {
                List<SessionInfo> list = new ArrayList<>();
                for (JsonNode s : JSON.readTree(f.join()).path("sessions")) {
                    list.add(new SessionInfo(s.path("initiator").asText(), s.path("isid").asText(), s.path("tsih").asInt(),
                            s.path("target").asText(), null, s.path("commands").asLong()));
                }
                out.put(address, list);
            } catch (Exception e) {
                out.put(address, null);
            }
        });
        return out;
    }

    private static Map<String, Object> session(SessionInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("initiator", s.initiatorName());
        m.put("isid", s.isid());
        m.put("tsih", s.tsih());
        m.put("target", s.targetName());
        m.put("initiator_address", s.initiator() == null ? null : PortalAddresses.hostPort(s.initiator()));
        m.put("commands", s.commands());
        return m;
    }

    private Map<String, Object> status() {
        ClusterView cluster = portals.cluster();
        Optional<String> dsip = volumes.dsip();
        Optional<LeaderInfo> leader = zeus.leader(VolumesPortals.ROLE);
        Set<UUID> healthy = cluster.healthy();
        StringBuilder t = new StringBuilder();
        t.append("Data services IP       : ").append(dsip.map(ip -> ip + ":" + portals.port()).orElse("not set (ncli cluster edit-params "
                + "external-data-services-ip-address=<ip>)")).append('\n');
        t.append("iSCSI leader           : ").append(leader.map(LeaderInfo::address).orElse("none elected")).append('\n');
        t.append("DSIP portal here       : ").append(portals.dsipAddress().map(PortalAddresses::hostPort).orElse("no")).append('\n');
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (NodeIdentity n : cluster.nodes()) {
            String portal = portals.port() == 0 ? "off" : PortalAddresses.hostPort(new InetSocketAddress(n.address(), portals.port()));
            boolean up = healthy.contains(n.uuid());
            nodes.add(Map.of("uuid", n.uuid().toString(), "address", n.address(), "portal", portal, "healthy", up));
            t.append(String.format("Node %-17s : portal %s, Volumes %s%n", n.address(), portal, up ? "up" : "down"));
        }
        List<Map<String, Object>> here = portals.sessions().stream().map(VolumesRpc::session).toList();
        t.append("Sessions served here   : ").append(here.size()).append('\n');
        for (Map<String, Object> s : here) {
            t.append("  ").append(s.get("initiator")).append(" -> ").append(s.get("target")).append(" (from ").append(s.get("initiator_address"))
                    .append(")\n");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dsip", dsip.orElse(null));
        out.put("port", portals.port());
        out.put("leader", leader.map(LeaderInfo::address).orElse(null));
        out.put("dsip_portal_here", portals.dsipAddress().isPresent());
        out.put("node_portal", portals.nodeAddress().map(PortalAddresses::hostPort).orElse(null));
        out.put("nodes", nodes);
        out.put("sessions", here);
        return reply(out, t.toString());
    }
}
