package io.cairn.storage.curator.internal;

import java.util.List;
import java.util.Map;

/**
 * What the Curator leader publishes after each scan (Zeus document {@code curator.status}): the
 * scan, under-replication per container and fault tolerance per component (failures of the active
 * fault-domain level tolerable now; spec 20 §11).
 */
public record CuratorStatus(String leader, long executionId, String type, String reason, String state, String started,
        String updated, long egroupsScanned, long repairs, long pendingRepairs, List<Container> containers,
        Map<String, Integer> faultTolerance) {

    public CuratorStatus {
        containers = containers == null ? List.of() : List.copyOf(containers);
        faultTolerance = faultTolerance == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(faultTolerance));
    }

    /** Under-replicated extent groups of one container and the bytes they hold. */
    public record Container(String name, long underReplicatedEgroups, long underReplicatedBytes) {
    }

    /** The lowest tolerance over the components: the cluster's fault tolerance now. */
    public int overall() {
        return faultTolerance.values().stream().mapToInt(Integer::intValue).min().orElse(0);
    }
}
