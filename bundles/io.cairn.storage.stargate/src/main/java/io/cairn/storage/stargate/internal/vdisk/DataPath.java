package io.cairn.storage.stargate.internal.vdisk;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.RpcException;
import io.cairn.common.clock.Clock;
import io.cairn.storage.api.local.LocalMetadataStore;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.StargateException.Reason;
import io.cairn.storage.api.stargate.StoragePool;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.api.stargate.VDiskIo;
import io.cairn.storage.stargate.internal.catalog.Catalog;
import io.cairn.storage.stargate.internal.estore.SliceChecksumException;
import io.cairn.storage.stargate.internal.catalog.Catalog.VDiskRecord;
import io.cairn.storage.stargate.internal.disks.LocalDisks;
import io.cairn.storage.stargate.internal.disks.DiskHealth;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy;
import io.cairn.storage.stargate.internal.estore.DiskSpec;
import io.cairn.storage.stargate.internal.estore.DiskUsage;
import io.cairn.storage.stargate.internal.cache.UnifiedCache;
import io.cairn.storage.stargate.internal.estore.ExtentStore;
import io.cairn.storage.stargate.internal.estore.Scrubber;
import io.cairn.storage.stargate.internal.io.WriteClassifier;
import io.cairn.storage.stargate.internal.oplog.DrainBatch;
import io.cairn.storage.stargate.internal.oplog.DrainExtent;
import io.cairn.storage.stargate.internal.oplog.OpLogConfig;
import io.cairn.storage.stargate.internal.oplog.OpLogRecord;
import io.cairn.storage.stargate.internal.oplog.OpLogStore;

/**
 * This node's part of the data path: its OpLog (its own vDisks' writes and peer copies of others'),
 * its extent store, the controllers of the vDisks it owns, and the routing of every other vDisk's
 * I/O to its owner. Ownership is a record in Medusa ({@link VDiskMeta#owner}) with a fencing epoch;
 * a node may take a vDisk over when nobody owns it or its owner's Stargate has left Zeus. Taking
 * over fences every peer OpLog at the new epoch, collects their undrained copies, and writes them
 * again (newest last) under the new epoch before serving.
 */
public final class DataPath implements AutoCloseable {

    /** OpLog segment file size: 16 MiB, so the smallest OpLog ({@code 4 segments}) is 64 MiB. */
    public static final long OPLOG_SEGMENT_BYTES = 16L << 20;

    private final Logger logger = LoggerFactory.getLogger(DataPath.class);
    private final Peers peers;
    private final Medusa medusa;
    private final Catalog catalog;
    private final OpLogStore oplog;
    private final ExtentStore estore;
    private final Scrubber scrubber;
    private final Thread scrubLoop;
    private final Clock clock;
    private final DiskHealth health;
    private final CapacityCheck capacity;
    private final UnifiedCache cache;
    private final WriteClassifier classifier;
    private final Duration opTimeout;
    private final Map<UUID, VDiskController> owned = new ConcurrentHashMap<>();
    private final Map<UUID, UUID> owners = new ConcurrentHashMap<>();
    private final Map<UUID, Object> claimLocks = new ConcurrentHashMap<>();
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread drainer;
    private volatile boolean closed;
    /** This node's disk health (the Hades role): offline disks, their SMART checks. */
    public DiskHealth health() {
        return health;
    }

    /** Spec 20 {@code vdisk_ownership_follow_secs}: forwarded-only I/O from one node for this long moves the vDisk there. */
    private volatile Duration followAfter = DEFAULT_FOLLOW;

    /** Default of {@code vdisk_ownership_follow_secs} (spec 20: 300 s). */
    public static final Duration DEFAULT_FOLLOW = Duration.ofSeconds(300);

    /** Refuses user writes when the pool is full (spec 20 §12); reads and rebuilds go on. */
    public interface CapacityCheck {
        void checkUserWrite();
    }

    public DataPath(Peers peers, Medusa medusa, Catalog catalog, LocalMetadataStore local, List<LocalDisks.Disk> disks, Path oplogDir,
            long oplogBytes, long vdiskBaseline, Clock clock, Duration opTimeout, CapacityCheck capacity, long cacheBytes,
            long skipOpLogOutstandingBytes, Scrubber.Settings scrub) throws Exception {
        this(peers, medusa, catalog, local, disks, oplogDir, oplogBytes, vdiskBaseline, clock, opTimeout, capacity, cacheBytes,
                skipOpLogOutstandingBytes, scrub, deviceId -> null);
    }

    /**
     * As the constructor above, with the HAL block devices present now ({@code devices}: by
     * {@code hal.device.id}, null when absent) for the disks whose data lives on one; a device that
     * appears later is handed to {@link ExtentStore#attachDevice}.
     */
    public DataPath(Peers peers, Medusa medusa, Catalog catalog, LocalMetadataStore local, List<LocalDisks.Disk> disks, Path oplogDir,
            long oplogBytes, long vdiskBaseline, Clock clock, Duration opTimeout, CapacityCheck capacity, long cacheBytes,
            long skipOpLogOutstandingBytes, Scrubber.Settings scrub, java.util.function.Function<String, io.cairn.hal.api.BlockDevice> devices)
            throws Exception {
        this.peers = peers;
        this.clock = clock;
        this.cache = new UnifiedCache(cacheBytes);
        this.classifier = new WriteClassifier(skipOpLogOutstandingBytes);
        this.medusa = medusa;
        this.catalog = catalog;
        this.opTimeout = opTimeout;
        this.capacity = capacity;
        List<DiskSpec> specs = new ArrayList<>();
        for (LocalDisks.Disk d : disks) {
            specs.add(new DiskSpec(d.id(), d.dir(), d.capacityBytes(), d.halDevice()));
        }
        Map<String, Path> roots = new HashMap<>();
        specs.forEach(d -> roots.put(d.id(), d.root()));
        // the extent store reports errors from its constructor on; disk health acts on it once it exists
        AtomicReference<ExtentStore> store = new AtomicReference<>();
        // SMART: a directory disk's smart-fail file; a device-backed disk's smart_passed from the HAL
        DiskHealth.SmartCheck simulated = DiskHealth.simulated(roots::get);
        DiskHealth.SmartCheck hal = DiskHealth.hal(id -> {
            ExtentStore s = store.get();
            return s == null ? null : s.device(id).orElse(null);
        });
        Map<String, Boolean> onDevice = new HashMap<>();
        specs.forEach(d -> onDevice.put(d.id(), d.halDevice() != null));
        DiskHealth.SmartCheck smart = id -> Boolean.TRUE.equals(onDevice.get(id)) ? hal.check(id) : simulated.check(id);
        this.health = new DiskHealth(new DiskHealthPolicy(clock::now), clock, DiskHealth.DEFAULT_SMART_DELAY,
                smart, new DiskHealth.Disks() {
                    @Override
                    public void takeOffline(String diskId) {
                        ExtentStore s = store.get();
                        if (s != null) {
                            s.takeOffline(diskId);
                        }
                    }

                    @Override
                    public boolean bringOnline(String diskId) {
                        ExtentStore s = store.get();
                        return s != null && s.bringOnline(diskId);
                    }
                });
        this.estore = ExtentStore.open(local, specs, health, clock::nanoTime, clock::millis, devices);
        store.set(estore);
        this.scrubber = new Scrubber(estore, clock, scrub);
        // one segment size for every OpLog size, so a node whose disks changed still recovers its segments
        this.oplog = OpLogStore.open(new OpLogConfig(oplogDir, oplogBytes, OPLOG_SEGMENT_BYTES, vdiskBaseline), clock);
        this.drainer = Thread.ofPlatform().daemon(true).name("stargate-drain").start(this::drainLoop);
        this.scrubLoop = Thread.ofPlatform().daemon(true).name("stargate-scrub").start(this::scrubLoop);
    }

    public Peers peers() {
        return peers;
    }

    OpLogStore oplog() {
        return oplog;
    }

    java.util.function.LongSupplier clockNanos() {
        return clock::nanoTime;
    }

    /**
     * Sets {@code vdisk_ownership_follow_secs}: after this long of only forwarded I/O from one node,
     * an owned vDisk is handed over to that node (zero: never).
     */
    public void followAfter(Duration after) {
        if (after.isNegative()) {
            throw new IllegalArgumentException("vdisk_ownership_follow_secs must not be negative: " + after.toSeconds());
        }
        this.followAfter = after;
    }

    public Duration followAfter() {
        return followAfter;
    }

    public ExtentStore estore() {
        return estore;
    }

    /** This node's scrubber (its settings, findings and counters). */
    public Scrubber scrubber() {
        return scrubber;
    }

    UnifiedCache cache() {
        return cache;
    }

    WriteClassifier classifier() {
        return classifier;
    }

    CapacityCheck capacity() {
        return capacity;
    }

    Duration opTimeout() {
        return opTimeout;
    }

    /** This node's disks and their use, for the pool. */
    public List<StoragePool.Disk> disks() {
        List<StoragePool.Disk> out = new ArrayList<>();
        for (DiskUsage u : estore.usage()) {
            out.add(new StoragePool.Disk(u.diskId(), peers.self(), "SSD", u.capacityBytes(), u.usedBytes(), u.online()));
        }
        return out;
    }

    /** Tells {@code listener} of every change of a data disk's service (offline, back online, removed). */
    public void onDiskStateChange(Runnable listener) {
        health.onChange(listener);
    }

    /** The ids of this node's data disks that are not serving (offline or removed), sorted. */
    public List<String> offlineDisks() {
        return estore.usage().stream().filter(u -> !u.online()).map(DiskUsage::diskId).sorted().toList();
    }

    /** Free extent-store bytes on this node. */
    public long free() {
        long free = 0;
        for (DiskUsage u : estore.usage()) {
            if (u.online()) {
                free += Math.max(0, u.capacityBytes() - u.usedBytes());
            }
        }
        return free;
    }

    /**
     * The vDisk's owner: the one this node last saw, else the one its ownership record names now
     * (empty: none, or the record cannot be read now).
     */
    public Optional<UUID> ownerNow(UUID vdisk) {
        UUID known = owner(vdisk);
        if (known != null) {
            return Optional.of(known);
        }
        try {
            return new VDiskMeta(medusa, vdisk).owner().map(v -> v.value().node());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The owner this node last saw (null: none known). */
    public UUID owner(UUID vdisk) {
        if (owned.containsKey(vdisk)) {
            return peers.self();
        }
        return owners.get(vdisk);
    }

    public void resized(VDiskRecord r) {
        VDiskController c = owned.get(r.uuid());
        if (c != null) {
            c.resized(r);
        }
    }

    /** Deletes the vDisk's data: extent groups on every replica, then its metadata. */
    public void deleted(VDiskRecord r) {
        VDiskController c = owned.remove(r.uuid());
        if (c != null) {
            c.close();
        }
        VDiskMeta meta = new VDiskMeta(medusa, r.uuid());
        for (long eg : meta.egroups()) {
            meta.egroup(eg).ifPresent(g -> {
                for (UUID node : g.value().replicas()) {
                    try {
                        deleteEgroup(node, eg);
                    } catch (RuntimeException e) {
                        logger.info("extent group {} on {} stays until the next scan collects it: {}", eg, node, e.toString());
                    }
                }
            });
        }
        meta.deleteAll();
    }

    // ---------------------------------------------------------------- redundancy (Curator's requests)

    /** The vDisk's extent groups as recorded (read from Medusa, not from an owner's cache). */
    public List<io.cairn.storage.api.stargate.ExtentGroups.ExtentGroup> extentGroups(UUID vdisk) {
        VDiskMeta meta = new VDiskMeta(medusa, vdisk);
        List<io.cairn.storage.api.stargate.ExtentGroups.ExtentGroup> out = new ArrayList<>();
        meta.egroupRecords().forEach((id, g) -> out.add(new io.cairn.storage.api.stargate.ExtentGroups.ExtentGroup(id, g.replicas(), g.slots())));
        return out;
    }

    /** The Medusa shard holding every metadata record of the vDisk. */
    public int metadataShard(UUID vdisk) {
        return medusa.shardOf(VDiskMeta.routingPart(vdisk));
    }

    /**
     * This node's available extent groups as [id, milliseconds since last written (-1: unknown),
     * 1 if the scrubber found it failing its checksum (not repaired since) else 0]; those on an
     * offline disk are left out.
     */
    List<long[]> localInventory() {
        long now = System.currentTimeMillis();
        List<long[]> out = new ArrayList<>();
        for (io.cairn.storage.stargate.internal.estore.EgroupLocation l : estore.list()) {
            if (!l.available()) {
                continue; // its disk is offline: the replica counts as missing, so Curator re-replicates it
            }
            long age = estore.lastWritten(l.egroupId()).map(t -> Math.max(0, now - t.toEpochMilli())).orElse(-1L);
            out.add(new long[] {l.egroupId(), age, scrubber.suspect(l.egroupId()) ? 1 : 0});
        }
        return out;
    }

    /** The extent groups {@code node} holds physically (its extent store's own inventory). */
    public List<io.cairn.storage.api.stargate.ExtentGroups.Replica> inventory(UUID node) {
        List<long[]> rows = new ArrayList<>();
        if (node.equals(peers.self())) {
            rows = localInventory();
        } else {
            try {
                com.fasterxml.jackson.databind.JsonNode h = Wire.decode(peers.callSync(node, DataRpc.EGROUP_LIST, Wire.encode(Map.of(), null)))
                        .header();
                for (com.fasterxml.jackson.databind.JsonNode r : h.path("egroups")) {
                    rows.add(new long[] {r.get(0).asLong(), r.get(1).asLong(), r.path(2).asLong(0)}); // a node before 1.2 sends no flag
                }
            } catch (RpcException e) {
                throw new StargateException(Reason.UNAVAILABLE, "cannot list the extent groups of node " + node + ": " + e.getMessage(), e);
            }
        }
        List<io.cairn.storage.api.stargate.ExtentGroups.Replica> out = new ArrayList<>(rows.size());
        for (long[] r : rows) {
            out.add(new io.cairn.storage.api.stargate.ExtentGroups.Replica(r[0], r[1] < 0 ? null : Duration.ofMillis(r[1]), r[2] != 0));
        }
        return out;
    }

    /**
     * Has {@code target} copy the first {@code bytes} of the extent group from {@code sources} (in
     * that order, in 1 MiB chunks fetched at once, each verified slice by slice; a source that fails
     * or returns a bad slice is skipped for that chunk; the group is then written in one go): the data moves from a source to the target without passing through the
     * owner, so a rebuild's copying spreads over the nodes. Fenced like extent writes by the
     * owner's epoch.
     */
    void copyTo(UUID target, long eg, long bytes, List<UUID> sources, long vdiskId, long epoch) {
        if (target.equals(peers.self())) {
            checkEpoch(vdiskId, epoch);
            copyIn(eg, bytes, sources, () -> checkEpoch(vdiskId, epoch));
            return;
        }
        try {
            peers.callSync(target, DataRpc.EGROUP_COPY, Wire.encode(Map.of("eg", eg, "bytes", bytes, "vdisk", vdiskId, "epoch", epoch,
                    "sources", sources.stream().map(UUID::toString).toList()), null));
        } catch (RpcException e) {
            throw DataRpc.unwrap(e);
        }
    }

    /**
     * This node's side of {@link #copyTo}; {@code fence} runs again just before the write (it throws
     * when a newer owner fenced the vDisk while the chunks were fetched).
     */
    void copyIn(long eg, long bytes, List<UUID> sources, Runnable fence) {
        if (estore.location(eg).filter(l -> !l.available()).isPresent()) {
            // this node's old replica is on an offline disk: drop it (its file goes when the disk returns) and take a fresh one
            estore.delete(eg);
        }
        if (bytes <= 0) {
            return;
        }
        // every 1 MiB chunk is fetched (and verified) at once, then the group is written in one go: one data sync and one
        // record write instead of one per chunk
        final int chunk = 1 << 20;
        List<java.util.concurrent.CompletableFuture<byte[]>> parts = new ArrayList<>();
        for (long at = 0; at < bytes; at += chunk) {
            parts.add(fetchChunk(eg, at, (int) Math.min(chunk, bytes - at), sources));
        }
        ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(bytes));
        for (java.util.concurrent.CompletableFuture<byte[]> part : parts) {
            try {
                all.put(part.join());
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        fence.run();
        estore.write(eg, 0, all.flip());
    }

    /** Reads {@code len} verified bytes of the extent group at {@code at} from the first source that returns them, on a virtual thread. */
    private java.util.concurrent.CompletableFuture<byte[]> fetchChunk(long eg, long at, int len, List<UUID> sources) {
        java.util.concurrent.CompletableFuture<byte[]> f = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().name("egroup-copy").start(() -> {
            RuntimeException last = null;
            for (UUID source : sources) {
                try {
                    f.complete(readEgroup(source, eg, (int) at, len));
                    return;
                } catch (RuntimeException e) {
                    last = e;
                }
            }
            f.completeExceptionally(new StargateException(Reason.DATA_ERROR, "extent group " + eg + ": no source of " + sources
                    + " returned verified data at offset " + at + (last == null ? "" : " (" + last.getMessage() + ")"), last));
        });
        return f;
    }

    /** Pause between extent groups of an on-demand scrub, so user I/O keeps the disks. */
    private static final Duration SCRUB_ALL_PAUSE = Duration.ofMillis(5);
    /** How often the background scrubber looks at what is due. */
    private static final Duration SCRUB_STEP = Duration.ofMillis(200);

    /**
     * Verifies every slice of every extent group this node holds now, unpaced (an on-demand scrub;
     * the {@link Scrubber} does the same in the background); the failing ones stay suspects until
     * they are repaired. Returns how many were verified and the failing ones.
     */
    public io.cairn.storage.api.stargate.ExtentGroups.ScrubResult scrubLocal() {
        try {
            Scrubber.Sweep r = scrubber.scrubAll(SCRUB_ALL_PAUSE);
            return new io.cairn.storage.api.stargate.ExtentGroups.ScrubResult(r.verified(), r.bad());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StargateException(Reason.UNAVAILABLE, "the scrub of this node was interrupted (the node is stopping)", e);
        }
    }

    /** Whether this node's replica of the extent group failed its last verification (not repaired since). */
    boolean suspect(long eg) {
        return scrubber.suspect(eg);
    }

    /** A repair rewrote slices of a local extent group: verify it again, and forget the suspicion if it passes. */
    void repaired(long eg) {
        scrubber.repaired(eg);
    }

    /** The background scrubber's thread: a step every {@link #SCRUB_STEP} until closed. */
    private void scrubLoop() {
        while (!closed) {
            try {
                scrubber.step();
            } catch (RuntimeException e) {
                if (!closed) {
                    logger.info("scrubber: step failed; trying again: {}", e.toString());
                }
            }
            try {
                clock.sleep(SCRUB_STEP);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Has {@code node} scrub its extent groups (see {@link #scrubLocal}). */
    public io.cairn.storage.api.stargate.ExtentGroups.ScrubResult scrub(UUID node) {
        if (node.equals(peers.self())) {
            return scrubLocal();
        }
        try {
            com.fasterxml.jackson.databind.JsonNode h = Wire.decode(peers.callSync(node, DataRpc.EGROUP_SCRUB, Wire.encode(Map.of(), null)))
                    .header();
            List<Long> bad = new ArrayList<>();
            h.path("bad").forEach(n -> bad.add(n.asLong()));
            return new io.cairn.storage.api.stargate.ExtentGroups.ScrubResult(h.path("verified").asLong(), bad);
        } catch (RpcException e) {
            throw new StargateException(Reason.UNAVAILABLE, "node " + node + " did not scrub: " + e.getMessage(), e);
        }
    }

    /** Whether this node holds a usable replica of the egroup: one on an offline disk does not count. */
    boolean holds(long eg) {
        return estore.location(eg).map(io.cairn.storage.stargate.internal.estore.EgroupLocation::available).orElse(false);
    }

    /** What {@code node} says of its replica: held, and whether its last scrub failed; empty when it could not be asked. */
    Optional<boolean[]> replicaState(UUID node, long eg) {
        if (node.equals(peers.self())) {
            return Optional.of(new boolean[] {holds(eg), suspect(eg)});
        }
        try {
            com.fasterxml.jackson.databind.JsonNode h = Wire.decode(peers.callSync(node, DataRpc.EGROUP_HAS, Wire.encode(Map.of("eg", eg), null)))
                    .header();
            return Optional.of(new boolean[] {h.path("has").asBoolean(), h.path("bad").asBoolean()});
        } catch (RpcException e) {
            return Optional.empty();
        }
    }

    /** Deletes {@code node}'s replica of an extent group (Curator's garbage collection). */
    public void deleteReplica(UUID node, long eg) {
        deleteEgroup(node, eg);
    }

    /** Restores the extent group's redundancy at the vDisk's owner (this node when nobody else serves it). */
    public io.cairn.storage.api.stargate.ExtentGroups.Protection protect(VDiskRecord r, long eg) {
        io.cairn.storage.api.stargate.ExtentGroups.Protection[] out = new io.cairn.storage.api.stargate.ExtentGroups.Protection[1];
        Handle handle = new Handle(r);
        handle.route(c -> out[0] = c.protect(eg), () -> {
            com.fasterxml.jackson.databind.JsonNode h = Wire.decode(handle.forwardRaw("protect", eg, 0, null)).header();
            List<UUID> added = new ArrayList<>();
            List<UUID> removed = new ArrayList<>();
            h.path("added").forEach(n -> added.add(UUID.fromString(n.asText())));
            h.path("removed").forEach(n -> removed.add(UUID.fromString(n.asText())));
            out[0] = new io.cairn.storage.api.stargate.ExtentGroups.Protection(eg, added, removed);
        });
        return out[0];
    }

    /** The vDisk's extent groups no vBlock maps (read from Medusa; see {@link VDiskMeta#unreferencedEgroups}). */
    public List<Long> unreferenced(UUID vdisk) {
        return new VDiskMeta(medusa, vdisk).unreferencedEgroups();
    }

    /** Frees the extent groups no vBlock maps, at the vDisk's owner (this node when nobody else serves it); returns those freed. */
    public List<Long> reclaim(VDiskRecord r, List<Long> egroups) {
        if (egroups.isEmpty()) {
            return List.of();
        }
        List<Long> out = new ArrayList<>();
        Handle handle = new Handle(r);
        handle.route(c -> {
            out.clear();
            out.addAll(c.reclaim(egroups));
        }, () -> {
            ByteBuffer ids = ByteBuffer.allocate(8 * egroups.size());
            egroups.forEach(ids::putLong);
            com.fasterxml.jackson.databind.JsonNode h = Wire.decode(handle.forwardRaw("reclaim", 0, egroups.size(), ids.flip())).header();
            out.clear();
            h.path("reclaimed").forEach(n -> out.add(n.asLong()));
        });
        return out;
    }

    // ---------------------------------------------------------------- routing

    public VDiskIo open(VDiskRecord r) {
        return new Handle(r);
    }

    /** The controller of a vDisk this node owns or may take over; empty when another live node owns it. */
    Optional<VDiskController> local(VDiskRecord r) {
        VDiskController c = owned.get(r.uuid());
        if (c != null) {
            return Optional.of(c);
        }
        UUID known = owners.get(r.uuid());
        if (known != null && !known.equals(peers.self()) && peers.alive().contains(known)) {
            // the owner seen last is alive: no Medusa read (a moved owner answers STALE_OWNER, and route forgets it and looks again)
            return Optional.empty();
        }
        synchronized (claimLocks.computeIfAbsent(r.uuid(), k -> new Object())) {
            c = owned.get(r.uuid());
            if (c != null) {
                return Optional.of(c);
            }
            VDiskMeta meta = new VDiskMeta(medusa, r.uuid());
            Optional<VDiskMeta.Versioned<VDiskMeta.Owner>> current = meta.owner();
            if (current.isPresent()) {
                UUID node = current.get().value().node();
                owners.put(r.uuid(), node);
                if (!node.equals(peers.self()) && peers.alive().contains(node)) {
                    return Optional.empty();
                }
            }
            Optional<VDiskMeta.Versioned<VDiskMeta.Owner>> mine = meta.claim(peers.self(), current);
            if (mine.isEmpty()) {
                return local(r); // another node claimed it first: look again
            }
            long epoch = mine.get().value().epoch();
            c = new VDiskController(this, r, meta, epoch, mine.get().version());
            recover(c, current.map(v -> v.value().epoch()).orElse(0L), mine.get().value().base());
            Optional<Long> ready = meta.ready(mine.get());
            if (ready.isEmpty()) {
                c.close();
                return local(r); // another node claimed it meanwhile: look again
            }
            c.ownerVersion(ready.get());
            owned.put(r.uuid(), c);
            owners.put(r.uuid(), peers.self());
            logger.info("this Stargate now owns vDisk {}/{} (epoch {})", r.containerName(), r.name(), epoch);
            return Optional.of(c);
        }
    }

    /**
     * Fences every live Stargate's OpLog (and this one's) at the new epoch, gathers their undrained
     * copies of the vDisk and writes them again under the new epoch, oldest first, so each copy is
     * back on RF OpLogs before any new write; then releases the old copies.
     */
    private void recover(VDiskController c, long previousEpoch, long base) {
        long id = c.id();
        List<OpLogRecord> all = new ArrayList<>();
        try {
            oplog.fence(id, c.epoch);
            all.addAll(oplog.records(id));
        } catch (Exception e) {
            throw new StargateException(Reason.UNAVAILABLE, "cannot fence this node's OpLog for vDisk " + c.record().name() + ": "
                    + e.getMessage(), e);
        }
        for (UUID node : peers.alive()) {
            if (node.equals(peers.self())) {
                continue;
            }
            try {
                byte[] reply = peers.callSync(node, DataRpc.OPLOG_TAKE, Wire.encode(Map.of("vdisk", id, "epoch", c.epoch), null));
                all.addAll(DataRpc.decodeRecords(Wire.decode(reply), id));
            } catch (RpcException e) {
                logger.info("vDisk {}: Stargate {} did not hand over its OpLog copies ({}); the others' copies are used",
                        c.record().name(), node, e.getMessage());
            }
        }
        if (previousEpoch == 0 && all.isEmpty()) {
            return;
        }
        all.sort(Comparator.comparingLong(OpLogRecord::epoch).thenComparingLong(OpLogRecord::sequence)
                .thenComparingLong(OpLogRecord::offset));
        int replayed = 0;
        int obsolete = 0;
        for (OpLogRecord old : all) {
            if (old.epoch() >= c.epoch) {
                continue;
            }
            if (old.epoch() < base) {
                obsolete++; // re-written by a takeover that finished, or never acknowledged (see VDiskMeta.Owner)
                continue;
            }
            c.append(seq -> new OpLogRecord(id, c.epoch, seq, old.offset(), old.length(), old.kind(), old.payload()));
            replayed++;
        }
        // the old copies are now superseded by the new epoch's: release them everywhere
        try {
            oplog.dropBefore(id, c.epoch);
        } catch (Exception e) {
            logger.info("vDisk {}: old OpLog copies stay until the next drain: {}", c.record().name(), e.toString());
        }
        byte[] body = Wire.encode(Map.of("vdisk", id, "beforeEpoch", c.epoch), null);
        for (UUID node : peers.alive()) {
            if (!node.equals(peers.self())) {
                peers.call(node, DataRpc.OPLOG_RELEASE, body).exceptionally(e -> null);
            }
        }
        if (replayed > 0 || obsolete > 0) {
            logger.info("vDisk {}: took over {} undrained write(s) of epochs {} to {}; dropped {} obsolete record(s) older than epoch {}",
                    c.record().name(), replayed, base, c.epoch - 1, obsolete, base);
        }
    }

    /**
     * Tells every other live Stargate to release its copies of what {@code batch} drained; a node of
     * {@code inUse} that is not alive, or a release that fails, is reported to {@code missed}.
     */
    void releaseOnPeers(DrainBatch batch, java.util.Set<UUID> inUse, Runnable missed) {
        List<Map<String, Object>> ranges = new ArrayList<>();
        for (DrainExtent e : batch.extents()) {
            ranges.add(Map.of("offset", e.offset(), "length", e.data().length));
        }
        byte[] body = Wire.encode(Map.of("vdisk", batch.vdiskId(), "upToEpoch", batch.upToEpoch(), "upToSequence", batch.upToSequence(),
                "ranges", ranges), null);
        java.util.Set<UUID> alive = peers.alive();
        if (!alive.containsAll(inUse)) {
            missed.run();
        }
        for (UUID node : alive) {
            if (!node.equals(peers.self())) {
                peers.call(node, DataRpc.OPLOG_RELEASE, body).exceptionally(e -> {
                    if (inUse.contains(node)) {
                        missed.run();
                    }
                    return null;
                });
            }
        }
    }

    private static final long ADOPT_EVERY_NANOS = 10_000_000_000L;
    /** vDisk uuids by numeric id, for the vDisks this node's OpLog has held data of. */
    private final Map<Long, UUID> uuidsById = new ConcurrentHashMap<>();

    /**
     * Takes over every vDisk that has undrained data in this node's OpLog and no live owner (after
     * a restart of the cluster nobody owns a vDisk until I/O arrives), so its data drains and the
     * OpLog space it holds is freed. A vDisk whose owner is alive is left to it.
     */
    private void adoptOrphans() {
        try {
            List<Long> waiting = new ArrayList<>();
            for (long id : oplog.vdisks()) {
                if (oplog.undrainedBytes(id) > 0 && owned.values().stream().noneMatch(c -> c.id() == id)) {
                    waiting.add(id);
                }
            }
            if (waiting.isEmpty()) {
                return;
            }
            if (!uuidsById.keySet().containsAll(waiting)) {
                catalog.vdisks(null).forEach(r -> uuidsById.put(r.id(), r.uuid())); // the whole catalog is read only for ids not seen yet
            }
            for (long id : waiting) {
                UUID uuid = uuidsById.get(id);
                VDiskRecord r = uuid == null ? null : catalog.vdisk(uuid).orElse(null);
                if (r == null) {
                    continue; // deleted: its copies go with the vDisk
                }
                if (local(r).isPresent()) {
                    logger.info("vDisk {}: took it over to drain what this node's OpLog holds for it (it had no live owner)", r.name());
                } else {
                    // its recorded owner is alive: make it serve the vDisk, so it drains and releases this node's copies
                    UUID owner = owners.get(r.uuid());
                    if (owner != null) {
                        peers.call(owner, DataRpc.VDISK_ADOPT, Wire.encode(Map.of("vdisk", r.uuid().toString()), null)).exceptionally(e -> null);
                    }
                }
            }
        } catch (RuntimeException e) {
            logger.debug("could not adopt vDisks with undrained OpLog data: {}", e.toString());
        }
    }

    /** Serves the vDisk here if this node may (see {@link #local}); used when a peer holds OpLog copies nobody drains. */
    void adopt(VDiskRecord r) {
        if (owned.containsKey(r.uuid())) {
            return; // served here already: its drain releases the copies
        }
        forgetOtherOwner(r); // the caller read the record after this node cached it (a handover to this node, say)
        local(r).ifPresent(c -> logger.info("vDisk {}: serving it again so that the OpLog copies peers hold for it drain", r.name()));
    }

    private static final long RELEASE_AGAIN_NANOS = 300_000_000_000L;

    /**
     * For every owned vDisk with everything drained: tells the other live Stargates to release their
     * copies of this epoch up to its last sequence, when that sequence moved or every 5 minutes (a
     * node that was down when a drain's release went out would otherwise keep its copies, and its
     * OpLog space, for good). A node holding nothing of the vDisk ignores it.
     */
    private void releaseIdle() {
        for (VDiskController c : owned.values()) {
            long seq = c.idleSequence();
            long now = System.nanoTime();
            if (seq < 0 || seq == c.releasedSequence && now - c.releasedAt < RELEASE_AGAIN_NANOS) {
                continue;
            }
            c.releasedSequence = seq;
            c.releasedAt = now;
            byte[] body = Wire.encode(Map.of("vdisk", c.id(), "upToEpoch", c.epoch, "upToSequence", seq, "ranges",
                    List.of(Map.of("offset", 0L, "length", c.record().sizeBytes()))), null);
            try {
                for (UUID node : peers.alive()) {
                    if (!node.equals(peers.self())) {
                        peers.call(node, DataRpc.OPLOG_RELEASE, body).exceptionally(e -> null);
                    }
                }
            } catch (RuntimeException e) {
                logger.debug("vDisk {}: idle release not sent: {}", c.record().name(), e.toString());
            }
        }
    }

    /**
     * Reads and writes served so far by the vDisks this node owns now (their 2009-page counters,
     * summed; a vDisk that moved away takes its counts along, so the sum may drop).
     */
    public long userOps() {
        long n = 0;
        for (VDiskController c : owned.values()) {
            n += c.stats.reads.sum() + c.stats.writes.sum();
        }
        return n;
    }

    // ---------------------------------------------------------------- 2009 page

    /**
     * The essentials of this Stargate's 2009 page: per owned vDisk its operations, average latency,
     * where writes went (OpLog or extent store) and where reads came from (OpLog, cache, extent
     * store); the OpLog and the unified cache; the scrubber per disk; and the vars of spec 20 §9
     * ({@code checksum_errors}: slices that failed their check on reads and verifications;
     * {@code scrub_bytes}: bytes the scrubber verified) with the scrubber's other counters, and
     * {@code extent_groups}: the extent-group replicas this node holds.
     */
    public Map<String, Object> page() {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        owned.values().stream().sorted(Comparator.comparing(c -> c.record().name())).forEach(c -> rows.add(c.page()));
        out.put("node", peers.self().toString());
        out.put("vdisks", rows);
        out.put("oplog", oplog.stats());
        out.put("cache", cache.stats());
        io.cairn.storage.stargate.internal.estore.ExtentStoreCounters ec = estore.counters();
        Scrubber.Stats ss = scrubber.stats();
        Map<String, Object> vars = new java.util.LinkedHashMap<>();
        vars.put("checksum_errors", ec.checksumErrors());
        vars.put("scrub_bytes", ss.scrubBytes());
        vars.put("scrub_egroups_verified", ss.egroupsVerified());
        vars.put("scrub_passes", ss.passes());
        vars.put("scrub_found", ss.found());
        vars.put("scrub_suspects", ss.suspects());
        vars.put("slices_repaired", ec.slicesRepaired());
        vars.put("extent_groups", estore.list().size()); // replicas this node holds, on any of its disks
        out.put("vars", vars);
        out.put("scrub", ss.disks());
        StringBuilder t = new StringBuilder();
        t.append(String.format("Stargate %s: OpLog %d/%d MiB used, %d fsyncs, %d waits for space; cache %d/%d MiB, hit rate %.1f%%%n",
                peers.self(), oplog.stats().usedBytes() >> 20, oplog.stats().capacityBytes() >> 20, oplog.stats().fsyncs(),
                oplog.stats().spaceWaits(), cache.stats().usedBytes() >> 20, cache.stats().capacityBytes() >> 20,
                100 * cache.stats().hitRate()));
        t.append(String.format("Scrubber: %d extent groups verified (%d MiB), %d passes, %d failing found, %d suspect now; "
                + "checksum errors %d, slices repaired %d%n", ss.egroupsVerified(), ss.scrubBytes() >> 20, ss.passes(), ss.found(),
                ss.suspects(), ec.checksumErrors(), ec.slicesRepaired()));
        for (Scrubber.DiskStats d : ss.disks()) {
            t.append(String.format("  disk %-8s %-9s %8d KiB/s  busy %3d%%  pass %d/%d  passes %d%n", d.diskId(), d.state(),
                    d.bytesPerSec() >> 10, d.busyPct(), d.passDone(), d.passTotal(), d.passes()));
        }
        t.append(String.format("%-24s %9s %9s %9s %9s %10s %10s %10s %10s %10s%n", "vDisk", "writes", "avg us", "reads", "avg us",
                "w:oplog", "w:estore", "r:oplog", "r:cache", "r:estore"));
        for (Map<String, Object> r : rows) {
            t.append(String.format("%-24s %9d %9d %9d %9d %10d %10d %10d %10d %10d%n", r.get("vdisk"), r.get("writes"), r.get("avg_write_us"),
                    r.get("reads"), r.get("avg_read_us"), r.get("writes_to_oplog"), r.get("writes_to_extent_store"), r.get("reads_from_oplog"),
                    r.get("reads_from_cache"), r.get("reads_from_extent_store")));
        }
        out.put("text", t.toString());
        return out;
    }

    // ---------------------------------------------------------------- extent groups (local or remote)

    byte[] readEgroup(UUID node, long eg, int offset, int length) {
        if (node.equals(peers.self())) {
            ByteBuffer b = estore.read(eg, offset, length);
            if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
                return b.array(); // the extent store's own fresh buffer: no copy
            }
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        }
        try {
            byte[] reply = peers.callSync(node, DataRpc.EGROUP_READ, Wire.encode(Map.of("eg", eg, "offset", offset, "length", length), null));
            return Wire.decode(reply).dataBytes();
        } catch (RpcException e) {
            if (e.getMessage() != null && e.getMessage().contains(SliceChecksumException.MARK)) {
                // the remote replica failed its CRC32C check: the caller reads another replica and repairs this one
                throw new StargateException(Reason.DATA_ERROR, "checksum mismatch in extent group " + eg + " on " + node + ": "
                        + e.getMessage(), e);
            }
            throw new StargateException(Reason.UNAVAILABLE, "extent group " + eg + " on " + node + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes into an extent group of vDisk {@code vdiskId} on {@code node}, as its owner at
     * {@code epoch}: a node whose OpLog has seen a newer owner epoch for the vDisk (the new owner
     * fenced it when it took over) refuses, so a stale owner cannot overwrite extents.
     */
    CompletableFuture<Void> writeEgroup(UUID node, long eg, int offset, byte[] data, long vdiskId, long epoch) {
        if (node.equals(peers.self())) {
            return CompletableFuture.runAsync(() -> {
                checkEpoch(vdiskId, epoch);
                estore.write(eg, offset, ByteBuffer.wrap(data));
            }, background);
        }
        return peers.call(node, DataRpc.EGROUP_WRITE, Wire.encode(Map.of("eg", eg, "offset", offset, "vdisk", vdiskId, "epoch", epoch),
                ByteBuffer.wrap(data))).thenApply(r -> null);
    }

    /** Refuses a write of an owner whose epoch is older than the newest this node's OpLog has seen for the vDisk. */
    void checkEpoch(long vdiskId, long epoch) {
        long newest = oplog.epoch(vdiskId);
        if (epoch < newest) {
            throw new StargateException(Reason.STALE_OWNER, "vDisk " + vdiskId + ": " + DataRpc.STALE_EPOCH_MARK + " " + newest
                    + " than the writer's " + epoch + "; the write was refused");
        }
    }

    void repairEgroup(UUID node, long eg, int offset, byte[] good) {
        if (node.equals(peers.self())) {
            estore.repair(eg, offset, ByteBuffer.wrap(good));
            repaired(eg);
            return;
        }
        try {
            peers.callSync(node, DataRpc.EGROUP_REPAIR, Wire.encode(Map.of("eg", eg, "offset", offset), ByteBuffer.wrap(good)));
        } catch (RpcException e) {
            throw new StargateException(Reason.UNAVAILABLE, "cannot repair extent group " + eg + " on " + node + ": " + e.getMessage(), e);
        }
    }

    /** Deletes {@code node}'s replica unless it was written since {@code since} (atomically there); whether it was deleted. */
    public boolean deleteReplicaIfUnwrittenSince(UUID node, long eg, java.time.Instant since) {
        if (node.equals(peers.self())) {
            return estore.deleteIfUnwrittenSince(eg, since);
        }
        try {
            return Wire.decode(peers.callSync(node, DataRpc.EGROUP_DELETE, Wire.encode(Map.of("eg", eg, "unwritten_since",
                    since.toEpochMilli()), null))).header().path("deleted").asBoolean(false);
        } catch (RpcException e) {
            throw new StargateException(Reason.UNAVAILABLE, e.getMessage(), e);
        }
    }

    void deleteEgroup(UUID node, long eg) {
        if (node.equals(peers.self())) {
            estore.delete(eg);
            return;
        }
        try {
            peers.callSync(node, DataRpc.EGROUP_DELETE, Wire.encode(Map.of("eg", eg), null));
        } catch (RpcException e) {
            throw new StargateException(Reason.UNAVAILABLE, e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- drain

    private void drainLoop() {
        long nextAdopt = System.nanoTime();
        while (!closed) {
            if (System.nanoTime() - nextAdopt >= 0) {
                adoptOrphans();
                releaseIdle();
                nextAdopt = System.nanoTime() + ADOPT_EVERY_NANOS;
            }
            long drained = 0;
            for (VDiskController c : owned.values()) {
                try {
                    drained += c.drainOnce();
                } catch (StargateException e) {
                    if (e.reason() == Reason.STALE_OWNER) {
                        owned.remove(c.record().uuid(), c);
                        logger.info("vDisk {}: another Stargate owns it now; stopped serving it here", c.record().name());
                    } else {
                        logger.info("vDisk {}: drain paused: {}", c.record().name(), e.getMessage());
                    }
                } catch (RuntimeException e) {
                    logger.warn("vDisk {}: drain failed", c.record().name(), e);
                }
            }
            if (drained == 0) {
                try {
                    Thread.sleep(oplog.waitingForSpace() > 0 ? 5 : 50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        drainer.interrupt();
        scrubLoop.interrupt();
        try {
            drainer.join(5000);
            scrubLoop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        owned.values().forEach(VDiskController::close);
        background.shutdownNow();
        try {
            oplog.close();
        } catch (Exception e) {
            logger.info("OpLog closed with {}", e.toString());
        }
        estore.close();
    }

    // ---------------------------------------------------------------- the handle

    /** I/O on one vDisk from this node: served here when this node owns it, else sent to the owner. */
    private final class Handle implements VDiskIo {
        private final VDiskRecord r;

        Handle(VDiskRecord r) {
            this.r = r;
        }

        @Override
        public VDisk vdisk() {
            return catalog.vdisk(r.uuid()).orElse(r).toVDisk(owner(r.uuid()));
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
            route(c -> c.read(offset, dst), () -> {
                byte[] reply = forward("read", offset, dst.remaining(), null);
                dst.put(reply);
            }, true);
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) {
            route(c -> c.write(offset, src.duplicate()), () -> forward("write", offset, src.remaining(), src.duplicate()), true);
        }

        @Override
        public void writeZeroes(long offset, long length) {
            route(c -> c.writeZeroes(offset, length), () -> forward("zero", offset, length, null), true);
        }

        @Override
        public void trim(long offset, long length) {
            route(c -> c.trim(offset, length), () -> {
                try {
                    forward("trim", offset, length, null);
                } catch (StargateException e) {
                    if (e.getMessage() == null || !e.getMessage().contains("unknown vDisk operation")) {
                        throw e;
                    }
                    forward("zero", offset, length, null); // an owner from before trim records (a rolling upgrade): zeros
                }
            }, true);
        }

        @Override
        public void flush() {
            // every acknowledged write is durable on RF OpLogs already
        }

        @Override
        public void close() {
        }

        /**
         * Runs the request here when this node owns the vDisk, else at its owner. When the owner moved
         * or cannot be reached, looks again (the owner's Zeus session ends within the session timeout,
         * then any node may take over) until the operation deadline.
         */
        private void route(java.util.function.Consumer<VDiskController> here, Runnable there) {
            route(here, there, false);
        }

        /** As above; {@code user}: a front end's read or write (counts as local I/O for the follow rule). */
        private void route(java.util.function.Consumer<VDiskController> here, Runnable there, boolean user) {
            long deadline = System.nanoTime() + opTimeout.toNanos();
            for (int attempt = 0; ; attempt++) {
                Optional<VDiskController> c = local(r);
                try {
                    if (c.isPresent()) {
                        VDiskController x = c.get();
                        x.gated(() -> {
                            if (user) {
                                x.follow.local();
                            }
                            here.accept(x);
                        });
                    } else {
                        there.run();
                    }
                    return;
                } catch (StargateException e) {
                    boolean moved = e.reason() == Reason.STALE_OWNER || e.reason() == Reason.UNAVAILABLE && c.isEmpty();
                    if (!moved || System.nanoTime() > deadline) {
                        throw e;
                    }
                    if (c.isPresent() && owned.remove(r.uuid(), c.get())) {
                        logger.info("vDisk {}: {}; stopped serving it here", r.name(), e.getMessage());
                    }
                    owners.remove(r.uuid());
                    try {
                        Thread.sleep(Math.min(1000, 100L * (attempt + 1)));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }

        /**
         * The reply of a forwarded call, checking every second that the owner is still alive: an owner that stops
         * answering (paused, partitioned) keeps its connection open until the call's deadline, but once its Zeus
         * session ends another node may take the vDisk over, so the wait ends there (UNAVAILABLE: the caller looks
         * again). Safe to give up on: should the old owner run the request later, its epoch is fenced by the new one.
         */
        private byte[] awaitOwner(UUID owner, CompletableFuture<byte[]> call) throws RpcException {
            while (true) {
                try {
                    return call.get(1, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    if (!ownerAlive(owner)) {
                        call.cancel(false);
                        throw new StargateException(Reason.UNAVAILABLE, "the owner of vDisk " + r.name() + " (" + owner
                                + ") stopped answering and its Zeus session ended");
                    }
                } catch (ExecutionException e) {
                    Throwable c = e.getCause() instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                            ? ce.getCause() : e.getCause();
                    if (c instanceof RuntimeException re) { // RpcException included: forwardRaw maps it
                        throw re;
                    }
                    throw new StargateException(Reason.UNAVAILABLE, "forwarding to the owner of vDisk " + r.name() + " failed: " + c, c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StargateException(Reason.TIMEOUT, "interrupted while waiting for the owner of vDisk " + r.name());
                }
            }
        }

        /** Whether the owner's Stargate presence is in Zeus; true when Zeus cannot say (forward and let the call decide). */
        private boolean ownerAlive(UUID owner) {
            try {
                return peers.alive().contains(owner);
            } catch (RuntimeException e) {
                return true;
            }
        }

        private byte[] forward(String op, long offset, long length, ByteBuffer data) {
            return Wire.decode(forwardRaw(op, offset, length, data)).dataBytes();
        }

        private byte[] forwardRaw(String op, long offset, long length, ByteBuffer data) {
            UUID owner = owners.get(r.uuid());
            if (owner == null) {
                throw new StargateException(Reason.UNAVAILABLE, "vDisk " + r.name() + " has no known owner");
            }
            try {
                return awaitOwner(owner, peers.call(owner, DataRpc.VDISK_IO, Wire.encode(Map.of("vdisk", r.uuid().toString(), "op", op,
                        "offset", offset, "length", length), data)));
            } catch (RpcException e) {
                if (e.getMessage() != null && e.getMessage().contains(DataRpc.NOT_OWNER_MARK)) {
                    throw new StargateException(Reason.STALE_OWNER, e.getMessage(), e);
                }
                if (e.reason() == RpcException.Reason.PEER_UNREACHABLE || e.reason() == RpcException.Reason.PEER_LOST) {
                    throw new StargateException(Reason.UNAVAILABLE, "the owner of vDisk " + r.name() + " (" + owner + ") is unreachable: "
                            + e.getMessage(), e);
                }
                throw DataRpc.unwrap(e);
            }
        }
    }

    /** Serves a forwarded request (this node must own the vDisk); {@code from}: the node that forwarded it (null: unknown). */
    byte[] serve(VDiskRecord r, String op, long offset, long length, Wire w, UUID from) {
        // this node may own it by record without a controller yet (it restarted, or the vDisk was just handed to it):
        // local() takes it up; a cached owner elsewhere is forgotten first, the caller read the record more recently
        Optional<VDiskController> found = local(r);
        if (found.isEmpty()) {
            UUID cached = owners.get(r.uuid());
            if (cached != null && !cached.equals(peers.self())) {
                owners.remove(r.uuid(), cached);
                found = local(r);
            }
        }
        VDiskController c = found.orElseThrow(() -> new StargateException(Reason.STALE_OWNER, DataRpc.NOT_OWNER_MARK
                + ": this Stargate does not own vDisk " + r.name()));
        byte[][] out = new byte[1][];
        c.gated(() -> out[0] = serveOn(c, op, offset, length, w, from));
        if (from != null && USER_OPS.contains(op)) {
            maybeFollow(c);
        }
        return out[0];
    }

    private static final java.util.Set<String> USER_OPS = java.util.Set.of("read", "write", "zero", "trim");

    private byte[] serveOn(VDiskController c, String op, long offset, long length, Wire w, UUID from) {
        if (from != null && USER_OPS.contains(op)) {
            if (from.equals(peers.self())) {
                c.follow.local();
            } else {
                c.follow.forwarded(from);
            }
        }
        switch (op) {
            case "read" -> {
                ByteBuffer dst = ByteBuffer.allocate((int) length);
                c.read(offset, dst);
                dst.flip();
                return Wire.encode(Map.of(), dst);
            }
            case "write" -> c.write(offset, w.dataBuffer());
            case "zero" -> c.writeZeroes(offset, length);
            case "trim" -> c.trim(offset, length);
            case "reclaim" -> {
                ByteBuffer ids = w.dataBuffer();
                List<Long> egroups = new ArrayList<>();
                while (ids.remaining() >= 8) {
                    egroups.add(ids.getLong());
                }
                return Wire.encode(Map.of("reclaimed", c.reclaim(egroups)), null);
            }
            case "protect" -> {
                var p = c.protect(offset);
                return Wire.encode(Map.of("added", p.added().stream().map(UUID::toString).toList(),
                        "removed", p.removed().stream().map(UUID::toString).toList()), null);
            }
            default -> throw new StargateException(Reason.INVALID_REQUEST, "unknown vDisk operation " + op);
        }
        return Wire.encode(Map.of(), null);
    }

    // ---------------------------------------------------------------- ownership follows the VM (spec 20)

    /** How long a handover waits for the vDisk's running operations before it gives up (and tries again later). */
    private Duration quiesceTimeout() {
        return opTimeout.dividedBy(2).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : opTimeout.dividedBy(2);
    }

    /** Drops a cached owner other than this node, so {@link #local} reads the record again. */
    private void forgetOtherOwner(VDiskRecord r) {
        UUID cached = owners.get(r.uuid());
        if (cached != null && !cached.equals(peers.self())) {
            owners.remove(r.uuid(), cached);
        }
    }

    /** After a forwarded operation: when the follow rule is due, hands the vDisk over to the forwarding node (in the background). */
    private void maybeFollow(VDiskController c) {
        Optional<UUID> to = c.follow.due(followAfter);
        if (to.isEmpty() || closed || !c.handingOver.compareAndSet(false, true)) {
            return;
        }
        Duration streak = c.follow.streak();
        try {
            background.execute(() -> {
                try {
                    if (!peers.alive().contains(to.get())) {
                        return;
                    }
                    if (handOver(c, to.get(), "only I/O forwarded from it for " + streak.toSeconds() + " s")) {
                        // the new owner takes the vDisk up now rather than at its next request
                        peers.call(to.get(), DataRpc.VDISK_ADOPT, Wire.encode(Map.of("vdisk", c.record().uuid().toString()), null))
                                .exceptionally(e -> null);
                    }
                } catch (RuntimeException e) {
                    logger.info("vDisk {}: handover to {} not done, the next forwarded request tries again: {}", c.record().name(), to.get(),
                            e.toString());
                } finally {
                    c.handingOver.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            c.handingOver.set(false); // closing
        }
    }

    /**
     * Gives the vDisk this node owns through {@code c} to {@code to}, gracefully: new operations are
     * kept out and running ones finish (each was acknowledged only once durable on RF OpLogs);
     * then the ownership record names {@code to} at the next epoch, not ready, with this owner's
     * epoch as base, so {@code to} takes it as on a takeover (it fences every OpLog, this one
     * included, and re-writes every undrained record of this epoch, in order, before it serves).
     * Operations that waited fail with STALE_OWNER and are routed to the new owner; this node
     * drops the vDisk's cache (only the owner caches). Returns false, having changed nothing,
     * when running operations did not finish within the quiesce timeout or this node no longer
     * owns the vDisk.
     */
    boolean handOver(VDiskController c, UUID to, String why) {
        VDiskRecord r = c.record();
        if (to.equals(peers.self())) {
            return false;
        }
        synchronized (claimLocks.computeIfAbsent(r.uuid(), k -> new Object())) {
            if (owned.get(r.uuid()) != c || c.closed()) {
                return false;
            }
            long t0 = clock.nanoTime();
            try {
                if (!c.quiesce(quiesceTimeout())) {
                    logger.info("vDisk {}: not handed over to {}: its operations did not finish within {} s", r.name(), to,
                            quiesceTimeout().toSeconds());
                    return false;
                }
                // the drain writes extent groups too: none may run from here until this controller is closed, or a late
                // slot write of this epoch could land after the new owner's
                if (!c.lockDrain(quiesceTimeout())) {
                    c.resume();
                    logger.info("vDisk {}: not handed over to {}: its drain did not finish within {} s", r.name(), to,
                            quiesceTimeout().toSeconds());
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            boolean given = false;
            boolean stale = false;
            long epoch = 0;
            try {
                VDiskMeta meta = new VDiskMeta(medusa, r.uuid());
                Optional<VDiskMeta.Versioned<VDiskMeta.Owner>> current = meta.owner();
                if (current.isEmpty() || !current.get().value().node().equals(peers.self()) || current.get().value().epoch() != c.epoch) {
                    stale = true;
                } else {
                    Optional<VDiskMeta.Versioned<VDiskMeta.Owner>> next = meta.claim(to, current);
                    given = next.isPresent();
                    stale = !given;
                    epoch = next.map(v -> v.value().epoch()).orElse(0L);
                }
            } finally {
                if (given || stale) {
                    c.close();
                    owned.remove(r.uuid(), c);
                    cache.invalidateAll(c.cacheOwner());
                    if (given) {
                        owners.put(r.uuid(), to);
                    } else {
                        owners.remove(r.uuid());
                    }
                }
                c.unlockDrain();
                c.resume();
            }
            if (given) {
                logger.info("vDisk {}/{}: handed over to Stargate {} at epoch {} ({}; quiesced in {} ms)", r.containerName(), r.name(), to,
                        epoch, why, (clock.nanoTime() - t0) / 1_000_000);
            } else {
                logger.info("vDisk {}: another Stargate owns it now; stopped serving it here", r.name());
            }
            return given;
        }
    }

    /**
     * Serves {@link DataRpc#VDISK_HANDOVER}: gives the vDisk to {@code to} now if this node owns it
     * (by controller, or by record only); returns the node the ownership record names afterwards.
     */
    Optional<UUID> handOverTo(VDiskRecord r, UUID to) {
        if (!peers.alive().contains(to)) {
            throw new StargateException(Reason.FAILED_PRECONDITION, "Stargate " + to + " is not running; vDisk " + r.name() + " stays here");
        }
        VDiskController c = owned.get(r.uuid());
        if (c != null) {
            if (!handOver(c, to, "asked by " + to) && owned.get(r.uuid()) == c) {
                throw new StargateException(Reason.UNAVAILABLE, "vDisk " + r.name() + " is busy: its operations did not finish within "
                        + quiesceTimeout().toSeconds() + " s; ask again");
            }
        } else {
            synchronized (claimLocks.computeIfAbsent(r.uuid(), k -> new Object())) {
                if (!owned.containsKey(r.uuid())) {
                    VDiskMeta meta = new VDiskMeta(medusa, r.uuid());
                    Optional<VDiskMeta.Versioned<VDiskMeta.Owner>> current = meta.owner();
                    if (current.isPresent() && current.get().value().node().equals(peers.self())) {
                        meta.claim(to, current); // owned by record only (no controller yet): the record moves, nothing to quiesce
                    }
                }
            }
            if (owned.containsKey(r.uuid())) {
                return handOverTo(r, to);
            }
        }
        return new VDiskMeta(medusa, r.uuid()).owner().map(v -> v.value().node());
    }

    /**
     * Serves the vDisk on this node now (failback: the VM's front end is here): a live owner
     * elsewhere is asked to hand it over ({@link #handOver}), then this node takes it as on a
     * takeover. Returns whether this node owns it afterwards.
     */
    public boolean claim(VDiskRecord r) {
        if (owned.containsKey(r.uuid())) {
            return true;
        }
        Optional<VDiskMeta.Versioned<VDiskMeta.Owner>> current = new VDiskMeta(medusa, r.uuid()).owner();
        if (current.isPresent()) {
            UUID owner = current.get().value().node();
            if (!owner.equals(peers.self()) && peers.alive().contains(owner)) {
                try {
                    peers.callSync(owner, DataRpc.VDISK_HANDOVER, Wire.encode(Map.of("vdisk", r.uuid().toString(), "to",
                            peers.self().toString()), null));
                } catch (RpcException e) {
                    throw new StargateException(Reason.UNAVAILABLE, "Stargate " + owner + " did not hand vDisk " + r.name() + " over: "
                            + e.getMessage(), e);
                }
            }
        }
        forgetOtherOwner(r);
        boolean mine = local(r).isPresent();
        if (mine) {
            logger.info("vDisk {}/{}: claimed for the VM whose disk it is (its front end is on this node)", r.containerName(), r.name());
        }
        return mine;
    }

    Catalog catalog() {
        return catalog;
    }

}
