package io.cairn.storage.stargate.internal.catalog;

import static io.cairn.storage.stargate.internal.catalog.MetadataRecords.read;
import static io.cairn.storage.stargate.internal.catalog.MetadataRecords.unavailable;
import static io.cairn.storage.stargate.internal.catalog.MetadataRecords.write;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.storage.api.medusa.Entry;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.api.medusa.Op;
import io.cairn.storage.api.stargate.Container;
import io.cairn.storage.api.stargate.ContainerSpec;
import io.cairn.storage.api.stargate.Stargate;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.StargateException.Reason;
import io.cairn.storage.api.stargate.VDisk;

/**
 * Containers and vDisks (the Pithos role of spec 20 §0): their records live in Medusa under the
 * routing part {@value #ROUTE}, so a creation checks its name and writes its record in one atomic
 * batch. Records are small JSON documents; sizes and use are filled in by the caller.
 *
 * <pre>
 * catalog#ctr:NAME               container record
 * catalog#vdisk:UUID             vDisk record
 * catalog#vdisk-name:CTR/NAME    the vDisk's uuid (names are unique per container)
 * catalog#vdisk-next-id          the last numeric vDisk id reserved by a node (blocks of 64; ids are never reused)
 * </pre>
 */
public final class Catalog {

    static final String ROUTE = "catalog";
    private static final String CTR = ROUTE + "#ctr:";
    private static final String VDISK = ROUTE + "#vdisk:";
    private static final String VDISK_NAME = ROUTE + "#vdisk-name:";
    private static final String NEXT_ID = ROUTE + "#vdisk-next-id";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,74}");

    /** A stored container. */
    public record ContainerRecord(UUID uuid, String name, int replicationFactor, long reservedBytes, long advertisedBytes,
            long createdMillis) {
    }

    /** A stored vDisk. */
    public record VDiskRecord(UUID uuid, long id, String name, UUID container, String containerName, long sizeBytes,
            int replicationFactor, long createdMillis) {

        public VDisk toVDisk(UUID owner) {
            return new VDisk(uuid, name, container, containerName, sizeBytes, replicationFactor, owner, createdMillis);
        }
    }

    /** How many vDisk ids a node reserves from {@value #NEXT_ID} at once. */
    static final int ID_BLOCK = 64;

    private final Medusa medusa;
    private final Supplier<ClusterConfig> cluster;
    private final java.util.concurrent.locks.ReentrantLock idLock = new java.util.concurrent.locks.ReentrantLock();
    private long idNext; // the next id of this node's block, guarded by idLock
    private long idEnd; // the end (exclusive) of this node's block, guarded by idLock
    private final LongSupplier clock;

    public Catalog(Medusa medusa, Supplier<ClusterConfig> cluster, LongSupplier clock) {
        this.medusa = medusa;
        this.cluster = cluster;
        this.clock = clock;
    }

    // ---- containers ----

    public ContainerRecord createContainer(ContainerSpec spec) {
        checkName("container", spec.name());
        checkReplicationFactor(spec.replicationFactor(), cluster.get());
        if (spec.reservedBytes() < 0 || spec.advertisedBytes() < 0) {
            throw new StargateException(Reason.INVALID_REQUEST, "reserved and advertised capacity must be 0 (none) or positive, not "
                    + spec.reservedBytes() + " and " + spec.advertisedBytes());
        }
        if (spec.advertisedBytes() > 0 && spec.advertisedBytes() < spec.reservedBytes()) {
            throw new StargateException(Reason.INVALID_REQUEST, "advertised capacity " + spec.advertisedBytes()
                    + " is below the reserved capacity " + spec.reservedBytes() + ": advertise at least what is reserved");
        }
        ContainerRecord r = new ContainerRecord(UUID.randomUUID(), spec.name(), spec.replicationFactor(), spec.reservedBytes(),
                spec.advertisedBytes(), clock.getAsLong());
        try {
            medusa.compareAndSet(CTR + spec.name(), Medusa.ABSENT, write(r));
        } catch (MedusaException e) {
            if (e.reason() == MedusaException.Reason.VERSION_CONFLICT) {
                throw new StargateException(Reason.ALREADY_EXISTS, "a container named '" + spec.name() + "' exists already; pick another name");
            }
            throw unavailable("create container " + spec.name(), e);
        }
        return r;
    }

    public Optional<ContainerRecord> container(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return get(CTR + name).map(e -> read(e.value(), ContainerRecord.class, "a catalog record"));
    }

    public ContainerRecord requireContainer(String name) {
        return container(name).orElseThrow(() -> new StargateException(Reason.NOT_FOUND, "no container named '" + name
                + "'; list them with 'cairn stargate ctr ls'"));
    }

    public List<ContainerRecord> containers() {
        List<ContainerRecord> out = new ArrayList<>();
        for (Entry e : scanAll(CTR)) {
            out.add(read(e.value(), ContainerRecord.class, "a catalog record"));
        }
        return out;
    }

    public void deleteContainer(String name) {
        ContainerRecord c = requireContainer(name);
        if (!vdisks(c.uuid()).isEmpty()) {
            throw new StargateException(Reason.FAILED_PRECONDITION, "container '" + name + "' still holds vDisks; delete them first");
        }
        try {
            medusa.delete(CTR + name);
        } catch (MedusaException e) {
            throw unavailable("delete container " + name, e);
        }
    }

    /** Throws INVALID_REQUEST unless the cluster can keep {@code rf} copies on distinct fault domains. */
    public static void checkReplicationFactor(int rf, ClusterConfig cluster) {
        int nodes = cluster.nodes().size();
        if (rf < 1 || rf > 3) {
            throw new StargateException(Reason.INVALID_REQUEST, "replication factor " + rf + " is not supported: use 1, 2 or 3");
        }
        if (rf > nodes) {
            throw new StargateException(Reason.INVALID_REQUEST, "replication factor " + rf + " needs at least " + rf
                    + " nodes; this cluster has " + nodes);
        }
        if (rf == 3 && (cluster.faultTolerance() < 2 || nodes < 5)) {
            throw new StargateException(Reason.INVALID_REQUEST, "replication factor 3 needs fault tolerance 2 and at least 5 nodes;"
                    + " this cluster has fault tolerance " + cluster.faultTolerance() + " and " + nodes + " nodes: use RF2");
        }
    }

    // ---- vDisks ----

    public VDiskRecord createVDisk(String containerName, String name, long sizeBytes) {
        checkName("vDisk", name);
        checkSize(sizeBytes);
        ContainerRecord c = requireContainer(containerName);
        String nameKey = VDISK_NAME + c.uuid() + "/" + name;
        VDiskRecord r = new VDiskRecord(UUID.randomUUID(), nextId(), name, c.uuid(), c.name(), sizeBytes, c.replicationFactor(),
                clock.getAsLong());
        try {
            medusa.batch(List.of(
                    new Op.Cas(nameKey, Medusa.ABSENT, r.uuid().toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                    new Op.Put(VDISK + r.uuid(), write(r))));
            return r;
        } catch (MedusaException e) {
            if (e.reason() == MedusaException.Reason.VERSION_CONFLICT) {
                throw new StargateException(Reason.ALREADY_EXISTS, "container '" + containerName + "' already has a vDisk named '"
                        + name + "'; pick another name");
            }
            throw unavailable("create vDisk " + name, e);
        }
    }

    /**
     * A numeric vDisk id never handed out before. Ids are reserved from the cluster-wide counter
     * {@value #NEXT_ID} a block of {@value #ID_BLOCK} at a time (one compare-and-set per block, so
     * concurrent creations on this node do not contend for the counter); the ids of a block this
     * node has not used when it stops are skipped, never reused.
     */
    long nextId() {
        idLock.lock(); // one reservation at a time; creators that find the block used up wait for it, nobody else does
        try {
            if (idNext < idEnd) {
                return idNext++;
            }
            for (int attempt = 0; ; attempt++) {
                Optional<Entry> counter = get(NEXT_ID);
                long last = counter.map(e -> Long.parseLong(new String(e.value(), java.nio.charset.StandardCharsets.US_ASCII))).orElse(0L);
                try {
                    medusa.compareAndSet(NEXT_ID, counter.map(Entry::version).orElse(Medusa.ABSENT),
                            Long.toString(last + ID_BLOCK).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                } catch (MedusaException e) {
                    if (e.reason() != MedusaException.Reason.VERSION_CONFLICT) {
                        throw unavailable("reserve vDisk ids", e);
                    }
                    if (attempt >= 20) {
                        throw new StargateException(Reason.UNAVAILABLE, "could not reserve vDisk ids after " + attempt
                                + " attempts (other nodes kept taking them); try again");
                    }
                    continue; // another node reserved a block first: take the next one
                }
                idNext = last + 2;
                idEnd = last + 1 + ID_BLOCK;
                return last + 1;
            }
        } finally {
            idLock.unlock();
        }
    }

    public Optional<VDiskRecord> vdisk(UUID uuid) {
        return get(VDISK + uuid).map(e -> read(e.value(), VDiskRecord.class, "a catalog record"));
    }

    public VDiskRecord requireVDisk(UUID uuid) {
        return vdisk(uuid).orElseThrow(() -> new StargateException(Reason.NOT_FOUND, "no vDisk with uuid " + uuid
                + "; list them with 'cairn stargate vdisk ls'"));
    }

    public Optional<VDiskRecord> vdisk(String containerName, String name) {
        Optional<ContainerRecord> c = container(containerName);
        if (c.isEmpty() || name == null || !NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return get(VDISK_NAME + c.get().uuid() + "/" + name).flatMap(e -> vdisk(UUID.fromString(new String(e.value()))));
    }

    public List<VDiskRecord> vdisks(UUID container) {
        List<VDiskRecord> out = new ArrayList<>();
        for (Entry e : scanAll(VDISK)) {
            VDiskRecord r = read(e.value(), VDiskRecord.class, "a catalog record");
            if (container == null || r.container().equals(container)) {
                out.add(r);
            }
        }
        return out;
    }

    public VDiskRecord resizeVDisk(UUID uuid, long sizeBytes) {
        checkSize(sizeBytes);
        while (true) {
            Entry e = get(VDISK + uuid).orElseThrow(() -> new StargateException(Reason.NOT_FOUND, "no vDisk with uuid " + uuid));
            VDiskRecord r = read(e.value(), VDiskRecord.class, "a catalog record");
            if (sizeBytes < r.sizeBytes()) {
                throw new StargateException(Reason.INVALID_REQUEST, "vDisk " + r.name() + " is " + r.sizeBytes() + " bytes; shrinking it to "
                        + sizeBytes + " would lose data and is refused: create a smaller vDisk and copy what you need");
            }
            VDiskRecord grown = new VDiskRecord(r.uuid(), r.id(), r.name(), r.container(), r.containerName(), sizeBytes,
                    r.replicationFactor(), r.createdMillis());
            try {
                medusa.compareAndSet(VDISK + uuid, e.version(), write(grown));
                return grown;
            } catch (MedusaException x) {
                if (x.reason() != MedusaException.Reason.VERSION_CONFLICT) {
                    throw unavailable("resize vDisk " + r.name(), x);
                }
            }
        }
    }

    public void deleteVDisk(UUID uuid) {
        VDiskRecord r = requireVDisk(uuid);
        try {
            medusa.batch(List.of(new Op.Delete(VDISK + uuid, -1), new Op.Delete(VDISK_NAME + r.container() + "/" + r.name(), -1)));
        } catch (MedusaException e) {
            throw unavailable("delete vDisk " + r.name(), e);
        }
    }

    /**
     * Sizes: 1 byte to 2^63-1 (spec 20 §1: no other limit). Block I/O works in 512-byte units, so a size
     * that is not a multiple of 512 leaves a tail only file access reaches.
     */
    public static void checkSize(long sizeBytes) {
        if (sizeBytes <= 0) {
            throw new StargateException(Reason.INVALID_REQUEST, "vDisk size " + sizeBytes + " must be positive (bytes, at most "
                    + Stargate.MAX_VDISK_BYTES + ")");
        }
    }

    static void checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new StargateException(Reason.INVALID_REQUEST, what + " name '" + name + "' is not valid: use 1 to 75 letters, digits,"
                    + " '.', '-' or '_', starting with a letter or digit");
        }
    }

    // ---- plumbing ----

    private Optional<Entry> get(String key) {
        try {
            return medusa.get(key);
        } catch (MedusaException e) {
            throw unavailable("read " + key, e);
        }
    }

    private List<Entry> scanAll(String prefix) {
        List<Entry> out = new ArrayList<>();
        String after = null;
        try {
            while (true) {
                List<Entry> page = medusa.scan(prefix, after, 1000);
                out.addAll(page);
                if (page.size() < 1000) {
                    return out;
                }
                after = page.getLast().key();
            }
        } catch (MedusaException e) {
            throw unavailable("list " + prefix, e);
        }
    }

    /** For the API: a container record with its use. */
    public static Container toContainer(ContainerRecord r, long usedBytes, int vdisks) {
        return new Container(r.uuid(), r.name(), r.replicationFactor(), r.reservedBytes(), r.advertisedBytes(), usedBytes, vdisks);
    }
}
