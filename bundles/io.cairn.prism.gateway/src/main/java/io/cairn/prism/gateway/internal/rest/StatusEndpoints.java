package io.cairn.prism.gateway.internal.rest;

import java.time.Duration;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.prism.api.ApiEndpoints;
import io.cairn.prism.api.ApiException;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Entities;
import io.cairn.prism.api.Schema;

/**
 * {@code cluster status} and {@code genesis status} (spec 10 §20.1) over REST. Both ask Genesis through the
 * node's own mutual-TLS RPC client ({@code cluster.status} on this node, {@code genesis.status} on the host
 * named), so the REST answer carries exactly what {@code cairn cluster status} / {@code cairn genesis status}
 * print, including the {@code text} the CLIs show.
 */
@Component(service = ApiEndpoints.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class StatusEndpoints implements ApiEndpoints {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    static final Schema CLUSTER_STATUS = Entities.schema("cluster_status", Schema.object("nothing to set").open(),
            Schema.object("every CVM with its roles").property("state", Schema.string("UP when more than half the CVMs are up")
                    .values("UP", "DEGRADED"))
                    .property("nodes", Schema.array("per CVM: address, uuid, up, block, rack, services {role: \"UP [pid]\" | "
                            + "\"DOWN []\"}", Schema.object("a CVM").open()))
                    .property("leaders", Schema.array("the elected leaders", Schema.object("role, address, node, epoch").open()))
                    .property("text", Schema.string("what `cluster status` prints")).open());
    static final Schema HOST_SERVICES = Entities.schema("host_services", Schema.object("the host").property("address",
            Schema.string("its IP")), Schema.object("its roles as its Genesis reports them")
                    .property("services", Schema.array("service, state (UP, DOWN, ...), pid, restarts, note",
                            Schema.object("a role").open()))
                    .property("text", Schema.string("what `genesis status` prints")).open());

    private final Zeus zeus;
    private final RpcClient rpc;
    private final String localAddress;

    @Activate
    public StatusEndpoints(@Reference Zeus zeus, @Reference RpcClient rpc, org.osgi.framework.BundleContext context) {
        this.zeus = zeus;
        this.rpc = rpc;
        this.localAddress = context.getProperty("cairn.node.ip");
    }

    @Override
    public String tag() {
        return "cluster";
    }

    @Override
    public List<ApiOperation> operations() {
        return List.of(
                ApiOperation.get("/cluster/status", "cluster", "Every CVM Up or Down with its roles UP [pids] / DOWN [] and the "
                        + "cluster state (what `cluster status` prints)", CLUSTER_STATUS, r -> ApiResponse.ok(clusterStatus())),
                ApiOperation.get("/hosts/{uuid}/services", "host", "One host's roles with their pids, as its Genesis reports them "
                        + "(what `genesis status` prints there)", HOST_SERVICES, r -> ApiResponse.ok(hostServices(r.path("uuid")))));
    }

    private ObjectNode clusterStatus() {
        ClusterConfig c = zeus.cluster();
        JsonNode s = call(localAddress == null ? c.nodes().getFirst().address() : localAddress, "cluster.status", "this node");
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("state", s.path("state").asText());
        status.set("nodes", s.path("nodes"));
        status.set("leaders", s.path("leaders"));
        status.put("text", s.path("text").asText());
        return Entities.entity("cluster_status", c.uuid().toString(), Entities.versionOf(s.path("text").asText()),
                JsonNodeFactory.instance.objectNode(), status);
    }

    private ObjectNode hostServices(String id) {
        NodeIdentity n = zeus.cluster().nodes().stream().filter(h -> h.uuid().toString().equals(id)).findFirst()
                .orElseThrow(() -> ApiException.notFound("no host " + id + "; GET /api/v1/hosts lists them"));
        JsonNode s = call(n.address(), "genesis.status", "host " + n.address());
        StringBuilder text = new StringBuilder("Services on ").append(n.address()).append(":\n");
        for (JsonNode svc : s.path("services")) {
            String st = svc.path("state").asText();
            String note = svc.path("note").asText();
            text.append(String.format("    %-16s %s%s%n", svc.path("service").asText(),
                    st.equals("UP") ? "UP [" + svc.path("pid").asLong() + "]" : st + " []", note.isEmpty() ? "" : "  (" + note + ")"));
        }
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.set("services", s.path("services"));
        status.put("text", text.toString());
        return Entities.entity("host_services", n.uuid().toString(), Entities.versionOf(text.toString()),
                JsonNodeFactory.instance.objectNode().put("address", n.address()), status);
    }

    private JsonNode call(String address, String method, String who) {
        try {
            return JSON.readTree(rpc.call(address, method, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8), DEADLINE));
        } catch (RpcException e) {
            if (e.code() == ErrorCode.UNAVAILABLE || e.code().httpStatus() >= 500) {
                throw new CairnException(ErrorCode.UNAVAILABLE, "Genesis on " + who + " does not answer (" + e.getMessage()
                        + "); it may be down: `cluster status` shows which CVMs are up");
            }
            throw e;
        } catch (java.io.IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "Genesis on " + who + " answered something that is not JSON: " + e.getMessage());
        }
    }
}
