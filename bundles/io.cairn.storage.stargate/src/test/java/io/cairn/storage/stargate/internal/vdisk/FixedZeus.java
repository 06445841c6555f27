package io.cairn.storage.stargate.internal.vdisk;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.LeaderInfo;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Presence;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.api.ZeusLock;

/**
 * A Zeus for unit tests with a fixed cluster configuration and fixed service presences; it stores
 * no documents, elects nobody and announces nothing (those calls fail).
 */
record FixedZeus(ClusterConfig cluster, List<ServicePresence> presences) implements Zeus {

    /** A cluster of the one node {@code self} with no Stargate presence: nothing is routed or copied to another node. */
    static FixedZeus oneNode(UUID self) {
        NodeIdentity n = new NodeIdentity(self, "127.0.0.1", new FaultDomain("r0", "b0", self.toString()), "test");
        return new FixedZeus(new ClusterConfig(UUID.nameUUIDFromBytes(self.toString().getBytes()), "test", 1, 1, List.of(n), List.of(self)),
                List.of());
    }

    @Override
    public Optional<VersionedDocument> read(String document) {
        return Optional.empty();
    }

    @Override
    public List<String> list(String prefix) {
        return List.of();
    }

    @Override
    public VersionedDocument write(String document, byte[] data, int expectedVersion) {
        throw new UnsupportedOperationException("the test Zeus stores no documents");
    }

    @Override
    public void delete(String document, int expectedVersion) {
        throw new UnsupportedOperationException("the test Zeus stores no documents");
    }

    @Override
    public Registration watch(String document, Consumer<Optional<VersionedDocument>> listener) {
        return () -> {
        };
    }

    @Override
    public Presence announce(String service, Map<String, String> attributes) {
        throw new UnsupportedOperationException("the test Zeus has fixed presences");
    }

    @Override
    public Registration elect(String role, LeadershipListener listener) {
        throw new UnsupportedOperationException("the test Zeus elects nobody");
    }

    @Override
    public List<LeaderInfo> leaders() {
        return List.of();
    }

    @Override
    public Optional<LeaderInfo> leader(String role) {
        return Optional.empty();
    }

    @Override
    public ZeusLock lock(String name, Duration wait) {
        throw new UnsupportedOperationException("the test Zeus has no locks");
    }
}
