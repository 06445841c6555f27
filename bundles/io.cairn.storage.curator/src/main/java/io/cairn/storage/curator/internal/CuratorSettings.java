package io.cairn.storage.curator.internal;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.cairn.storage.curator.internal.chronos.AdmissionPolicy;

/**
 * Curator settings, read from the optional Zeus document {@code curator.settings} (JSON) at each
 * scan (Chronos: every few seconds), so an operator (or a test) changes them without a restart; a
 * setting left out keeps its default.
 * <ul>
 * <li>{@code orphan_grace_secs} (600): how long ago an extent-group replica no record lists must
 * have been last written before a full scan deletes it. It must exceed by far the time between a
 * drain's (or a re-replication's) data write and its metadata update, which is bounded by the
 * operation timeout (seconds).</li>
 * <li>{@code map_task_timeout_secs} ({@value #DEFAULT_MAP_TASK_TIMEOUT_SECS}): how long the leader
 * waits for a node's map tasks before it runs them itself.</li>
 * <li>{@code chronos_max_tasks_per_node} (2): background tasks running at once on a node.</li>
 * <li>{@code chronos_tasks_per_sec} (20): task starts per second on a node while user I/O is quiet.</li>
 * <li>{@code chronos_busy_tasks_per_sec} (2): the same while the node's Stargate serves at least
 * {@code chronos_busy_user_ops_per_sec} (100) user reads and writes per second. Tasks repairing data
 * with one good replica left are not held back by either rate.</li>
 * </ul>
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CuratorSettings(@JsonProperty("orphan_grace_secs") Long orphanGraceSecs,
        @JsonProperty("map_task_timeout_secs") Long mapTaskTimeoutSecs,
        @JsonProperty("chronos_max_tasks_per_node") Integer chronosMaxTasksPerNode,
        @JsonProperty("chronos_tasks_per_sec") Double chronosTasksPerSec,
        @JsonProperty("chronos_busy_tasks_per_sec") Double chronosBusyTasksPerSec,
        @JsonProperty("chronos_busy_user_ops_per_sec") Long chronosBusyUserOpsPerSec) {

    static final long DEFAULT_MAP_TASK_TIMEOUT_SECS = 120;
    static final CuratorSettings DEFAULTS = new CuratorSettings(null, null, null, null, null, null);

    public CuratorSettings {
        orphanGraceSecs = orphanGraceSecs == null ? 600L : orphanGraceSecs;
        mapTaskTimeoutSecs = mapTaskTimeoutSecs == null ? DEFAULT_MAP_TASK_TIMEOUT_SECS : mapTaskTimeoutSecs;
        chronosMaxTasksPerNode = chronosMaxTasksPerNode == null ? 2 : chronosMaxTasksPerNode;
        chronosTasksPerSec = chronosTasksPerSec == null ? 20.0 : chronosTasksPerSec;
        chronosBusyTasksPerSec = chronosBusyTasksPerSec == null ? 2.0 : chronosBusyTasksPerSec;
        chronosBusyUserOpsPerSec = chronosBusyUserOpsPerSec == null ? 100L : chronosBusyUserOpsPerSec;
        if (orphanGraceSecs < 1) {
            throw new IllegalArgumentException("orphan_grace_secs must be at least 1, not " + orphanGraceSecs);
        }
        if (mapTaskTimeoutSecs < 1) {
            throw new IllegalArgumentException("map_task_timeout_secs must be at least 1, not " + mapTaskTimeoutSecs);
        }
        chronosLimits(chronosMaxTasksPerNode, chronosTasksPerSec, chronosBusyTasksPerSec, chronosBusyUserOpsPerSec); // validates
    }

    @JsonIgnore
    Duration orphanGrace() {
        return Duration.ofSeconds(orphanGraceSecs);
    }

    @JsonIgnore
    Duration mapTaskTimeout() {
        return Duration.ofSeconds(mapTaskTimeoutSecs);
    }

    /** Chronos's admission limits on each node. */
    @JsonIgnore
    AdmissionPolicy.Limits chronosLimits() {
        return chronosLimits(chronosMaxTasksPerNode, chronosTasksPerSec, chronosBusyTasksPerSec, chronosBusyUserOpsPerSec);
    }

    private static AdmissionPolicy.Limits chronosLimits(int max, double rate, double busyRate, long busyOps) {
        return new AdmissionPolicy.Limits(max, rate, busyRate, busyOps);
    }
}
