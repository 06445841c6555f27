package io.cairn.storage.medusa.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * This node's replica store: one RocksDB with a column family per shard replica the node holds
 * (named after the shard's Raft group). The Raft log is the durable record of every command, so
 * applying writes without fsync is safe: each column family also records the last applied log
 * index, atomically with the data, and replay skips what is already there. Snapshots flush first.
 */
final class ShardStore implements AutoCloseable {

    static final String DEFAULT = new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8);

    private final RocksDB db;
    private final DBOptions options;
    private final ColumnFamilyOptions cfOptions;
    private final Map<String, ColumnFamilyHandle> families = new HashMap<>();
    /** Column families whose replica (state machine) is open: only their owner may reset them, nobody may drop them. */
    private final Set<String> inUse = new java.util.HashSet<>();
    final WriteOptions applyWrites = new WriteOptions().setSync(false);

    private ShardStore(RocksDB db, DBOptions options, ColumnFamilyOptions cfOptions, List<ColumnFamilyHandle> handles) throws RocksDBException {
        this.db = db;
        this.options = options;
        this.cfOptions = cfOptions;
        for (ColumnFamilyHandle h : handles) {
            families.put(new String(h.getName(), StandardCharsets.UTF_8), h);
        }
    }

    static ShardStore open(Path dir) throws Exception {
        RocksDB.loadLibrary();
        Files.createDirectories(dir);
        DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2).setKeepLogFileNum(3);
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions().setWriteBufferSize(8L << 20)
                .optimizeLevelStyleCompaction(32L << 20);
        List<byte[]> names;
        try (Options o = new Options()) {
            names = Files.exists(dir.resolve("CURRENT")) ? RocksDB.listColumnFamilies(o, dir.toString()) : List.of();
        }
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        for (byte[] n : names) {
            if (!new String(n, StandardCharsets.UTF_8).equals(DEFAULT)) {
                descriptors.add(new ColumnFamilyDescriptor(n, cfOptions));
            }
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles);
        return new ShardStore(db, options, cfOptions, handles);
    }

    RocksDB db() {
        return db;
    }

    /** Opens the column family {@code name} (created if missing) for its replica, which must {@link #release} it. */
    synchronized ColumnFamilyHandle acquire(String name) throws RocksDBException {
        if (!inUse.add(name)) {
            throw new IllegalStateException("column family " + name + " is already open by another replica");
        }
        return family(name);
    }

    synchronized void release(String name) {
        inUse.remove(name);
    }

    /** The column family {@code name}, created if missing. */
    private ColumnFamilyHandle family(String name) throws RocksDBException {
        ColumnFamilyHandle h = families.get(name);
        if (h == null) {
            h = db.createColumnFamily(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
            families.put(name, h);
        }
        return h;
    }

    /** Drops and re-creates {@code name} (its open replica loads a snapshot into it). */
    synchronized ColumnFamilyHandle reset(String name) throws RocksDBException {
        dropHandle(name);
        return family(name);
    }

    /** Drops the column family of a replica that is gone; refuses (returns false) while a replica has it open. */
    synchronized boolean drop(String name) throws RocksDBException {
        if (inUse.contains(name)) {
            return false;
        }
        dropHandle(name);
        return true;
    }

    private void dropHandle(String name) throws RocksDBException {
        ColumnFamilyHandle h = families.remove(name);
        if (h != null) {
            db.dropColumnFamily(h);
            h.close();
        }
    }

    synchronized Set<String> families() {
        Set<String> names = new TreeSet<>(families.keySet());
        names.remove(DEFAULT);
        return names;
    }

    /** Persists the memtable of {@code family} (SST files are synced by RocksDB). */
    void flush(ColumnFamilyHandle family) throws RocksDBException {
        try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
            db.flush(f, family);
        }
        db.flushWal(true);
    }

    long property(ColumnFamilyHandle family, String property) {
        try {
            return db.getLongProperty(family, property);
        } catch (RocksDBException e) {
            return -1;
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.flushWal(true);
        } catch (RocksDBException e) {
            // closing anyway; the Raft log has every command
        }
        families.values().forEach(ColumnFamilyHandle::close);
        families.clear();
        db.close();
        options.close();
        cfOptions.close();
        applyWrites.close();
    }
}
