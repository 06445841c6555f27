package io.cairn.cluster.api;

import java.util.Map;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/** The nodes of the cluster and their states, as last agreed by the cluster configuration. */
@ProviderType
public interface ClusterMembership {

    Map<UUID, NodeIdentity> members();

    NodeState state(UUID node);
}
