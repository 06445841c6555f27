package io.cairn.storage.curator.internal.chronos;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Which node's queue a task goes to. A redundancy repair goes to the vDisk's owner when it is known
 * and alive (the owner does the copying; {@code protect} run elsewhere is forwarded to it);
 * otherwise to the live node a stable hash of the vDisk picks (rendezvous hashing: the same node for
 * the same live set, and only the vDisks of a node that leaves move), so repairs spread over all
 * nodes. An orphaned replica's deletion goes to the node holding it, and nowhere while that node is
 * down.
 */
public final class TaskPlacement {

    private TaskPlacement() {
    }

    public static Optional<UUID> place(Task t, Set<UUID> live) {
        return switch (t.kind()) {
            case PROTECT -> t.home() != null && live.contains(t.home()) ? Optional.of(t.home())
                    : byHash(UUID.fromString(t.args().get(Task.VDISK)), live);
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
