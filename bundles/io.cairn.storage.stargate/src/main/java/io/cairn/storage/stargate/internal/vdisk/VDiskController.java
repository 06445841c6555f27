package io.cairn.storage.stargate.internal.vdisk;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.StargateException.Reason;
import io.cairn.storage.stargate.internal.catalog.Catalog.VDiskRecord;
import io.cairn.storage.stargate.internal.cache.CacheOwner;
import io.cairn.storage.stargate.internal.cache.SliceKey;
import io.cairn.storage.stargate.internal.estore.ExtentStore;
import io.cairn.storage.stargate.internal.io.WriteClassifier;
import io.cairn.storage.stargate.internal.io.WriteDestination;
import io.cairn.storage.stargate.internal.oplog.DrainBatch;
import io.cairn.storage.stargate.internal.oplog.DrainExtent;
import io.cairn.storage.stargate.internal.oplog.OpLogRecord;
import io.cairn.storage.stargate.internal.oplog.ReadResult;
import io.cairn.storage.stargate.internal.oplog.ByteRange;

/**
 * The owner side of one vDisk (spec 20 §3-4, §9): this Stargate holds the vDisk's ownership record
 * at {@link #epoch}. A write goes to the local OpLog and to RF−1 peer OpLogs (chosen per 1 GiB of
 * the vDisk on distinct fault domains) and returns once every copy is durable. A read overlays the
 * OpLog's undrained data on the extent store's (checksums verified, another replica on mismatch,
 * then the bad copy repaired). {@link #drainOnce} moves undrained data into extent groups on RF
 * nodes and records them in Medusa in one batch fenced by the ownership record, then releases the
 * OpLog copies.
 */
final class VDiskController {

    static final long VBLOCK = 1L << 20;
    private static final int SLICE = ExtentStore.SLICE_BYTES;
    private static final long DRAIN_BATCH_BYTES = 16L << 20;
    private static final int MAX_RECORD = 1 << 20;

    private final Logger logger = LoggerFactory.getLogger(VDiskController.class);
    private final DataPath path;
    private final VDiskMeta meta;
    private final UUID self;
    private volatile VDiskRecord record;
    final long epoch;
    /** Version of the ownership record every metadata batch checks; it changes once, when the takeover is done. */
    private volatile long ownerVersion;
    private final AtomicLong sequence = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** Serialises appends so sequences reach every OpLog in order. */
    private final ReentrantLock appendLock = new ReentrantLock();
    private final ReentrantLock drainLock = new ReentrantLock();
    /** Held for writing by a drain, for reading by direct extent-store writes. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock extentLock = new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** Direct writes to the same vBlock (by index modulo the array) run one at a time, so replicas apply them in one order. */
    private final ReentrantLock[] blockLocks = java.util.stream.Stream.generate(ReentrantLock::new).limit(64).toArray(ReentrantLock[]::new);
    /** Peer OpLog copies per 1 GiB region of the vDisk, so regions spread their copies over the cluster. */
    private final Map<Long, PeerCopies> regions = new ConcurrentHashMap<>();
    private final Map<Long, VDiskMeta.BlockRef> blocks = new ConcurrentHashMap<>();
    private final Map<Long, VDiskMeta.Versioned<VDiskMeta.Egroup>> egroups = new ConcurrentHashMap<>();
    /** The extent group new vBlocks go into while it has free slots. */
    private long openEgroup = -1;
    private volatile boolean closed;
    final Stats stats = new Stats();
    /** Held for reading by every operation served ({@link #gated}), for writing by a handover that quiesces the vDisk. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock gate = new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** Where the vDisk's I/O comes from (spec 20: ownership follows the VM). */
    final OwnershipFollow follow;
    /** Set while a handover of this vDisk runs, so only one starts. */
    final java.util.concurrent.atomic.AtomicBoolean handingOver = new java.util.concurrent.atomic.AtomicBoolean();

    /** Per-vDisk counters for the 2009 page. */
    static final class Stats {
        final java.util.concurrent.atomic.LongAdder writes = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder reads = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder bytesWritten = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder bytesRead = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder oplogWrites = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder extentStoreWrites = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder readsFromCache = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder readsFromOplog = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder readsFromExtents = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder drainedBytes = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder checksumRepairs = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder writeNanos = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder readNanos = new java.util.concurrent.atomic.LongAdder();
    }

    VDiskController(DataPath path, VDiskRecord record, VDiskMeta meta, long epoch, long ownerVersion) {
        this.path = path;
        this.record = record;
        this.meta = meta;
        this.self = path.peers().self();
        this.epoch = epoch;
        this.ownerVersion = ownerVersion;
        this.follow = new OwnershipFollow(path.clockNanos());
    }

    VDiskRecord record() {
        return record;
    }

    void ownerVersion(long version) {
        this.ownerVersion = version;
    }

    void resized(VDiskRecord r) {
        this.record = r;
    }

    long id() {
        return record.id();
    }

    void close() {
        closed = true;
    }

    boolean closed() {
        return closed;
    }

    /** Waits for a running drain to finish and keeps others out until {@link #unlockDrain} (a handover). */
    boolean lockDrain(java.time.Duration timeout) throws InterruptedException {
        return drainLock.tryLock(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    void unlockDrain() {
        drainLock.unlock();
    }

    /**
     * Runs one operation unless the vDisk was handed over: operations run together, and a handover
     * ({@link #quiesce}) waits until those running have finished and keeps new ones out; one that
     * finds the vDisk handed over fails with STALE_OWNER (the router looks for the new owner).
     */
    void gated(Runnable op) {
        try {
            gate.readLock().lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StargateException(Reason.TIMEOUT, "interrupted while vDisk " + record.name() + " was being handed over");
        }
        try {
            if (closed) {
                throw new StargateException(Reason.STALE_OWNER, DataRpc.NOT_OWNER_MARK + ": vDisk " + record.name()
                        + " moved to another Stargate; retry there");
            }
            op.run();
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Keeps new operations out and waits (up to {@code timeout}) for those running; false when they did not finish in time. */
    boolean quiesce(java.time.Duration timeout) throws InterruptedException {
        return gate.writeLock().tryLock(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Lets operations in again after {@link #quiesce} (they fail with STALE_OWNER if the vDisk was closed meanwhile). */
    void resume() {
        gate.writeLock().unlock();
    }

    // ---------------------------------------------------------------- writes

    /**
     * Writes {@code src} at {@code offset}. Sustained sequential writes (spec 20 §3: the vDisk has at
     * least {@code vdisk_distributed_oplog_skip_min_outstanding_write_bytes} outstanding, this one
     * included) go straight to the extent store when they cover whole slices of allocated vBlocks
     * with nothing in the OpLog (see {@link #writeDirect}); everything else goes to the OpLog.
     */
    void write(long offset, ByteBuffer src) {
        long t0 = System.nanoTime();
        int length = src.remaining();
        check(offset, length);
        path.capacity().checkUserWrite();
        try (WriteClassifier.InFlightWrite w = path.classifier().begin(id(), length)) {
            if (w.destination() == WriteDestination.EXTENT_STORE && writeDirect(offset, src.duplicate())) {
                stats.extentStoreWrites.increment();
            } else {
                long at = offset;
                while (src.hasRemaining()) {
                    int n = (int) Math.min(src.remaining(), MAX_RECORD - (at % MAX_RECORD));
                    byte[] chunk = new byte[n];
                    src.get(chunk);
                    long off = at;
                    append(seq -> OpLogRecord.data(id(), epoch, seq, off, chunk));
                    at += n;
                }
                stats.oplogWrites.increment();
            }
        }
        path.cache().invalidateRange(cacheOwner(), offset, length);
        stats.writes.increment();
        stats.bytesWritten.add(length);
        stats.writeNanos.add(System.nanoTime() - t0);
    }

    /**
     * Writes whole 4 KiB slices straight into the existing extents on every replica: not during a
     * drain (which merges and rewrites extents), and one at a time per vBlock so that replicas apply
     * them in one order. Returns false, having acknowledged nothing, when the range is not
     * slice-aligned, touches a vBlock not allocated yet, has data in the OpLog (which would hide
     * this write) or a replica failed; the caller then writes through the OpLog.
     */
    private boolean writeDirect(long offset, ByteBuffer src) {
        if (closed) {
            throw new StargateException(Reason.STALE_OWNER, "vDisk " + record.name() + " moved to another Stargate; retry there");
        }
        int length = src.remaining();
        if (record.replicationFactor() > 1 && directUnsafe) {
            return false;
        }
        if (offset % SLICE != 0 || length % SLICE != 0 || path.oplog().holds(id(), offset, length)) {
            return false; // partial slices would need a read-merge-write; OpLog data in the range would hide this write
        }
        long firstVb = offset / VBLOCK;
        long lastVb = (offset + length - 1) / VBLOCK;
        for (long vb = firstVb; vb <= lastVb; vb++) {
            if (block(vb).isEmpty()) {
                return false; // new vBlocks go through the OpLog, whose drain allocates extents in batches
            }
        }
        // direct writes exclude drains (which merge and rewrite extents) but not each other, except on the same vBlocks
        List<ReentrantLock> held = new ArrayList<>();
        extentLock.readLock().lock();
        try {
            new java.util.TreeSet<>(java.util.stream.LongStream.rangeClosed(firstVb, lastVb).mapToObj(vb -> (int) Math.floorMod(vb,
                    (long) blockLocks.length)).toList()).forEach(i -> {
                        blockLocks[i].lock();
                        held.add(blockLocks[i]);
                    });
            if (path.oplog().holds(id(), offset, length)) {
                return false;
            }
            for (long vb = firstVb; vb <= lastVb; vb++) {
                if (block(vb).isEmpty()) {
                    return false; // a drain unmapped it (a whole-vBlock trim) since the check above: through the OpLog
                }
            }
            Map<Long, List<DrainExtent>> byBlock = new java.util.TreeMap<>();
            long at = offset;
            while (src.hasRemaining()) {
                int n = (int) Math.min(src.remaining(), VBLOCK - (at % VBLOCK));
                byte[] piece = new byte[n];
                src.get(piece);
                byBlock.computeIfAbsent(at / VBLOCK, k -> new ArrayList<>()).add(new DrainExtent(at, piece, false));
                at += n;
            }
            return persist(byBlock, true);
        } finally {
            held.forEach(ReentrantLock::unlock);
            extentLock.readLock().unlock();
        }
    }

    CacheOwner cacheOwner() {
        return CacheOwner.vdisk(id());
    }

    void writeZeroes(long offset, long length) {
        appendWithoutPayload(offset, length, OpLogRecord::zero);
    }

    /**
     * Unmaps the range (SCSI UNMAP, WRITE SAME with UNMAP, NBD TRIM; spec 50 §1): TRIM records in the
     * OpLog, as durable as writes (the local OpLog and the RF−1 peer copies), read back as zeros at
     * once. Their drain removes every whole 1 MiB vBlock of the range from the block map (its extent
     * becomes garbage Curator reclaims once no vBlock maps its group) and zeroes partial vBlocks.
     * Ordered with writes like writes are: a later write over the range wins, and a later trim
     * wins over an earlier write.
     */
    void trim(long offset, long length) {
        appendWithoutPayload(offset, length, OpLogRecord::trim);
    }

    /** A record kind stored without payload (zeros, trims): {@code vdisk, epoch, sequence, offset, length}. */
    private interface NoPayload {
        OpLogRecord of(long vdisk, long epoch, long sequence, long offset, int length);
    }

    /** Appends records of {@code kind} over the range, split at 1 MiB like writes, and drops the range from the cache. */
    private void appendWithoutPayload(long offset, long length, NoPayload kind) {
        check(offset, length);
        long at = offset;
        long end = offset + length;
        while (at < end) {
            int n = (int) Math.min(end - at, MAX_RECORD - (at % MAX_RECORD));
            long off = at;
            append(seq -> kind.of(id(), epoch, seq, off, n));
            at += n;
        }
        path.cache().invalidateRange(cacheOwner(), offset, length);
    }

    interface RecordOf {
        OpLogRecord at(long sequence);
    }

    /** Appends one record locally and on the peer OpLogs, returning when every copy is durable. */
    void append(RecordOf make) {
        inFlight.incrementAndGet();
        try {
            appendCounted(make);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * The highest sequence this owner has appended when every record it appended is drained (no
     * append in flight, nothing undrained in the local OpLog, which holds every record until its
     * drain), else -1. The peers may then release every copy of this epoch up to it.
     */
    long idleSequence() {
        // never wait for the append lock: its holder may be waiting for OpLog space that only the
        // drain thread (the caller) frees; a busy vDisk is not idle anyway
        if (!appendLock.tryLock()) {
            return -1;
        }
        try {
            return inFlight.get() == 0 && path.oplog().undrainedBytes(id()) == 0 ? sequence.get() : -1;
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Why the last drain could not place its data (every replica of an extent group was full), until a
     * drain succeeds: an OpLog that is full meanwhile is "cluster storage full" (ENOSPC to NBD, a
     * SCSI space-allocation failure to iSCSI) rather than a time-out, since waiting will not help.
     */
    private volatile String drainNoSpace;

    /** The sequence and time of the last idle release sent to the peers (see {@link DataPath}). */
    long releasedSequence = -1;
    long releasedAt;

    private void appendCounted(RecordOf make) {
        if (closed) {
            throw new StargateException(Reason.STALE_OWNER, "vDisk " + record.name() + " moved to another Stargate; retry there");
        }
        CompletableFuture<Void> local;
        List<CompletableFuture<Void>> remote;
        appendLock.lock();
        try {
            OpLogRecord r = make.at(sequence.incrementAndGet());
            try {
                local = path.oplog().append(r, path.opTimeout());
            } catch (io.cairn.storage.stargate.internal.oplog.StaleEpochException e) {
                closed = true;
                throw new StargateException(Reason.STALE_OWNER, "vDisk " + record.name() + " has a newer owner (epoch "
                        + e.currentEpoch() + "); nothing was written", e);
            } catch (TimeoutException e) {
                String full = drainNoSpace;
                if (full != null) {
                    throw storageFull("the OpLog had no room for " + r.length() + " bytes within " + path.opTimeout().toSeconds()
                            + " s; nothing was written", full, e);
                }
                throw new StargateException(Reason.TIMEOUT, "the OpLog had no room for " + r.length() + " bytes within "
                        + path.opTimeout().toSeconds() + " s (draining is behind); nothing was written", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StargateException(Reason.TIMEOUT, "interrupted while waiting for OpLog space", e);
            } catch (Exception e) {
                throw new StargateException(Reason.UNAVAILABLE, "the local OpLog failed: " + e.getMessage(), e);
            }
            remote = copiesFor(r.offset()).send(r);
        } finally {
            appendLock.unlock();
        }
        await(local, "the local OpLog");
        for (CompletableFuture<Void> f : remote) {
            await(f, "a peer OpLog");
        }
    }

    static final int REGION_SHIFT = 30;

    /** The peer copies of the 1 GiB region holding {@code offset} (records never cross a region: they split at 1 MiB). */
    private PeerCopies copiesFor(long offset) {
        long region = offset >>> REGION_SHIFT;
        return regions.computeIfAbsent(region, k -> new PeerCopies(path.peers(), record.name(),
                record.id() * 0x9E3779B97F4A7C15L + k, record.replicationFactor() - 1, record.id(), this::peerMayHoldStaleCopies));
    }

    /**
     * A peer may keep OpLog copies of this epoch whose release it missed (its stream failed, or it
     * was down or unreachable when a drain's release went out). A later takeover would replay such
     * a copy over anything written since without the OpLog, so direct extent-store writes stop for
     * this vDisk until the next takeover (whose base epoch makes those copies obsolete).
     */
    void peerMayHoldStaleCopies() {
        if (!directUnsafe) {
            directUnsafe = true;
            logger.info("vDisk {}: a peer may hold OpLog copies that missed their release; writes go through the OpLog only",
                    record.name());
        }
    }

    private volatile boolean directUnsafe;

    /** Every node holding peer copies now. */
    Set<UUID> peersInUse() {
        Set<UUID> out = new HashSet<>();
        regions.values().forEach(p -> out.addAll(p.current()));
        return out;
    }

    /** The nodes holding peer OpLog copies, per 1 GiB region that was written since this node took the vDisk. */
    Map<Long, List<UUID>> peerCopies() {
        Map<Long, List<UUID>> out = new java.util.TreeMap<>();
        regions.forEach((k, v) -> out.put(k, v.current()));
        return out;
    }

    private void await(CompletableFuture<Void> f, String what) {
        try {
            f.get(2 * path.opTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof StargateException se) {
                if (se.reason() == Reason.STALE_OWNER) {
                    closed = true;
                }
                String full = drainNoSpace;
                if (se.reason() == Reason.TIMEOUT && full != null) {
                    // a peer's OpLog is full of this vDisk's records, which cannot drain: the pool has no room for them
                    throw storageFull(what + " had no room", full, se);
                }
                throw se;
            }
            throw new StargateException(Reason.UNAVAILABLE, what + " failed: " + c.getMessage() + "; the write may be incomplete", c);
        } catch (TimeoutException e) {
            throw new StargateException(Reason.TIMEOUT, what + " did not confirm the write within " + 2 * path.opTimeout().toSeconds()
                    + " s; it may be incomplete: read it back", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StargateException(Reason.TIMEOUT, "interrupted while waiting for " + what);
        }
    }

    // ---------------------------------------------------------------- reads

    void read(long offset, ByteBuffer dst) {
        long t0 = System.nanoTime();
        int length = dst.remaining();
        check(offset, length);
        // cache fill tokens are taken before the OpLog lookup (see UnifiedCache): one per vBlock
        long firstVb = offset / VBLOCK;
        long[] tokens = new long[(int) ((offset + length - 1) / VBLOCK - firstVb + 1)];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = path.cache().fillToken(SliceKey.ofVDisk(id(), (firstVb + i) * SLICES_PER_VBLOCK));
        }
        // straight into the caller's heap buffer when it has one (no staging buffer and copy), else through one
        boolean direct = dst.hasArray() && !dst.isReadOnly();
        byte[] data = direct ? dst.array() : new byte[length];
        int base = direct ? dst.arrayOffset() + dst.position() : 0;
        ReadResult r;
        try {
            r = path.oplog().readInto(id(), offset, length, data, base);
        } catch (java.io.IOException e) {
            throw new StargateException(Reason.UNAVAILABLE, "the OpLog could not be read: " + e.getMessage(), e);
        }
        if (!r.fromOpLog().isEmpty()) {
            stats.readsFromOplog.increment();
        }
        for (ByteRange missing : r.notInOpLog()) {
            readExtents(missing.offset(), data, base + (int) (missing.offset() - offset), (int) missing.length(), firstVb, tokens);
        }
        if (direct) {
            dst.position(dst.position() + length);
        } else {
            dst.put(data);
        }
        stats.reads.increment();
        stats.bytesRead.add(length);
        stats.readNanos.add(System.nanoTime() - t0);
    }

    private static final int SLICES_PER_VBLOCK = (int) (VBLOCK / SLICE);

    /**
     * Copies {@code length} bytes at vDisk {@code offset} from the unified cache or the extent store
     * into {@code out[at..]}; slices read from the extent store fill the cache.
     */
    private void readExtents(long offset, byte[] out, int at, int length, long firstVb, long[] tokens) {
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long vb = pos / VBLOCK;
            long vbEnd = Math.min(end, (vb + 1) * VBLOCK);
            Optional<VDiskMeta.BlockRef> ref = block(vb);
            if (ref.isPresent()) {
                int inBlock = (int) (pos - vb * VBLOCK);
                int n = (int) (vbEnd - pos);
                if (n == SLICE && inBlock % SLICE == 0) {
                    // one whole slice (a 4 KiB read): straight from the cache or the replica into out, no staging copy
                    oneSlice(ref.get(), vb, inBlock, out, at + (int) (pos - offset), tokens[(int) (vb - firstVb)]);
                    pos = vbEnd;
                    continue;
                }
                int first = inBlock / SLICE * SLICE;
                int last = (int) ((inBlock + (long) n + SLICE - 1) / SLICE * SLICE);
                byte[] slices = cachedSlices(ref.get(), vb, first, last, tokens[(int) (vb - firstVb)]);
                System.arraycopy(slices, inBlock - first, out, at + (int) (pos - offset), n);
            } else { // an unwritten vBlock reads as zeros (the caller's buffer may hold anything)
                java.util.Arrays.fill(out, at + (int) (pos - offset), at + (int) (vbEnd - offset), (byte) 0);
            }
            pos = vbEnd;
        }
    }

    /** The slice at {@code inBlock} (slice-aligned) of vBlock {@code vb} into {@code out[at..]}: from the cache, else a replica (then cached). */
    private void oneSlice(VDiskMeta.BlockRef ref, long vb, int inBlock, byte[] out, int at, long token) {
        SliceKey key = SliceKey.ofVDisk(id(), (vb * VBLOCK + inBlock) / SLICE);
        if (path.cache().read(key, out, at)) {
            stats.readsFromCache.increment();
            return;
        }
        byte[] got = readSlices(ref, inBlock, SLICE);
        System.arraycopy(got, 0, out, at, SLICE);
        path.cache().insertOwned(key, got, token); // got is this read's own buffer and nothing changes it: no copy for the cache
        stats.readsFromExtents.increment();
    }

    /** Slices {@code [first, last)} of vBlock {@code vb}: cache hits copied, runs of misses read from a replica and cached. */
    private byte[] cachedSlices(VDiskMeta.BlockRef ref, long vb, int first, int last, long token) {
        byte[] slices = new byte[last - first];
        long sliceBase = (vb * VBLOCK + first) / SLICE;
        int count = (last - first) / SLICE;
        int runStart = -1;
        boolean anyHit = false;
        boolean anyMiss = false;
        for (int k = 0; k <= count; k++) {
            if (k < count && !path.cache().read(SliceKey.ofVDisk(id(), sliceBase + k), slices, k * SLICE)) {
                if (runStart < 0) {
                    runStart = k;
                }
                continue;
            }
            anyHit |= k < count;
            if (runStart >= 0) {
                anyMiss = true;
                byte[] got = readSlices(ref, first + runStart * SLICE, (k - runStart) * SLICE);
                if (runStart == 0 && k == count) {
                    slices = got; // all of it missed: the replica's buffer is the result, no copy
                } else {
                    System.arraycopy(got, 0, slices, runStart * SLICE, got.length);
                }
                for (int j = runStart; j < k; j++) {
                    path.cache().insert(SliceKey.ofVDisk(id(), sliceBase + j), slices, j * SLICE, token);
                }
                runStart = -1;
            }
        }
        if (anyHit) {
            stats.readsFromCache.increment();
        }
        if (anyMiss) {
            stats.readsFromExtents.increment();
        }
        return slices;
    }

    /** Verified bytes of an extent (slice-aligned range) from a replica: this node's first, then the others. */
    byte[] readSlices(VDiskMeta.BlockRef ref, int offsetInExtent, int length) {
        return readSlices(ref, offsetInExtent, length, self);
    }

    /** The same, trying {@code first} first (a replica that fails its checksum is repaired from the next good one). */
    private byte[] readSlices(VDiskMeta.BlockRef ref, int offsetInExtent, int length, UUID first) {
        VDiskMeta.Egroup g = egroup(ref.eg()).value();
        int egOffset = ref.slot() * (int) VBLOCK + offsetInExtent;
        List<UUID> order = new ArrayList<>(g.replicas());
        if (order.remove(first)) {
            order.add(0, first);
        }
        List<UUID> bad = new ArrayList<>();
        Throwable last = null;
        for (UUID node : order) {
            try {
                byte[] data = path.readEgroup(node, ref.eg(), egOffset, length);
                for (UUID b : bad) {
                    repair(b, ref.eg(), egOffset, data);
                }
                return data;
            } catch (io.cairn.storage.stargate.internal.estore.SliceChecksumException e) {
                logger.warn("vDisk {}: checksum mismatch in extent group {} on node {} ({}); reading another replica", record.name(),
                        ref.eg(), node, e.getMessage());
                bad.add(node);
                last = e;
            } catch (RuntimeException e) {
                if (e.getMessage() != null && e.getMessage().contains("checksum")) {
                    bad.add(node);
                }
                last = e;
            }
        }
        throw new StargateException(Reason.DATA_ERROR, "no replica of extent group " + ref.eg() + " of vDisk " + record.name()
                + " (on " + order + ") returned verified data; last error: " + (last == null ? "none" : last.getMessage()), last);
    }

    private void repair(UUID node, long eg, int egOffset, byte[] good) {
        try {
            path.repairEgroup(node, eg, egOffset, good);
            stats.checksumRepairs.increment();
            logger.info("vDisk {}: repaired extent group {} on node {} ({} bytes at {})", record.name(), eg, node, good.length, egOffset);
        } catch (RuntimeException e) {
            logger.warn("vDisk {}: could not repair extent group {} on node {}: {}", record.name(), eg, node, e.toString());
        }
    }

    /**
     * The vBlock's extent. The owner is the only writer of the block map, so what it read once stays
     * true (absence included) until its own drain changes it.
     */
    private Optional<VDiskMeta.BlockRef> block(long vb) {
        VDiskMeta.BlockRef cached = blocks.get(vb);
        if (cached != null) {
            return cached == UNMAPPED ? Optional.empty() : Optional.of(cached);
        }
        Optional<VDiskMeta.BlockRef> ref = meta.block(vb);
        blocks.put(vb, ref.orElse(UNMAPPED));
        return ref;
    }

    private static final VDiskMeta.BlockRef UNMAPPED = new VDiskMeta.BlockRef(-1, -1);

    private VDiskMeta.Versioned<VDiskMeta.Egroup> egroup(long eg) {
        VDiskMeta.Versioned<VDiskMeta.Egroup> g = egroups.get(eg);
        if (g == null) {
            long before = quiescent(eg);
            VDiskMeta.Versioned<VDiskMeta.Egroup> loaded = meta.egroup(eg).orElseThrow(() -> new StargateException(Reason.DATA_ERROR,
                    "vDisk " + record.name() + " maps a block to extent group " + eg + ", which has no record"));
            // cached only if no change to the group began since before the read: a repair's or drain's commit removes the entry
            // after its Medusa write (inside its change), and this must not put the older record back after that removal
            egroups.compute(eg, (k, cur) -> cur != null ? cur : before >= 0 && changesStarted(eg) == before ? loaded : null);
            g = loaded;
        }
        return g;
    }

    // ---------------------------------------------------------------- drain

    /** Drains up to one batch; returns the bytes drained (0: nothing undrained). */
    long drainOnce() {
        if (closed) {
            return 0;
        }
        drainLock.lock();
        try {
            if (closed) {
                return 0; // handed over while this drain waited: the new owner drains
            }
            DrainBatch batch = path.oplog().drainable(id(), DRAIN_BATCH_BYTES);
            if (batch.isEmpty()) {
                return 0;
            }
            Map<Long, List<DrainExtent>> byBlock = new java.util.TreeMap<>();
            for (DrainExtent e : batch.extents()) {
                byBlock.computeIfAbsent(e.offset() / VBLOCK, k -> new ArrayList<>()).add(e);
            }
            extentLock.writeLock().lock();
            try {
                persist(byBlock, false);
            } finally {
                extentLock.writeLock().unlock();
            }
            for (DrainExtent e : batch.extents()) {
                path.cache().invalidateRange(cacheOwner(), e.offset(), e.data().length);
            }
            drainNoSpace = null;
            path.oplog().markDrained(batch, path.opTimeout());
            path.releaseOnPeers(batch, peersInUse(), this::peerMayHoldStaleCopies);
            stats.drainedBytes.add(batch.bytes());
            return batch.bytes();
        } catch (StargateException e) {
            throw e;
        } catch (Exception e) {
            throw new StargateException(Reason.UNAVAILABLE, "draining vDisk " + record.name() + " failed: " + e.getMessage(), e);
        } finally {
            drainLock.unlock();
        }
    }

    /**
     * Writes each vBlock's pieces into its extent on every replica (allocating extents for new
     * vBlocks) and records new blocks and changed extent groups in one Medusa batch fenced by the
     * ownership record. A replica that fails is dropped from its group's record when
     * {@code requireAll} is false (the drain: the data stays safe in the OpLog copies until this
     * commits); with {@code requireAll} nothing is recorded and false is returned.
     */
    private boolean persist(Map<Long, List<DrainExtent>> byBlock, boolean requireAll) {
        List<Long> touched = new ArrayList<>();
        try {
            return persist(byBlock, requireAll, touched);
        } finally {
            touched.forEach(this::endChange); // after the record commit: a repair planned meanwhile sees the change
        }
    }

    private boolean persist(Map<Long, List<DrainExtent>> byBlock, boolean requireAll, List<Long> touched) {
        VDiskMeta.Batch commit = meta.batch(ownerVersion);
        Map<Long, VDiskMeta.BlockRef> newBlocks = new HashMap<>();
        Map<Long, VDiskMeta.Egroup> changedEgroups = new LinkedHashMap<>();
        Set<Long> createdEgroups = new HashSet<>();
        List<Long> unmapped = new ArrayList<>();
        try {
            for (Map.Entry<Long, List<DrainExtent>> b : byBlock.entrySet()) {
                long vb = b.getKey();
                Optional<VDiskMeta.BlockRef> ref = block(vb);
                if (b.getValue().stream().allMatch(DrainExtent::allZero)) {
                    if (ref.isEmpty()) {
                        continue; // zeros or an unmap over a vBlock without an extent: it reads as zeros already
                    }
                    if (wholeTrim(vb, b.getValue())) {
                        unmapped.add(vb); // the whole vBlock was unmapped: drop its mapping instead of writing zeros
                        continue;
                    }
                }
                if (requireAll && ref.isEmpty()) {
                    forget(createdEgroups); // a direct write holds only the extent lock's read side: it never allocates
                    return false;
                }
                VDiskMeta.BlockRef target = ref.orElseGet(() -> allocate(vb, changedEgroups, createdEgroups));
                if (ref.isEmpty()) {
                    newBlocks.put(vb, target);
                }
                VDiskMeta.Egroup g = changedEgroups.containsKey(target.eg()) ? changedEgroups.get(target.eg())
                        : egroup(target.eg()).value();
                beginChange(target.eg());
                touched.add(target.eg());
                List<UUID> ok = writeBlock(vb, target, g, b.getValue(), ref.isEmpty());
                if (ok.size() < g.replicas().size()) {
                    if (requireAll) {
                        forget(createdEgroups);
                        return false;
                    }
                    changedEgroups.put(target.eg(), new VDiskMeta.Egroup(ok, g.slots()));
                }
            }
        } catch (StargateException e) {
            forget(createdEgroups);
            if (requireAll && e.reason() != Reason.STALE_OWNER) {
                return false;
            }
            throw e;
        }
        for (Map.Entry<Long, VDiskMeta.BlockRef> e : newBlocks.entrySet()) {
            commit.block(e.getKey(), e.getValue());
        }
        unmapped.forEach(commit::unmap);
        for (Map.Entry<Long, VDiskMeta.Egroup> e : changedEgroups.entrySet()) {
            if (createdEgroups.contains(e.getKey())) {
                commit.newEgroup(e.getKey(), e.getValue());
            } else {
                commit.egroup(e.getKey(), e.getValue(), egroup(e.getKey()).version());
            }
        }
        if (!commit.isEmpty()) {
            try {
                commit.commit();
            } catch (StargateException e) {
                if (e.reason() == Reason.STALE_OWNER) {
                    closed = true;
                }
                forget(createdEgroups);
                // the batch may have been applied all the same (a timeout): read what is committed from Medusa next time,
                // or a cached mapping the batch removed would take the next drain's data where no reader looks
                byBlock.keySet().forEach(blocks::remove);
                egroups.keySet().removeAll(changedEgroups.keySet());
                throw e;
            }
            blocks.putAll(newBlocks);
            unmapped.forEach(vb -> blocks.put(vb, UNMAPPED));
            egroups.keySet().removeAll(changedEgroups.keySet());
        }
        return true;
    }

    /** Whether the pieces of vBlock {@code vb} are one trimmed run over all of it. */
    private static boolean wholeTrim(long vb, List<DrainExtent> pieces) {
        if (pieces.size() != 1) {
            return false; // runs are contiguous within a vBlock, so two runs leave a gap
        }
        DrainExtent e = pieces.getFirst();
        return e.trimmed() && e.offset() == vb * VBLOCK && e.data().length == VBLOCK;
    }

    // ---------------------------------------------------------------- garbage (Curator's requests)

    /**
     * Frees those of {@code candidates} that no vBlock of this vDisk maps (see
     * {@link io.cairn.storage.api.stargate.ExtentGroups#reclaim}). Under the drain lock and the
     * extent lock's write side, so no drain or direct write changes the block map or fills a slot
     * meanwhile: the block map is read from Medusa there (this owner is its only writer), and each
     * free group's record is deleted at the version read, in one batch fenced by the ownership
     * record; the group counts as changed ({@link #beginChange}), so a repair copying it meanwhile
     * does not record its copy. The replicas are deleted after the commit, outside the locks; one
     * that fails stays an orphan for Curator's garbage collection. Returns the groups freed.
     */
    List<Long> reclaim(List<Long> candidates) {
        Map<Long, VDiskMeta.Egroup> freed = new LinkedHashMap<>();
        drainLock.lock();
        try {
            extentLock.writeLock().lock();
            try {
                if (closed) {
                    throw new StargateException(Reason.STALE_OWNER, DataRpc.NOT_OWNER_MARK + ": vDisk " + record.name() + " moved");
                }
                Set<Long> mapped = new HashSet<>();
                meta.blockRefs().values().forEach(ref -> mapped.add(ref.eg()));
                VDiskMeta.Batch commit = meta.batch(ownerVersion);
                for (long eg : new java.util.LinkedHashSet<>(candidates)) {
                    if (mapped.contains(eg)) {
                        continue; // still (or again) mapped: not garbage
                    }
                    Optional<VDiskMeta.Versioned<VDiskMeta.Egroup>> g = meta.egroup(eg);
                    if (g.isPresent()) {
                        commit.deleteEgroup(eg, g.get().version());
                        freed.put(eg, g.get().value());
                    }
                }
                if (freed.isEmpty()) {
                    return List.of();
                }
                freed.keySet().forEach(this::beginChange);
                try {
                    commit.commit();
                    egroups.keySet().removeAll(freed.keySet());
                    if (freed.containsKey(openEgroup)) {
                        openEgroup = -1;
                    }
                } catch (StargateException e) {
                    if (e.reason() == Reason.STALE_OWNER) {
                        closed = true;
                    }
                    // the deletions may have been applied all the same (a timeout): forget the groups, read them again
                    egroups.keySet().removeAll(freed.keySet());
                    openEgroup = -1;
                    throw e;
                } finally {
                    freed.keySet().forEach(this::endChange);
                }
                blocks.values().removeIf(ref -> freed.containsKey(ref.eg())); // none should: Medusa maps no block to them
            } finally {
                extentLock.writeLock().unlock();
            }
        } finally {
            drainLock.unlock();
        }
        for (Map.Entry<Long, VDiskMeta.Egroup> e : freed.entrySet()) {
            for (UUID node : e.getValue().replicas()) {
                try {
                    path.deleteEgroup(node, e.getKey());
                } catch (RuntimeException x) {
                    logger.info("vDisk {}: the replica of freed extent group {} on {} stays until Curator collects it as an orphan: {}",
                            record.name(), e.getKey(), node, x.toString());
                }
            }
        }
        logger.info("vDisk {}: freed {} extent group(s) no vBlock maps any more: {}", record.name(), freed.size(), freed.keySet());
        return List.copyOf(freed.keySet());
    }

    // ---------------------------------------------------------------- redundancy (Curator's requests)

    /**
     * Restores the replication factor of extent group {@code eg} (see
     * {@link io.cairn.storage.api.stargate.ExtentGroups#protect}). When no change to the group is in
     * flight, the plan (which replicas live, which nodes take copies) and the copying, the long parts,
     * run without the vDisk's locks, so user I/O, the drain and the repairs of other groups of this
     * vDisk go on meanwhile; the record is then changed under the extent lock's write side, by this
     * owner only, fenced by its ownership record, and only when no change to the group started since
     * the plan ({@link #changesStarted}). Otherwise the whole repair runs again under the drain and
     * extent locks (the copies made meanwhile are left as orphans for Curator). Surplus removal and
     * the repair of scrubbed replicas run under the locks throughout.
     */
    ExtentGroups.Protection protect(long eg) {
        long generation = quiescent(eg);
        Optional<CopyPlan> p = Optional.empty();
        if (generation >= 0) {
            Optional<ReplicaView> view = view(eg);
            if (view.isEmpty()) {
                return new ExtentGroups.Protection(eg, List.of(), List.of()); // deleted meanwhile
            }
            ReplicaView v = view.get();
            if (v.rotten().isEmpty() && v.live().size() == record.replicationFactor() && v.live().equals(v.group().replicas())) {
                return new ExtentGroups.Protection(eg, List.of(), List.of()); // healthy: nothing to do, no lock taken
            }
            p = planCopy(v, eg, generation);
        }
        if (p.isEmpty()) {
            return protectUnderLocks(eg);
        }
        CopyPlan plan = p.get();
        List<UUID> added = copy(plan);
        extentLock.writeLock().lock();
        try {
            // writes to the group (direct ones and the drain's) run under the read or write side, so none is in flight here
            if (!closed && changesStarted(eg) == plan.generation()) {
                return commit(plan, added);
            }
        } finally {
            extentLock.writeLock().unlock();
        }
        logger.info("vDisk {}: extent group {} changed while it was copied to {}; copying again under the locks", record.name(), eg, added);
        return protectUnderLocks(eg);
    }

    private ExtentGroups.Protection protectUnderLocks(long eg) {
        drainLock.lock();
        try {
            extentLock.writeLock().lock();
            try {
                return protectLocked(eg);
            } finally {
                extentLock.writeLock().unlock();
            }
        } finally {
            drainLock.unlock();
        }
    }

    /**
     * Changes to each extent group since this owner took the vDisk, by the group's id modulo the
     * arrays (so unrelated groups may share a counter; that only costs a repair its lock-free path):
     * a change (the data writes of a drain or direct write together with their record commit, or a
     * repair's record commit) counts one in {@code changesStarted} before it begins and one in
     * {@code changesFinished} after it ended, successful or not. A repair that reads both equal
     * before its plan (no change in flight) and {@code changesStarted} unchanged at its commit copied
     * data and planned from a record that nobody changed meanwhile.
     */
    private final java.util.concurrent.atomic.AtomicLongArray changesStarted = new java.util.concurrent.atomic.AtomicLongArray(1024);
    private final java.util.concurrent.atomic.AtomicLongArray changesFinished = new java.util.concurrent.atomic.AtomicLongArray(1024);

    private static int changeSlot(long eg) {
        return (int) Math.floorMod(eg, 1024L);
    }

    private void beginChange(long eg) {
        changesStarted.incrementAndGet(changeSlot(eg));
    }

    private void endChange(long eg) {
        changesFinished.incrementAndGet(changeSlot(eg));
    }

    private long changesStarted(long eg) {
        return changesStarted.get(changeSlot(eg));
    }

    /**
     * The group's change count when no change to it is in flight, else -1. Reads the finished count
     * first: started never falls below finished and only grows, so equal reads in this order mean
     * that nothing was in flight when the finished count was read and nothing began until the
     * started count was.
     */
    private long quiescent(long eg) {
        long finished = changesFinished.get(changeSlot(eg));
        long started = changesStarted.get(changeSlot(eg));
        return started == finished ? started : -1;
    }

    /**
     * A repair that only adds copies: the record as read (and its version), the live replicas, the
     * nodes to copy to, the bytes to copy and the group's write count when planned.
     */
    private record CopyPlan(long eg, VDiskMeta.Egroup group, long version, List<UUID> live, List<UUID> targets, long bytes,
            long generation) {
    }

    /**
     * An extent group's record as read now (and its version), the live nodes, its replicas on live
     * nodes that still hold it (a live node that answers that it has no copy lost it, e.g. a failed
     * disk: it counts as gone) and those of them whose scrubber flagged them failing.
     */
    private record ReplicaView(VDiskMeta.Egroup group, long version, Set<UUID> alive, List<UUID> live, List<UUID> rotten) {
    }

    /** The group's {@link ReplicaView}; empty when its record is gone (deleted meanwhile). */
    private Optional<ReplicaView> view(long eg) {
        if (closed) {
            throw new StargateException(Reason.STALE_OWNER, DataRpc.NOT_OWNER_MARK + ": vDisk " + record.name() + " moved");
        }
        Optional<VDiskMeta.Versioned<VDiskMeta.Egroup>> found = meta.egroup(eg);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        VDiskMeta.Egroup g = found.get().value();
        Set<UUID> alive = path.peers().alive();
        Map<UUID, boolean[]> states = new HashMap<>();
        g.replicas().stream().filter(alive::contains).forEach(n -> path.replicaState(n, eg).ifPresent(st -> states.put(n, st)));
        List<UUID> live = g.replicas().stream().filter(alive::contains).filter(n -> !states.containsKey(n) || states.get(n)[0]).toList();
        List<UUID> rotten = live.stream().filter(n -> states.containsKey(n) && states.get(n)[1]).toList();
        return Optional.of(new ReplicaView(g, found.get().version(), alive, live, rotten));
    }

    /** The plan when the repair only adds copies, else empty (run it all under the locks). */
    private Optional<CopyPlan> planCopy(ReplicaView v, long eg, long generation) {
        int rf = record.replicationFactor();
        if (!v.rotten().isEmpty() || v.live().isEmpty() || v.live().size() >= rf) {
            return Optional.empty();
        }
        return Optional.of(new CopyPlan(eg, v.group(), v.version(), v.live(), targets(v.group(), v.alive(), v.live(), rf, eg),
                (long) v.group().slots() * VBLOCK, generation));
    }

    /** Nodes to take the missing copies: live, not holding one, on fault domains the live replicas do not use. */
    private List<UUID> targets(VDiskMeta.Egroup g, Set<UUID> alive, List<UUID> live, int rf, long eg) {
        Set<UUID> exclude = new HashSet<>(g.replicas());
        exclude.removeAll(alive.stream().filter(n -> !live.contains(n)).toList()); // a live node that lost its copy may take a new one
        exclude.addAll(live);
        List<UUID> targets = path.peers().choose(rf - live.size(), exclude, live, eg);
        if (targets.isEmpty()) {
            throw new StargateException(Reason.UNAVAILABLE, "extent group " + eg + " of vDisk " + record.name() + " has "
                    + live.size() + " of " + rf + " replicas and no other live node can take a copy now");
        }
        return targets;
    }

    /** Has each target pull the group from the live replicas (this node's first); returns the targets that took it. */
    private List<UUID> copy(CopyPlan plan) {
        List<UUID> added = new ArrayList<>();
        for (UUID target : plan.targets()) {
            try {
                // the target pulls from the live replicas: the copy's bytes do not pass through here
                List<UUID> sources = new ArrayList<>(plan.live());
                if (sources.remove(self)) {
                    sources.add(0, self);
                }
                path.copyTo(target, plan.eg(), plan.bytes(), sources, id(), epoch);
                added.add(target);
            } catch (StargateException e) {
                if (e.reason() == Reason.STALE_OWNER) {
                    throw e;
                }
                logger.warn("vDisk {}: copying extent group {} to {} failed: {}", record.name(), plan.eg(), target, e.getMessage());
            }
        }
        if (added.isEmpty()) {
            throw new StargateException(Reason.UNAVAILABLE, "extent group " + plan.eg() + " of vDisk " + record.name()
                    + ": no copy to " + plan.targets() + " succeeded; Curator tries again");
        }
        return added;
    }

    /** Records the live replicas and the new copies (under the locks, fenced by the ownership record). */
    private ExtentGroups.Protection commit(CopyPlan plan, List<UUID> added) {
        List<UUID> keep = new ArrayList<>(plan.live());
        keep.addAll(added);
        return record(plan.eg(), plan.group(), plan.version(), plan.live(), keep, added, List.of());
    }

    private ExtentGroups.Protection protectLocked(long eg) {
        Optional<ReplicaView> view = view(eg);
        if (view.isEmpty()) {
            return new ExtentGroups.Protection(eg, List.of(), List.of()); // deleted meanwhile
        }
        VDiskMeta.Egroup g = view.get().group();
        long version = view.get().version();
        Set<UUID> alive = view.get().alive();
        List<UUID> live = view.get().live();
        List<UUID> rotten = view.get().rotten();
        int rf = record.replicationFactor();
        if (!rotten.isEmpty()) {
            // the scrubber found slices failing their checksum there: read every slot with that replica first, so
            // the bad slices are detected and rewritten with verified data from another replica
            for (UUID bad : rotten) {
                for (int slot = 0; slot < g.slots(); slot++) {
                    readSlices(new VDiskMeta.BlockRef(eg, slot), 0, (int) VBLOCK, bad);
                }
            }
            logger.info("vDisk {}: extent group {}: scrubbed replica(s) on {} repaired", record.name(), eg, rotten);
        }
        List<UUID> added = new ArrayList<>();
        List<UUID> removed = new ArrayList<>();
        List<UUID> keep = new ArrayList<>(live);
        if (live.size() > rf) {
            // surplus: keep the first rf (the placement order, distinct fault domains), delete the rest
            keep = new ArrayList<>(live.subList(0, rf));
            removed.addAll(live.subList(rf, live.size()));
        } else if (live.size() < rf) {
            if (live.isEmpty()) {
                throw new StargateException(Reason.UNAVAILABLE, "extent group " + eg + " of vDisk " + record.name()
                        + " has no replica on a live node (" + g.replicas() + "): it is rebuilt when one of them returns");
            }
            CopyPlan plan = new CopyPlan(eg, g, version, live, targets(g, alive, live, rf, eg), (long) g.slots() * VBLOCK,
                    changesStarted(eg));
            added.addAll(copy(plan));
            keep.addAll(added);
        }
        return record(eg, g, version, live, keep, added, removed);
    }

    /** Writes the group's new replica list (if it changed) and deletes the surplus replicas. */
    private ExtentGroups.Protection record(long eg, VDiskMeta.Egroup g, long version, List<UUID> live, List<UUID> keep, List<UUID> added,
            List<UUID> removed) {
        if (keep.equals(g.replicas())) {
            return new ExtentGroups.Protection(eg, List.of(), List.of());
        }
        VDiskMeta.Batch commit = meta.batch(ownerVersion);
        commit.egroup(eg, new VDiskMeta.Egroup(List.copyOf(keep), g.slots()), version);
        beginChange(eg);
        try {
            commit.commit();
            egroups.remove(eg);
        } finally {
            endChange(eg);
        }
        for (UUID node : removed) {
            try {
                path.deleteEgroup(node, eg);
            } catch (RuntimeException e) {
                logger.info("vDisk {}: surplus replica of extent group {} on {} stays until the next scan: {}", record.name(), eg, node,
                        e.toString());
            }
        }
        logger.info("vDisk {}: extent group {} now on {} (added {}, removed {}, replaced {})", record.name(), eg, keep, added, removed,
                g.replicas().stream().filter(n -> !live.contains(n)).toList());
        return new ExtentGroups.Protection(eg, added, removed);
    }

    /** Forgets extent groups allocated by a batch that was not recorded. */
    private void forget(Set<Long> createdEgroups) {
        createdEgroups.forEach(egroups::remove);
        openEgroup = -1;
    }

    /** A slot for vBlock {@code vb} in the open extent group, or a new group on RF nodes (this one first). */
    private VDiskMeta.BlockRef allocate(long vb, Map<Long, VDiskMeta.Egroup> changed, Set<Long> created) {
        if (openEgroup >= 0) {
            VDiskMeta.Egroup g = changed.containsKey(openEgroup) ? changed.get(openEgroup) : egroup(openEgroup).value();
            if (g.slots() < VDiskMeta.SLOTS_PER_EGROUP) {
                VDiskMeta.Egroup more = new VDiskMeta.Egroup(g.replicas(), g.slots() + 1);
                changed.put(openEgroup, more);
                return new VDiskMeta.BlockRef(openEgroup, g.slots());
            }
        }
        long eg = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        List<UUID> replicas = new ArrayList<>();
        Map<UUID, Long> free = path.peers().free();
        if (free.containsKey(self) && !Peers.hasRoom(free, self)) {
            // this node's disks are (nearly) full: the group goes to nodes with room if enough have it, not here
            List<UUID> others = path.peers().choose(record.replicationFactor(), Set.of(self), List.of(), eg);
            if (others.size() == record.replicationFactor() && others.stream().allMatch(n -> Peers.hasRoom(free, n))) {
                replicas.addAll(others);
            }
        }
        if (replicas.isEmpty()) {
            replicas.add(self);
            replicas.addAll(path.peers().choose(record.replicationFactor() - 1, Set.of(self), List.of(self), eg));
        }
        if (replicas.size() < record.replicationFactor()) {
            throw new StargateException(Reason.UNAVAILABLE, "vDisk " + record.name() + " is RF" + record.replicationFactor() + " but only "
                    + replicas.size() + " Stargate(s) on distinct fault domains are up: its data stays in the OpLog until more return");
        }
        VDiskMeta.Egroup g = new VDiskMeta.Egroup(List.copyOf(replicas), 1);
        changed.put(eg, g);
        created.add(eg);
        egroups.put(eg, new VDiskMeta.Versioned<>(g, 0));
        openEgroup = eg;
        return new VDiskMeta.BlockRef(eg, 0);
    }

    /**
     * Writes the drained pieces of one vBlock into its extent on every replica (slice-aligned: edge
     * slices are read and merged first). Returns the replicas that took it.
     */
    private List<UUID> writeBlock(long vb, VDiskMeta.BlockRef ref, VDiskMeta.Egroup g, List<DrainExtent> pieces, boolean fresh) {
        long base = vb * VBLOCK;
        int lo = Integer.MAX_VALUE;
        int hi = 0;
        for (DrainExtent e : pieces) {
            lo = Math.min(lo, (int) (e.offset() - base));
            hi = Math.max(hi, (int) (e.offset() - base) + e.data().length);
        }
        int first = lo / SLICE * SLICE;
        int last = (hi + SLICE - 1) / SLICE * SLICE;
        byte[] image;
        if (fresh) {
            image = new byte[last - first];
        } else if (first == lo && last == hi && covers(pieces, lo, hi)) {
            image = new byte[last - first];
        } else {
            image = readSlices(ref, first, last - first);
        }
        for (DrainExtent e : pieces) {
            int at = (int) (e.offset() - base) - first;
            if (e.allZero()) {
                java.util.Arrays.fill(image, at, at + e.data().length, (byte) 0);
            } else {
                System.arraycopy(e.data(), 0, image, at, e.data().length);
            }
        }
        int egOffset = ref.slot() * (int) VBLOCK + first;
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (UUID node : g.replicas()) {
            writes.add(path.writeEgroup(node, ref.eg(), egOffset, image, id(), epoch));
        }
        List<UUID> ok = new ArrayList<>();
        Throwable last1 = null;
        for (int i = 0; i < writes.size(); i++) {
            try {
                writes.get(i).get(path.opTimeout().toMillis(), TimeUnit.MILLISECONDS);
                ok.add(g.replicas().get(i));
            } catch (ExecutionException | TimeoutException e) {
                last1 = e instanceof ExecutionException ? e.getCause() : e;
                logger.warn("vDisk {}: extent group {} replica on {} failed during drain: {}", record.name(), ref.eg(), g.replicas().get(i),
                        last1.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StargateException(Reason.TIMEOUT, "interrupted while draining");
            }
        }
        if (ok.isEmpty()) {
            if (noSpace(last1)) {
                drainNoSpace = "no replica of extent group " + ref.eg() + " on " + g.replicas() + " has room: " + last1.getMessage();
            }
            throw new StargateException(Reason.UNAVAILABLE, "no replica of extent group " + ref.eg() + " took drained data ("
                    + (last1 == null ? "" : last1.getMessage()) + "); it stays in the OpLog");
        }
        return ok;
    }

    /** A write refused because this vDisk's OpLog cannot drain for lack of space ({@link #drainNoSpace}). */
    private static StargateException storageFull(String what, String whyNoDrain, Throwable cause) {
        return new StargateException(Reason.STORAGE_FULL, "cluster storage full: " + what + ", and this vDisk's OpLog cannot drain ("
                + whyNoDrain + "); delete data or add capacity", cause);
    }

    /** Whether {@code t} (or a cause) is a replica's "no room": a full disk, locally or on a peer (an RPC failure carries the remote code). */
    static boolean noSpace(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof io.cairn.common.error.CairnException ce && ce.code() == io.cairn.common.error.ErrorCode.RESOURCE_EXHAUSTED) {
                return true;
            }
        }
        return false;
    }

    private static boolean covers(List<DrainExtent> pieces, int lo, int hi) {
        long covered = 0;
        for (DrainExtent e : pieces) {
            covered += e.data().length;
        }
        return covered >= hi - lo;
    }

    // ---------------------------------------------------------------- 2009 page

    /** This vDisk's row of the 2009 page: operations, latency, write destination, read source. */
    Map<String, Object> page() {
        Map<String, Object> m = new LinkedHashMap<>();
        long writes = stats.writes.sum();
        long reads = stats.reads.sum();
        m.put("vdisk", record.name());
        m.put("uuid", record.uuid().toString());
        m.put("id", record.id());
        m.put("epoch", epoch);
        m.put("forwarded_from", follow.from().map(UUID::toString).orElse(null));
        m.put("forwarded_only_secs", follow.streak().toSeconds());
        m.put("rf", record.replicationFactor());
        m.put("writes", writes);
        m.put("reads", reads);
        m.put("bytes_written", stats.bytesWritten.sum());
        m.put("bytes_read", stats.bytesRead.sum());
        m.put("avg_write_us", writes == 0 ? 0 : stats.writeNanos.sum() / writes / 1000);
        m.put("avg_read_us", reads == 0 ? 0 : stats.readNanos.sum() / reads / 1000);
        m.put("writes_to_oplog", stats.oplogWrites.sum());
        m.put("writes_to_extent_store", stats.extentStoreWrites.sum());
        m.put("reads_from_oplog", stats.readsFromOplog.sum());
        m.put("reads_from_cache", stats.readsFromCache.sum());
        m.put("reads_from_extent_store", stats.readsFromExtents.sum());
        m.put("undrained_bytes", path.oplog().undrainedBytes(id()));
        m.put("drained_bytes", stats.drainedBytes.sum());
        m.put("checksum_repairs", stats.checksumRepairs.sum());
        Map<String, List<String>> peers = new LinkedHashMap<>();
        peerCopies().forEach((region, nodes) -> peers.put(Long.toString(region), nodes.stream().map(UUID::toString).toList()));
        m.put("oplog_peers_per_gib", peers);
        return m;
    }

    // ---------------------------------------------------------------- checks

    private void check(long offset, long length) {
        if (offset < 0 || length <= 0 || offset % 512 != 0 || length % 512 != 0) {
            throw new StargateException(Reason.INVALID_REQUEST, "I/O of " + length + " bytes at offset " + offset + " on vDisk "
                    + record.name() + " is not aligned: offset and length must be positive multiples of 512 bytes");
        }
        if (offset > record.sizeBytes() - length) {
            throw new StargateException(Reason.INVALID_REQUEST, "I/O of " + length + " bytes at offset " + offset
                    + " goes past the end of vDisk " + record.name() + " (" + record.sizeBytes() + " bytes)");
        }
    }
}
