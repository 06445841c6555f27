package io.cairn.cluster.api;

import java.util.Objects;
import java.util.UUID;

/** A controller's identity: stable UUID, the address it serves on, its domain and software. */
public record NodeIdentity(UUID uuid, String address, FaultDomain faultDomain, String softwareVersion) {

    public NodeIdentity {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(faultDomain, "faultDomain");
        Objects.requireNonNull(softwareVersion, "softwareVersion");
    }
}
