package io.cairn.cluster.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The cluster's identity and shape, agreed at creation and kept in Zeus (document
 * {@value #DOCUMENT}); each member keeps a copy for cold starts.
 *
 * @param uuid            the cluster's UUID
 * @param name            its name
 * @param id              the integer cluster id ({@code zeus_config_printer | grep cluster_id})
 * @param faultTolerance  1 (RF2/RF3 metadata, 3 Zookeeper members) or 2 (5 members)
 * @param nodes           every member, in join order; a node's Zookeeper server id is its index + 1
 * @param zookeeper       the nodes currently holding a Zookeeper member role
 */
public record ClusterConfig(UUID uuid, String name, long id, int faultTolerance, List<NodeIdentity> nodes,
        List<UUID> zookeeper) {

    /** The Zeus document that holds the current cluster configuration. */
    public static final String DOCUMENT = "cluster";

    public ClusterConfig {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(name, "name");
        if (faultTolerance < 1 || faultTolerance > 2) {
            throw new IllegalArgumentException("fault tolerance must be 1 or 2, not " + faultTolerance);
        }
        nodes = List.copyOf(nodes);
        zookeeper = List.copyOf(zookeeper);
    }

    /** The size of the Zookeeper ensemble this fault tolerance needs: 2·FT+1. */
    public int ensembleSize() {
        return 2 * faultTolerance + 1;
    }

    public Optional<NodeIdentity> node(UUID uuid) {
        return nodes.stream().filter(n -> n.uuid().equals(uuid)).findFirst();
    }

    /** The node's Zookeeper server id (index in {@link #nodes()} + 1). */
    public int serverId(UUID node) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).uuid().equals(node)) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("node " + node + " is not a member of cluster " + name);
    }

    public ClusterConfig withZookeeper(List<UUID> members) {
        return new ClusterConfig(uuid, name, id, faultTolerance, nodes, members);
    }
}
