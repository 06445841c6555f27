package io.cairn.storage.curator.internal.scan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Garbage collection's rule (spec 20 §21, issue #7): a physical replica may be deleted only when no
 * extent-group record lists its node for that group and it was last written longer ago than the
 * grace period. The grace covers a drain or re-replication caught between writing a group's data
 * and recording it (bounded by the operation timeout), provided the inventories were read
 * <em>before</em> the records, so a record written after them is seen. A replica any record lists
 * on its node is never chosen, whatever its age.
 */
public final class Orphans {

    /** A replica to delete. */
    public record Orphan(UUID node, long egroup) {
    }

    private Orphans() {
    }

    /**
     * @param inventory per node, each extent group it holds and the time since it was last written
     * @param listed    per extent group, every node any record lists for it
     * @param grace     how long ago an unlisted replica must have been written
     */
    public static List<Orphan> find(Map<UUID, Map<Long, Duration>> inventory, Map<Long, Set<UUID>> listed, Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace " + grace + " is negative; use a duration of at least the operation timeout");
        }
        List<Orphan> out = new ArrayList<>();
        inventory.forEach((node, held) -> held.forEach((eg, age) -> {
            if (!listed.getOrDefault(eg, Set.of()).contains(node) && age.compareTo(grace) > 0) {
                out.add(new Orphan(node, eg));
            }
        }));
        return out;
    }
}
