package io.cairn.storage.medusa.internal;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.api.VersionedDocument;

/**
 * Cluster-wide Medusa rules (spec 20 §8), from the optional Zeus document {@value #DOCUMENT}
 * (JSON object; missing keys take the spec defaults): {@code cairn.metadata.detach_after_secs}
 * (1800), {@code cairn.metadata.rejoin_stable_secs} (900), {@code cairn.medusa.shards} (16, used
 * when the shard map is first created).
 */
record ClusterSettings(long detachAfterSecs, long rejoinStableSecs, int shards) {

    static final String DOCUMENT = "medusa.settings";
    static final ClusterSettings DEFAULTS = new ClusterSettings(1800, 900, 16);

    static ClusterSettings from(Optional<VersionedDocument> doc) {
        if (doc.isEmpty()) {
            return DEFAULTS;
        }
        try {
            JsonNode n = new ObjectMapper().readTree(doc.get().data());
            long detach = n.path("cairn.metadata.detach_after_secs").asLong(DEFAULTS.detachAfterSecs());
            long rejoin = n.path("cairn.metadata.rejoin_stable_secs").asLong(DEFAULTS.rejoinStableSecs());
            int shards = n.path("cairn.medusa.shards").asInt(DEFAULTS.shards());
            if (detach < 1 || rejoin < 0 || shards < 1 || shards > 1024) {
                return DEFAULTS;
            }
            return new ClusterSettings(detach, rejoin, shards);
        } catch (java.io.IOException e) {
            return DEFAULTS;
        }
    }
}
