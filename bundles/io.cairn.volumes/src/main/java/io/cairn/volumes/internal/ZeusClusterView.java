package io.cairn.volumes.internal;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.Zeus;
import io.cairn.storage.api.stargate.Stargate;
import io.cairn.storage.api.stargate.VDiskIo;

/** The cluster as Zeus and Stargate show it: members, Volumes presences (open node portals) as health, the Volumes documents. */
final class ZeusClusterView implements ClusterView {

    private final Zeus zeus;
    private final VolumeStore store;
    private final Stargate stargate;
    private final UUID self;

    ZeusClusterView(Zeus zeus, VolumeStore store, Stargate stargate, UUID self) {
        this.zeus = zeus;
        this.store = store;
        this.stargate = stargate;
        this.self = self;
    }

    @Override
    public List<NodeIdentity> nodes() {
        return zeus.cluster().nodes();
    }

    @Override
    public Set<UUID> healthy() {
        return zeus.presences().stream().filter(p -> p.service().equals(VolumesPortals.PRESENCE)).map(ServicePresence::node)
                .collect(Collectors.toSet());
    }

    @Override
    public UUID self() {
        return self;
    }

    @Override
    public Optional<String> dsip() {
        return store.dsip();
    }

    @Override
    public Optional<VolumeGroup> group(String name) {
        return store.group(name);
    }

    @Override
    public List<VolumeGroup> groups() {
        return store.groups();
    }

    @Override
    public VDiskIo open(UUID vdisk) {
        return stargate.open(vdisk);
    }
}
