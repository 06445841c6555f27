package io.cairn.storage.stargate.internal.vdisk;

import static io.cairn.storage.stargate.internal.catalog.MetadataRecords.read;
import static io.cairn.storage.stargate.internal.catalog.MetadataRecords.unavailable;
import static io.cairn.storage.stargate.internal.catalog.MetadataRecords.write;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.cairn.storage.api.medusa.Entry;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.api.medusa.Op;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.StargateException.Reason;

/**
 * The global metadata of one vDisk in Medusa. Every key shares the routing part {@code vdisk:UUID},
 * so it lives in one shard and a drain can change block map and extent groups in one atomic batch
 * that also checks the owner record (the fence: a stale owner's batch fails).
 *
 * <pre>
 * vdisk:UUID#owner          {"node":..., "epoch":...}       who serves the vDisk, with its fencing epoch
 * vdisk:UUID#vb:%016x       {"eg":..., "slot":...}           vBlock n lives in slot (1 MiB) of extent group eg (absent: unmapped, reads as zeros)
 * vdisk:UUID#eg:%016x       {"replicas":[node...], "slots":k} the nodes holding the group, slots handed out
 * </pre>
 */
public final class VDiskMeta {

    public static final int SLOTS_PER_EGROUP = 4;

    /**
     * The vDisk's owner at {@code epoch}. OpLog records of epochs below {@code base} are obsolete:
     * an owner that finished its takeover ({@code ready}) had re-written every record it needed
     * under its own epoch before it served, so records older than its epoch that are still lying
     * on some node (one that missed the release, or a stale owner's unacknowledged write) must never
     * be replayed over newer data.
     */
    public record Owner(UUID node, long epoch, long base, boolean ready) {

        /** The base the next owner uses: this epoch once this owner was ready, else this owner's base. */
        long nextBase() {
            return ready ? epoch : base;
        }
    }

    /** Where a vBlock lives. */
    public record BlockRef(long eg, int slot) {
    }

    /** An extent group: its replicas and how many of its slots are handed out. */
    public record Egroup(List<UUID> replicas, int slots) {
    }

    /** A versioned value as read. */
    public record Versioned<T>(T value, long version) {
    }

    private final Medusa medusa;
    private final UUID vdisk;
    private final String route;

    public VDiskMeta(Medusa medusa, UUID vdisk) {
        this.medusa = medusa;
        this.vdisk = vdisk;
        this.route = routingPart(vdisk) + "#";
    }

    /** The routing part every metadata key of the vDisk shares: it decides the vDisk's Medusa shard. */
    public static String routingPart(UUID vdisk) {
        return "vdisk:" + vdisk;
    }

    String ownerKey() {
        return route + "owner";
    }

    String blockKey(long vblock) {
        return route + String.format("vb:%016x", vblock);
    }

    String egroupKey(long eg) {
        return route + String.format("eg:%016x", eg);
    }

    public Optional<Versioned<Owner>> owner() {
        return get(ownerKey()).map(e -> new Versioned<>(read(e.value(), Owner.class, "a vDisk metadata record"), e.version()));
    }

    /**
     * Makes {@code node} the owner with the next epoch if the record still has {@code expected}
     * (ABSENT when there is none); returns the new record and its version, or empty if another node
     * changed it first.
     */
    /**
     * Marks the claimed ownership ready (its takeover finished); returns the record's new version,
     * or empty if another node claimed the vDisk since.
     */
    public Optional<Long> ready(Versioned<Owner> claimed) {
        Owner o = claimed.value();
        try {
            return Optional.of(medusa.compareAndSet(ownerKey(), claimed.version(), write(new Owner(o.node(), o.epoch(), o.base(), true))));
        } catch (MedusaException e) {
            if (e.reason() == MedusaException.Reason.VERSION_CONFLICT) {
                return Optional.empty();
            }
            throw unavailable("mark vDisk " + vdisk + " ready", e);
        }
    }

    public Optional<Versioned<Owner>> claim(UUID node, Optional<Versioned<Owner>> expected) {
        long epoch = expected.map(v -> v.value().epoch()).orElse(0L) + 1;
        Owner o = new Owner(node, epoch, expected.map(v -> v.value().nextBase()).orElse(0L), false);
        try {
            long version = medusa.compareAndSet(ownerKey(), expected.map(Versioned::version).orElse(Medusa.ABSENT), write(o));
            return Optional.of(new Versioned<>(o, version));
        } catch (MedusaException e) {
            if (e.reason() == MedusaException.Reason.VERSION_CONFLICT) {
                return Optional.empty();
            }
            throw unavailable("claim vDisk " + vdisk, e);
        }
    }

    public Optional<BlockRef> block(long vblock) {
        return get(blockKey(vblock)).map(e -> read(e.value(), BlockRef.class, "a vDisk metadata record"));
    }

    public Optional<Versioned<Egroup>> egroup(long eg) {
        return get(egroupKey(eg)).map(e -> new Versioned<>(read(e.value(), Egroup.class, "a vDisk metadata record"), e.version()));
    }

    /** Every extent group of the vDisk by id (in id order), read by prefix scan. */
    public java.util.SortedMap<Long, Egroup> egroupRecords() {
        return records("eg:", Egroup.class, "list the extent groups of vDisk " + vdisk);
    }

    /** Every mapped vBlock and where it lives, by vBlock (read by prefix scan). */
    public java.util.SortedMap<Long, BlockRef> blockRefs() {
        return records("vb:", BlockRef.class, "list the block map of vDisk " + vdisk);
    }

    /** The records after {@code route + kind} by their hexadecimal ids, in id order. */
    private <T> java.util.SortedMap<Long, T> records(String kind, Class<T> type, String what) {
        java.util.SortedMap<Long, T> out = new java.util.TreeMap<>(Long::compareUnsigned);
        String prefix = route + kind;
        String after = null;
        try {
            while (true) {
                List<Entry> page = medusa.scan(prefix, after, 1000);
                for (Entry e : page) {
                    out.put(Long.parseUnsignedLong(e.key().substring(prefix.length()), 16), read(e.value(), type, "a vDisk metadata record"));
                }
                if (page.size() < 1000) {
                    return out;
                }
                after = page.getLast().key();
            }
        } catch (MedusaException e) {
            throw unavailable(what, e);
        }
    }

    /**
     * The extent groups no vBlock maps (every vBlock once in them was unmapped): the records are read
     * first, then the block map, so a group a drain filled meanwhile shows up mapped (a drain records
     * a group and its new blocks in one batch).
     */
    public List<Long> unreferencedEgroups() {
        java.util.Set<Long> groups = new java.util.LinkedHashSet<>(egroupRecords().keySet());
        blockRefs().values().forEach(ref -> groups.remove(ref.eg()));
        return List.copyOf(groups);
    }

    /** Every mapped vBlock. */
    public List<Long> blocks() {
        return ids("vb:", "list the blocks of vDisk " + vdisk);
    }

    /** Every extent group of the vDisk. */
    public List<Long> egroups() {
        return ids("eg:", "list the extent groups of vDisk " + vdisk);
    }

    /** The hexadecimal ids after {@code route + kind}, in key order. */
    private List<Long> ids(String kind, String what) {
        List<Long> out = new ArrayList<>();
        String prefix = route + kind;
        String after = null;
        try {
            while (true) {
                List<Entry> page = medusa.scan(prefix, after, 1000);
                for (Entry e : page) {
                    out.add(Long.parseUnsignedLong(e.key().substring(prefix.length()), 16));
                }
                if (page.size() < 1000) {
                    return out;
                }
                after = page.getLast().key();
            }
        } catch (MedusaException e) {
            throw unavailable(what, e);
        }
    }

    /** A batch under the owner fence: applied only while {@code owner} is still the record's version. */
    public final class Batch {
        private final List<Op> ops = new ArrayList<>();

        Batch(long ownerVersion) {
            ops.add(new Op.Check(ownerKey(), ownerVersion));
        }

        public Batch block(long vblock, BlockRef ref) {
            ops.add(new Op.Put(blockKey(vblock), write(ref)));
            return this;
        }

        /** Removes vBlock {@code vblock}'s mapping: it reads as zeros and its extent becomes garbage. */
        public Batch unmap(long vblock) {
            ops.add(new Op.Delete(blockKey(vblock), -1));
            return this;
        }

        /** Deletes the extent group's record if it is still at {@code expectedVersion}. */
        public Batch deleteEgroup(long eg, long expectedVersion) {
            ops.add(new Op.Delete(egroupKey(eg), expectedVersion));
            return this;
        }

        public Batch newEgroup(long eg, Egroup g) {
            ops.add(new Op.Cas(egroupKey(eg), Medusa.ABSENT, write(g)));
            return this;
        }

        public Batch egroup(long eg, Egroup g, long expectedVersion) {
            ops.add(new Op.Cas(egroupKey(eg), expectedVersion, write(g)));
            return this;
        }

        public boolean isEmpty() {
            return ops.size() == 1;
        }

        /** Applies the batch; STALE_OWNER when the owner record moved on. */
        public void commit() {
            try {
                medusa.batch(ops);
            } catch (MedusaException e) {
                if (e.reason() == MedusaException.Reason.VERSION_CONFLICT) {
                    Optional<Versioned<Owner>> now = owner();
                    throw new StargateException(Reason.STALE_OWNER, "vDisk " + vdisk + " has a newer owner ("
                            + now.map(v -> v.value().node() + " at epoch " + v.value().epoch()).orElse("none")
                            + "); this Stargate stopped serving it and wrote nothing");
                }
                throw unavailable("record the data of vDisk " + vdisk, e);
            }
        }
    }

    public Batch batch(long ownerVersion) {
        return new Batch(ownerVersion);
    }

    /** Removes every record of the vDisk (after its data is gone); no fence: the vDisk is deleted. */
    public void deleteAll() {
        String after = null;
        try {
            while (true) {
                List<Entry> page = medusa.scan(route, after, 1000);
                if (page.isEmpty()) {
                    return;
                }
                List<Op> ops = new ArrayList<>();
                for (Entry e : page) {
                    ops.add(new Op.Delete(e.key(), -1));
                }
                medusa.batch(ops);
                if (page.size() < 1000) {
                    return;
                }
                after = page.getLast().key();
            }
        } catch (MedusaException e) {
            throw unavailable("delete the metadata of vDisk " + vdisk, e);
        }
    }

    private Optional<Entry> get(String key) {
        try {
            return medusa.get(key);
        } catch (MedusaException e) {
            throw unavailable("read " + key, e);
        }
    }
}
