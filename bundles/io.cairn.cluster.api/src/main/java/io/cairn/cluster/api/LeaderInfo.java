package io.cairn.cluster.api;

import java.util.Objects;
import java.util.UUID;

/** Who leads a role, as Zeus last recorded it. */
public record LeaderInfo(String role, long epoch, UUID node, String address) {

    public LeaderInfo {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(address, "address");
    }
}
