package io.cairn.prism.gateway.internal.rest;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.ClusterMembership;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.prism.gateway.internal.PrismRpc;
import io.cairn.prism.api.Action;
import io.cairn.prism.api.ApiEndpoints;
import io.cairn.prism.api.ApiException;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Entities;
import io.cairn.prism.api.Schema;

/** The cluster and its hosts (nodes) over REST, from Zeus. */
@Component(service = ApiEndpoints.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class ClusterEndpoints implements ApiEndpoints {

    static final Schema CLUSTER = Entities.schema("cluster", Schema.object("the cluster").property("name", Schema.string("its name"))
            .property("fault_tolerance", Schema.integer("node failures it survives")), Schema.object("members and leaders").open());
    static final Schema HOST = Entities.schema("host", Schema.object("a node").property("address", Schema.string("its IP"))
            .property("rack", Schema.string("")).property("block", Schema.string("")), Schema.object("state and version").open());

    static final Schema VIP = Schema.object("the cluster virtual IP").required("external_ip_address",
            Schema.string("an IP address on the nodes' subnet, e.g. 10.0.0.40"));

    private final Zeus zeus;
    private final ClusterMembership membership;

    @Activate
    public ClusterEndpoints(@Reference Zeus zeus, @Reference ClusterMembership membership) {
        this.zeus = zeus;
        this.membership = membership;
    }

    @Override
    public String tag() {
        return "cluster";
    }

    @Override
    public List<ApiOperation> operations() {
        return List.of(
                ApiOperation.get("/cluster", "cluster", "The cluster", CLUSTER, r -> ApiResponse.ok(cluster())),
                new ApiOperation("PUT", "/cluster/external_ip_address", "cluster", Action.UPDATE, "Set the cluster virtual IP (the Prism "
                        + "leader holds it; ncli cluster edit-params external-ip-address=IP)", VIP, VIP, 200, false, r -> {
                            String ip = PrismRpc.setVip(zeus, r.body().path("external_ip_address").asText(""));
                            return ApiResponse.ok(JsonNodeFactory.instance.objectNode().put("external_ip_address", ip));
                        }),
                ApiOperation.list("/hosts", "host", "The cluster's nodes", HOST, r -> ApiResponse.ok(Entities.list(
                        zeus.cluster().nodes().stream().map(this::host).toList()))),
                ApiOperation.get("/hosts/{uuid}", "host", "One node", HOST, r -> {
                    String id = r.path("uuid");
                    return ApiResponse.ok(zeus.cluster().nodes().stream().filter(n -> n.uuid().toString().equals(id)).findFirst()
                            .map(this::host).orElseThrow(() -> ApiException.notFound("no host " + id + "; GET /api/v1/hosts lists them")));
                }));
    }

    private ObjectNode cluster() {
        ClusterConfig c = zeus.cluster();
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", c.name()).put("fault_tolerance", c.faultTolerance());
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("id", c.id()).put("nodes", c.nodes().size());
        ObjectNode leaders = status.putObject("leaders");
        zeus.leaders().forEach(l -> leaders.put(l.role(), l.address()));
        return Entities.entity("cluster", c.uuid().toString(), Entities.versionOf(c.name(), c.faultTolerance(), c.nodes().size()), spec, status);
    }

    private ObjectNode host(NodeIdentity n) {
        Map<UUID, NodeIdentity> members = membership.members();
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("address", n.address()).put("rack", n.faultDomain().rack())
                .put("block", n.faultDomain().block());
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("state", members.containsKey(n.uuid()) ? membership.state(n.uuid()).name()
                : "DOWN").put("software_version", n.softwareVersion());
        return Entities.entity("host", n.uuid().toString(), Entities.versionOf(n.address(), n.faultDomain()), spec, status);
    }
}
