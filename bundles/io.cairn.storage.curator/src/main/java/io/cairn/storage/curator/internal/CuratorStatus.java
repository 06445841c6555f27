package io.cairn.storage.curator.internal;

import java.util.List;
import java.util.Map;

/**
 * What the Curator leader publishes after each scan (Zeus document {@code curator.status}): the
 * scan, under-replication per container and fault tolerance per component and domain level
 * (failures tolerable now; spec 20 §11).
 */
public record CuratorStatus(String leader, long executionId, String type, String reason, String state, String started,
        String updated, long egroupsScanned, long repairs, long pendingRepairs, long orphans, List<Container> containers,
        List<Tolerance> faultTolerance) {

    public CuratorStatus {
        containers = containers == null ? List.of() : List.copyOf(containers);
        faultTolerance = faultTolerance == null ? List.of() : List.copyOf(faultTolerance);
    }

    /** Failures of {@code level} domains (NODE, RACKABLE_UNIT) that {@code component} tolerates now, and why. */
    public record Tolerance(String level, String component, int tolerable, String detail) {
    }

    /** Component → tolerable failures at {@code level}, in report order. */
    public Map<String, Integer> at(String level) {
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        faultTolerance.stream().filter(t -> t.level().equals(level)).forEach(t -> out.put(t.component(), t.tolerable()));
        return out;
    }

    /** Under-replicated extent groups of one container and the bytes they hold. */
    public record Container(String name, long underReplicatedEgroups, long underReplicatedBytes) {
    }

    /** The lowest tolerance over the components at {@code level}: the cluster's fault tolerance there now. */
    public int overall(String level) {
        return at(level).values().stream().mapToInt(Integer::intValue).min().orElse(0);
    }
}
