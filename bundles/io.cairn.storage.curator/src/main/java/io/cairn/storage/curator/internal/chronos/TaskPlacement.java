package io.cairn.storage.curator.internal.chronos;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Which node's queue a task goes to. A redundancy repair goes to its {@code home} when one is given
 * and alive, else to the live node a stable hash of its
 * vDisk and extent group picks (rendezvous hashing: the same node for the same live set, and only
 * the tasks of a node that leaves move), so the repairs of one large vDisk spread over every node's
 * queue and run in parallel: {@code protect} is forwarded to the vDisk's owner, which holds its locks
 * only to plan and to record, while the new replicas pull the data from the live ones. An orphaned
 * replica's deletion goes to the node holding it, and nowhere while that node is down. Reclaiming
 * unmapped extent groups is placed like a repair (it too is forwarded to the vDisk's owner).
 */
public final class TaskPlacement {

    private TaskPlacement() {
    }

    public static Optional<UUID> place(Task t, Set<UUID> live) {
        return switch (t.kind()) {
            case PROTECT, RECLAIM -> {
                if (t.home() != null && live.contains(t.home())) {
                    yield Optional.of(t.home());
                }
                UUID vdisk = UUID.fromString(t.args().get(Task.VDISK));
                long egroup = Long.parseLong(t.args().get(Task.EGROUP));
                yield byHash(new UUID(vdisk.getMostSignificantBits() ^ mix(egroup), vdisk.getLeastSignificantBits()), live);
            }
            case DELETE_REPLICA -> live.contains(t.home()) ? Optional.of(t.home()) : Optional.empty();
        };
    }

    /** The node with the highest score for {@code key} (ties: the smallest node id); empty when none is live. */
    static Optional<UUID> byHash(UUID key, Collection<UUID> live) {
        UUID best = null;
        long bestScore = 0;
        for (UUID n : live) {
            long s = score(key, n);
            if (best == null || Long.compareUnsigned(s, bestScore) > 0 || (s == bestScore && n.compareTo(best) < 0)) {
                best = n;
                bestScore = s;
            }
        }
        return Optional.ofNullable(best);
    }

    static long score(UUID key, UUID node) {
        long h = mix(key.getMostSignificantBits() ^ mix(node.getMostSignificantBits()));
        return mix(h ^ key.getLeastSignificantBits() ^ mix(node.getLeastSignificantBits() + 0x9E3779B97F4A7C15L));
    }

    /** SplitMix64's finaliser: every input bit affects every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
