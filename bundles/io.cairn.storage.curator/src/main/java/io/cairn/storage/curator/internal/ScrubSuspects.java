package io.cairn.storage.curator.internal;

import io.cairn.cluster.api.ServicePresence;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What each node's scrubber reports in its Stargate presence {@value #PRESENCE} (spec 20 §9):
 * {@value #SUSPECTS}, its extent-group replicas found failing their checksum and not repaired yet,
 * and {@value #FOUND}, the failing verifications since that Stargate started (Stargate's
 * {@code StargateService.SCRUB_SUSPECTS} and {@code SCRUB_FOUND}). Curator compares them between
 * loop iterations to scan at once when a scrubber finds a bad replica; the scan learns which
 * replicas are bad from the nodes' inventories ({@code ExtentGroups.Replica.suspect}).
 */
final class ScrubSuspects {

    /** Stargate's Zeus presence. */
    static final String PRESENCE = io.cairn.storage.api.stargate.Stargate.PRESENCE;
    static final String SUSPECTS = "scrub_suspects";
    static final String FOUND = "scrub_found";

    /** One node's report: replicas suspect now, failing verifications so far. */
    record Report(long suspects, long found) {
    }

    private ScrubSuspects() {
    }

    /** Each Stargate node's report (a node that publishes neither attribute, e.g. an older version, reports 0 and 0). */
    static Map<UUID, Report> of(Collection<ServicePresence> presences) {
        Map<UUID, Report> out = new HashMap<>();
        for (ServicePresence p : presences) {
            if (p.service().equals(PRESENCE)) {
                out.put(p.node(), new Report(number(p.attributes().get(SUSPECTS)), number(p.attributes().get(FOUND))));
            }
        }
        return out;
    }

    /**
     * Whether a scrubber found a bad replica between the two readings: a node of {@code now} has
     * suspects and its count of failing verifications changed (or it was not in {@code before}).
     * Suspects that were only repaired, and the same suspects found before, are no news.
     */
    static boolean newlyFound(Map<UUID, Report> before, Map<UUID, Report> now) {
        for (Map.Entry<UUID, Report> e : now.entrySet()) {
            Report was = before.get(e.getKey());
            if (e.getValue().suspects() > 0 && (was == null || was.found() != e.getValue().found())) {
                return true;
            }
        }
        return false;
    }

    private static long number(String s) {
        if (s == null || s.isBlank()) {
            return 0;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
