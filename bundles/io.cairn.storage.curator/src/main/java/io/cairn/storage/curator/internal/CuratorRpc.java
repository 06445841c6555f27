package io.cairn.storage.curator.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.curator.internal.chronos.Chronos;

/**
 * Curator over the cluster RPC, answered by every node: {@code ncli cluster
 * get-domain-fault-tolerance-status type=node|rackable_unit}, {@code curator_cli
 * get_under_replication_info summary=true}, starting a scan ({@code task_type} 2 full, 3
 * partial; sent on to the leader), running a scan's map tasks over the Medusa shards the
 * leader names ({@value #MAP_TASK}), and Chronos's queues and counters per node (the 2011 page's
 * data). Replies carry the objects and a {@code text} rendering.
 */
@Component(service = RpcHandler.class, configurationPid = CuratorConfig.PID, property = {ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE,
        RpcHandler.METHOD + "=" + CuratorRpc.FT_STATUS, RpcHandler.METHOD + "=" + CuratorRpc.UNDER_REPLICATION,
        RpcHandler.METHOD + "=" + CuratorRpc.START, RpcHandler.METHOD + "=" + CuratorRpc.MAP_TASK,
        RpcHandler.METHOD + "=" + CuratorRpc.CHRONOS, RpcHandler.METHOD + "=" + CuratorRpc.RESILIENT_CAPACITY})
public final class CuratorRpc implements RpcHandler {

    static final String FT_STATUS = "curator.ft_status";
    static final String UNDER_REPLICATION = "curator.under_replication";
    static final String START = "curator.start";
    /** A scan's map tasks on this node: {@code {"shards":[...]}} → the vDisks of those shards and their extent groups. */
    static final String MAP_TASK = "curator.map_task";
    static final String CHRONOS = "curator.chronos";
    /** The pool's resilient capacity now (spec 20 §12), {@code type=node|rackable_unit}. */
    static final String RESILIENT_CAPACITY = "curator.resilient_capacity";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final CuratorService curator;
    private final MapTaskRunner mapTasks;
    private final RpcClient rpc;
    private final io.cairn.storage.api.stargate.Stargate stargate;
    private final io.cairn.cluster.api.Zeus zeus;
    /** The port of the Curator pages, for curator_cli's first line "Using curator leader: <ip>:2010". */
    private final int pagePort;

    @Activate
    public CuratorRpc(@Reference CuratorService curator, @Reference MapTaskRunner mapTasks, @Reference RpcClient rpc,
            @Reference io.cairn.storage.api.stargate.Stargate stargate, @Reference io.cairn.cluster.api.Zeus zeus, CuratorConfig config) {
        this.curator = curator;
        this.stargate = stargate;
        this.zeus = zeus;
        this.mapTasks = mapTasks;
        this.rpc = rpc;
        this.pagePort = config.http__port();
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        if (call.method().equals(MAP_TASK)) {
            return mapTasks.serve(call.body(), call.deadline());
        }
        JsonNode body = call.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(call.body());
        return switch (call.method()) {
            case FT_STATUS -> JSON.writeValueAsBytes(faultTolerance(body.path("type").asText("node")));
            case UNDER_REPLICATION -> JSON.writeValueAsBytes(underReplication());
            case START -> start(body, call);
            case CHRONOS -> JSON.writeValueAsBytes(chronos());
            case RESILIENT_CAPACITY -> JSON.writeValueAsBytes(resilientCapacity(body.path("type").asText("node")));
            default -> throw CairnException.notFound("no method " + call.method());
        };
    }

    private CuratorStatus status() {
        return curator.status().orElseThrow(() -> new CairnException(ErrorCode.UNAVAILABLE,
                "Curator has not finished a scan yet (leader: " + curator.leader().orElse("none elected yet") + "); try again in a minute"));
    }

    /** NODE or RACKABLE_UNIT for the {@code type} a command gives. */
    private static String domainLevel(String type) {
        return switch (type.toLowerCase(java.util.Locale.ROOT)) {
            case "node" -> "NODE";
            case "rackable_unit" -> "RACKABLE_UNIT";
            default -> throw new CairnException(ErrorCode.INVALID_ARGUMENT, "type=" + type
                    + " is not a fault domain type; use type=node or type=rackable_unit (racks are not defined yet)");
        };
    }

    /** Failures tolerable now per component at the node or block (rackable unit) level (spec 20 §11). */
    Map<String, Object> faultTolerance(String type) {
        String domain = domainLevel(type);
        CuratorStatus s = status();
        StringBuilder t = new StringBuilder();
        t.append("    Domain Type               : ").append(domain).append('\n');
        Map<String, Object> components = new LinkedHashMap<>();
        for (CuratorStatus.Tolerance c : s.faultTolerance()) {
            if (!c.level().equals(domain)) {
                continue;
            }
            components.put(c.component(), c.tolerable());
            t.append('\n');
            t.append("    Component Type            : ").append(c.component()).append('\n');
            t.append("    Current Fault Tolerance   : ").append(c.tolerable()).append('\n');
            t.append("    Fault Tolerance Details   : ").append(c.detail()).append('\n');
            t.append("    Last Update Time          : ").append(s.updated()).append('\n');
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("domainType", domain);
        out.put("components", components);
        out.put("faultTolerance", s.overall(domain));
        out.put("updated", s.updated());
        out.put("text", t.toString());
        return out;
    }

    /**
     * The pool's resilient capacity now (spec 20 §12): online disk capacity per fault domain (node,
     * or block for {@code rackable_unit}), the highest replication factor of the containers (2 when
     * there is none yet) and the fault tolerance the cluster is built for.
     */
    Map<String, Object> resilientCapacity(String type) {
        String level = domainLevel(type);
        Map<java.util.UUID, String> domains = new LinkedHashMap<>();
        for (io.cairn.cluster.api.NodeIdentity n : zeus.cluster().nodes()) {
            domains.put(n.uuid(), level.equals("NODE") ? n.address() : n.faultDomain().block());
        }
        int rf = stargate.containers().stream().mapToInt(io.cairn.storage.api.stargate.Container::replicationFactor).max().orElse(2);
        int ft = Math.max(1, zeus.cluster().faultTolerance());
        var r = io.cairn.storage.curator.internal.capacity.PoolCapacity.of(stargate.pool(), domains, rf, ft);
        var c = r.capacity();
        StringBuilder t = new StringBuilder();
        t.append(String.format("    Fault Domain Type         : %s%n", level));
        t.append(String.format("    Replication Factor        : %d (highest of the containers)%n", rf));
        t.append(String.format("    Fault Tolerance           : %d%n", ft));
        t.append(String.format("    Total Capacity            : %d bytes%n", c.totalBytes()));
        t.append(String.format("    Resilient Capacity        : %d bytes%n", c.resilientBytes()));
        t.append(String.format("    Warning Threshold         : %d bytes (%d %%)%n", c.warnThresholdBytes(),
                io.cairn.storage.curator.internal.capacity.ResilientCapacity.DEFAULT_WARN_PCT));
        t.append(String.format("    Used                      : %d bytes%n", r.usedBytes()));
        t.append(String.format("    Status                    : %s%n", r.level()));
        c.perFaultDomainBytes().forEach((d, b) -> t.append(String.format("    Fault Domain %-12s : %d bytes%s%n", d, b,
                c.droppedFaultDomains().contains(d) ? " (counted as failed)" : "")));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("domainType", level);
        out.put("replicationFactor", rf);
        out.put("faultTolerance", ft);
        out.put("totalBytes", c.totalBytes());
        out.put("resilientBytes", c.resilientBytes());
        out.put("warnThresholdBytes", c.warnThresholdBytes());
        out.put("usedBytes", r.usedBytes());
        out.put("status", r.level().name());
        out.put("perFaultDomainBytes", c.perFaultDomainBytes());
        out.put("text", t.toString());
        return out;
    }

    Map<String, Object> underReplication() {
        CuratorStatus s = status();
        StringBuilder t = new StringBuilder();
        t.append("Using curator leader: ").append(curator.leader().orElse(s.leader())).append(':').append(pagePort).append('\n');
        t.append(String.format("%-24s %28s %28s%n", "Container", "Under-replicated egroups", "Under-replicated bytes"));
        long total = 0;
        for (CuratorStatus.Container c : s.containers()) {
            t.append(String.format("%-24s %28d %28d%n", c.name(), c.underReplicatedEgroups(), c.underReplicatedBytes()));
            total += c.underReplicatedEgroups();
        }
        t.append(String.format("Scan %d (%s, %s) %s at %s; %d extent groups scanned, %d repairs done, %d orphaned replicas%n",
                s.executionId(), s.type(), s.reason(), s.state(), s.updated(), s.egroupsScanned(), s.repairs(), s.orphans()));
        if (!s.mapTasks().isEmpty()) {
            t.append(String.format("%-24s %10s %10s %16s  %s%n", "Map tasks on node", "Shards", "vDisks", "Extent groups", "Ran on"));
            for (CuratorStatus.MapTasks m : s.mapTasks()) {
                t.append(String.format("%-24s %10d %10d %16d  %s%n", m.address(), m.shards().size(), m.vdisks(), m.egroups(),
                        m.failure() == null ? m.ranOn() : m.ranOn() + " (failed on the node: " + m.failure() + ")"));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("containers", s.containers());
        out.put("underReplicatedEgroups", total);
        out.put("orphanedReplicas", s.orphans());
        out.put("egroupsScanned", s.egroupsScanned());
        out.put("mapTasks", s.mapTasks());
        out.put("executionId", s.executionId());
        out.put("state", s.state());
        out.put("updated", s.updated());
        out.put("text", t.toString());
        return out;
    }

    /** Chronos now: per node its tasks (most urgent first) and the tasks done and given up per kind. */
    Map<String, Object> chronos() {
        Chronos.Snapshot s = curator.chronosSnapshot();
        StringBuilder t = new StringBuilder();
        t.append("Chronos leader: ").append(curator.leader().orElse("none elected yet")).append(" (with the Curator leader), at ")
                .append(s.taken()).append('\n');
        for (Chronos.NodeQueue n : s.nodes()) {
            t.append('\n').append("Node ").append(n.node()).append(": ");
            if (n.error() != null) {
                t.append("queue not readable: ").append(n.error()).append('\n');
                continue;
            }
            t.append(n.queued()).append(" queued, ").append(n.running()).append(" running, ").append(n.failed())
                    .append(" given up; done ").append(n.done()).append(", given up ").append(n.givenUp()).append('\n');
            if (!n.tasks().isEmpty()) {
                t.append(String.format("  %-3s %-8s %8s %8s %9s  %s%n", "Pri", "State", "Attempts", "Age (s)", "Execution", "Task"));
            }
            for (Chronos.TaskView v : n.tasks()) {
                t.append(String.format("  %-3d %-8s %8d %8d %9d  %s%s%n", v.priority(), v.state(), v.attempts(), v.ageSecs(), v.execution(),
                        v.id(), v.error() == null ? "" : " (" + v.error() + ")"));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("leader", curator.leader().orElse(null));
        out.put("taken", s.taken());
        out.put("nodes", s.nodes());
        out.put("text", t.toString());
        return out;
    }

    private byte[] start(JsonNode body, RpcCall call) throws Exception {
        String type = body.path("task_type").asText("");
        CuratorService.ScanType scan = CuratorService.ScanType.ofTaskType(type);
        if (!curator.isLeader()) {
            String leader = curator.leader().orElseThrow(() -> new CairnException(ErrorCode.UNAVAILABLE,
                    "no Curator leader is elected yet; try again in a few seconds"));
            return rpc.call(leader, START, call.body(), Duration.ofSeconds(10));
        }
        long id = curator.start(scan, "manual (task_type=" + type + ")");
        String leader = curator.leader().orElse("this node");
        return JSON.writeValueAsBytes(Map.of("executionId", id, "text",
                "Using curator leader: " + leader + ":" + pagePort + "\nCurator scan " + id + " (" + scan + ") queued\n"));
    }
}
