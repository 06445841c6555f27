package io.cairn.storage.medusa.internal;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.api.VersionedDocument;

/**
 * Cluster-wide Medusa rules (spec 20 §8), from the optional Zeus document {@value #DOCUMENT}
 * (JSON object; missing keys take the spec defaults): {@code cairn.metadata.detach_after_secs}
 * (1800), {@code cairn.metadata.rejoin_stable_secs} (900), {@code cairn.medusa.shards} (16, used
 * when the shard map is first created) and {@code cairn.medusa.step_ms} (1000: the Medusa leader's
 * pause between placement steps, i.e. between two replica moves; leadership balancing runs at most
 * every two steps. Not in the spec: tests shorten it, 100 to 60000).
 */
record ClusterSettings(long detachAfterSecs, long rejoinStableSecs, int shards, long stepMs) {

    static final String DOCUMENT = "medusa.settings";
    static final ClusterSettings DEFAULTS = new ClusterSettings(1800, 900, 16, 1000);

    static ClusterSettings from(Optional<VersionedDocument> doc) {
        if (doc.isEmpty()) {
            return DEFAULTS;
        }
        try {
            JsonNode n = new ObjectMapper().readTree(doc.get().data());
            long detach = n.path("cairn.metadata.detach_after_secs").asLong(DEFAULTS.detachAfterSecs());
            long rejoin = n.path("cairn.metadata.rejoin_stable_secs").asLong(DEFAULTS.rejoinStableSecs());
            int shards = n.path("cairn.medusa.shards").asInt(DEFAULTS.shards());
            long step = n.path("cairn.medusa.step_ms").asLong(DEFAULTS.stepMs());
            if (detach < 1 || rejoin < 0 || shards < 1 || shards > 1024 || step < 100 || step > 60_000) {
                return DEFAULTS;
            }
            return new ClusterSettings(detach, rejoin, shards, step);
        } catch (java.io.IOException e) {
            return DEFAULTS;
        }
    }
}
