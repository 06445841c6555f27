package io.cairn.storage.curator.internal;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What the Curator leader publishes after each scan (Zeus document {@code curator.status}): the
 * scan, under-replication per container, fault tolerance per component and domain level
 * (failures tolerable now; spec 20 §11) and the scan's map tasks per node. Unknown fields are
 * ignored, so a node reads a document a newer leader wrote.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CuratorStatus(String leader, long executionId, String type, String reason, String state, String started,
        String updated, long egroupsScanned, long repairs, long pendingRepairs, long orphans, List<Container> containers,
        List<Tolerance> faultTolerance, List<MapTasks> mapTasks) {

    public CuratorStatus {
        containers = containers == null ? List.of() : List.copyOf(containers);
        faultTolerance = faultTolerance == null ? List.of() : List.copyOf(faultTolerance);
        mapTasks = mapTasks == null ? List.of() : List.copyOf(mapTasks);
    }

    /**
     * One node's share of the last scan's map tasks (spec 20 §21: each node scans the Medusa shards
     * it leads, about 1/N).
     *
     * @param node     the node's UUID
     * @param address  its address
     * @param shards   its map tasks: the Medusa shards assigned to it
     * @param ranOn    the address of the node that ran them: its own, or the leader's when they failed there
     * @param vdisks   vDisks scanned for those shards
     * @param egroups  extent-group records scanned for those shards
     * @param failure  why they did not run on the node (null when they did)
     */
    public record MapTasks(String node, String address, List<Integer> shards, String ranOn, long vdisks, long egroups, String failure) {
        public MapTasks {
            shards = shards == null ? List.of() : List.copyOf(shards);
        }
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
