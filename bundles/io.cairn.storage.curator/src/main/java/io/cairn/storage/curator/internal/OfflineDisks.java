package io.cairn.storage.curator.internal;

import io.cairn.cluster.api.ServicePresence;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The data disks each node's Stargate reports out of service (spec 20 §11): the comma-separated
 * {@value #ATTRIBUTE} attribute of its Zeus presence {@value #PRESENCE} (Stargate's
 * {@code StargateService.OFFLINE_DISKS}). Curator compares them between loop iterations to scan at
 * once when a disk fails.
 */
final class OfflineDisks {

    /** Stargate's Zeus presence. */
    static final String PRESENCE = io.cairn.storage.api.stargate.Stargate.PRESENCE;
    /** Its attribute listing the node's offline or removed data disks. */
    static final String ATTRIBUTE = "offline_disks";

    /** What changed between two readings. */
    enum Change {
        /** Nothing. */
        NONE,
        /** A node reports a disk out of service that it did not before. */
        FAILED,
        /** Only disks back in service. */
        RETURNED
    }

    private OfflineDisks() {
    }

    /** Each Stargate node's offline disk ids (nodes with none are left out). */
    static Map<UUID, Set<String>> of(Collection<ServicePresence> presences) {
        Map<UUID, Set<String>> out = new HashMap<>();
        for (ServicePresence p : presences) {
            if (!p.service().equals(PRESENCE)) {
                continue;
            }
            Set<String> ids = new TreeSet<>();
            Arrays.stream(p.attributes().getOrDefault(ATTRIBUTE, "").split(","))
                    .map(String::trim).filter(s -> !s.isEmpty()).forEach(ids::add);
            if (!ids.isEmpty()) {
                out.put(p.node(), ids);
            }
        }
        return out;
    }

    /**
     * How {@code now} differs from {@code before} on the nodes present in {@code now} (a node that
     * left is a node failure, not a disk's).
     */
    static Change compare(Map<UUID, Set<String>> before, Map<UUID, Set<String>> now) {
        boolean returned = false;
        for (Map.Entry<UUID, Set<String>> e : now.entrySet()) {
            Set<String> was = before.getOrDefault(e.getKey(), Set.of());
            if (!was.containsAll(e.getValue())) {
                return Change.FAILED;
            }
            if (!e.getValue().containsAll(was)) {
                returned = true;
            }
        }
        for (Map.Entry<UUID, Set<String>> e : before.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                returned = true; // all its disks back, or the node left (then the node-failure scan runs anyway)
            }
        }
        return returned ? Change.RETURNED : Change.NONE;
    }
}
