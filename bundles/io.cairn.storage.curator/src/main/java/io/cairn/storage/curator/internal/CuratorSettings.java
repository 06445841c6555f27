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
 * timeout (seconds).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CuratorSettings(@JsonProperty("orphan_grace_secs") long orphanGraceSecs) {

    static final CuratorSettings DEFAULTS = new CuratorSettings(600);

    public CuratorSettings {
        if (orphanGraceSecs < 1) {
            throw new IllegalArgumentException("orphan_grace_secs must be at least 1, not " + orphanGraceSecs);
        }
    }

    @JsonIgnore
    Duration orphanGrace() {
        return Duration.ofSeconds(orphanGraceSecs);
    }
}
