package io.cairn.storage.stargate.internal;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.storage.stargate.internal.estore.Scrubber;

/**
 * Cluster-wide overrides of Stargate settings: the optional Zeus document {@value #DOCUMENT}
 * (JSON), watched by every Stargate and applied at once, so an operator (or a test) changes them
 * without a restart. Keys (each optional; a missing one keeps the node's configuration, PID
 * {@value StargateConfig#PID}): {@code scrub_pass_secs}, {@code scrub_max_disk_busy_pct},
 * {@code scrub_cold_secs}, {@code vdisk_ownership_follow_secs}, {@code disk_smart_delay_secs} (30: from a
 * disk going offline to its SMART check; not a spec value, tests shorten it). Unknown keys are ignored.
 */
final class StargateSettings {

    static final String DOCUMENT = "stargate.settings";
    private static final ObjectMapper JSON = new ObjectMapper();

    private StargateSettings() {
    }

    /** The node's configuration as scrubber settings. */
    static Scrubber.Settings scrub(StargateConfig config) {
        return new Scrubber.Settings(config.scrub__pass__secs(), config.scrub__max__disk__busy__pct(), config.scrub__cold__secs());
    }

    /**
     * {@code base} with what the document sets.
     *
     * @throws IllegalArgumentException when the document is not a JSON object, a key is not a whole
     *                                  number, or a value is out of range
     */
    static Scrubber.Settings scrub(Scrubber.Settings base, byte[] document) {
        JsonNode doc = object(document, "{\"scrub_pass_secs\": 20}");
        return new Scrubber.Settings(number(doc, "scrub_pass_secs", base.passSecs()),
                (int) number(doc, "scrub_max_disk_busy_pct", base.maxDiskBusyPct()), number(doc, "scrub_cold_secs", base.coldSecs()));
    }

    /**
     * {@code vdisk_ownership_follow_secs} as the document sets it, else {@code base}.
     *
     * @throws IllegalArgumentException when the document is not a JSON object or the value is not a whole number ≥ 0
     */
    static long followSecs(long base, byte[] document) {
        JsonNode doc = object(document, "{\"vdisk_ownership_follow_secs\": 300}");
        long secs = number(doc, "vdisk_ownership_follow_secs", base);
        if (secs < 0) {
            throw new IllegalArgumentException("'vdisk_ownership_follow_secs' in the Zeus document " + DOCUMENT
                    + " must be 0 (never) or more seconds, not " + secs);
        }
        return secs;
    }

    /**
     * {@code disk_smart_delay_secs} as the document sets it, else {@code base}.
     *
     * @throws IllegalArgumentException when the document is not a JSON object or the value is not a whole number ≥ 1
     */
    static long smartDelaySecs(long base, byte[] document) {
        JsonNode doc = object(document, "{\"disk_smart_delay_secs\": 30}");
        long secs = number(doc, "disk_smart_delay_secs", base);
        if (secs < 1) {
            throw new IllegalArgumentException("'disk_smart_delay_secs' in the Zeus document " + DOCUMENT + " must be 1 or more seconds, not " + secs);
        }
        return secs;
    }

    /** The document as a JSON object (empty: no settings); {@code example} shows a valid one in the error. */
    private static JsonNode object(byte[] document, String example) {
        JsonNode doc;
        try {
            doc = document.length == 0 ? JSON.createObjectNode() : JSON.readTree(document);
        } catch (IOException e) {
            throw new IllegalArgumentException("the Zeus document " + DOCUMENT + " is not valid JSON: " + e.getMessage(), e);
        }
        if (doc == null || !doc.isObject()) {
            throw new IllegalArgumentException("the Zeus document " + DOCUMENT + " must be a JSON object, like " + example);
        }
        return doc;
    }

    private static long number(JsonNode doc, String key, long otherwise) {
        JsonNode v = doc.get(key);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException("'" + key + "' in the Zeus document " + DOCUMENT + " must be a whole number (at most 2147483647), not " + v);
        }
        return v.asLong();
    }
}
