package io.cairn.cluster.api;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/** A service announced live on a node; it disappears when the node's Zeus session ends. */
public record ServicePresence(UUID node, String service, Map<String, String> attributes) {

    public ServicePresence {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(service, "service");
        attributes = Map.copyOf(attributes);
    }
}
