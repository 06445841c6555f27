package io.cairn.cluster.api;

import java.util.Objects;

/**
 * Where a node sits: node → block (chassis) → rack. Replicas and quorum members are placed on
 * distinct domains at the highest level the cluster can satisfy.
 */
public record FaultDomain(String rack, String block, String node) {

    public FaultDomain {
        Objects.requireNonNull(rack, "rack");
        Objects.requireNonNull(block, "block");
        Objects.requireNonNull(node, "node");
    }
}
