package io.cairn.storage.curator.internal.chronos;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A task a scan emits: its kind and arguments, its priority and where to run it ({@code home}: a node
 * for {@link TaskKind#PROTECT}, null to spread repairs by hash; the replica's node for
 * {@link TaskKind#DELETE_REPLICA}). Its {@link #id} depends on the kind and the arguments that name
 * the work only, so the same work emitted again (by a later scan, by a new leader) has the same id.
 */
public record Task(TaskKind kind, Map<String, String> args, Priority priority, UUID home) {

    static final String VDISK = "vdisk";
    static final String EGROUP = "egroup";
    /** Of a repair of several groups of one vDisk: all of them, comma-separated ({@link #EGROUP} is the first). */
    static final String EGROUPS = "egroups";
    static final String NODE = "node";
    /** Of a replica deletion: a time (epoch ms) before the scan read the node's inventory; the replica must not have been written since. */
    static final String UNWRITTEN_SINCE = "unwritten_since";

    public Task {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(priority, "priority");
        args = Map.copyOf(args);
    }

    /**
     * Restore the redundancy of extent group {@code egroup} of {@code vdisk}, on {@code home} while it
     * is alive (null: on the node a hash of the vDisk and group picks, see {@link TaskPlacement}).
     */
    public static Task protect(UUID vdisk, long egroup, UUID home, Priority priority) {
        return new Task(TaskKind.PROTECT, Map.of(VDISK, vdisk.toString(), EGROUP, Long.toString(egroup)), priority, home);
    }

    /**
     * Restore the redundancy of several extent groups of {@code vdisk} in one task (one claim, one
     * outcome), one after the other; placed like a repair of the first.
     */
    public static Task protect(UUID vdisk, List<Long> egroups, UUID home, Priority priority) {
        if (egroups.isEmpty()) {
            throw new IllegalArgumentException("a repair task needs at least one extent group");
        }
        if (egroups.size() == 1) {
            return protect(vdisk, egroups.getFirst(), home, priority);
        }
        return new Task(TaskKind.PROTECT, Map.of(VDISK, vdisk.toString(), EGROUP, Long.toString(egroups.getFirst()), EGROUPS,
                egroups.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","))), priority, home);
    }

    /**
     * Free extent groups of {@code vdisk} that no vBlock maps any more (unmapped, spec 50 §1), in one
     * task at the vDisk's owner; placed like a repair of the first, at garbage priority.
     */
    public static Task reclaim(UUID vdisk, List<Long> egroups) {
        if (egroups.isEmpty()) {
            throw new IllegalArgumentException("a reclaim task needs at least one extent group");
        }
        Map<String, String> args = new java.util.HashMap<>(Map.of(VDISK, vdisk.toString(), EGROUP, Long.toString(egroups.getFirst())));
        if (egroups.size() > 1) {
            args.put(EGROUPS, egroups.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")));
        }
        return new Task(TaskKind.RECLAIM, args, Priority.GARBAGE, null);
    }

    /**
     * Delete {@code node}'s orphaned replica of {@code egroup}, unless it was written after
     * {@code unwrittenSinceMillis} (a time before the scan read the node's inventory).
     */
    public static Task deleteReplica(UUID node, long egroup, long unwrittenSinceMillis) {
        return new Task(TaskKind.DELETE_REPLICA, Map.of(NODE, node.toString(), EGROUP, Long.toString(egroup), UNWRITTEN_SINCE,
                Long.toString(unwrittenSinceMillis)), Priority.GARBAGE, node);
    }

    /**
     * {@code protect:<vdisk>:<egroup>} ({@code protect:<vdisk>:<first egroup>+<more>:<hash of the list>} for several),
     * {@code reclaim:} likewise, or {@code delete_replica:<node>:<egroup>}.
     */
    public String id() {
        return switch (kind) {
            case PROTECT, RECLAIM -> kind.label() + ":" + args.get(VDISK) + ":" + args.get(EGROUP)
                    + (args.containsKey(EGROUPS) ? "+" + (egroups(args).size() - 1) + ":" + listHash(args.get(EGROUPS)) : "");
            case DELETE_REPLICA -> kind.label() + ":" + args.get(NODE) + ":" + args.get(EGROUP);
        };
    }

    /** 8 hex digits naming a batch's group list, so two batches with the same first group and size get different ids. */
    private static String listHash(String egroups) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(egroups.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return String.format("%08x", crc.getValue());
    }

    /** The extent groups a repair task names: its {@link #EGROUPS}, or its one {@link #EGROUP}. */
    static List<Long> egroups(Map<String, String> args) {
        String many = args.get(EGROUPS);
        if (many == null) {
            return List.of(Long.parseLong(args.get(EGROUP)));
        }
        return java.util.Arrays.stream(many.split(",")).map(Long::parseLong).toList();
    }

    /** Pieces of work: the extent groups of a repair or a reclaim, 1 for other tasks. */
    public int units() {
        return kind == TaskKind.PROTECT || kind == TaskKind.RECLAIM ? egroups(args).size() : 1;
    }

    /** The arguments in key order (as stored). */
    Map<String, String> sortedArgs() {
        return new TreeMap<>(args);
    }
}
