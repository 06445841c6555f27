package io.cairn.storage.stargate.internal.oplog;

import static io.cairn.storage.stargate.internal.oplog.RecordCodec.RECORD_HEADER_BYTES;
import static io.cairn.storage.stargate.internal.oplog.RecordCodec.SEGMENT_HEADER_BYTES;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.clock.Clock;

/**
 * One node's OpLog on one device: the durable journal that a vDisk's owner and its RF−1 peers
 * append small and random writes to, that serves reads of ranges not yet drained, and that the
 * owner drains to the extent store in the background (spec 20 §4).
 *
 * <p><b>Durability and group commit.</b> {@link #append} writes the records to the active segment
 * file and returns a future that completes once they are on stable storage. A single flusher thread
 * takes every record written since its last pass, syncs the segment files they are in
 * ({@code fdatasync}) once, and completes all of them, so concurrent appenders share a sync.
 * Records enter the read index only when durable.
 *
 * <p><b>Back-pressure.</b> The segment files never exceed the configured capacity. An append that
 * does not fit waits, up to the caller's bound, for drains to release space; it never fails for
 * fullness. Waiting appenders are served in arrival order, except that appenders of vDisks over
 * their baseline share wait behind all others. A small reserve is kept for drain markers so that
 * draining can always proceed.
 *
 * <p><b>Drain and space.</b> {@link #drainable} snapshots undrained data as contiguous runs
 * within 1 MiB extents; {@link #markDrained} durably records that the snapshot reached the extent
 * store (a drain marker record) and releases it; writes newer than the snapshot stay. A segment
 * file is deleted once neither it nor any older segment holds live records: deleting in log order
 * keeps recovery exact, because a record superseded or drained is then never replayed without the
 * newer record or drain marker that ended it.
 *
 * <p><b>Fencing and order.</b> Writes carry the owner's epoch; an epoch below the highest seen for
 * the vDisk fails with {@link StaleEpochException}. Within a vDisk, {@code (epoch, sequence)} must
 * not decrease ({@link SequenceOrderException}), which makes append order the "newest wins" order.
 * The highest epoch is rebuilt on open from the records still present; the cluster's ownership
 * record is authoritative and an owner should {@link #fence} with it after a restart.
 *
 * <p><b>Recovery.</b> {@link #open} replays every segment, verifying CRC32C. A bad record at the end
 * of the newest segment with nothing valid after it is a write torn by a crash: it was never
 * acknowledged and is cut off. Any other bad record fails the open with
 * {@link OpLogCorruptException} and changes nothing: skipping it could serve older data for the
 * range it held (its header cannot be trusted to say which), so this copy is abandoned and the
 * vDisks' undrained data is recovered from the peer copies.
 *
 * <p>Thread-safe. Close it to stop the flusher; records appended before {@link #close} are synced.
 */
public final class OpLogStore implements AutoCloseable {

    /** Drain runs never cross a boundary of this size (the extent size, spec 20 §1). */
    public static final long EXTENT_BYTES = 1L << 20;
    /** Most runs in one drain batch, so one drain marker stays small. */
    static final int MAX_MARKER_RANGES = 1024;

    private static final String SEGMENT_PREFIX = "segment-";
    private static final String SEGMENT_SUFFIX = ".oplog";

    private final Logger logger = LoggerFactory.getLogger(OpLogStore.class);
    private final OpLogConfig config;
    private final Path directory;
    private final Clock clock;
    private final long dataLimit;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when space is released, a waiter leaves, or the store closes or fails. */
    private final Condition spaceChanged = lock.newCondition();
    /** Signalled when records were written for the flusher to sync, or on close. */
    private final Condition flushNeeded = lock.newCondition();

    // guarded by lock
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private final Map<Long, VdiskIndex> vdisks = new HashMap<>();
    private final TreeSet<Waiter> waiters = new TreeSet<>();
    private List<PendingAppend> unsynced = new ArrayList<>();
    private Segment active;
    private long nextSegmentId;
    private long nextTicket;
    private long usedBytes;
    private boolean closed;
    private IOException failure;
    private long bytesAppended;
    private long bytesLive;
    private long bytesDrained;
    private long spaceWaits;

    private final AtomicLong fsyncs = new AtomicLong();
    private final Thread flusher;

    private OpLogStore(OpLogConfig config, Clock clock) {
        this.config = config;
        this.directory = config.directory();
        this.clock = clock;
        this.dataLimit = config.capacityBytes() - drainMarkerReserve();
        this.flusher = Thread.ofPlatform().name("oplog-flusher-" + directory.getFileName()).daemon(true).unstarted(this::flushLoop);
    }

    /**
     * Opens the store in {@code config.directory()}, creating it if missing, and rebuilds the index
     * from the segment files found there (see the class comment for torn tails and corruption).
     *
     * @throws OpLogCorruptException if a segment holds a bad record that is not a torn tail
     * @throws IOException           if the directory or a segment cannot be read or written
     */
    public static OpLogStore open(OpLogConfig config, Clock clock) throws IOException, OpLogCorruptException {
        OpLogStore store = new OpLogStore(config, clock);
        try {
            store.recover();
        } catch (IOException | OpLogCorruptException | RuntimeException e) {
            store.closeChannels();
            throw e;
        }
        store.flusher.start();
        return store;
    }

    /** Bytes of the capacity kept for drain markers: four of the largest. */
    static long drainMarkerReserve() {
        return 4L * (SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + (long) MAX_MARKER_RANGES * RecordCodec.MARKER_RANGE_BYTES);
    }

    // ---------------------------------------------------------------- writes

    /** {@link #append(List, Duration)} of one record. */
    public CompletableFuture<Void> append(OpLogRecord record, Duration maxWaitForSpace)
            throws OpLogException, IOException, InterruptedException, TimeoutException {
        return append(List.of(record), maxWaitForSpace);
    }

    /**
     * Appends {@code records} in order and returns a future that completes when all of them are
     * durable, or completes exceptionally with the {@link IOException} that failed the device.
     * Returns once the records are written (not yet durable); waits first, at most
     * {@code maxWaitForSpace}, if the capacity has no room for them. A {@link RecordKind#DATA}
     * record whose payload is all zeros is stored as a {@link RecordKind#ZERO} record.
     *
     * @throws StaleEpochException    if a record's epoch is below the highest seen for its vDisk
     * @throws SequenceOrderException if a record is older than one already appended for its vDisk
     * @throws TimeoutException       if no space was released within {@code maxWaitForSpace}; nothing was appended
     * @throws InterruptedException   if interrupted while waiting for space; nothing was appended
     * @throws IOException            if the device failed now or earlier
     * @throws IllegalStateException  if the store is closed
     */
    public CompletableFuture<Void> append(List<OpLogRecord> records, Duration maxWaitForSpace)
            throws OpLogException, IOException, InterruptedException, TimeoutException {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("append needs at least one record");
        }
        long maxStored = config.segmentBytes() - SEGMENT_HEADER_BYTES;
        List<ByteBuffer> encoded = new ArrayList<>(records.size());
        Map<Long, Long> bytesPerVdisk = new HashMap<>();
        long need = 0;
        for (OpLogRecord record : records) {
            ByteBuffer buffer = RecordCodec.encode(record);
            if (buffer.remaining() > maxStored) {
                throw new IllegalArgumentException(record + " needs " + buffer.remaining() + " bytes, more than a segment of "
                        + config.segmentBytes() + " bytes holds; split the write or configure larger segments");
            }
            encoded.add(buffer);
            bytesPerVdisk.merge(record.vdiskId(), (long) buffer.remaining(), Long::sum);
            need += buffer.remaining() + SEGMENT_HEADER_BYTES;
        }
        long deadline = deadline(maxWaitForSpace);
        lock.lockInterruptibly();
        try {
            ensureUsable();
            checkOrder(records);
            boolean overBaseline = false;
            for (Map.Entry<Long, Long> e : bytesPerVdisk.entrySet()) {
                VdiskIndex vdisk = vdisks.get(e.getKey());
                long charged = vdisk == null ? 0 : vdisk.chargedBytes;
                overBaseline |= charged + e.getValue() > config.vdiskBaselineBytes();
            }
            awaitSpace(need, dataLimit, new Waiter(overBaseline, nextTicket++), deadline, maxWaitForSpace);
            checkOrder(records); // another writer may have moved on while this one waited
            PendingAppend pending = new PendingAppend(null);
            try {
                for (int i = 0; i < records.size(); i++) {
                    OpLogRecord record = records.get(i);
                    int stored = encoded.get(i).remaining();
                    Segment segment = writeRecord(encoded.get(i));
                    RecordKind kind = RecordKind.ofCode(encoded.get(i).getInt(4));
                    StoredRecord storedRecord = new StoredRecord(segment, segment.size - stored + RECORD_HEADER_BYTES, stored,
                            record.vdiskId(), record.epoch(), record.sequence(), record.offset(), record.length(), kind);
                    pending.records.add(storedRecord);
                    VdiskIndex vdisk = vdisk(record.vdiskId());
                    vdisk.chargedBytes += stored;
                    vdisk.fenceEpoch = Math.max(vdisk.fenceEpoch, record.epoch());
                    vdisk.newestEpoch = record.epoch();
                    vdisk.newestSequence = record.sequence();
                    bytesAppended += record.length();
                }
            } catch (IOException e) {
                fail(e);
                throw e;
            }
            unsynced.add(pending);
            flushNeeded.signal();
            return pending.done.thenApply(released -> null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends one record and waits until it is durable; see {@link #append(List, Duration)}. Only
     * the wait for space is bounded; the wait for the sync is not (a sync either completes or fails
     * the device).
     */
    public void appendDurably(OpLogRecord record, Duration maxWaitForSpace)
            throws OpLogException, IOException, InterruptedException, TimeoutException {
        await(append(record, maxWaitForSpace));
    }

    /**
     * Raises the vDisk's epoch to {@code epoch} without writing: a new owner calls this before it
     * writes, so the previous owner's late writes are refused from now on.
     *
     * @throws StaleEpochException if the store has already seen a higher epoch for the vDisk
     */
    public void fence(long vdiskId, long epoch) throws StaleEpochException {
        lock.lock();
        try {
            VdiskIndex vdisk = vdisk(vdiskId);
            if (epoch < vdisk.fenceEpoch) {
                throw new StaleEpochException(vdiskId, epoch, vdisk.fenceEpoch);
            }
            vdisk.fenceEpoch = epoch;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- reads

    /**
     * The OpLog's data for {@code length} bytes at {@code offset} of the vDisk: undrained bytes
     * overlaid newest-first, plus the sub-ranges the caller must read from the cache or extent store.
     */
    public ReadResult read(long vdiskId, long offset, int length) throws IOException {
        return readInto(vdiskId, offset, length, new byte[length], 0);
    }

    /**
     * {@link #read} into the caller's buffer: the OpLog's bytes go to {@code into[intoAt..intoAt+length)} at
     * their places, the bytes of the {@code notInOpLog} ranges are left as they are (the caller
     * fills them). The result's {@code data} is {@code into}; the request's first byte is at
     * {@code intoAt}. Saves a buffer and a copy per read.
     */
    public ReadResult readInto(long vdiskId, long offset, int length, byte[] into, int intoAt) throws IOException {
        if (offset < 0 || length <= 0 || offset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("cannot read " + length + " bytes at " + offset + ": need offset >= 0, length > 0");
        }
        if (intoAt < 0 || into.length - intoAt < length) {
            throw new IllegalArgumentException("a " + into.length + "-byte buffer has no room for " + length + " bytes at " + intoAt);
        }
        byte[] data = into;
        List<VdiskIndex.Piece> pieces = pinPieces(vdiskId, offset, offset + length);
        try {
            for (VdiskIndex.Piece piece : pieces) {
                piece.record().copy(piece.start(), data, intoAt + (int) (piece.start() - offset), (int) piece.length());
            }
        } finally {
            unpin(pieces);
        }
        List<ByteRange> found = new ArrayList<>();
        List<ByteRange> missing = new ArrayList<>();
        long at = offset;
        for (VdiskIndex.Piece piece : pieces) {
            if (piece.start() > at) {
                missing.add(new ByteRange(at, piece.start() - at));
            }
            if (!found.isEmpty() && found.getLast().end() == piece.start()) {
                ByteRange last = found.removeLast();
                found.add(new ByteRange(last.offset(), last.length() + piece.length()));
            } else {
                found.add(new ByteRange(piece.start(), piece.length()));
            }
            at = piece.end();
        }
        if (at < offset + length) {
            missing.add(new ByteRange(at, offset + length - at));
        }
        return new ReadResult(offset, data, found, missing);
    }

    /**
     * The vDisk's undrained data as records, one per undrained piece, oldest write first: what a
     * new owner needs from this copy. Parts of writes already drained or overwritten are left out,
     * so replaying the result in order never resurrects old data.
     */
    public List<OpLogRecord> records(long vdiskId) throws IOException {
        List<VdiskIndex.Piece> pieces = pinPieces(vdiskId, 0, Long.MAX_VALUE);
        List<OpLogRecord> result = new ArrayList<>(pieces.size());
        try {
            for (VdiskIndex.Piece piece : pieces) {
                StoredRecord r = piece.record();
                int length = (int) piece.length();
                byte[] payload = new byte[r.kind == RecordKind.DATA ? length : 0];
                if (r.kind == RecordKind.DATA) {
                    r.copy(piece.start(), payload, 0, length);
                }
                result.add(new OpLogRecord(vdiskId, r.epoch, r.sequence, piece.start(), length, r.kind, payload));
            }
        } finally {
            unpin(pieces);
        }
        result.sort(Comparator.comparingLong(OpLogRecord::epoch).thenComparingLong(OpLogRecord::sequence)
                .thenComparingLong(OpLogRecord::offset));
        return result;
    }

    // ---------------------------------------------------------------- drain

    /**
     * A snapshot of the vDisk's oldest undrained data: the contiguous runs within 1 MiB extents
     * (whole runs, newest data in each, at most {@value #MAX_MARKER_RANGES}, in offset order) that
     * hold the oldest pieces of the index, taken oldest first (by the epoch and sequence of the record
     * each piece comes from) until about {@code maxBytes}. Draining thus follows the log and frees its
     * oldest segments: in offset order, random writes spread over the vDisk kept the oldest segment
     * alive until a sweep of every offset, and a full OpLog ran its drain-marker reserve dry first, so
     * nothing drained again. Empty if the vDisk has nothing undrained.
     */
    public DrainBatch drainable(long vdiskId, long maxBytes) throws IOException {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
        List<List<VdiskIndex.Piece>> runs = new ArrayList<>();
        List<VdiskIndex.Piece> pinned = new ArrayList<>();
        long upToEpoch;
        long upToSequence;
        lock.lock();
        try {
            VdiskIndex vdisk = vdisks.get(vdiskId);
            if (vdisk == null || vdisk.isEmpty()) {
                return new DrainBatch(vdiskId, -1, -1, List.of());
            }
            upToEpoch = vdisk.indexedEpoch;
            upToSequence = vdisk.indexedSequence;
            // the runs (contiguous within an extent) that hold one of the oldest pieces, in offset order
            List<VdiskIndex.Piece> all = vdisk.pieces();
            java.util.Set<VdiskIndex.Piece> seeds = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            seeds.addAll(oldestPieces(all, maxBytes));
            List<VdiskIndex.Piece> run = null;
            boolean seeded = false;
            long runEnd = -1;
            outer:
            for (VdiskIndex.Piece piece : all) {
                long start = piece.start();
                boolean seed = seeds.contains(piece);
                while (start < piece.end()) {
                    long end = Math.min(piece.end(), (start / EXTENT_BYTES + 1) * EXTENT_BYTES);
                    boolean continues = run != null && runEnd == start && start % EXTENT_BYTES != 0;
                    if (!continues) {
                        if (run != null && seeded) {
                            runs.add(run);
                            if (runs.size() == MAX_MARKER_RANGES) {
                                run = null;
                                break outer;
                            }
                        }
                        run = new ArrayList<>();
                        seeded = false;
                    }
                    run.add(new VdiskIndex.Piece(start, end, piece.record()));
                    seeded |= seed;
                    runEnd = end;
                    start = end;
                }
            }
            if (run != null && seeded) {
                runs.add(run);
            }
            runs.forEach(pinned::addAll);
            pin(pinned);
        } finally {
            lock.unlock();
        }
        try {
            List<DrainExtent> extents = new ArrayList<>(runs.size());
            for (List<VdiskIndex.Piece> run : runs) {
                long start = run.getFirst().start();
                byte[] data = new byte[(int) (run.getLast().end() - start)];
                boolean allZero = true;
                boolean trimmed = true;
                for (VdiskIndex.Piece piece : run) {
                    piece.record().copy(piece.start(), data, (int) (piece.start() - start), (int) piece.length());
                    allZero &= piece.record().kind != RecordKind.DATA;
                    trimmed &= piece.record().kind == RecordKind.TRIM;
                }
                extents.add(new DrainExtent(start, data, allZero, trimmed));
            }
            return new DrainBatch(vdiskId, upToEpoch, upToSequence, extents);
        } finally {
            unpin(pinned);
        }
    }

    /** Whether {@code a} was written before {@code b} (by {@link #AGE}). */
    private static boolean older(VdiskIndex.Piece a, VdiskIndex.Piece b) {
        StoredRecord x = a.record();
        StoredRecord y = b.record();
        return x.epoch < y.epoch || x.epoch == y.epoch && x.sequence < y.sequence;
    }

    private static final Comparator<VdiskIndex.Piece> AGE = Comparator.comparingLong((VdiskIndex.Piece p) -> p.record().epoch)
            .thenComparingLong(p -> p.record().sequence);

    /**
     * The oldest of {@code pieces} (at most {@value #MAX_MARKER_RANGES}, taken oldest first until
     * {@code maxBytes}), in offset order. One pass with a bounded heap: the index can hold a piece per
     * 4 KiB written.
     */
    static List<VdiskIndex.Piece> oldestPieces(List<VdiskIndex.Piece> pieces, long maxBytes) {
        java.util.PriorityQueue<VdiskIndex.Piece> youngestOnTop = new java.util.PriorityQueue<>(MAX_MARKER_RANGES + 1, AGE.reversed());
        for (VdiskIndex.Piece p : pieces) {
            if (youngestOnTop.size() == MAX_MARKER_RANGES && !older(p, youngestOnTop.peek())) {
                continue; // not older than the youngest kept: one comparison, no heap update (most pieces; this runs under the lock)
            }
            youngestOnTop.add(p);
            if (youngestOnTop.size() > MAX_MARKER_RANGES) {
                youngestOnTop.poll();
            }
        }
        List<VdiskIndex.Piece> byAge = new ArrayList<>(youngestOnTop);
        byAge.sort(AGE);
        List<VdiskIndex.Piece> chosen = new ArrayList<>();
        long bytes = 0;
        for (VdiskIndex.Piece p : byAge) {
            if (!chosen.isEmpty() && bytes >= maxBytes) {
                break;
            }
            chosen.add(p);
            bytes += p.length();
        }
        chosen.sort(Comparator.comparingLong(VdiskIndex.Piece::start));
        return chosen;
    }

    /**
     * Records durably that {@code batch} is in the extent store and releases it: in the batch's
     * ranges, data of writes up to the batch's newest write leaves the index; newer writes stay.
     * Returns once the drain marker is durable, with the logical bytes released (less than the
     * batch where newer writes arrived). Segments left without live records are deleted.
     *
     * @throws TimeoutException if even the drain-marker reserve had no room within {@code maxWaitForSpace}
     * @throws IOException      if the device failed
     */
    public long markDrained(DrainBatch batch, Duration maxWaitForSpace) throws IOException, InterruptedException, TimeoutException {
        if (batch.isEmpty()) {
            return 0;
        }
        if (batch.extents().size() > MAX_MARKER_RANGES) {
            throw new IllegalArgumentException("a drain batch has at most " + MAX_MARKER_RANGES + " extents, got " + batch.extents().size());
        }
        List<ByteRange> ranges = batch.extents().stream().map(DrainExtent::range).toList();
        return release(batch.vdiskId(), batch.upToEpoch(), batch.upToSequence(), ranges, maxWaitForSpace);
    }

    /**
     * Releases, in {@code ranges} of the vDisk, the data of writes up to {@code (upToEpoch, upToSequence)};
     * newer writes stay. What a peer copy does when the owner drained a batch ({@link #markDrained}
     * with the batch's ranges and newest write). Durable when it returns.
     */
    public long release(long vdiskId, long upToEpoch, long upToSequence, List<ByteRange> ranges, Duration maxWaitForSpace)
            throws IOException, InterruptedException, TimeoutException {
        if (ranges.isEmpty()) {
            return 0;
        }
        if (ranges.size() > MAX_MARKER_RANGES) {
            throw new IllegalArgumentException("a release has at most " + MAX_MARKER_RANGES + " ranges, got " + ranges.size());
        }
        DrainBatch batch = new DrainBatch(vdiskId, upToEpoch, upToSequence, List.of());
        ByteBuffer marker = RecordCodec.encodeMarker(batch.vdiskId(), batch.upToEpoch(), batch.upToSequence(), ranges);
        long deadline = deadline(maxWaitForSpace);
        CompletableFuture<Long> done;
        lock.lockInterruptibly();
        try {
            ensureUsable();
            awaitSpace(marker.remaining() + SEGMENT_HEADER_BYTES, config.capacityBytes(), null, deadline, maxWaitForSpace);
            PendingAppend pending = new PendingAppend(new DrainMarker(batch.vdiskId(), batch.upToEpoch(), batch.upToSequence(), ranges));
            try {
                pending.markerSegment = writeRecord(marker);
            } catch (IOException e) {
                fail(e);
                throw e;
            }
            unsynced.add(pending);
            flushNeeded.signal();
            done = pending.done;
        } finally {
            lock.unlock();
        }
        return await(done);
    }

    /**
     * Releases every write of the vDisk from epochs below {@code epoch}: a new owner has written them
     * again under its epoch, so these copies are superseded.
     */
    public long dropBefore(long vdiskId, long epoch) throws IOException, InterruptedException, TimeoutException {
        if (epoch <= 0) {
            return 0;
        }
        return release(vdiskId, epoch - 1, Long.MAX_VALUE, List.of(new ByteRange(0, Long.MAX_VALUE)), Duration.ofSeconds(30));
    }

    // ---------------------------------------------------------------- state

    /** The vDisks that have undrained data here. */
    public Set<Long> vdisks() {
        lock.lock();
        try {
            Set<Long> result = new HashSet<>();
            vdisks.forEach((id, vdisk) -> {
                if (!vdisk.isEmpty()) {
                    result.add(id);
                }
            });
            return result;
        } finally {
            lock.unlock();
        }
    }

    /** Logical bytes of the vDisk not yet drained. */
    public long undrainedBytes(long vdiskId) {
        lock.lock();
        try {
            VdiskIndex vdisk = vdisks.get(vdiskId);
            return vdisk == null ? 0 : vdisk.undrainedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the vDisk has data in this OpLog (undrained, or drained and not yet released) overlapping {@code [offset, offset + length)}. */
    public boolean holds(long vdiskId, long offset, long length) {
        lock.lock();
        try {
            VdiskIndex vdisk = vdisks.get(vdiskId);
            return vdisk != null && !vdisk.overlapping(offset, offset + length, false).isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** The highest epoch seen for the vDisk, or -1 if none. */
    public long epoch(long vdiskId) {
        lock.lock();
        try {
            VdiskIndex vdisk = vdisks.get(vdiskId);
            return vdisk == null ? -1 : vdisk.fenceEpoch;
        } finally {
            lock.unlock();
        }
    }

    /** Appenders currently waiting for space; a drainer raises its priority while this is above zero. */
    public int waitingForSpace() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    public OpLogStats stats() {
        lock.lock();
        try {
            return new OpLogStats(bytesAppended, fsyncs.get(), bytesLive, bytesDrained, spaceWaits, usedBytes,
                    config.capacityBytes(), segments.size());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Syncs what was appended, stops the flusher and closes the files. Appenders waiting for space
     * fail with {@link IllegalStateException}.
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            flushNeeded.signalAll();
            spaceChanged.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            flusher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the OpLog flusher of " + directory + " finished its last sync", e);
        } finally {
            closeChannels();
        }
    }

    // ---------------------------------------------------------------- internals: writing

    private long deadline(Duration maxWait) {
        long nanos = maxWait.isNegative() ? 0 : maxWait.toNanos();
        long now = clock.nanoTime();
        return now + Math.min(nanos, Long.MAX_VALUE - Math.max(now, 0));
    }

    private void checkOrder(List<OpLogRecord> records) throws OpLogException {
        Map<Long, long[]> newest = new HashMap<>();
        for (OpLogRecord record : records) {
            VdiskIndex vdisk = vdisks.get(record.vdiskId());
            long[] state = newest.computeIfAbsent(record.vdiskId(), id -> vdisk == null ? new long[] {-1, -1, -1}
                    : new long[] {vdisk.fenceEpoch, vdisk.newestEpoch, vdisk.newestSequence});
            if (record.epoch() < state[0]) {
                throw new StaleEpochException(record.vdiskId(), record.epoch(), state[0]);
            }
            if (record.epoch() == state[1] && record.sequence() < state[2]) {
                throw new SequenceOrderException(record.vdiskId(), record.epoch(), record.sequence(), state[1], state[2]);
            }
            state[0] = record.epoch();
            state[1] = record.epoch();
            state[2] = record.sequence();
        }
    }

    /**
     * Waits until {@code need} more bytes fit under {@code limit}. A data append passes a
     * {@code waiter} and is admitted only at the head of the queue; a drain marker passes null and
     * is admitted whenever it fits, ahead of queued appends.
     */
    private void awaitSpace(long need, long limit, Waiter waiter, long deadline, Duration maxWait)
            throws InterruptedException, TimeoutException, IOException {
        if ((waiter == null || waiters.isEmpty()) && usedBytes + need <= limit) {
            return;
        }
        if (waiter != null) {
            waiters.add(waiter);
        }
        boolean counted = false;
        try {
            while (true) {
                ensureUsable();
                if (waiter == null || waiters.first() == waiter) {
                    if (usedBytes + need > limit) {
                        reclaimIdleActiveSegment();
                    }
                    if (usedBytes + need <= limit) {
                        return;
                    }
                }
                long remaining = deadline - clock.nanoTime();
                if (remaining <= 0) {
                    throw new TimeoutException("OpLog " + directory + " had no room for " + need + " bytes within " + maxWait + ": "
                            + usedBytes + " of " + config.capacityBytes() + " bytes in use and drains released too little; retry later or drain faster");
                }
                if (!counted && waiter != null) {
                    spaceWaits++;
                    counted = true;
                }
                spaceChanged.awaitNanos(remaining);
            }
        } finally {
            if (waiter != null) {
                waiters.remove(waiter);
                spaceChanged.signalAll();
            }
        }
    }

    /** Closes the active segment if nothing in it is live, so it can be deleted to make room. */
    private void reclaimIdleActiveSegment() {
        if (active != null && active.liveRecords == 0) {
            active = null;
            releaseDeadPrefix();
        }
    }

    /** Writes an encoded record at the end of the active segment, starting a new one if needed. */
    private Segment writeRecord(ByteBuffer encoded) throws IOException {
        int size = encoded.remaining();
        if (active == null || active.size + size > config.segmentBytes()) {
            startSegment();
        }
        active.write(encoded, active.size);
        active.size += size;
        active.liveRecords++;
        usedBytes += size;
        return active;
    }

    /**
     * Seals the active segment (synced now, so only the newest segment can ever hold a torn record)
     * and starts a new one whose header and directory entry are durable before it is used.
     */
    private void startSegment() throws IOException {
        if (active != null) {
            active.channel.force(false);
            fsyncs.incrementAndGet();
            active = null;
            releaseDeadPrefix();
        }
        long id = nextSegmentId++;
        Path path = directory.resolve(Segment.fileName(id));
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Segment segment = new Segment(id, path, channel, 0);
        try {
            segment.write(RecordCodec.segmentHeader(id), 0);
            channel.force(false);
            syncDirectory();
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        segment.size = SEGMENT_HEADER_BYTES;
        usedBytes += SEGMENT_HEADER_BYTES;
        segments.put(id, segment);
        active = segment;
    }

    private void syncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private VdiskIndex vdisk(long vdiskId) {
        return vdisks.computeIfAbsent(vdiskId, VdiskIndex::new);
    }

    private void ensureUsable() throws IOException {
        if (closed) {
            throw new IllegalStateException("OpLog " + directory + " is closed");
        }
        if (failure != null) {
            throw new IOException("OpLog " + directory + " failed earlier and accepts no more writes (" + failure.getMessage()
                    + "); take the device offline, the peers hold the other copies", failure);
        }
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
            logger.warn("OpLog {} failed, refusing further writes: {}", directory, e.toString());
        }
        spaceChanged.signalAll();
        flushNeeded.signalAll();
    }

    private static <T> T await(CompletableFuture<T> future) throws IOException, InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("OpLog sync failed unexpectedly", e.getCause());
        }
    }

    // ---------------------------------------------------------------- internals: group commit

    /** The flusher: syncs everything written since its last pass with one sync per file, then completes it. */
    private void flushLoop() {
        while (true) {
            List<PendingAppend> batch;
            IOException failedBefore;
            lock.lock();
            try {
                while (unsynced.isEmpty() && !closed) {
                    flushNeeded.awaitUninterruptibly();
                }
                if (unsynced.isEmpty()) {
                    return;
                }
                batch = unsynced;
                unsynced = new ArrayList<>();
                failedBefore = failure;
            } finally {
                lock.unlock();
            }
            IOException syncFailure = failedBefore != null ? failedBefore : sync(batch);
            if (syncFailure != null) {
                lock.lock();
                try {
                    fail(syncFailure);
                } finally {
                    lock.unlock();
                }
                batch.forEach(pending -> pending.done.completeExceptionally(syncFailure));
                continue;
            }
            long[] released = new long[batch.size()];
            lock.lock();
            try {
                for (int i = 0; i < batch.size(); i++) {
                    released[i] = apply(batch.get(i));
                }
                releaseDeadPrefix();
            } catch (RuntimeException e) {
                logger.error("OpLog {}: indexing synced records failed, refusing further writes", directory, e);
                IOException broken = new IOException("OpLog " + directory + " index update failed: " + e, e);
                fail(broken);
                batch.forEach(pending -> pending.done.completeExceptionally(broken));
                continue;
            } finally {
                lock.unlock();
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done.complete(released[i]);
            }
        }
    }

    private IOException sync(List<PendingAppend> batch) {
        Set<Segment> files = new LinkedHashSet<>();
        for (PendingAppend pending : batch) {
            pending.records.forEach(r -> files.add(r.segment));
            if (pending.markerSegment != null) {
                files.add(pending.markerSegment);
            }
        }
        try {
            for (Segment segment : files) {
                segment.channel.force(false);
                fsyncs.incrementAndGet();
            }
            return null;
        } catch (IOException e) {
            return new IOException("sync of OpLog segment in " + directory + " failed: " + e.getMessage(), e);
        }
    }

    /** Makes a durable append visible: indexes its records or applies its drain marker. Returns bytes released. */
    private long apply(PendingAppend pending) {
        for (StoredRecord record : pending.records) {
            bytesLive += record.storedBytes;
            vdisk(record.vdiskId).insert(record, this::recordDead);
        }
        if (pending.marker == null) {
            return 0;
        }
        pending.markerSegment.liveRecords--;
        long released = applyMarker(pending.marker);
        bytesDrained += released;
        return released;
    }

    private long applyMarker(DrainMarker marker) {
        VdiskIndex vdisk = vdisks.get(marker.vdiskId());
        if (vdisk == null) {
            return 0;
        }
        long released = 0;
        for (ByteRange range : marker.ranges()) {
            released += vdisk.removeUpTo(range.offset(), range.end(), marker.upToEpoch(), marker.upToSequence(), this::recordDead);
        }
        return released;
    }

    private void recordDead(StoredRecord record) {
        record.segment.liveRecords--;
        bytesLive -= record.storedBytes;
        vdisk(record.vdiskId).chargedBytes -= record.storedBytes;
    }

    /**
     * Deletes segments from the oldest on while they hold nothing live, are not being written and
     * not being read. Deletion in log order is what keeps replay exact (see the class comment).
     */
    private void releaseDeadPrefix() {
        while (!segments.isEmpty()) {
            Segment oldest = segments.firstEntry().getValue();
            if (oldest == active || oldest.liveRecords > 0 || oldest.pins > 0) {
                return;
            }
            try {
                oldest.channel.close();
                Files.delete(oldest.path);
                syncDirectory();
            } catch (IOException e) {
                fail(new IOException("cannot delete drained OpLog segment " + oldest.path + ": " + e.getMessage(), e));
                return;
            }
            segments.remove(oldest.id);
            usedBytes -= oldest.size;
            spaceChanged.signalAll();
        }
    }

    // ---------------------------------------------------------------- internals: reading

    /** The vDisk's pieces in {@code [start, end)}, clipped, with their segments pinned against deletion. */
    private List<VdiskIndex.Piece> pinPieces(long vdiskId, long start, long end) {
        lock.lock();
        try {
            VdiskIndex vdisk = vdisks.get(vdiskId);
            if (vdisk == null) {
                return List.of();
            }
            List<VdiskIndex.Piece> pieces = vdisk.overlapping(start, end, true);
            pin(pieces);
            return pieces;
        } finally {
            lock.unlock();
        }
    }

    private void pin(List<VdiskIndex.Piece> pieces) {
        pieces.forEach(p -> p.record().segment.pins++);
    }

    private void unpin(List<VdiskIndex.Piece> pieces) {
        if (pieces.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            pieces.forEach(p -> p.record().segment.pins--);
            releaseDeadPrefix();
        } finally {
            lock.unlock();
        }
    }

    private void closeChannels() {
        lock.lock();
        try {
            for (Segment segment : segments.values()) {
                try {
                    segment.channel.close();
                } catch (IOException e) {
                    logger.debug("closing OpLog segment {} failed: {}", segment.path, e.toString());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- internals: recovery

    private void recover() throws IOException, OpLogCorruptException {
        Files.createDirectories(directory);
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(p -> segmentIdOf(p) >= 0).sorted(Comparator.comparingLong(OpLogStore::segmentIdOf)).toList();
        }
        lock.lock();
        try {
            long tornBytes = 0;
            for (int i = 0; i < files.size(); i++) {
                tornBytes += recoverSegment(files.get(i), i == files.size() - 1);
            }
            if (!files.isEmpty()) {
                nextSegmentId = segmentIdOf(files.getLast()) + 1;
            }
            releaseDeadPrefix();
            if (failure != null) {
                throw failure;
            }
            logger.info("OpLog {} opened: {} segments, {} vDisks with {} live bytes, {} torn bytes cut off", directory,
                    segments.size(), vdisks().size(), bytesLive, tornBytes);
        } finally {
            lock.unlock();
        }
    }

    private static long segmentIdOf(Path path) {
        String name = path.getFileName().toString();
        if (!name.startsWith(SEGMENT_PREFIX) || !name.endsWith(SEGMENT_SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(name, SEGMENT_PREFIX.length(), name.length() - SEGMENT_SUFFIX.length(), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Replays one segment into the index; returns the torn bytes cut off its end. */
    private long recoverSegment(Path path, boolean newest) throws IOException, OpLogCorruptException {
        long id = segmentIdOf(path);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        boolean keep = false;
        try {
            long fileSize = channel.size();
            if (fileSize > config.segmentBytes()) {
                throw new OpLogCorruptException(path, 0, "the file has " + fileSize + " bytes, more than the configured segment size of "
                        + config.segmentBytes(), "was the store opened with a smaller segmentBytes than it was written with?");
            }
            ByteBuffer content = ByteBuffer.allocate((int) fileSize);
            while (content.hasRemaining() && channel.read(content, content.position()) >= 0) {
                // read the whole segment: at most segmentBytes
            }
            content.flip();
            if (RecordCodec.segmentId(content.duplicate()) != id) {
                if (newest && !validRecordAfter(content, 0)) {
                    logger.info("OpLog segment {} has no valid header or record (torn while being created); deleting it", path);
                    channel.close();
                    Files.delete(path);
                    syncDirectory();
                    return fileSize;
                }
                throw new OpLogCorruptException(path, 0, "bad segment header", "records follow it");
            }
            Segment segment = new Segment(id, path, channel, fileSize);
            segments.put(id, segment);
            usedBytes += fileSize;
            keep = true;
            long position = SEGMENT_HEADER_BYTES;
            String[] problem = new String[1];
            while (position < fileSize) {
                String bad = replayRecord(segment, content, (int) position, problem);
                if (bad != null) {
                    if (newest && !validRecordAfter(content, position + 1)) {
                        channel.truncate(position);
                        channel.force(true);
                        segment.size = position;
                        usedBytes -= fileSize - position;
                        logger.info("OpLog segment {}: cut off a torn record at byte {} ({}), {} bytes", path, position, bad, fileSize - position);
                        return fileSize - position;
                    }
                    throw new OpLogCorruptException(path, position, bad,
                            newest ? "a valid record follows it" : "newer segments follow it");
                }
                position += content.getInt((int) position + 44) + RECORD_HEADER_BYTES;
            }
            return 0;
        } finally {
            if (!keep && channel.isOpen()) {
                channel.close();
            }
        }
    }

    /** Replays the record at {@code position}; returns null, or what is wrong with it. */
    private String replayRecord(Segment segment, ByteBuffer content, int position, String[] problem) {
        if (content.limit() - position < RECORD_HEADER_BYTES) {
            return "incomplete record header";
        }
        ByteBuffer at = content.duplicate().position(position);
        RecordCodec.Header h = RecordCodec.decodeHeader(at, config.segmentBytes(), problem);
        if (h == null) {
            return problem[0];
        }
        if ((long) position + h.storedBytes() > content.limit()) {
            return "record of " + h.storedBytes() + " bytes extends past the end of the file";
        }
        ByteBuffer payload = content.duplicate().position(position + RECORD_HEADER_BYTES).limit(position + h.storedBytes());
        if (!RecordCodec.crcMatches(at, h, payload)) {
            return "CRC32C mismatch";
        }
        VdiskIndex vdisk = vdisk(h.vdiskId());
        vdisk.fenceEpoch = Math.max(vdisk.fenceEpoch, h.epoch());
        if (h.epoch() > vdisk.newestEpoch || (h.epoch() == vdisk.newestEpoch && h.sequence() >= vdisk.newestSequence)) {
            vdisk.newestEpoch = h.epoch(); // a drain marker's key counts too: its writes may be gone
            vdisk.newestSequence = h.sequence();
        }
        if (h.isMarker()) {
            applyMarker(new DrainMarker(h.vdiskId(), h.epoch(), h.sequence(), RecordCodec.markerRanges(payload)));
            return null;
        }
        StoredRecord record = new StoredRecord(segment, position + RECORD_HEADER_BYTES, h.storedBytes(), h.vdiskId(), h.epoch(),
                h.sequence(), h.offset(), h.length(), RecordKind.ofCode(h.flags()));
        segment.liveRecords++;
        vdisk.chargedBytes += h.storedBytes();
        bytesLive += h.storedBytes();
        vdisk.insert(record, this::recordDead);
        return null;
    }

    /** True if a complete record with a matching CRC starts anywhere after {@code from}. */
    private boolean validRecordAfter(ByteBuffer content, long from) {
        String[] problem = new String[1];
        for (int p = (int) Math.max(from, SEGMENT_HEADER_BYTES); p + RECORD_HEADER_BYTES <= content.limit(); p++) {
            if (content.getInt(p) != RecordCodec.RECORD_MAGIC) {
                continue;
            }
            ByteBuffer at = content.duplicate().position(p);
            RecordCodec.Header h = RecordCodec.decodeHeader(at, config.segmentBytes(), problem);
            if (h != null && (long) p + h.storedBytes() <= content.limit()
                    && RecordCodec.crcMatches(at, h, content.duplicate().position(p + RECORD_HEADER_BYTES).limit(p + h.storedBytes()))) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- internals: types

    /** An append waiting for space; orders vDisks under their baseline first, then by arrival. */
    private record Waiter(boolean overBaseline, long ticket) implements Comparable<Waiter> {
        @Override
        public int compareTo(Waiter other) {
            int byShare = Boolean.compare(overBaseline, other.overBaseline);
            return byShare != 0 ? byShare : Long.compare(ticket, other.ticket);
        }
    }

    /** In the given ranges of a vDisk, data of writes up to {@code (upToEpoch, upToSequence)} is drained. */
    private record DrainMarker(long vdiskId, long upToEpoch, long upToSequence, List<ByteRange> ranges) {
    }

    /** Records written and waiting for the flusher's sync; a drain marker if {@code marker} is set. */
    private static final class PendingAppend {
        final List<StoredRecord> records = new ArrayList<>();
        final DrainMarker marker;
        Segment markerSegment;
        final CompletableFuture<Long> done = new CompletableFuture<>();

        PendingAppend(DrainMarker marker) {
            this.marker = marker;
        }
    }
}
