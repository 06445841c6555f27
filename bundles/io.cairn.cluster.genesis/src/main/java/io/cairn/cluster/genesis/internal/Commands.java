package io.cairn.cluster.genesis.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.LeaderInfo;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.alerts.AlertService;
import io.cairn.common.alerts.Severity;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.metrics.MetricsRegistry;
import io.cairn.common.tasks.TaskService;

/**
 * The administration calls behind {@code cairn genesis ...}, {@code cairn cluster ...},
 * {@code zeus_config_printer}, tasks, alerts and metrics. They need cluster credentials (mutual
 * TLS); on a configured node whose Zookeeper is not reachable they say so.
 */
@Component(service = RpcHandler.class, immediate = true, property = {
        RpcHandler.METHOD + "=genesis.status", RpcHandler.METHOD + "=genesis.stop",
        RpcHandler.METHOD + "=cluster.status", RpcHandler.METHOD + "=cluster.start", RpcHandler.METHOD + "=cluster.stop",
        RpcHandler.METHOD + "=zeus.config", RpcHandler.METHOD + "=zeus.read", RpcHandler.METHOD + "=zeus.write",
        RpcHandler.METHOD + "=metrics.scrape",
        RpcHandler.METHOD + "=tasks.submit", RpcHandler.METHOD + "=tasks.get", RpcHandler.METHOD + "=tasks.list",
        RpcHandler.METHOD + "=tasks.abort",
        RpcHandler.METHOD + "=alerts.raise", RpcHandler.METHOD + "=alerts.list", RpcHandler.METHOD + "=alerts.ack"})
public final class Commands implements RpcHandler {

    private final LocalNode local;
    private final MetricsRegistry metrics;
    private volatile Supervisor supervisor;
    private volatile Zeus zeus;
    private volatile TaskService tasks;
    private volatile AlertService alerts;

    @Activate
    public Commands(@Reference LocalNode local, @Reference MetricsRegistry metrics) {
        this.local = local;
        this.metrics = metrics;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setSupervisor(Supervisor s) {
        supervisor = s;
    }

    void unsetSupervisor(Supervisor s) {
        if (supervisor == s) {
            supervisor = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setZeus(Zeus z) {
        zeus = z;
    }

    void unsetZeus(Zeus z) {
        if (zeus == z) {
            zeus = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setTasks(TaskService t) {
        tasks = t;
    }

    void unsetTasks(TaskService t) {
        if (tasks == t) {
            tasks = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setAlerts(AlertService a) {
        alerts = a;
    }

    void unsetAlerts(AlertService a) {
        if (alerts == a) {
            alerts = null;
        }
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        JsonNode body = Codec.tree(call.body(), call.method());
        return switch (call.method()) {
            case "genesis.status" -> Codec.write(Map.of("address", local.identity().address(), "services", localStatus()));
            case "genesis.stop" -> {
                supervisor().stopLocal(Codec.text(body, "service", "genesis stop"));
                yield Codec.write(Map.of("stopped", body.get("service").asText(), "node", local.identity().address()));
            }
            case "cluster.status" -> Codec.write(clusterStatus());
            case "cluster.stop" -> {
                supervisor().clusterStop(Codec.text(body, "service", "cluster stop"));
                yield Codec.write(Map.of("stopped", body.get("service").asText()));
            }
            case "cluster.start" -> {
                String s = body.hasNonNull("service") ? body.get("service").asText() : null;
                supervisor().clusterStart(s);
                yield Codec.write(Map.of("started", s == null ? "all stopped services" : s));
            }
            case "zeus.config" -> Codec.write(Map.of("text", configText(zeus().cluster())));
            case "zeus.read" -> {
                String doc = Codec.text(body, "document", "zeus read");
                var d = zeus().read(doc).orElseThrow(() -> CairnException.notFound("document '" + doc + "' does not exist"));
                yield Codec.write(Map.of("document", doc, "version", d.version(), "data",
                        new String(d.data(), java.nio.charset.StandardCharsets.UTF_8)));
            }
            case "zeus.write" -> {
                String doc = Codec.text(body, "document", "zeus write");
                JsonNode v = body.get("expectedVersion");
                if (v == null || !v.canConvertToInt()) {
                    throw CairnException.invalid("zeus write needs 'expectedVersion' (-1 to create, else the version read)");
                }
                String data = body.hasNonNull("data") ? body.get("data").asText() : "";
                VersionedDocument w = zeus().write(doc, data.getBytes(java.nio.charset.StandardCharsets.UTF_8), v.asInt());
                yield Codec.write(Map.of("document", doc, "version", w.version()));
            }
            case "metrics.scrape" -> Codec.write(Map.of("text", metrics.scrape()));
            case "tasks.submit" -> Codec.write(tasks().submit(Codec.text(body, "type", "tasks submit"),
                    body.hasNonNull("params") ? body.get("params").toString() : "", body.hasNonNull("parent") ? body.get("parent").asText() : null));
            case "tasks.get" -> {
                String id = Codec.text(body, "id", "tasks get");
                yield Codec.write(tasks().get(id).orElseThrow(() -> CairnException.notFound("task '" + id + "' does not exist")));
            }
            case "tasks.list" -> Codec.write(tasks().list());
            case "tasks.abort" -> Codec.write(tasks().abort(Codec.text(body, "id", "tasks abort")));
            case "alerts.raise" -> {
                String sev = Codec.text(body, "severity", "alerts raise").toUpperCase(java.util.Locale.ROOT);
                Severity severity;
                try {
                    severity = Severity.valueOf(sev);
                } catch (IllegalArgumentException e) {
                    throw CairnException.invalid("severity must be INFO, WARNING or CRITICAL, not '" + sev + "'");
                }
                yield Codec.write(alerts().raise(Codec.text(body, "source", "alerts raise"), severity,
                        Codec.text(body, "title", "alerts raise"), body.hasNonNull("message") ? body.get("message").asText() : ""));
            }
            case "alerts.list" -> Codec.write(alerts().list(body.hasNonNull("limit") ? body.get("limit").asInt() : 100));
            case "alerts.ack" -> Codec.write(alerts().acknowledge(Codec.text(body, "id", "alerts ack"), call.principal()));
            default -> throw CairnException.notFound("no method " + call.method());
        };
    }

    /** Genesis itself, this node's Zookeeper member if it has one, then every role. */
    private List<Map<String, Object>> localStatus() {
        List<Map<String, Object>> roles = supervisor().status();
        List<Map<String, Object>> out = new ArrayList<>();
        String pid = Long.toString(ProcessHandle.current().pid());
        out.add(Map.of("service", "Genesis", "state", "UP", "pid", Long.parseLong(pid), "restarts", 0, "note", ""));
        for (ServicePresence p : zeus().presences()) {
            if (p.node().equals(local.identity().uuid()) && p.service().equals("Zookeeper")) {
                out.add(Map.of("service", "Zookeeper", "state", "UP", "pid", Long.parseLong(pid), "restarts", 0, "note", ""));
            }
        }
        out.addAll(roles);
        return out;
    }

    private Map<String, Object> clusterStatus() {
        Zeus z = zeus();
        ClusterConfig cfg = z.cluster();
        Map<UUID, Map<String, ServicePresence>> byNode = new LinkedHashMap<>();
        for (ServicePresence p : z.presences()) {
            byNode.computeIfAbsent(p.node(), k -> new TreeMap<>()).put(p.service(), p);
        }
        List<Map<String, Object>> nodes = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int up = 0;
        java.util.TreeSet<String> all = new java.util.TreeSet<>();
        byNode.values().forEach(m -> {
            ServicePresence g = m.get("Genesis");
            if (g != null) {
                g.attributes().keySet().stream().filter(k -> k.startsWith("role.")).forEach(k -> all.add(k.substring(5)));
            }
        });
        all.add("Genesis");
        for (NodeIdentity n : cfg.nodes()) {
            Map<String, ServicePresence> m = byNode.getOrDefault(n.uuid(), Map.of());
            boolean nodeUp = m.containsKey("node");
            up += nodeUp ? 1 : 0;
            text.append("CVM: ").append(n.address()).append(nodeUp ? " Up" : " Down");
            if (cfg.zookeeper().contains(n.uuid())) {
                text.append(", Zookeeper member");
            }
            text.append('\n');
            Map<String, String> services = new TreeMap<>();
            ServicePresence g = m.get("Genesis");
            List<String> names = new ArrayList<>(all);
            if (cfg.zookeeper().contains(n.uuid())) {
                names.add(0, "Zookeeper");
            }
            for (String s : names) {
                String st;
                if (!nodeUp) {
                    st = "DOWN []";
                } else if (s.equals("Genesis")) {
                    st = g == null ? "DOWN []" : "UP [" + g.attributes().get("pid") + "]";
                } else if (s.equals("Zookeeper")) {
                    ServicePresence zk = m.get("Zookeeper");
                    st = zk == null ? "DOWN []" : "UP [" + zk.attributes().get("pid") + "]";
                } else {
                    String v = g == null ? null : g.attributes().get("role." + s);
                    st = v != null && v.startsWith("UP ") ? "UP [" + v.substring(3) + "]" : "DOWN []" + (v == null || v.equals("DOWN") ? "" : "  (" + v + ")");
                }
                services.put(s, st);
                text.append(String.format("    %-16s %s%n", s, st));
            }
            Map<String, Object> nm = new LinkedHashMap<>();
            nm.put("address", n.address());
            nm.put("uuid", n.uuid().toString());
            nm.put("up", nodeUp);
            nm.put("block", n.faultDomain().block());
            nm.put("rack", n.faultDomain().rack());
            nm.put("services", services);
            nodes.add(nm);
        }
        List<Map<String, Object>> leaders = new ArrayList<>();
        for (LeaderInfo l : z.leaders()) {
            leaders.add(Map.of("role", l.role(), "epoch", l.epoch(), "address", l.address(), "node", l.node().toString()));
            text.append(String.format("Leader of %-10s %s (epoch %d)%n", l.role() + ":", l.address(), l.epoch()));
        }
        String state = up * 2 > cfg.nodes().size() ? "UP" : "DEGRADED";
        text.append("The state of the cluster: ").append(state.equals("UP") ? "start" : "degraded").append(" (").append(up)
                .append(" of ").append(cfg.nodes().size()).append(" CVMs up)\n");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cluster", cfg.name());
        out.put("clusterId", cfg.id());
        out.put("state", state);
        out.put("nodes", nodes);
        out.put("leaders", leaders);
        out.put("text", "Cluster " + cfg.name() + " (cluster_id " + cfg.id() + ")\n" + text);
        return out;
    }

    static String configText(ClusterConfig c) {
        StringBuilder b = new StringBuilder();
        b.append("cluster_id: ").append(c.id()).append('\n');
        b.append("cluster_name: \"").append(c.name()).append("\"\n");
        b.append("cluster_uuid: \"").append(c.uuid()).append("\"\n");
        b.append("cluster_fault_tolerance: ").append(c.faultTolerance()).append('\n');
        for (NodeIdentity n : c.nodes()) {
            b.append("node_list {\n");
            b.append("  uuid: \"").append(n.uuid()).append("\"\n");
            b.append("  service_vm_external_ip: \"").append(n.address()).append("\"\n");
            b.append("  zookeeper_myid: ").append(c.serverId(n.uuid())).append('\n');
            b.append("  zookeeper_member: ").append(c.zookeeper().contains(n.uuid())).append('\n');
            b.append("  rackable_unit: \"").append(n.faultDomain().block()).append("\"\n");
            b.append("  rack: \"").append(n.faultDomain().rack()).append("\"\n");
            b.append("  software_version: \"").append(n.softwareVersion()).append("\"\n");
            b.append("}\n");
        }
        return b.toString();
    }

    private Supervisor supervisor() {
        Supervisor s = supervisor;
        if (s == null) {
            throw waiting();
        }
        return s;
    }

    private Zeus zeus() {
        Zeus z = zeus;
        if (z == null) {
            throw waiting();
        }
        return z;
    }

    private TaskService tasks() {
        TaskService t = tasks;
        if (t == null) {
            throw waiting();
        }
        return t;
    }

    private AlertService alerts() {
        AlertService a = alerts;
        if (a == null) {
            throw waiting();
        }
        return a;
    }

    private CairnException waiting() {
        return new CairnException(ErrorCode.UNAVAILABLE, "node " + local.identity().address() + ": Genesis is waiting for Zookeeper "
                + "(the cluster services start once Zeus is reachable)");
    }
}
