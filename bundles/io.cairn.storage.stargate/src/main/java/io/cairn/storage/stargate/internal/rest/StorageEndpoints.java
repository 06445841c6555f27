package io.cairn.storage.stargate.internal.rest;

import java.util.List;
import java.util.UUID;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.api.Zeus;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.prism.api.Action;
import io.cairn.prism.api.ApiEndpoints;
import io.cairn.prism.api.ApiException;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiRequest;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Entities;
import io.cairn.prism.api.Schema;
import io.cairn.storage.api.stargate.Container;
import io.cairn.storage.api.stargate.ContainerSpec;
import io.cairn.storage.api.stargate.Stargate;
import io.cairn.storage.api.stargate.StoragePool;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.stargate.internal.disks.NodeDiskLayout;

/**
 * Storage over REST ({@code /api/v1}, through Prism's endpoint whiteboard), served by the
 * {@link Stargate} service: the storage pool and its disks, containers and vDisks, the same
 * operations {@code ncli sp|ctr|vdisk} use.
 */
@Component(service = ApiEndpoints.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class StorageEndpoints implements ApiEndpoints {

    static final Schema POOL = Entities.schema("storage_pool", Schema.object("the pool").property("name", Schema.string("its name")),
            Schema.object("capacity").open());
    static final Schema DISK = Entities.schema("disk", Schema.object("the disk").property("id", Schema.string("disk id"))
            .property("node", Schema.string("node uuid")).property("tier", Schema.string("SSD or HDD")), Schema.object("state").open());
    static final Schema CONTAINER_SPEC = Schema.object("a container's settings")
            .required("name", Schema.string("unique name; letters, digits, - _ ."))
            .property("replication_factor", Schema.integer("copies of every byte, 1–3 (default 2)").minimum(1))
            .property("reserved_bytes", Schema.integer("space guaranteed to it").minimum(0))
            .property("advertised_bytes", Schema.integer("most it may use (0 = the pool)").minimum(0));
    static final Schema CONTAINER = Entities.schema("container", CONTAINER_SPEC, Schema.object("usage").open());
    static final Schema VDISK_SPEC = Schema.object("a vDisk's settings")
            .required("name", Schema.string("unique within its container"))
            .required("container", Schema.string("the container's name"))
            .required("size_bytes", Schema.integer("logical size; grows only").minimum(1));
    static final Schema VDISK = Entities.schema("vdisk", VDISK_SPEC, Schema.object("owner and replication").open());

    /** Listing order: by container, then by name (one catalog scan returns them by uuid). */
    private static final java.util.Comparator<VDisk> BY_CONTAINER_AND_NAME = java.util.Comparator.comparing(VDisk::containerName)
            .thenComparing(VDisk::name);

    static final Schema DISK_LAYOUT = Entities.schema("disk_layout", Schema.object("the node").property("node", Schema.string("node uuid")),
            Schema.object("spec 10 §7 at the cluster's highest container RF: rf_max, oplog_devices, source (partitioned | data "
                    + "directories), partitioned_for_rf, disks [{id, kind, capacity_bytes, layers [{layer, offset_bytes, size_bytes}]}], "
                    + "warnings, error (when the disks cannot take the layout), text").open());

    private final Stargate stargate;
    private final Zeus zeus;

    @Activate
    public StorageEndpoints(@Reference Stargate stargate, @Reference Zeus zeus) {
        this.stargate = stargate;
        this.zeus = zeus;
    }

    @Override
    public String tag() {
        return "storage";
    }

    @Override
    public List<ApiOperation> operations() {
        return List.of(
                ApiOperation.get("/storage_pools/default", "storage_pool", "The storage pool (every data disk of every node)", POOL, r -> ApiResponse.ok(pool())),
                ApiOperation.list("/disks", "disk", "Data disks of the pool", DISK, r -> ApiResponse.ok(disks())),
                ApiOperation.get("/hosts/{uuid}/disk_layout", "disk", "A node's device layout (Home, metadata, OpLog, Curator, extent "
                        + "store per disk) at the cluster's highest container RF", DISK_LAYOUT, r -> ApiResponse.ok(diskLayout(r.path("uuid")))),
                ApiOperation.list("/containers", "container", "Containers", CONTAINER, r -> ApiResponse.ok(Entities.list(stargate.containers().stream()
                        .map(StorageEndpoints::container).toList()))),
                ApiOperation.get("/containers/{name}", "container", "One container", CONTAINER, r -> ApiResponse.ok(container(named(r)))),
                new ApiOperation("POST", "/containers", "container", Action.CREATE, "Create a container", Entities.schema("container", CONTAINER_SPEC,
                        Schema.object("").open()), CONTAINER, 201, false, this::createContainer),
                new ApiOperation("DELETE", "/containers/{name}", "container", Action.DELETE, "Delete an empty container", null, null, 204, false,
                        r -> {
                            named(r);
                            stargate.deleteContainer(r.path("name"));
                            return ApiResponse.noContent();
                        }),
                ApiOperation.list("/vdisks", "vdisk", "vDisks of every container", VDISK, r -> ApiResponse.ok(Entities.list(stargate.vdisks().stream()
                        .sorted(BY_CONTAINER_AND_NAME).map(StorageEndpoints::vdisk).toList()))),
                ApiOperation.get("/vdisks/{uuid}", "vdisk", "One vDisk", VDISK, r -> ApiResponse.ok(vdisk(vdiskOf(r)))),
                new ApiOperation("POST", "/vdisks", "vdisk", Action.CREATE, "Create a thin vDisk", Entities.schema("vdisk", VDISK_SPEC,
                        Schema.object("").open()), VDISK, 201, false, this::createVDisk),
                new ApiOperation("PUT", "/vdisks/{uuid}", "vdisk", Action.UPDATE, "Grow a vDisk (send metadata.version back)",
                        Entities.schema("vdisk", VDISK_SPEC, Schema.object("").open()), VDISK, 200, false, this::updateVDisk),
                new ApiOperation("DELETE", "/vdisks/{uuid}", "vdisk", Action.DELETE, "Delete a vDisk and its data", null, null, 204, false, r -> {
                    stargate.deleteVDisk(vdiskOf(r).uuid());
                    return ApiResponse.noContent();
                }));
    }

    private ObjectNode pool() {
        StoragePool p = stargate.pool();
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", p.name());
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("capacity_bytes", p.capacityBytes()).put("used_bytes", p.usedBytes())
                .put("disks", p.disks().size());
        return Entities.entity("storage_pool", p.uuid().toString(), Entities.versionOf(p.name()), spec, status);
    }

    private ObjectNode disks() {
        return Entities.list(stargate.pool().disks().stream().map(d -> Entities.entity("disk", d.id(), Entities.versionOf(d.id(), d.node()),
                JsonNodeFactory.instance.objectNode().put("id", d.id()).put("node", d.node().toString()).put("tier", d.tier()),
                JsonNodeFactory.instance.objectNode().put("capacity_bytes", d.capacityBytes()).put("used_bytes", d.usedBytes())
                        .put("online", d.online()))).toList());
    }

    private ObjectNode diskLayout(String id) {
        UUID node = zeus.cluster().nodes().stream().map(n -> n.uuid()).filter(u -> u.toString().equalsIgnoreCase(id)).findFirst()
                .orElseThrow(() -> ApiException.notFound("no host " + id + "; GET /api/v1/hosts lists them"));
        NodeDiskLayout layout = zeus.read(NodeDiskLayout.document(node)).map(d -> {
            try {
                return NodeDiskLayout.fromJson(d.data());
            } catch (java.io.IOException e) {
                throw new CairnException(ErrorCode.INTERNAL, "the device layout host " + id + " published is not readable: " + e.getMessage());
            }
        }).orElseThrow(() -> new CairnException(ErrorCode.UNAVAILABLE, "host " + id + " has not published its disks yet (its Stargate "
                + "does so when it starts); retry when `cluster status` shows it up"));
        ObjectNode status = layout.view(NodeDiskLayout.layoutRf(stargate.containers()));
        return Entities.entity("disk_layout", node.toString(), Entities.versionOf(status.toString()),
                JsonNodeFactory.instance.objectNode().put("node", node.toString()), status);
    }

    static ObjectNode container(Container c) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", c.name()).put("replication_factor", c.replicationFactor())
                .put("reserved_bytes", c.reservedBytes()).put("advertised_bytes", c.advertisedBytes());
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("used_bytes", c.usedBytes()).put("vdisks", c.vdisks());
        return Entities.entity("container", c.uuid().toString(), Entities.versionOf(c.name(), c.replicationFactor(), c.reservedBytes(),
                c.advertisedBytes()), spec, status);
    }

    static ObjectNode vdisk(VDisk v) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", v.name()).put("container", v.containerName())
                .put("size_bytes", v.sizeBytes());
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("replication_factor", v.replicationFactor())
                .put("owner", v.owner() == null ? null : v.owner().toString()).put("created", java.time.Instant.ofEpochMilli(v.createdMillis()).toString());
        return Entities.entity("vdisk", v.uuid().toString(), Entities.versionOf(v.name(), v.containerName(), v.sizeBytes()), spec, status);
    }

    private Container named(ApiRequest r) {
        String name = r.path("name");
        return stargate.container(name).orElseThrow(() -> ApiException.notFound("no container named '" + name + "'; GET /api/v1/containers "
                + "lists them"));
    }

    private VDisk vdiskOf(ApiRequest r) {
        String id = r.path("uuid");
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("BAD_UUID", "'" + id + "' is not a vDisk uuid (like 3f1c…-…); GET /api/v1/vdisks lists them");
        }
        return stargate.vdisk(uuid).orElseThrow(() -> ApiException.notFound("no vDisk " + uuid + "; GET /api/v1/vdisks lists them"));
    }

    private ApiResponse createContainer(ApiRequest r) {
        JsonNode s = r.body().path("spec");
        Container c = stargate.createContainer(new ContainerSpec(s.path("name").asText(), s.path("replication_factor").asInt(2),
                s.path("reserved_bytes").asLong(0), s.path("advertised_bytes").asLong(0)));
        return ApiResponse.created(container(c));
    }

    private ApiResponse createVDisk(ApiRequest r) {
        JsonNode s = r.body().path("spec");
        VDisk v = stargate.createVDisk(s.path("container").asText(), s.path("name").asText(), s.path("size_bytes").asLong());
        return ApiResponse.created(vdisk(v));
    }

    private ApiResponse updateVDisk(ApiRequest r) {
        VDisk v = vdiskOf(r);
        ObjectNode now = vdisk(v);
        Entities.checkVersion(r.body(), now.path("metadata").path("version").asLong(), "vDisk " + v.name());
        JsonNode s = r.body().path("spec");
        if (!s.path("name").asText().equals(v.name()) || !s.path("container").asText().equals(v.containerName())) {
            throw ApiException.badRequest("IMMUTABLE_FIELD", "a vDisk's name and container cannot change (only spec.size_bytes can grow); "
                    + "send name '" + v.name() + "' and container '" + v.containerName() + "'");
        }
        long size = s.path("size_bytes").asLong();
        if (size == v.sizeBytes()) {
            return ApiResponse.ok(now);
        }
        return ApiResponse.ok(vdisk(stargate.resizeVDisk(v.uuid(), size)));
    }
}
