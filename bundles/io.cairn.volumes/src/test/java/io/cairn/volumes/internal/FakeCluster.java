package io.cairn.volumes.internal;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.storage.api.stargate.VDiskIo;

/** Test-only: a cluster view over a {@link FakeZeus} store and {@link FakeStargate}, with nodes and health set by the test. */
final class FakeCluster implements ClusterView {

    final List<NodeIdentity> nodes;
    final Set<UUID> healthy = ConcurrentHashMap.newKeySet();
    final VolumeStore store;
    final FakeStargate stargate;
    volatile UUID self;

    FakeCluster(VolumeStore store, FakeStargate stargate, String... addresses) {
        this.store = store;
        this.stargate = stargate;
        this.nodes = java.util.Arrays.stream(addresses).map(FakeCluster::node).toList();
        nodes.forEach(n -> healthy.add(n.uuid()));
        this.self = nodes.get(0).uuid();
    }

    static NodeIdentity node(String address) {
        return new NodeIdentity(UUID.nameUUIDFromBytes(address.getBytes()), address, new FaultDomain("rack", "block-" + address, address),
                "test");
    }

    NodeIdentity node(int i) {
        return nodes.get(i);
    }

    @Override
    public List<NodeIdentity> nodes() {
        return nodes;
    }

    @Override
    public Set<UUID> healthy() {
        return Set.copyOf(healthy);
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
