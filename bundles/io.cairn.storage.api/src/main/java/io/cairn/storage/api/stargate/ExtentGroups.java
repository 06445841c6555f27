package io.cairn.storage.api.stargate;

import java.util.List;
import java.util.UUID;

/**
 * The extent groups of vDisks as the metadata records them, and the repairs Curator asks of the data
 * path (spec 20 §11): Curator finds what lacks redundancy, Stargate (the vDisk's owner, which alone
 * writes its extents) does the copying, so a copy never races a write.
 */
@org.osgi.annotation.versioning.ProviderType
public interface ExtentGroups {

    /** The nodes whose Stargate runs now (their Zeus presence): the ones that can serve and take replicas. */
    java.util.Set<UUID> liveNodes();

    /** Every extent group of the vDisk: its replicas (nodes) and bytes in use. */
    List<ExtentGroup> list(UUID vdisk);

    /**
     * The Medusa shard ({@link io.cairn.storage.api.medusa.Medusa#shardOf}) that holds every metadata
     * record of the vDisk (owner, block map, extent groups), so whoever reads it where that shard is
     * led reads it locally: Curator's map tasks each list the vDisks of the shards they were given.
     * Needs no record of the vDisk; the key format stays Stargate's.
     */
    int metadataShard(UUID vdisk);

    /**
     * Brings the extent group back to its container's replication factor on live nodes of distinct
     * fault domains: the vDisk's owner (this node takes it if it has none) has each new replica
     * copy the group's used bytes from a live replica, verifying every slice, and records the new
     * replicas; replicas on nodes that are not alive, or that no longer hold the group, leave the
     * record when new ones replace them. A replica its node's scrub found failing is repaired from
     * a good one first. Surplus replicas (more live ones than the factor) are removed and deleted.
     * Returns what changed.
     *
     * @throws StargateException UNAVAILABLE when no live replica or no target node exists now,
     *                           DATA_ERROR when no live replica returns verified data, NOT_FOUND
     *                           when the vDisk is gone
     */
    Protection protect(UUID vdisk, long egroup);

    /**
     * The extent-group replicas {@code node} holds physically (its extent store's inventory, whatever
     * the metadata says), each with the time since it was last written and whether the node's
     * scrubber found it failing its checksum (not repaired since).
     *
     * @throws StargateException UNAVAILABLE when the node cannot be asked
     */
    List<Replica> replicas(UUID node);

    /**
     * Deletes {@code node}'s replica of an extent group: Curator's garbage collection of replicas no
     * metadata record lists on that node (left by a crash between a data write and its metadata
     * update, or by a node that returned after its copies were replaced). The caller checks that.
     */
    void deleteReplica(UUID node, long egroup);

    /**
     * As {@link #deleteReplica}, but only if the replica was not written after {@code since} (by
     * {@code node}'s clock), checked atomically with the deletion: a repair that copied onto the
     * node after an orphan scan (and may be recording it now) keeps its copy. Returns whether it was
     * deleted (false: written since, or gone already).
     *
     * @throws StargateException UNAVAILABLE when the node cannot be asked
     */
    boolean deleteReplicaIfUnwrittenSince(UUID node, long egroup, java.time.Instant since);

    /**
     * Has {@code node} verify every slice of every extent group it holds now, at once and unpaced
     * (an on-demand pass for tests and operators; every Stargate also scrubs continuously in the
     * background, spec 20 §9). Replicas that fail stay marked until repaired: {@link #replicas}
     * flags them {@link Replica#suspect suspect}, and {@link #protect} on their vDisk rewrites the
     * bad slices from a good replica.
     */
    ScrubResult scrub(UUID node);

    /**
     * Reads and writes this node's Stargate served over about the last second for the vDisks it
     * owns (whichever node they came from): the user-I/O signal background work yields to, so user
     * I/O keeps its share (spec 20 §21; Curator's Chronos throttles its tasks by it). 0 when idle,
     * and from a provider that does not measure it.
     *
     * @since 1.2
     */
    default long userOpsPerSecond() {
        return 0;
    }

    /**
     * The extent groups of the vDisk that no vBlock of it maps any more (every vBlock that lived in
     * them was unmapped, e.g. by an UNMAP, spec 50 §1): garbage Curator reclaims with
     * {@link #reclaim}. Read from the metadata as it is now: the extent-group records first, then the
     * block map, so a group a drain was filling while this ran is either referenced or has a newer
     * record (and {@link #reclaim} checks again at the owner anyway). Empty from a provider that
     * does not unmap (the default).
     *
     * @throws StargateException NOT_FOUND when the vDisk is gone, UNAVAILABLE when the metadata cannot be read
     * @since 1.4
     */
    default List<Long> unreferenced(UUID vdisk) {
        return List.of();
    }

    /**
     * Frees extent groups of the vDisk that no vBlock maps: the vDisk's owner (this node takes it if
     * it has none), with its drain and extent writes held back, checks again that no vBlock maps
     * them, deletes their records in one batch fenced by its ownership record and then deletes their
     * replicas on every node (a replica that cannot be deleted now is left as an orphan for Curator's
     * garbage collection). Groups still mapped, or gone already, are left alone. Returns the groups
     * freed. The default frees nothing.
     *
     * @throws StargateException NOT_FOUND when the vDisk is gone, UNAVAILABLE when its owner or the metadata cannot be reached
     * @since 1.4
     */
    default List<Long> reclaim(UUID vdisk, List<Long> egroups) {
        return List.of();
    }

    /** A scrub pass: extent groups verified, and those with slices failing their checksum. */
    record ScrubResult(long verified, List<Long> bad) {
        public ScrubResult {
            bad = List.copyOf(bad);
        }
    }

    /**
     * A replica on a node: the extent group, the time since it was last written (null: unknown) and
     * whether the node's scrubber found slices of it failing their checksum (not repaired since;
     * {@code suspect} is new in 1.2).
     */
    record Replica(long egroup, java.time.Duration sinceWritten, boolean suspect) {
        /** A replica not known to be bad. */
        public Replica(long egroup, java.time.Duration sinceWritten) {
            this(egroup, sinceWritten, false);
        }
    }

    /** One extent group: {@code slots} of its 1 MiB slots are handed out. */
    record ExtentGroup(long id, List<UUID> replicas, int slots) {
        public ExtentGroup {
            replicas = List.copyOf(replicas);
        }

        /** Bytes a replica holds (used slots). */
        public long bytes() {
            return (long) slots << 20;
        }
    }

    /** What one {@link #protect} did: replicas added and removed. */
    record Protection(long egroup, List<UUID> added, List<UUID> removed) {
        public Protection {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
        }
    }
}
