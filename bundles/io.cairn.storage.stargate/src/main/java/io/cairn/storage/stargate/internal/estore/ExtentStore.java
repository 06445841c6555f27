package io.cairn.storage.stargate.internal.estore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.storage.api.local.LocalEntry;
import io.cairn.storage.api.local.LocalMetadataStore;
import io.cairn.storage.api.local.LocalWrite;
import io.cairn.hal.api.BlockDevice;
import io.cairn.storage.stargate.internal.estore.DiskBackend.Listing;
import io.cairn.storage.stargate.internal.estore.ExtentStoreException.Reason;

/**
 * This node's extent store (spec 20 §5, §9): its replicas of extent groups, one sparse file per
 * egroup on one of the node's disks (on a disk backed by a HAL block device, one 4 MiB slot of the
 * device), written and read in whole 4 KiB slices. Every slice's CRC32C
 * is recorded in the node-local metadata store when it is written and checked on every read, so
 * corrupt data is never returned: the caller gets a {@link SliceChecksumException}, reads another
 * replica and {@link #repair repairs} this one. Which nodes hold an egroup is global metadata and
 * not this class's business.
 *
 * <p><b>Durability.</b> When {@link #write} or {@link #repair} returns, the data is fdatasync'd
 * and then its checksums are in the node-local metadata store (which fsyncs). Crash semantics, file
 * and metadata formats are in the package documentation.
 *
 * <p><b>Concurrency.</b> All methods are thread-safe. Operations on one egroup lock the slices they
 * touch ({@link SliceRangeLock}): writes of distinct ranges of one egroup run their data I/O in
 * parallel and only serialize the update of the egroup's metadata record; overlapping writes, and
 * reads overlapping a write, wait for each other.
 *
 * <p><b>Disks.</b> A disk that cannot be opened starts offline; an I/O error is reported to the
 * {@link DiskFailureListener} and thrown as a {@link DiskException}; {@link #takeOffline} makes the
 * egroups on a disk unavailable and {@link #bringOnline} available again. Nothing here retries:
 * the caller reads another replica.
 *
 * <p><b>Busy time.</b> Each disk adds up how long the data I/O of reads, writes and repairs took
 * ({@link #busyNanos}; not {@link #verify}'s), for the {@link Scrubber}, which scrubs a disk only
 * while that stays low.
 *
 * <p>The store does not own the {@link LocalMetadataStore}: close this store first, then the metadata store.
 */
public final class ExtentStore implements AutoCloseable, Scrubber.Store {

    /** The checksum and I/O unit. */
    public static final int SLICE_BYTES = 4096;
    /** The largest egroup (spec 20 §1). */
    public static final int EGROUP_BYTES = 4 << 20;
    public static final int SLICES_PER_EGROUP = EGROUP_BYTES / SLICE_BYTES;
    /** The directory under each disk's root that holds the egroup files. */
    public static final String DIRECTORY = "estore";
    /** The suffix of egroup files: {@code <16 hex digits of the egroup id>.eg}. */
    public static final String FILE_SUFFIX = ".eg";

    private static final int SCAN_PAGE = 1000;
    private static final int VERIFY_CHUNK_SLICES = 64;
    private static final byte[] ZERO_SLICE = new byte[SLICE_BYTES];
    /** Records kept decoded (about 4.3 KiB each: 4,096 of them cover 16 GiB of egroups in ~18 MiB). */
    static final int RECORD_CACHE_ENTRIES = 4096;

    private final Logger logger = LoggerFactory.getLogger(ExtentStore.class);
    private final LocalMetadataStore metadata;
    private final Map<String, Disk> disks; // configuration order
    private final DiskFailureListener failureListener;
    private final LongSupplier nanoTime;
    private final LongSupplier wallMillis;
    private final ConcurrentHashMap<Long, EgroupState> egroups = new ConcurrentHashMap<>();
    /**
     * Decoded records of recently used egroups, kept after their {@link EgroupState} is gone: without
     * it every read of an idle egroup (the common case: one 4 KiB read at a time) read and decoded its
     * record (~4 KiB of checksums) from the metadata store. Records are immutable; an entry changes
     * only under the egroup's record lock, as the metadata store's record does, and is removed when
     * the outcome of a metadata write is unknown. Bounded by {@link #RECORD_CACHE_ENTRIES}.
     */
    private final ConcurrentHashMap<Long, EgroupRecord> records = new ConcurrentHashMap<>();
    private final LongAdder checksumErrors = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder slicesRepaired = new LongAdder();
    private final LongAdder scrubBytes = new LongAdder();
    private final LongAdder diskIoErrors = new LongAdder();
    private volatile boolean closed;

    private ExtentStore(LocalMetadataStore metadata, DiskFailureListener failureListener, LongSupplier nanoTime,
            LongSupplier wallMillis) {
        this.metadata = metadata;
        this.failureListener = failureListener;
        this.nanoTime = nanoTime;
        this.wallMillis = wallMillis;
        this.disks = new LinkedHashMap<>();
    }

    /**
     * Opens the store on {@code disks} (at least one; distinct ids and roots) with its records in
     * {@code metadata}: creates each disk's {@value #DIRECTORY} directory if missing, counts each
     * disk's egroups and used bytes from the metadata's disk index, and removes egroup files that
     * have no metadata record (left by a crash while an egroup was being created or deleted). A disk
     * whose directory cannot be created or listed starts offline and is reported to
     * {@code failureListener}.
     */
    public static ExtentStore open(LocalMetadataStore metadata, List<DiskSpec> disks, DiskFailureListener failureListener) {
        return open(metadata, disks, failureListener, System::nanoTime);
    }

    /**
     * As {@link #open(LocalMetadataStore, List, DiskFailureListener)}, measuring each disk's
     * {@linkplain #busyNanos busy time} with {@code nanoTime} (monotonic nanoseconds: the node's clock).
     */
    public static ExtentStore open(LocalMetadataStore metadata, List<DiskSpec> disks, DiskFailureListener failureListener,
            LongSupplier nanoTime) {
        return open(metadata, disks, failureListener, nanoTime, System::currentTimeMillis, deviceId -> null);
    }

    /**
     * As {@link #open(LocalMetadataStore, List, DiskFailureListener, LongSupplier)}, with the wall
     * clock ({@code wallMillis}, epoch milliseconds) that stamps the last-written time of replicas on
     * block devices, and the HAL block devices present now ({@code devices}: the device with a
     * {@code hal.device.id}, or null). A device-backed disk ({@link DiskSpec#halDevice()}) whose
     * device is not present starts offline until {@link #attachDevice} (not an I/O error); one whose
     * device holds another disk or foreign data starts offline with a warning saying what to do.
     */
    public static ExtentStore open(LocalMetadataStore metadata, List<DiskSpec> disks, DiskFailureListener failureListener,
            LongSupplier nanoTime, LongSupplier wallMillis, Function<String, BlockDevice> devices) {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(failureListener, "failureListener");
        Objects.requireNonNull(nanoTime, "nanoTime");
        Objects.requireNonNull(wallMillis, "wallMillis");
        Objects.requireNonNull(devices, "devices");
        if (disks.isEmpty()) {
            throw new ExtentStoreException(Reason.INVALID_REQUEST, "the extent store needs at least one disk; configure the node's data disks");
        }
        Set<Path> roots = new HashSet<>();
        Set<String> halDevices = new HashSet<>();
        ExtentStore store = new ExtentStore(metadata, failureListener, nanoTime, wallMillis);
        for (DiskSpec spec : disks) {
            if (store.disks.containsKey(spec.id()) || !roots.add(spec.root().toAbsolutePath().normalize())) {
                throw new ExtentStoreException(Reason.INVALID_REQUEST, "disk '" + spec.id() + "' at " + spec.root()
                        + " repeats the id or root of another disk; give every disk its own id and directory");
            }
            if (spec.halDevice() != null && !halDevices.add(spec.halDevice())) {
                throw new ExtentStoreException(Reason.INVALID_REQUEST, "disk '" + spec.id() + "' names HAL device '" + spec.halDevice()
                        + "', which another disk already uses; give every disk its own device");
            }
            store.disks.put(spec.id(), store.openDisk(spec, spec.halDevice() == null ? null : devices.apply(spec.halDevice())));
        }
        return store;
    }

    // ---- data path ----

    /**
     * Writes {@code data} (its remaining bytes, a multiple of {@value #SLICE_BYTES}) at {@code offset}
     * (a multiple of {@value #SLICE_BYTES}; the range inside [0, {@value #EGROUP_BYTES})) of the egroup,
     * creating it on the online disk with the most free space if this node has no replica yet. Durable
     * when it returns; consumes {@code data}.
     *
     * @throws ExtentStoreException {@code INVALID_REQUEST}, {@code NO_SPACE}, {@code CLOSED}; a
     *         {@link DiskException} when the egroup's disk is offline or failed (outcome unknown)
     */
    public void write(long egroupId, int offset, ByteBuffer data) {
        store(egroupId, offset, data, null);
    }

    /**
     * As {@link #write(long, int, ByteBuffer)}, creating the egroup on disk {@code diskId} (e.g. by
     * disk balancing or ILM); if the egroup already exists it must be on that disk.
     */
    public void write(long egroupId, int offset, ByteBuffer data, String diskId) {
        store(egroupId, offset, data, Objects.requireNonNull(diskId, "diskId"));
    }

    /**
     * Reads {@code length} bytes at {@code offset} (both multiples of {@value #SLICE_BYTES}, inside
     * the egroup), verifying every slice: written slices against their CRC32C, never-written slices
     * as all zeros. Returns a new heap buffer positioned at 0.
     *
     * @throws SliceChecksumException when any slice fails (names the egroup, disk and slices; nothing returned)
     * @throws ExtentStoreException   {@code INVALID_REQUEST}, {@code NOT_FOUND}, {@code CORRUPT_METADATA},
     *                                {@code CLOSED}; a {@link DiskException} when the disk is offline or failed
     */
    public ByteBuffer read(long egroupId, int offset, int length) {
        checkOpen();
        checkRange("read", egroupId, offset, length);
        int first = offset / SLICE_BYTES;
        ByteBuffer data = withSlices(egroupId, first, first + length / SLICE_BYTES - 1, false, state -> {
            EgroupRecord record = requireRecord(state, egroupId, "read");
            Disk disk = onlineDisk(record.diskId(), egroupId);
            DiskBackend backend = disk.backend;
            long started = nanoTime.getAsLong();
            ByteBuffer buf;
            try {
                buf = readData(disk, backend, egroupId, record, offset, length);
            } finally {
                disk.busyNanos.add(nanoTime.getAsLong() - started);
            }
            List<Integer> bad = badSlices(record, first, buf);
            if (!bad.isEmpty()) {
                checksumErrors.add(bad.size());
                SliceChecksumException e = new SliceChecksumException(egroupId, disk.spec.id(), backend.file(egroupId),
                        backend.locate(egroupId, record), bad);
                logger.info("{}", e.getMessage());
                throw e;
            }
            return buf;
        });
        bytesRead.add(length);
        return data;
    }

    /**
     * Rewrites the slices of an existing egroup that still need it with good data (read from another
     * replica after a {@link SliceChecksumException} or {@link #verify}); same durability as
     * {@link #write}. Under the exclusive slice lock every write holds, a slice is rewritten only if it
     * still fails its check here, or was never written here while the good data has bytes in it: a
     * slice that verifies was written since the good data was read (a direct write racing the
     * repair) and is newer than it, so it is left alone. Returns the number of slices rewritten.
     *
     * @throws ExtentStoreException {@code NOT_FOUND} when this node holds no replica of the egroup
     */
    public int repair(long egroupId, int offset, ByteBuffer goodData) {
        checkOpen();
        int length = goodData.remaining();
        checkRange("repair", egroupId, offset, length);
        ByteBuffer good = goodData.slice();
        int first = offset / SLICE_BYTES;
        int count = length / SLICE_BYTES;
        int rewritten = withSlices(egroupId, first, first + count - 1, true, state -> {
            EgroupRecord record;
            state.recordLock.lock();
            try {
                record = requireRecord(state, egroupId, "repair");
            } finally {
                state.recordLock.unlock();
            }
            Disk disk = onlineDisk(record.diskId(), egroupId);
            ByteBuffer current = readData(disk, disk.backend, egroupId, record, offset, length);
            java.util.BitSet stale = new java.util.BitSet(count);
            for (int slice : badSlices(record, first, current)) {
                stale.set(slice - first);
            }
            for (int i = 0; i < count; i++) {
                if (!record.isWritten(first + i) && !isZero(good, i * SLICE_BYTES)) {
                    stale.set(i);
                }
            }
            int n = 0;
            for (int a = stale.nextSetBit(0); a >= 0; a = stale.nextSetBit(stale.nextClearBit(a))) {
                int b = stale.nextClearBit(a); // the run is slices a..b-1 of the range
                storeLocked(state, true, egroupId, offset + a * SLICE_BYTES,
                        good.slice(a * SLICE_BYTES, (b - a) * SLICE_BYTES), null);
                n += b - a;
            }
            return n;
        });
        goodData.position(goodData.limit());
        if (rewritten > 0) {
            bytesWritten.add((long) rewritten * SLICE_BYTES);
            slicesRepaired.add(rewritten);
            logger.info("Repaired {} of slices {}..{} of egroup {}", rewritten, first, first + count - 1, hex(egroupId));
        } else {
            logger.info("Repair of slices {}..{} of egroup {}: every slice verifies now (rewritten since the good copy was read)", first,
                    first + count - 1, hex(egroupId));
        }
        return rewritten;
    }

    private static boolean isZero(ByteBuffer data, int from) {
        for (int i = from; i < from + SLICE_BYTES; i++) {
            if (data.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks every slice of the egroup (the scrubber's pass, spec 20 §9) and returns the slices that
     * fail, ascending (empty: all good). Checks a chunk of slices at a time, so writes to the rest of
     * the egroup proceed meanwhile. Failed slices count as {@code checksumErrors}.
     */
    public List<Integer> verify(long egroupId) {
        checkOpen();
        List<Integer> bad = new ArrayList<>();
        for (int first = 0; first < SLICES_PER_EGROUP; first += VERIFY_CHUNK_SLICES) {
            int chunkFirst = first;
            bad.addAll(withSlices(egroupId, chunkFirst, chunkFirst + VERIFY_CHUNK_SLICES - 1, false, state -> {
                EgroupRecord record = requireRecord(state, egroupId, "verify");
                Disk disk = onlineDisk(record.diskId(), egroupId);
                ByteBuffer buf = readData(disk, disk.backend, egroupId, record, chunkFirst * SLICE_BYTES, VERIFY_CHUNK_SLICES * SLICE_BYTES);
                scrubBytes.add(buf.capacity());
                return badSlices(record, chunkFirst, buf);
            }));
        }
        if (!bad.isEmpty()) {
            checksumErrors.add(bad.size());
            logger.info("verify: egroup {} has {} slice(s) failing their CRC32C check: {}", hex(egroupId), bad.size(), bad);
        }
        return bad;
    }

    /**
     * Deletes this node's replica of the egroup: first its metadata (durable when this returns),
     * then its file (or its device slot is discarded and freed). Returns false if there was none. If
     * the file cannot be removed (disk offline or failing) it is removed when the store next opens; a
     * device slot is free once the metadata is gone (a new egroup discards its slot first).
     */
    public boolean delete(long egroupId) {
        return deleteIf(egroupId, null);
    }

    /**
     * Deletes the egroup as {@link #delete} does, but only if it was last written before
     * {@code since} (an egroup whose write time is unknown, e.g. on an offline disk, is kept). The
     * check runs under the same exclusive slice lock as the deletion, which every write holds while
     * it writes, so no write can land between them. Returns whether it was deleted.
     */
    public boolean deleteIfUnwrittenSince(long egroupId, java.time.Instant since) {
        return deleteIf(egroupId, java.util.Objects.requireNonNull(since, "since"));
    }

    private boolean deleteIf(long egroupId, java.time.Instant unwrittenSince) {
        checkOpen();
        return withSlices(egroupId, 0, SLICES_PER_EGROUP - 1, true, state -> {
            EgroupRecord record;
            state.recordLock.lock();
            try {
                record = loadRecord(state, egroupId);
                if (record == null) {
                    return false;
                }
                if (unwrittenSince != null) {
                    Disk d = disks.get(record.diskId());
                    DiskBackend b = d == null ? null : d.backend;
                    Optional<java.time.Instant> written = d == null || !d.online || b == null ? Optional.empty()
                            : b.lastWritten(egroupId, record);
                    if (written.isEmpty() || !written.get().isBefore(unwrittenSince)) {
                        return false;
                    }
                }
                try {
                    metadata.write(List.of(LocalWrite.delete(EgroupRecord.key(egroupId)),
                            LocalWrite.delete(EgroupRecord.diskIndexKey(record.diskId(), egroupId))));
                } catch (RuntimeException e) {
                    state.loaded = false; // outcome unknown: read it again next time
                    records.remove(egroupId);
                    throw e;
                }
                state.record = null;
                records.remove(egroupId);
            } finally {
                state.recordLock.unlock();
            }
            Disk disk = disks.get(record.diskId());
            if (disk != null) {
                disk.usedBytes.addAndGet(-(long) record.writtenSlices() * SLICE_BYTES);
                disk.egroups.decrementAndGet();
                DiskBackend backend = disk.backend;
                if (disk.online && backend != null) {
                    try {
                        backend.delete(egroupId, record);
                    } catch (IOException e) {
                        ioFailure(disk, egroupId, "deleting the data of", e); // reported; the deletion itself is durable
                    }
                }
                if (backend != null) {
                    backend.release(record.slot()); // no record names it any more
                }
            }
            return true;
        });
    }

    // ---- inventory ----

    /** Whether this node holds a replica of the egroup (available or not). */
    public boolean contains(long egroupId) {
        return location(egroupId).isPresent();
    }

    /** Where this node holds the egroup, or empty if it holds no replica. */
    public Optional<EgroupLocation> location(long egroupId) {
        checkOpen();
        EgroupState state = enter(egroupId);
        try {
            state.recordLock.lock();
            try {
                return Optional.ofNullable(loadRecord(state, egroupId)).map(r -> location(egroupId, r));
            } finally {
                state.recordLock.unlock();
            }
        } finally {
            exit(egroupId);
        }
    }

    /**
     * When this node last wrote its replica of the egroup (the file's modification time; on a block
     * device the time recorded with its last write); empty when it holds none, its disk is not
     * online, or the time cannot be read.
     */
    public Optional<java.time.Instant> lastWritten(long egroupId) {
        checkOpen();
        EgroupRecord record;
        EgroupState state = enter(egroupId);
        try {
            state.recordLock.lock();
            try {
                record = loadRecord(state, egroupId);
            } finally {
                state.recordLock.unlock();
            }
        } finally {
            exit(egroupId);
        }
        if (record == null) {
            return Optional.empty();
        }
        Disk d = disks.get(record.diskId());
        DiskBackend backend = d == null ? null : d.backend;
        if (d == null || !d.online || backend == null) {
            return Optional.empty();
        }
        return backend.lastWritten(egroupId, record);
    }

    /** Every egroup replica on this node, in egroup-id order (unsigned), with its disk and availability. */
    public List<EgroupLocation> list() {
        checkOpen();
        List<EgroupLocation> out = new ArrayList<>();
        scanAll(EgroupRecord.keyPrefix(), entry -> {
            OptionalLong id = EgroupRecord.egroupIdOf(entry.key());
            if (id.isPresent()) {
                out.add(location(id.getAsLong(), EgroupRecord.decode(id.getAsLong(), entry.value())));
            }
        });
        return out;
    }

    /** The egroups on one configured disk, in egroup-id order (unsigned), from the metadata's disk index. */
    public List<Long> listOnDisk(String diskId) {
        checkOpen();
        configuredDisk(diskId, "");
        List<Long> out = new ArrayList<>();
        scanAll(EgroupRecord.diskIndexPrefix(diskId), entry -> out.add(EgroupRecord.egroupIdOfIndexKey(entry.key())));
        return out;
    }

    /** Each configured disk's usage, in configuration order. */
    public List<DiskUsage> usage() {
        return disks.values().stream().map(d -> new DiskUsage(d.spec.id(), d.spec.root(), d.online, d.usedBytes.get(),
                d.capacityBytes, d.egroups.get())).toList();
    }

    /** The HAL block device a device-backed disk is on now; empty for a directory disk or while its device is absent. */
    public Optional<BlockDevice> device(String diskId) {
        Disk disk = disks.get(diskId);
        return disk != null && disk.backend instanceof DeviceBackend b ? Optional.of(b.device()) : Optional.empty();
    }

    /**
     * A HAL block device appeared (or re-appeared): if a device-backed disk names it and has no
     * device yet, its superblock is checked (written on a blank device with no egroups recorded) and
     * the disk comes online, unless disk health took it offline (then its SMART check decides).
     * Returns the disk's id, or empty when no disk waits for this device or it cannot be used (logged).
     */
    public Optional<String> attachDevice(BlockDevice device) {
        checkOpen();
        String halId = device.id();
        Disk disk = disks.values().stream().filter(d -> halId.equals(d.spec.halDevice())).findFirst().orElse(null);
        if (disk == null) {
            return Optional.empty();
        }
        synchronized (disk) {
            if (disk.backend != null) {
                return Optional.empty();
            }
            if (!openBackend(disk, device, true)) {
                return Optional.empty();
            }
            if (disk.waitingForDevice) {
                disk.waitingForDevice = false;
                disk.online = true;
                logger.info("Disk '{}' on device {} online: {} egroup(s), {} of {} bytes used", disk.spec.id(), halId, disk.egroups.get(),
                        disk.usedBytes.get(), disk.capacityBytes);
            }
        }
        return Optional.of(disk.spec.id());
    }

    /**
     * A HAL block device went away (its service was unregistered): the disk using it goes offline
     * (its egroups are unavailable) until the device appears again. Returns the disk's id, if any.
     */
    public Optional<String> detachDevice(String halDeviceId) {
        Disk disk = disks.values().stream().filter(d -> halDeviceId.equals(d.spec.halDevice())).findFirst().orElse(null);
        if (disk == null) {
            return Optional.empty();
        }
        synchronized (disk) {
            if (disk.backend == null) {
                return Optional.empty();
            }
            disk.backend = null;
            disk.waitingForDevice = disk.online;
            disk.online = false;
            disk.offlineReason = "its device " + halDeviceId + " is gone";
        }
        logger.info("Disk '{}' offline: its device {} is gone; it comes back when the device does", disk.spec.id(), halDeviceId);
        return Optional.of(disk.spec.id());
    }

    /**
     * Takes a disk offline (disk health decided it failed, or it is being removed): its egroups are
     * unavailable, operations on them throw {@link DiskException} {@code DISK_OFFLINE}, and no new
     * egroup goes to it. Operations already running finish. It stays offline until
     * {@link #bringOnline} or the store is reopened with it. Returns the egroups now unavailable, for
     * re-replication.
     */
    public List<Long> takeOffline(String diskId) {
        Disk disk = configuredDisk(diskId, "");
        disk.online = false;
        List<Long> unavailable = listOnDisk(diskId);
        disk.offlineReason = "taken offline by disk health";
        logger.info("Disk '{}' ({}) taken offline: its {} egroup replica(s) are unavailable", diskId, disk.where(),
                unavailable.size());
        return unavailable;
    }

    /**
     * Brings an offline disk back (disk health's SMART check passed): if its {@value #DIRECTORY}
     * directory can be listed (a device: its superblock still names the disk), removes egroup files
     * whose records were deleted while it was offline, and its egroups are available again; otherwise
     * it stays offline. Their replicas may be stale
     * or already re-replicated elsewhere: which replicas count is global metadata's business (an
     * unlisted one is an orphan for Curator). Returns whether the disk is online.
     */
    public boolean bringOnline(String diskId) {
        checkOpen();
        Disk disk = configuredDisk(diskId, "");
        if (disk.online) {
            return true;
        }
        synchronized (disk) {
            DiskBackend backend = disk.backend;
            if (backend == null) {
                logger.info("Disk '{}' ({}) stays offline: {}", diskId, disk.where(), disk.offlineReason);
                disk.waitingForDevice = true; // online when the device appears
                return false;
            }
            Listing listing = indexed(diskId);
            try {
                backend.reopen(listing.egroups(), listing.slots());
            } catch (IOException | ExtentStoreException e) {
                logger.info("Disk '{}' ({}) stays offline: it cannot be read: {}", diskId, disk.where(), e.toString());
                return false;
            }
            disk.online = true;
        }
        logger.info("Disk '{}' ({}) back online: its {} egroup replica(s) are available", diskId, disk.where(),
                disk.egroups.get());
        return true;
    }

    /**
     * How long, in total, the data I/O of reads, writes and repairs on the disk took since the store
     * opened (nanoseconds; concurrent operations add up). {@link #verify} is not counted: it is the
     * scrubber's own I/O. 0 for a disk that is not configured.
     */
    @Override
    public long busyNanos(String diskId) {
        Disk disk = disks.get(diskId);
        return disk == null ? 0 : disk.busyNanos.sum();
    }

    /** The counters since the store opened. */
    public ExtentStoreCounters counters() {
        return new ExtentStoreCounters(checksumErrors.sum(), bytesRead.sum(), bytesWritten.sum(), slicesRepaired.sum(),
                scrubBytes.sum(), diskIoErrors.sum());
    }

    /**
     * Refuses further operations ({@code CLOSED}); operations already running finish. Holds no open
     * files between operations, so there is nothing else to release; the metadata store stays open.
     */
    @Override
    public void close() {
        closed = true;
        records.clear();
    }

    // ---- write path ----

    private void store(long egroupId, int offset, ByteBuffer data, String diskId) {
        String op = "write";
        checkOpen();
        int length = data.remaining();
        checkRange(op, egroupId, offset, length);
        if (diskId != null) {
            configuredDisk(diskId, op + " of egroup " + hex(egroupId) + ": ");
        }
        int first = offset / SLICE_BYTES;
        int count = length / SLICE_BYTES;
        ByteBuffer src = data.slice();
        withSlices(egroupId, first, first + count - 1, true, state -> {
            storeLocked(state, false, egroupId, offset, src, diskId);
            return null;
        });
        data.position(data.limit());
        bytesWritten.add(length);
    }

    /** Writes {@code src} at {@code offset} and records its checksums; the caller holds the exclusive lock of its slices. */
    private void storeLocked(EgroupState state, boolean repair, long egroupId, int offset, ByteBuffer src, String diskId) {
        int first = offset / SLICE_BYTES;
        int count = src.remaining() / SLICE_BYTES;
        int[] crcs = checksums(src, count);
        Placement placement = place(state, egroupId, first, count, diskId, repair);
        boolean recorded = false;
        try {
            long started = nanoTime.getAsLong();
            try {
                writeData(placement.disk(), egroupId, placement.record(), offset, src);
            } finally {
                placement.disk().busyNanos.add(nanoTime.getAsLong() - started);
            }
            state.recordLock.lock();
            try {
                persist(state, egroupId, requireRecord(state, egroupId, repair ? "repair" : "write").withSlices(first, crcs)
                        .writtenAt(wallMillis.getAsLong()));
            } finally {
                state.recordLock.unlock();
            }
            recorded = true;
        } finally {
            if (!recorded) {
                placement.disk().usedBytes.addAndGet(-placement.newBytes());
            }
        }
    }

    /** The disk a write goes to, the egroup's record before it, and the bytes of never-written slices it adds, already counted as used. */
    private record Placement(Disk disk, EgroupRecord record, long newBytes) {
    }

    /**
     * Finds the egroup's disk, or creates the egroup (empty file, then an empty record, both durable)
     * if this node has none and this is not a repair; reserves the new slices' bytes on the disk.
     */
    private Placement place(EgroupState state, long egroupId, int first, int count, String diskId, boolean repair) {
        state.recordLock.lock();
        try {
            EgroupRecord record = loadRecord(state, egroupId);
            if (record == null) {
                if (repair) {
                    throw notFound(egroupId, "repair");
                }
                long bytes = (long) count * SLICE_BYTES;
                Disk disk = diskId != null ? reserveOn(onlineDisk(diskId, egroupId), bytes, egroupId) : reserveOnEmptiest(bytes, egroupId);
                EgroupRecord created;
                try {
                    DiskBackend backend = disk.backend;
                    if (backend == null) {
                        throw onlineDiskFailure(disk, egroupId);
                    }
                    int slot = createReplica(disk, backend, egroupId);
                    created = slot == EgroupRecord.NO_SLOT ? EgroupRecord.empty(disk.spec.id())
                            : EgroupRecord.emptyInSlot(disk.spec.id(), slot, wallMillis.getAsLong());
                    // if this fails the record's outcome is unknown: the slot stays taken until the store reopens
                    // (rebuilt from the records), so no two egroups can ever share one
                    persist(state, egroupId, created);
                } catch (RuntimeException e) {
                    disk.usedBytes.addAndGet(-bytes);
                    throw e;
                }
                disk.egroups.incrementAndGet();
                return new Placement(disk, created, bytes);
            }
            if (diskId != null && !diskId.equals(record.diskId())) {
                throw new ExtentStoreException(Reason.INVALID_REQUEST, "egroup " + hex(egroupId) + " is on disk '"
                        + record.diskId() + "' of this node, not on '" + diskId + "'; write it without naming a disk, or "
                        + "delete it and write it again to move it");
            }
            Disk disk = onlineDisk(record.diskId(), egroupId);
            long bytes = (long) (count - record.writtenSlicesIn(first, count)) * SLICE_BYTES;
            return new Placement(reserveOn(disk, bytes, egroupId), record, bytes);
        } finally {
            state.recordLock.unlock();
        }
    }

    private Disk reserveOn(Disk disk, long bytes, long egroupId) {
        if (!disk.reserve(bytes)) {
            throw new ExtentStoreException(Reason.NO_SPACE, "disk '" + disk.spec.id() + "' has " + disk.usedBytes.get()
                    + " of its " + disk.capacityBytes + " bytes in use and no room for " + bytes + " more bytes of egroup "
                    + hex(egroupId) + "; delete egroups, let disk balancing move some, or add a disk");
        }
        return disk;
    }

    /** Reserves {@code bytes} on the online disk with the most free space (ties: fewer egroups, then configuration order). */
    private Disk reserveOnEmptiest(long bytes, long egroupId) {
        List<Disk> candidates = disks.values().stream().filter(d -> d.online)
                .sorted(Comparator.comparingLong(Disk::free).reversed().thenComparingLong(d -> d.egroups.get())).toList();
        for (Disk disk : candidates) {
            if (disk.free() >= bytes && disk.reserve(bytes)) {
                return disk;
            }
        }
        throw new ExtentStoreException(Reason.NO_SPACE, "no online disk of this node has " + bytes + " free bytes for new egroup "
                + hex(egroupId) + " (free bytes: " + candidates.stream().map(d -> d.spec.id() + " " + d.free()).toList()
                + (candidates.size() < disks.size() ? ", the other disks are offline" : "")
                + "); free space, bring disks back or add disks");
    }

    /** Creates the empty replica (a file, or a discarded device slot) durably; returns its slot. */
    private int createReplica(Disk disk, DiskBackend backend, long egroupId) {
        try {
            return backend.create(egroupId);
        } catch (IOException e) {
            throw ioFailure(disk, egroupId, "creating the replica of", e);
        }
    }

    /** Writes the data and makes it durable (fdatasync; a device flush) before the checksums are recorded. */
    private void writeData(Disk disk, long egroupId, EgroupRecord record, int offset, ByteBuffer src) {
        DiskBackend backend = disk.backend;
        try {
            if (backend == null) {
                throw onlineDiskFailure(disk, egroupId);
            }
            backend.write(egroupId, record, offset, src);
        } catch (IOException e) {
            throw ioFailure(disk, egroupId, "writing " + src.remaining() + " bytes at offset " + offset + " of", e);
        }
    }

    /** Writes the egroup's record and its disk-index entry in one atomic, fsync'd batch. Caller holds the record lock. */
    private void persist(EgroupState state, long egroupId, EgroupRecord record) {
        try {
            metadata.write(List.of(LocalWrite.put(EgroupRecord.key(egroupId), record.encode()),
                    LocalWrite.put(EgroupRecord.diskIndexKey(record.diskId(), egroupId), record.diskIndexValue())));
        } catch (RuntimeException e) {
            state.loaded = false; // outcome unknown: read it again next time
            records.remove(egroupId);
            throw e;
        }
        state.record = record;
        state.loaded = true;
        remember(egroupId, record);
    }

    private static int[] checksums(ByteBuffer src, int count) {
        int[] crcs = new int[count];
        CRC32C crc = new CRC32C();
        for (int i = 0; i < count; i++) {
            crc.reset();
            crc.update(src.duplicate().position(i * SLICE_BYTES).limit((i + 1) * SLICE_BYTES));
            crcs[i] = (int) crc.getValue();
        }
        return crcs;
    }

    // ---- read path ----

    /** Reads {@code length} bytes at {@code offset} into a heap buffer; never-written bytes read as zeros. */
    private ByteBuffer readData(Disk disk, DiskBackend backend, long egroupId, EgroupRecord record, int offset, int length) {
        try {
            if (backend == null) {
                throw onlineDiskFailure(disk, egroupId);
            }
            return backend.read(egroupId, record, offset, length);
        } catch (IOException e) {
            throw ioFailure(disk, egroupId, "reading " + length + " bytes at offset " + offset + " of", e);
        }
    }

    /** The slices of {@code buf} (slice {@code first} onwards) that fail: CRC32C mismatch, or not zeros if never written. */
    private static List<Integer> badSlices(EgroupRecord record, int first, ByteBuffer buf) {
        List<Integer> bad = new ArrayList<>();
        byte[] bytes = buf.array();
        CRC32C crc = new CRC32C();
        for (int i = 0; i < buf.capacity() / SLICE_BYTES; i++) {
            int slice = first + i;
            int from = i * SLICE_BYTES;
            boolean good;
            if (record.isWritten(slice)) {
                crc.reset();
                crc.update(bytes, from, SLICE_BYTES);
                good = (int) crc.getValue() == record.crc(slice);
            } else {
                good = Arrays.mismatch(bytes, from, from + SLICE_BYTES, ZERO_SLICE, 0, SLICE_BYTES) < 0;
            }
            if (!good) {
                bad.add(slice);
            }
        }
        return bad;
    }

    // ---- egroup state and records ----

    /** Per-egroup locks and the cached record, kept while operations on the egroup run. */
    private static final class EgroupState {
        final SliceRangeLock slices = new SliceRangeLock();
        final ReentrantLock recordLock = new ReentrantLock();
        boolean loaded;       // guarded by recordLock: record is the metadata store's
        EgroupRecord record;  // guarded by recordLock; null: no replica here
        int users;            // guarded by the egroups map (changed only in compute)
    }

    private <T> T withSlices(long egroupId, int first, int last, boolean exclusive, Function<EgroupState, T> body) {
        EgroupState state = enter(egroupId);
        try {
            SliceRangeLock.Held held = state.slices.acquire(first, last, exclusive);
            try {
                return body.apply(state);
            } finally {
                state.slices.release(held);
            }
        } finally {
            exit(egroupId);
        }
    }

    private EgroupState enter(long egroupId) {
        return egroups.compute(egroupId, (id, s) -> {
            EgroupState state = s == null ? new EgroupState() : s;
            state.users++;
            return state;
        });
    }

    private void exit(long egroupId) {
        egroups.compute(egroupId, (id, s) -> --s.users == 0 ? null : s);
    }

    /** The egroup's record, from the cache or the metadata store; null if none. Caller holds the record lock. */
    private EgroupRecord loadRecord(EgroupState state, long egroupId) {
        if (!state.loaded) {
            EgroupRecord known = records.get(egroupId);
            if (known == null) {
                known = metadata.get(EgroupRecord.key(egroupId)).map(v -> EgroupRecord.decode(egroupId, v)).orElse(null);
                if (known != null) {
                    remember(egroupId, known);
                }
            }
            state.record = known;
            state.loaded = true;
        }
        return state.record;
    }

    /** Keeps {@code record} decoded; drops arbitrary others beyond the bound. Caller holds the egroup's record lock. */
    private void remember(long egroupId, EgroupRecord record) {
        records.put(egroupId, record);
        if (records.size() > RECORD_CACHE_ENTRIES) {
            var it = records.keySet().iterator();
            while (records.size() > RECORD_CACHE_ENTRIES && it.hasNext()) {
                Long other = it.next();
                if (other != egroupId) {
                    it.remove();
                }
            }
        }
    }

    private EgroupRecord requireRecord(EgroupState state, long egroupId, String op) {
        state.recordLock.lock();
        try {
            EgroupRecord record = loadRecord(state, egroupId);
            if (record == null) {
                throw notFound(egroupId, op);
            }
            return record;
        } finally {
            state.recordLock.unlock();
        }
    }

    private EgroupLocation location(long egroupId, EgroupRecord record) {
        Disk disk = disks.get(record.diskId());
        return new EgroupLocation(egroupId, record.diskId(), disk != null && disk.online, record.writtenSlices());
    }

    private void scanAll(byte[] prefix, Consumer<LocalEntry> action) {
        byte[] after = null;
        List<LocalEntry> page;
        do {
            page = metadata.scan(prefix, after, SCAN_PAGE);
            page.forEach(action);
            after = page.isEmpty() ? null : page.getLast().key();
        } while (page.size() == SCAN_PAGE);
    }

    // ---- disks ----

    /** One configured disk: its backend (directory or block device), capacity, usage and whether it is online. */
    private static final class Disk {
        final DiskSpec spec;
        volatile DiskBackend backend;  // null: a device-backed disk whose device is absent or refused
        volatile long capacityBytes;
        final AtomicLong usedBytes = new AtomicLong();
        final AtomicLong egroups = new AtomicLong();
        final LongAdder busyNanos = new LongAdder();
        volatile boolean online;
        volatile String offlineReason = "not serving";
        boolean waitingForDevice;      // guarded by this: comes online when its device is attached

        Disk(DiskSpec spec, long capacityBytes) {
            this.spec = spec;
            this.capacityBytes = capacityBytes;
        }

        /** For messages: the directory, or the device. */
        String where() {
            return spec.halDevice() == null ? spec.root().toString() : "device " + spec.halDevice();
        }

        /** Free bytes: the capacity left, but no more than the medium has room for. */
        long free() {
            DiskBackend b = backend;
            return b == null ? 0 : Math.min(capacityBytes - usedBytes.get(), b.availableBytes());
        }

        /** Counts {@code bytes} as used if that stays within the capacity. */
        boolean reserve(long bytes) {
            long used;
            do {
                used = usedBytes.get();
                if (bytes > 0 && used + bytes > capacityBytes) {
                    return false;
                }
            } while (!usedBytes.compareAndSet(used, used + bytes));
            return true;
        }
    }

    private Disk openDisk(DiskSpec spec, BlockDevice device) {
        Disk disk = new Disk(spec, spec.capacityBytes());
        List<long[]> pairs = new ArrayList<>();
        scanAll(EgroupRecord.diskIndexPrefix(spec.id()), entry -> {
            long id = EgroupRecord.egroupIdOfIndexKey(entry.key());
            pairs.add(new long[] {id, EgroupRecord.slotOfIndexValue(entry.value())});
            disk.usedBytes.addAndGet((long) EgroupRecord.writtenSlicesOfIndexValue(id, entry.value()) * SLICE_BYTES);
        });
        Listing listing = Listing.of(pairs);
        disk.egroups.set(pairs.size());
        try {
            checkMode(spec, listing);
        } catch (ExtentStoreException e) {
            disk.offlineReason = e.getMessage();
            logger.warn("Extent store disk '{}' stays offline: {}", spec.id(), e.getMessage());
            return disk;
        }
        if (spec.halDevice() == null) {
            FileBackend files = new FileBackend(spec.id(), spec.root());
            try {
                files.open(listing.egroups(), listing.slots());
            } catch (IOException e) {
                disk.backend = files;
                ioFailure(disk, null, "opening the extent-store directory " + spec.root().resolve(DIRECTORY) + " of", e);
                disk.offlineReason = "its directory cannot be opened: " + e;
                return disk;
            }
            disk.backend = files;
            disk.capacityBytes = spec.capacityBytes() > 0 ? spec.capacityBytes() : files.mediumBytes();
            disk.online = true;
        } else if (device == null) {
            disk.waitingForDevice = true;
            disk.offlineReason = "its device " + spec.halDevice() + " is not present";
            logger.info("Extent store disk '{}' waits for HAL device {} (not present yet): offline until it appears", spec.id(),
                    spec.halDevice());
            return disk;
        } else if (openBackend(disk, device, false)) {
            disk.online = true;
        } else {
            return disk;
        }
        logger.info("Extent store disk '{}' at {}: {} egroup(s), {} of {} bytes used", spec.id(), disk.where(), disk.egroups.get(),
                disk.usedBytes.get(), disk.capacityBytes);
        return disk;
    }

    /**
     * Opens a device-backed disk's backend on {@code device} (superblock, free slots) and sets its
     * capacity; on failure the disk keeps no backend, its reason says why, and a refusal is logged as
     * a warning (an I/O error is also reported to the failure listener). Caller holds the disk's lock
     * or owns it exclusively.
     */
    private boolean openBackend(Disk disk, BlockDevice device, boolean attaching) {
        DiskSpec spec = disk.spec;
        DeviceBackend backend;
        try {
            backend = new DeviceBackend(spec.id(), device);
            Listing listing = indexed(spec.id());
            checkMode(spec, listing);
            backend.open(listing.egroups(), listing.slots());
        } catch (ExtentStoreException e) {
            disk.offlineReason = e.getMessage();
            logger.warn("Extent store disk '{}' stays offline: {}", spec.id(), e.getMessage());
            return false;
        } catch (IOException | RuntimeException e) {
            IOException cause = e instanceof IOException io ? io : new IOException(e.toString(), e);
            disk.offlineReason = "its device " + device.id() + " cannot be read: " + e;
            Disk reported = disk;
            ioFailure(reported, null, (attaching ? "attaching" : "opening") + " device " + device.id() + " as", cause);
            return false;
        }
        long medium = backend.mediumBytes();
        disk.capacityBytes = spec.capacityBytes() > 0 ? Math.min(spec.capacityBytes(), medium) : medium;
        disk.backend = backend;
        return true;
    }

    /** The egroups the metadata's disk index lists on {@code diskId}, with their slots. */
    private Listing indexed(String diskId) {
        List<long[]> pairs = new ArrayList<>();
        scanAll(EgroupRecord.diskIndexPrefix(diskId), entry -> pairs.add(new long[] {EgroupRecord.egroupIdOfIndexKey(entry.key()),
                EgroupRecord.slotOfIndexValue(entry.value())}));
        return Listing.of(pairs);
    }

    /** Refuses a disk switched between a directory and a device while it holds egroups: their data is on the other medium. */
    private static void checkMode(DiskSpec spec, Listing listing) {
        boolean device = spec.halDevice() != null;
        for (int slot : listing.slots()) {
            if ((slot != EgroupRecord.NO_SLOT) != device) {
                throw new ExtentStoreException(Reason.INVALID_REQUEST, "disk '" + spec.id() + "' is configured as "
                        + (device ? "HAL device " + spec.halDevice() : "a directory") + " but holds " + listing.egroups().length
                        + " egroup(s) written " + (device ? "to files in a directory" : "to a block device")
                        + "; a disk cannot switch between the two while it holds data: restore its disk.json"
                        + (device ? " (remove hal_device)" : " (its hal_device)") + ", or give the new medium a new disk id");
            }
        }
    }

    private Disk configuredDisk(String diskId, String context) {
        Disk disk = disks.get(diskId);
        if (disk == null) {
            throw new ExtentStoreException(Reason.INVALID_REQUEST, context + "disk '" + diskId + "' is not one of this node's extent-store disks "
                    + disks.keySet() + "; name a configured disk");
        }
        return disk;
    }

    private Disk onlineDisk(String diskId, long egroupId) {
        Disk disk = disks.get(diskId);
        if (disk == null || !disk.online) {
            throw new DiskException(Reason.DISK_OFFLINE, diskId, "egroup " + hex(egroupId) + " is on disk '" + diskId + "', which is "
                    + (disk == null ? "not configured on this node" : "offline (" + disk.offlineReason + ")") + "; use another replica", null);
        }
        return disk;
    }

    /** An online disk whose device vanished between the check and the I/O: as if it were offline. */
    private static DiskException onlineDiskFailure(Disk disk, long egroupId) {
        return new DiskException(Reason.DISK_OFFLINE, disk.spec.id(), "egroup " + hex(egroupId) + " is on disk '" + disk.spec.id()
                + "', which is offline (" + disk.offlineReason + "); use another replica", null);
    }

    /**
     * The exception for an I/O error: {@code NO_SPACE} when the file system is full, otherwise a
     * {@link DiskException} that is counted and reported to the failure listener first.
     */
    private ExtentStoreException ioFailure(Disk disk, Long egroupId, String what, IOException cause) {
        String subject = (egroupId == null ? "" : "egroup " + hex(egroupId) + " on ") + "disk '" + disk.spec.id() + "' (" + disk.where() + ")";
        // a full file system is NO_SPACE; a device reporting full although it has free slots (a thin
        // device out of space, an injected fault) is a device failure: disk health counts it
        if (disk.spec.halDevice() == null && String.valueOf(cause.getMessage()).contains("No space left on device")) {
            return new ExtentStoreException(Reason.NO_SPACE, "the file system is full while " + what + " " + subject
                    + "; free space on it or lower its configured capacity", cause);
        }
        DiskException failure = new DiskException(Reason.DISK_IO_ERROR, disk.spec.id(), "I/O error while " + what + " " + subject
                + ": " + cause + "; a write's outcome is unknown: use another replica, and check the disk's health", cause);
        diskIoErrors.increment();
        logger.info("{}", failure.getMessage());
        try {
            failureListener.diskFailed(failure);
        } catch (RuntimeException e) {
            logger.warn("The disk failure listener failed on '{}'", failure.getMessage(), e);
        }
        return failure;
    }

    // ---- checks ----

    private void checkOpen() {
        if (closed) {
            throw new ExtentStoreException(Reason.CLOSED, "the extent store is closed (the node is stopping); retry on the restarted service");
        }
    }

    private static void checkRange(String op, long egroupId, int offset, int length) {
        String what = op + " of egroup " + hex(egroupId) + " at offset " + offset + ", length " + length + ": ";
        if (offset % SLICE_BYTES != 0 || length % SLICE_BYTES != 0) {
            throw new ExtentStoreException(Reason.INVALID_REQUEST, what + "offset and length must be multiples of " + SLICE_BYTES
                    + " (whole 4 KiB slices); align the request");
        }
        if (length <= 0 || offset < 0 || (long) offset + length > EGROUP_BYTES) {
            throw new ExtentStoreException(Reason.INVALID_REQUEST, what + "the range must be non-empty and inside the egroup's "
                    + EGROUP_BYTES + " bytes");
        }
    }

    private static ExtentStoreException notFound(long egroupId, String op) {
        return new ExtentStoreException(Reason.NOT_FOUND, op + ": this node holds no replica of egroup " + hex(egroupId)
                + "; read a replica on another node (global metadata lists them)");
    }

    /** An egroup id as in file names, keys and messages: 16 lower-case hex digits. */
    static String hex(long egroupId) {
        return HexFormat.of().toHexDigits(egroupId);
    }
}
