package io.cairn.storage.medusa.internal.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Statistics;
import org.rocksdb.StatsLevel;
import org.rocksdb.Status;
import org.rocksdb.TickerType;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import io.cairn.storage.api.local.LocalEntry;
import io.cairn.storage.api.local.LocalMetadataException;
import io.cairn.storage.api.local.LocalMetadataException.Reason;
import io.cairn.storage.api.local.LocalMetadataStore;
import io.cairn.storage.api.local.LocalWrite;

/**
 * The node-local metadata store on one RocksDB (default column family only, its own directory,
 * separate from Medusa's replica store). Every write goes through {@link #syncWrites}
 * ({@code sync=true}): RocksDB appends it to the write-ahead log and fsyncs the log before
 * returning. Recovery is point-in-time: after a crash the store holds every acknowledged write and
 * a torn, unacknowledged tail of the log is dropped.
 *
 * <p>Operations run under the read side of {@link #lock}, {@link #close} under the write side, so
 * nothing touches the native handles after they are freed. Usable without OSGi (tests, the crash
 * test's child process); {@link LocalMetadataStoreImpl} is the service.
 */
final class LocalMetadataDb implements LocalMetadataStore, AutoCloseable {

    private static final int BLOOM_BITS_PER_KEY = 10;

    private final Path dir;
    private final boolean created;
    private final RocksDB db;
    private final Options options;
    private final Statistics statistics;
    private final BloomFilter bloom;
    private final WriteOptions syncWrites;
    private final Consumer<LocalMetadataException> onFailure;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lock

    private LocalMetadataDb(Path dir, boolean created, RocksDB db, Options options, Statistics statistics, BloomFilter bloom,
            WriteOptions syncWrites, Consumer<LocalMetadataException> onFailure) {
        this.dir = dir;
        this.created = created;
        this.db = db;
        this.options = options;
        this.statistics = statistics;
        this.bloom = bloom;
        this.syncWrites = syncWrites;
        this.onFailure = onFailure;
    }

    /**
     * Opens (creating if missing) the store in {@code dir}. {@code onFailure} sees every I/O,
     * disk-full and corruption failure (not invalid requests) before it is thrown.
     */
    static LocalMetadataDb open(Path dir, Consumer<LocalMetadataException> onFailure) {
        RocksDB.loadLibrary(); // once per class loader; shared with ShardStore in this bundle
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LocalMetadataException(Reason.IO_ERROR, "cannot create the node-local metadata directory " + dir + ": "
                    + e + "; check that the node home is on a writable file system with free space", e);
        }
        boolean created = !Files.exists(dir.resolve("CURRENT"));
        Statistics statistics = new Statistics();
        statistics.setStatsLevel(StatsLevel.EXCEPT_DETAILED_TIMERS);
        BloomFilter bloom = new BloomFilter(BLOOM_BITS_PER_KEY);
        Options options = new Options().setCreateIfMissing(true)
                .setParanoidChecks(true)
                // acknowledged writes are synced; only an unacknowledged torn tail can be lost
                .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery)
                .setMaxBackgroundJobs(2)
                .setKeepLogFileNum(3)
                .setWriteBufferSize(8L << 20)
                .setStatistics(statistics)
                .setTableFormatConfig(new BlockBasedTableConfig().setFilterPolicy(bloom));
        WriteOptions syncWrites = new WriteOptions().setSync(true);
        try {
            RocksDB db = RocksDB.open(options, dir.toString());
            return new LocalMetadataDb(dir, created, db, options, statistics, bloom, syncWrites, onFailure);
        } catch (RocksDBException e) {
            syncWrites.close();
            options.close();
            bloom.close();
            statistics.close();
            LocalMetadataException failure = translate(dir, "opening the node-local metadata store", e);
            onFailure.accept(failure);
            throw failure;
        }
    }

    Path directory() {
        return dir;
    }

    /** Whether {@link #open} made a new, empty store (no store was there). */
    boolean created() {
        return created;
    }

    // ---- the API ----

    @Override
    public Optional<byte[]> get(byte[] key) {
        checkKey(key, "key");
        Lock l = enter();
        try {
            return Optional.ofNullable(db.get(key));
        } catch (RocksDBException e) {
            throw failure("reading key " + LocalEntry.printable(key), e);
        } finally {
            l.unlock();
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        checkKey(key, "key");
        checkValue(key, value);
        Lock l = enter();
        try {
            db.put(syncWrites, key, value);
        } catch (RocksDBException e) {
            throw failure("writing key " + LocalEntry.printable(key), e);
        } finally {
            l.unlock();
        }
    }

    @Override
    public void delete(byte[] key) {
        checkKey(key, "key");
        Lock l = enter();
        try {
            db.delete(syncWrites, key);
        } catch (RocksDBException e) {
            throw failure("deleting key " + LocalEntry.printable(key), e);
        } finally {
            l.unlock();
        }
    }

    @Override
    public void write(List<LocalWrite> writes) {
        if (writes == null) {
            throw invalid("the list of writes is null; pass an empty list to write nothing");
        }
        if (writes.size() > MAX_BATCH_WRITES) {
            throw invalid("a batch of " + writes.size() + " writes is too large; at most " + MAX_BATCH_WRITES
                    + " writes go in one atomic batch: split it");
        }
        long bytes = 0;
        for (int i = 0; i < writes.size(); i++) {
            LocalWrite w = writes.get(i);
            if (w == null) {
                throw invalid("write " + i + " of the batch is null");
            }
            checkKey(w.key(), "the key of write " + i);
            bytes += w.key().length;
            if (w instanceof LocalWrite.Put p) {
                checkValue(p.key(), p.value());
                bytes += p.value().length;
            }
        }
        if (bytes > MAX_BATCH_BYTES) {
            throw invalid("a batch of " + bytes + " key and value bytes is too large; at most " + MAX_BATCH_BYTES
                    + " bytes go in one atomic batch: split it");
        }
        Lock l = enter();
        try (WriteBatch batch = new WriteBatch()) {
            if (writes.isEmpty()) {
                return;
            }
            for (LocalWrite w : writes) {
                switch (w) {
                    case LocalWrite.Put p -> batch.put(p.key(), p.value());
                    case LocalWrite.Delete d -> batch.delete(d.key());
                }
            }
            db.write(syncWrites, batch);
        } catch (RocksDBException e) {
            throw failure("writing a batch of " + writes.size() + " (first key " + LocalEntry.printable(writes.get(0).key()) + ")", e);
        } finally {
            l.unlock();
        }
    }

    @Override
    public List<LocalEntry> scan(byte[] prefix, byte[] startAfter, int limit) {
        if (prefix == null) {
            throw invalid("the scan prefix is null; pass an empty prefix to scan every key");
        }
        if (prefix.length > MAX_KEY_BYTES) {
            throw invalid("the scan prefix is " + prefix.length + " bytes; no key is longer than " + MAX_KEY_BYTES);
        }
        if (startAfter != null && startAfter.length > MAX_KEY_BYTES) {
            throw invalid("startAfter is " + startAfter.length + " bytes; no key is longer than " + MAX_KEY_BYTES
                    + ": pass the last key of the previous page");
        }
        if (limit < 1 || limit > MAX_SCAN_LIMIT) {
            throw invalid("scan limit " + limit + " is out of range 1.." + MAX_SCAN_LIMIT);
        }
        byte[] from = startAfter != null && Arrays.compareUnsigned(startAfter, prefix) >= 0 ? startAfter : prefix;
        byte[] upper = upperBound(prefix);
        List<LocalEntry> out = new ArrayList<>(Math.min(limit, 256));
        Lock l = enter();
        try (Slice bound = upper == null ? null : new Slice(upper);
                ReadOptions read = new ReadOptions();
                RocksIterator it = db.newIterator(bound == null ? read : read.setIterateUpperBound(bound))) {
            it.seek(from);
            if (startAfter != null && it.isValid() && Arrays.equals(it.key(), startAfter)) {
                it.next();
            }
            while (it.isValid() && out.size() < limit) {
                byte[] key = it.key();
                if (!startsWith(key, prefix)) {
                    break;
                }
                out.add(new LocalEntry(key, it.value()));
                it.next();
            }
            it.status();
        } catch (RocksDBException e) {
            throw failure("scanning prefix " + LocalEntry.printable(prefix), e);
        } finally {
            l.unlock();
        }
        return out;
    }

    @Override
    public void sync() {
        Lock l = enter();
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush);
            db.flushWal(true);
        } catch (RocksDBException e) {
            throw failure("flushing the store to disk", e);
        } finally {
            l.unlock();
        }
    }

    // ---- figures for metrics and tests (NaN / -1 once closed) ----

    /** RocksDB's estimate of the number of keys. */
    double keysEstimate() {
        return longProperty("rocksdb.estimate-num-keys");
    }

    /** Bytes in table files plus bytes in memtables. */
    double bytes() {
        double sst = longProperty("rocksdb.total-sst-files-size");
        double mem = longProperty("rocksdb.cur-size-all-mem-tables");
        return sst + mem;
    }

    /** How many times the write-ahead log was fsync'd since open. */
    long walSyncs() {
        Lock l = lock.readLock();
        l.lock();
        try {
            return closed ? -1 : statistics.getTickerCount(TickerType.WAL_FILE_SYNCED);
        } finally {
            l.unlock();
        }
    }

    private double longProperty(String name) {
        Lock l = lock.readLock();
        if (!l.tryLock()) {
            return Double.NaN; // closing
        }
        try {
            return closed ? Double.NaN : db.getLongProperty(name);
        } catch (RocksDBException e) {
            return Double.NaN;
        } finally {
            l.unlock();
        }
    }

    boolean isClosed() {
        Lock l = lock.readLock();
        l.lock();
        try {
            return closed;
        } finally {
            l.unlock();
        }
    }

    /** Waits for running operations, then frees the store; later calls fail with {@code CLOSED}. Idempotent. */
    @Override
    public void close() {
        Lock l = lock.writeLock();
        l.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            db.close();
            syncWrites.close();
            options.close();
            bloom.close();
            statistics.close();
        } finally {
            l.unlock();
        }
    }

    // ---- helpers ----

    private Lock enter() {
        Lock l = lock.readLock();
        l.lock();
        if (closed) {
            l.unlock();
            throw new LocalMetadataException(Reason.CLOSED, "the node-local metadata store at " + dir
                    + " is closed (the node is stopping or the service is restarting); nothing was applied: retry once it is back");
        }
        return l;
    }

    private LocalMetadataException failure(String what, RocksDBException e) {
        LocalMetadataException failure = translate(dir, what, e);
        onFailure.accept(failure);
        return failure;
    }

    /** A RocksDB error as a typed failure whose message says what to do. */
    static LocalMetadataException translate(Path dir, String what, RocksDBException e) {
        Status status = e.getStatus();
        Status.Code code = status == null ? Status.Code.Undefined : status.getCode();
        Status.SubCode sub = status == null ? Status.SubCode.None : status.getSubCode();
        String detail = e.getMessage() == null ? String.valueOf(code) : e.getMessage();
        String lower = detail.toLowerCase(Locale.ROOT);
        if (sub == Status.SubCode.NoSpace || lower.contains("no space left")) {
            return new LocalMetadataException(Reason.DISK_FULL, what + " failed: the file system holding " + dir + " is full ("
                    + detail + "). Free space on it; a write may or may not have been applied, so re-read before retrying. "
                    + "If writes still fail once space is free, restart the node so the store is reopened", e);
        }
        if (code == Status.Code.Corruption) {
            return new LocalMetadataException(Reason.CORRUPTED, what + " failed: the node-local metadata at " + dir + " is corrupt ("
                    + detail + "), so this node can no longer locate its extent groups. Take this node's disks out of service "
                    + "(their data is rebuilt from replicas on other nodes), then remove " + dir
                    + " so the node starts with an empty store", e);
        }
        if (lower.contains("while lock file") || lower.contains("lock hold by current process")) {
            return new LocalMetadataException(Reason.IN_USE, what + " failed: " + dir + " is already open in another process "
                    + "(or twice in this one) (" + detail + "). Stop the other Cairn process that uses this node home "
                    + "(fuser " + dir.resolve("LOCK") + " names it), then start this one again", e);
        }
        return new LocalMetadataException(Reason.IO_ERROR, what + " failed: I/O error on the store at " + dir + " (" + detail
                + "). Check the disk holding it (kernel log, SMART); a write may or may not have been applied, so re-read "
                + "before retrying. If the disk has failed, replace it: this node's data is rebuilt from replicas on other nodes", e);
    }

    private static LocalMetadataException invalid(String message) {
        return new LocalMetadataException(Reason.INVALID_REQUEST, message);
    }

    static void checkKey(byte[] key, String what) {
        if (key == null) {
            throw invalid(what + " is null; keys are 1 to " + MAX_KEY_BYTES + " bytes");
        }
        if (key.length == 0) {
            throw invalid(what + " is empty; keys are 1 to " + MAX_KEY_BYTES + " bytes");
        }
        if (key.length > MAX_KEY_BYTES) {
            throw new LocalMetadataException(Reason.KEY_TOO_LARGE, what + " " + LocalEntry.printable(key) + " is " + key.length
                    + " bytes; keys are at most " + MAX_KEY_BYTES + " bytes: keep the data in the value");
        }
    }

    static void checkValue(byte[] key, byte[] value) {
        if (value == null) {
            throw invalid("the value for key " + LocalEntry.printable(key) + " is null; use an empty array for no value, "
                    + "or delete the key");
        }
        if (value.length > MAX_VALUE_BYTES) {
            throw new LocalMetadataException(Reason.VALUE_TOO_LARGE, "the value for key " + LocalEntry.printable(key) + " is "
                    + value.length + " bytes; values are at most " + MAX_VALUE_BYTES + " bytes: split it over several keys");
        }
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The smallest key greater than every key starting with {@code prefix}, or null if there is none. */
    static byte[] upperBound(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xff) {
                byte[] bound = Arrays.copyOf(prefix, i + 1);
                bound[i]++;
                return bound;
            }
        }
        return null; // empty or all 0xff: no bound
    }
}
