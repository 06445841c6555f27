package io.cairn.prism.gateway.internal.rest;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.ClusterMembership;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.prism.gateway.internal.PrismLeader;
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

    static final Schema CLUSTER = Entities.schema("cluster", Schema.object("the cluster").property("name", Schema.string("its name (read only)"))
            .property("fault_tolerance", Schema.integer("node failures it survives (read only)"))
            .property("external_ip_address", Schema.string("the cluster virtual IP Prism's leader holds (ncli cluster edit-params "
                    + "external-ip-address=IP)")), Schema.object("members and leaders").open());
    static final Schema HOST = Entities.schema("host", Schema.object("a node").property("address", Schema.string("its IP"))
            .property("rack", Schema.string("")).property("block", Schema.string("")), Schema.object("state and version").open());

    private final Zeus zeus;
    private final ClusterMembership membership;
    private final PrismLeader prism;

    @Activate
    public ClusterEndpoints(@Reference Zeus zeus, @Reference ClusterMembership membership, @Reference PrismLeader prism) {
        this.zeus = zeus;
        this.membership = membership;
        this.prism = prism;
    }

    @Override
    public String tag() {
        return "cluster";
    }

    @Override
    public List<ApiOperation> operations() {
        return List.of(
                ApiOperation.get("/cluster", "cluster", "The cluster", CLUSTER, r -> ApiResponse.ok(cluster(prism.vip()))),
                new ApiOperation("PUT", "/cluster", "cluster_settings", Action.UPDATE, "Set the cluster virtual IP (send metadata.version back)",
                        CLUSTER, CLUSTER, 200, false, r -> {
                            // the version is computed from the virtual IP as Zeus holds it now (not the watched copy), and
                            // the write is a compare-and-set on that document's version: of two concurrent PUTs sent with
                            // the same metadata.version, one wins and the other gets 409 STALE_VERSION
                            PrismLeader.VipState vip = prism.vipState();
                            ObjectNode now = cluster(vip.ip());
                            Entities.checkVersion(r.body(), now.path("metadata").path("version").asLong(), "the cluster");
                            JsonNode want = r.body().path("spec");
                            for (String fixed : List.of("name", "fault_tolerance")) {
                                if (want.has(fixed) && !want.get(fixed).equals(now.path("spec").path(fixed))) {
                                    throw ApiException.badRequest("READ_ONLY", "spec." + fixed + " cannot be changed here (it is "
                                            + now.path("spec").path(fixed) + ")");
                                }
                            }
                            if (!want.hasNonNull("external_ip_address")) {
                                return ApiResponse.ok(now);
                            }
                            String ip;
                            try {
                                ip = prism.setVip(want.get("external_ip_address").asText(), vip);
                            } catch (CairnException e) {
                                if (e.code() == ErrorCode.CONFLICT) {
                                    throw ApiException.conflict("STALE_VERSION", "the cluster virtual IP changed while this update "
                                            + "was applied: GET the cluster again, re-apply your change and retry");
                                }
                                throw e;
                            }
                            return ApiResponse.ok(cluster(Optional.of(ip)));
                        }),
                ApiOperation.list("/hosts", "host", "The cluster's nodes", HOST, r -> ApiResponse.ok(Entities.list(
                        zeus.cluster().nodes().stream().map(this::host).toList()))),
                ApiOperation.get("/hosts/{uuid}", "host", "One node", HOST, r -> {
                    String id = r.path("uuid");
                    return ApiResponse.ok(zeus.cluster().nodes().stream().filter(n -> n.uuid().toString().equals(id)).findFirst()
                            .map(this::host).orElseThrow(() -> ApiException.notFound("no host " + id + "; GET /api/v1/hosts lists them")));
                }));
    }

    private ObjectNode cluster(Optional<String> vip) {
        ClusterConfig c = zeus.cluster();
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", c.name()).put("fault_tolerance", c.faultTolerance())
                .put("external_ip_address", vip.orElse(""));
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("id", c.id()).put("nodes", c.nodes().size());
        ObjectNode leaders = status.putObject("leaders");
        zeus.leaders().forEach(l -> leaders.put(l.role(), l.address()));
        return Entities.entity("cluster", c.uuid().toString(), Entities.versionOf(c.name(), c.faultTolerance(), c.nodes().size(),
                vip.orElse("")), spec, status);
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
