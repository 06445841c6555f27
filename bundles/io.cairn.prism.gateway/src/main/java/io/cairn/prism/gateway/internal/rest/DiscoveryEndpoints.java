package io.cairn.prism.gateway.internal.rest;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.prism.api.ApiEndpoints;
import io.cairn.prism.api.ApiException;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Entities;
import io.cairn.prism.api.Schema;

/**
 * {@code GET /cluster/discovered_nodes} (spec 10 §6, {@code ncli cluster discover-nodes}): the
 * factory-state nodes the serving node finds, from Genesis' {@code cluster.discover_nodes} on this
 * node (IPv6 link-local multicast on its links, loopback registry). Takes about 2 s.
 */
@Component(service = ApiEndpoints.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class DiscoveryEndpoints implements ApiEndpoints {

    static final Schema NODE = Entities.schema("discovered_node", Schema.object("a factory-state node (not in a cluster)").open(),
            Schema.object("how it was found").open());
    private static final ObjectMapper JSON = new ObjectMapper();
    private final RpcClient rpc;
    private final LocalNode local;

    /** {@code join}: served in a cluster only (Prism serves nothing on a factory node), as its cluster scope says. */
    @Activate
    public DiscoveryEndpoints(@Reference RpcClient rpc, @Reference LocalNode local, @Reference ClusterJoin join) {
        this.rpc = rpc;
        this.local = local;
    }

    @Override
    public String tag() {
        return "discovery";
    }

    @Override
    public List<ApiOperation> operations() {
        return List.of(ApiOperation.list("/cluster/discovered_nodes", "host", "Factory-state nodes this node discovers (IPv6 link-local "
                + "multicast on its links, loopback registry); add one with ncli cluster add-node node-uuid=UUID", NODE, r -> {
                    JsonNode found;
                    try {
                        found = JSON.readTree(rpc.call(local.identity().address(), "cluster.discover_nodes", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                Duration.ofSeconds(30)));
                    } catch (IOException | RpcException e) {
                        throw new ApiException(503, "DISCOVERY_UNAVAILABLE", "discovery on " + local.identity().address() + " failed: "
                                + e.getMessage());
                    }
                    List<JsonNode> out = new ArrayList<>();
                    for (JsonNode n : found.path("nodes")) {
                        ObjectNode spec = ((ObjectNode) n.deepCopy());
                        String via = spec.path("via").asText();
                        spec.remove("via");
                        ObjectNode status = JsonNodeFactory.instance.objectNode().put("via", via);
                        out.add(Entities.entity("discovered_node", n.path("uuid").asText(), Entities.versionOf(n.toString()), spec, status));
                    }
                    return ApiResponse.ok(Entities.list(out));
                }));
    }
}
