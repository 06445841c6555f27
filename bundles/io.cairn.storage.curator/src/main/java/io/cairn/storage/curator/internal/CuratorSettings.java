package io.cairn.storage.curator.internal;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Curator settings, read from the optional Zeus document {@code curator.settings} (JSON) at each
 * scan, so an operator (or a test) changes them without a restart: {@code orphan_grace_secs}
 * (default 600) is how long ago an extent-group replica no record lists must have been last
 * written before a full scan deletes it. It must exceed by far the time between a drain's (or a
 * re-replication's) data write and its metadata update, which is bounded by the operation
 * timeout (seconds). {@code map_task_timeout_secs} (default {@value #DEFAULT_MAP_TASK_TIMEOUT_SECS},
 * optional) is how long the leader waits for a node's map tasks before it runs them itself.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CuratorSettings(@JsonProperty("orphan_grace_secs") long orphanGraceSecs,
        @JsonProperty("map_task_timeout_secs") Long mapTaskTimeoutSecs) {

    static final long DEFAULT_MAP_TASK_TIMEOUT_SECS = 120;
    static final CuratorSettings DEFAULTS = new CuratorSettings(600, DEFAULT_MAP_TASK_TIMEOUT_SECS);

    public CuratorSettings {
        if (orphanGraceSecs < 1) {
            throw new IllegalArgumentException("orphan_grace_secs must be at least 1, not " + orphanGraceSecs);
        }
        if (mapTaskTimeoutSecs == null) {
            mapTaskTimeoutSecs = DEFAULT_MAP_TASK_TIMEOUT_SECS;
        } else if (mapTaskTimeoutSecs < 1) {
            throw new IllegalArgumentException("map_task_timeout_secs must be at least 1, not " + mapTaskTimeoutSecs);
        }
    }

    @JsonIgnore
    Duration mapTaskTimeout() {
        return Duration.ofSeconds(mapTaskTimeoutSecs);
    }

    @JsonIgnore
    Duration orphanGrace() {
        return Duration.ofSeconds(orphanGraceSecs);
    }
}
