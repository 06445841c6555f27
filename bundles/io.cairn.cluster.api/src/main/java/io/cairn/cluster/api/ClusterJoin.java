package io.cairn.cluster.api;

/**
 * Registered by Genesis once this node belongs to a cluster (after {@code cluster create} or at
 * start-up of a configured node). Zeus starts when this appears.
 */
@org.osgi.annotation.versioning.ProviderType
public interface ClusterJoin {

    /** The configuration this node last knew (its local copy; Zeus has the current one). */
    ClusterConfig config();

    /** This node's identity in the cluster. */
    NodeIdentity self();
}
