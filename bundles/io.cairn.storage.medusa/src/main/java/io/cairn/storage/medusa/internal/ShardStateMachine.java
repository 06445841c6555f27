package io.cairn.storage.medusa.internal;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.EnvOptions;
import org.rocksdb.IngestExternalFileOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.SstFileWriter;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.storage.api.medusa.Entry;
import io.cairn.storage.api.medusa.Medusa;

/**
 * One shard replica: applies committed commands to the shard's RocksDB column family. A stored
 * value is the 8-byte version (the log index of the write) followed by the value bytes. The key
 * {@link #APPLIED} (a control character no user key may contain) holds the last applied log index,
 * written in the same atomic batch as the data, so replaying the log after a crash skips what the
 * column family already has. Snapshots are SST files of the column family (consistent with the
 * index they are named after), so a follower installs one with an ingest.
 */
final class ShardStateMachine extends BaseStateMachine {

    static final byte[] APPLIED = {0, 'a'};
    private static final Message EMPTY = Message.valueOf(ByteString.EMPTY);

    private final Logger logger = LoggerFactory.getLogger(ShardStateMachine.class);
    private final ShardStore store;
    private final String family;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Object applyLock = new Object();
    private volatile ColumnFamilyHandle cf;
    private long applied;
    /** Set under {@code applyLock} when the replica closes: nothing touches the column family afterwards. */
    private volatile boolean closed;
    /** Queries hold the read lock; replacing or releasing the column family (snapshot load, close) holds the write lock. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock handle = new java.util.concurrent.locks.ReentrantReadWriteLock();

    ShardStateMachine(ShardStore store, RaftGroupId group) {
        this.store = store;
        this.family = familyName(group);
    }

    static String familyName(RaftGroupId group) {
        return "g-" + group.getUuid();
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            // under the write lock: a status query (size()) must never see a handle that reset() closes
            handle.writeLock().lock();
            try {
                cf = store.acquire(family);
                // a replica added to this node again (its Raft directory was deleted when it left) must not
                // inherit the column family of its earlier incarnation: it would skip entries by a stale index
                File marker = new File(raftStorage.getStorageDir().getStateMachineDir(), "column-family");
                if (!marker.exists()) {
                    cf = store.reset(family);
                    Files.createDirectories(marker.getParentFile().toPath());
                    Files.writeString(marker.toPath(), family + "\n");
                }
                applied = readApplied();
            } catch (RocksDBException e) {
                throw new IOException("cannot open the column family of " + groupId, e);
            } finally {
                handle.writeLock().unlock();
            }
            SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
            if (snapshot != null) {
                if (snapshot.getIndex() > applied) {
                    load(snapshot);
                }
                setLastAppliedTermIndex(snapshot.getTermIndex());
            }
        });
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    /** After a follower received a snapshot from the leader: replace the column family with it. */
    @Override
    public void reinitialize() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot != null && snapshot.getIndex() > applied) {
            load(snapshot);
            setLastAppliedTermIndex(snapshot.getTermIndex());
        }
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        handle.writeLock().lock();
        try {
            loadLocked(snapshot);
        } finally {
            handle.writeLock().unlock();
        }
    }

    private void loadLocked(SingleFileSnapshotInfo snapshot) throws IOException {
        synchronized (applyLock) {
            checkOpen();
            File file = snapshot.getFile().getPath().toFile();
            if (snapshot.getFile().getFileDigest() != null) {
                MD5FileUtil.verifySavedMD5(file, snapshot.getFile().getFileDigest());
            }
            try {
                ColumnFamilyHandle fresh = store.reset(family);
                // ingest moves or links the file: ingest a copy so the snapshot stays for other followers
                File copy = new File(file.getParentFile(), file.getName() + ".ingest");
                Files.copy(file.toPath(), copy.toPath(), StandardCopyOption.REPLACE_EXISTING);
                try (IngestExternalFileOptions o = new IngestExternalFileOptions().setMoveFiles(true)) {
                    store.db().ingestExternalFile(fresh, List.of(copy.getPath()), o);
                }
                Files.deleteIfExists(copy.toPath());
                cf = fresh;
                applied = readApplied();
                logger.info("shard replica {} loaded snapshot {} (applied index {})", family, snapshot.getTermIndex(), applied);
            } catch (RocksDBException e) {
                throw new IOException("cannot load snapshot " + file + " into " + family, e);
            }
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        synchronized (applyLock) {
            checkOpen();
            TermIndex last = getLastAppliedTermIndex();
            if (last == null || last.getIndex() < 0) {
                return -1;
            }
            File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
            File tmp = new File(file.getParentFile(), file.getName() + ".tmp");
            try (EnvOptions env = new EnvOptions(); Options options = new Options();
                    SstFileWriter writer = new SstFileWriter(env, options);
                    Snapshot snap = store.db().getSnapshot();
                    ReadOptions read = new ReadOptions().setSnapshot(snap);
                    RocksIterator it = store.db().newIterator(cf, read)) {
                writer.open(tmp.getPath());
                writer.put(APPLIED, longBytes(last.getIndex()));
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] k = it.key();
                    if (!Arrays.equals(k, APPLIED)) {
                        writer.put(k, it.value());
                    }
                }
                writer.finish();
                store.db().releaseSnapshot(snap);
                store.flush(cf);
            } catch (RocksDBException e) {
                throw new IOException("cannot write snapshot " + file, e);
            }
            Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
            storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
            return last.getIndex();
        }
    }

    /**
     * Refuses the write-path probe ({@link Codec#PROBE}) before it reaches the log: Ratis asks the state
     * machine only after it has checked that this replica leads and accepts writes, so the refusal
     * ({@link ProbeAnswer}, as a StateMachineException) means "accepting writes".
     */
    @Override
    public TransactionContext startTransaction(org.apache.ratis.protocol.RaftClientRequest request) throws IOException {
        TransactionContext trx = super.startTransaction(request);
        if (Codec.isProbe(request.getMessage().getContent())) {
            trx.setException(new ProbeAnswer());
        }
        return trx;
    }

    /** The answer to a write-path probe: this leader accepts writes (the probe itself is never logged). */
    static final class ProbeAnswer extends IOException {
        ProbeAnswer() {
            super("write probe: this replica leads and accepts writes (probes are never logged)");
        }
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        synchronized (applyLock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IOException("shard replica " + family + " is closed"));
            }
            try {
                if (index <= applied) {
                    updateLastAppliedTermIndex(entry.getTerm(), index);
                    return CompletableFuture.completedFuture(EMPTY);
                }
                byte[] reply = apply(entry.getStateMachineLogEntry().getLogData().toByteArray(), index);
                applied = index;
                updateLastAppliedTermIndex(entry.getTerm(), index);
                return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
            } catch (RocksDBException e) {
                // the local store failed: this replica cannot go on (it must not acknowledge what it did not store)
                logger.error("shard replica {} cannot apply log index {}: {}", family, index, e.toString());
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    private byte[] apply(byte[] command, long index) throws RocksDBException {
        List<Codec.RawOp> ops;
        byte[] once = null;
        long issued = 0;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(command))) {
            byte format = in.readByte();
            byte type = in.readByte();
            if (format != Codec.FORMAT || (type != Codec.BATCH && type != Codec.BATCH_ONCE)) {
                return markApplied(index, Codec.invalid("unknown command format"));
            }
            if (type == Codec.BATCH_ONCE) {
                once = new byte[REQUEST_KEY_BYTES];
                once[0] = REQUESTS[0];
                once[1] = REQUESTS[1];
                in.readFully(once, 10, 16);
                issued = in.readLong();
                ByteBuffer.wrap(once, 2, 8).putLong(issued);
            }
            ops = Codec.readBatch(in);
        } catch (IOException e) {
            return markApplied(index, Codec.invalid("malformed command: " + e.getMessage()));
        }
        try (WriteBatch batch = new WriteBatch()) {
            if (once != null) {
                byte[] earlier = store.db().get(cf, once);
                if (earlier != null) {
                    // the same request again (a client resent it after a failure that hid its first commit)
                    batch.put(cf, APPLIED, longBytes(index));
                    store.db().write(store.applyWrites, batch);
                    return earlier;
                }
                if (index % FORGET_EVERY == 0) {
                    // forget requests issued long before this one (deterministic: the time is in the entry)
                    batch.deleteRange(cf, requestKey(0), requestKey(Math.max(0, issued - REQUEST_MEMORY_MILLIS)));
                }
            }
            byte[] reply = applyOps(ops, index, batch);
            if (once != null) {
                batch.put(cf, once, reply);
            }
            batch.put(cf, APPLIED, longBytes(index));
            store.db().write(store.applyWrites, batch);
            return reply;
        }
    }

    /**
     * Requests are remembered under {@code \0r} + issue time (8 bytes) + request id (16 bytes), with
     * the reply they got, for {@link #REQUEST_MEMORY_MILLIS}: far longer than a client resends (its
     * operation timeout) or than an entry appended before a leader change takes to commit.
     */
    static final byte[] REQUESTS = {0, 'r'};
    private static final int REQUEST_KEY_BYTES = 2 + 8 + 16;
    static final long REQUEST_MEMORY_MILLIS = 10 * 60_000L;
    private static final long FORGET_EVERY = 256;

    private static byte[] requestKey(long issued) {
        byte[] k = new byte[2 + 8];
        k[0] = REQUESTS[0];
        k[1] = REQUESTS[1];
        ByteBuffer.wrap(k, 2, 8).putLong(issued);
        return k;
    }

    /** Applies the batch's operations into {@code batch} (unless a condition fails) and returns the reply. */
    private byte[] applyOps(List<Codec.RawOp> ops, long index, WriteBatch batch) throws RocksDBException {
        // check every condition first, against the batch's own earlier writes too
        Map<ByteBuffer, Long> pending = new HashMap<>();
        long[] versions = new long[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            Codec.RawOp op = ops.get(i);
            ByteBuffer k = ByteBuffer.wrap(op.key());
            Long current = pending.get(k);
            long actual = current != null ? current : version(store.db().get(cf, op.key()));
            boolean conditional = op.type() == Codec.OP_CAS || op.type() == Codec.OP_CHECK
                    || (op.type() == Codec.OP_DELETE && op.expected() >= 0);
            if (conditional && actual != op.expected()) {
                return Codec.conflict(i, actual);
            }
            switch (op.type()) {
                case Codec.OP_PUT, Codec.OP_CAS -> {
                    pending.put(k, index);
                    versions[i] = index;
                }
                case Codec.OP_DELETE -> {
                    pending.put(k, Medusa.ABSENT);
                    versions[i] = actual;
                }
                default -> versions[i] = actual;
            }
        }
        for (Codec.RawOp op : ops) {
            switch (op.type()) {
                case Codec.OP_PUT, Codec.OP_CAS -> batch.put(cf, op.key(), stored(index, op.value()));
                case Codec.OP_DELETE -> batch.delete(cf, op.key());
                default -> {
                }
            }
        }
        return Codec.batchOk(versions);
    }

    /** Records that {@code index} was applied although it changed nothing (a refused command). */
    private byte[] markApplied(long index, byte[] reply) throws RocksDBException {
        store.db().put(cf, store.applyWrites, APPLIED, longBytes(index));
        return reply;
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        handle.readLock().lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new IOException("shard replica " + family + " is closed"));
            }
            return queryOpen(request);
        } finally {
            handle.readLock().unlock();
        }
    }

    private CompletableFuture<Message> queryOpen(Message request) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(request.getContent().toByteArray()))) {
            if (in.readByte() != Codec.FORMAT) {
                return reply(Codec.invalid("unknown query format"));
            }
            byte type = in.readByte();
            if (type == Codec.GET) {
                byte[] key = Codec.readBytes(in, Medusa.MAX_KEY_BYTES);
                byte[] stored = store.db().get(cf, key);
                List<Entry> result = stored == null ? List.of()
                        : List.of(new Entry(new String(key, StandardCharsets.UTF_8), value(stored), version(stored)));
                return reply(Codec.entries(result));
            }
            if (type == Codec.SCAN) {
                byte[] prefix = Codec.readBytes(in, Medusa.MAX_KEY_BYTES);
                byte[] after = in.readBoolean() ? Codec.readBytes(in, Medusa.MAX_KEY_BYTES) : null;
                int limit = in.readInt();
                return reply(Codec.entries(scan(prefix, after, limit)));
            }
            return reply(Codec.invalid("unknown query " + type));
        } catch (IOException | RocksDBException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private List<Entry> scan(byte[] prefix, byte[] after, int limit) {
        List<Entry> out = new ArrayList<>();
        try (RocksIterator it = store.db().newIterator(cf)) {
            if (after != null) {
                it.seek(after);
                if (it.isValid() && Arrays.equals(it.key(), after)) {
                    it.next();
                }
            } else {
                it.seek(prefix);
            }
            for (; it.isValid() && out.size() < limit; it.next()) {
                byte[] k = it.key();
                if (!startsWith(k, prefix)) {
                    break;
                }
                byte[] v = it.value();
                out.add(new Entry(new String(k, StandardCharsets.UTF_8), value(v), version(v)));
            }
        }
        return out;
    }

    /** Keys and approximate bytes of this replica. */
    long[] size() {
        handle.readLock().lock();
        try {
            ColumnFamilyHandle h = cf;
            if (h == null || closed) {
                return new long[] {0, 0};
            }
            long keys = Math.max(0, store.property(h, "rocksdb.estimate-num-keys") - 1);
            long bytes = Math.max(0, store.property(h, "rocksdb.total-sst-files-size"))
                    + Math.max(0, store.property(h, "rocksdb.cur-size-all-mem-tables"));
            return new long[] {keys, bytes};
        } finally {
            handle.readLock().unlock();
        }
    }

    /** Compacts this replica's column family. */
    void compact() throws RocksDBException {
        synchronized (applyLock) {
            if (!closed) {
                store.db().compactRange(cf);
            }
        }
    }

    /** The replica stops (server shutdown or group removed): wait for any apply or snapshot, then let go of the column family. */
    @Override
    public void close() throws IOException {
        handle.writeLock().lock();
        try {
            synchronized (applyLock) {
                closed = true;
                store.release(family);
            }
        } finally {
            handle.writeLock().unlock();
        }
        super.close();
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("shard replica " + family + " is closed");
        }
    }

    String family() {
        return family;
    }

    private long readApplied() throws RocksDBException {
        byte[] v = store.db().get(cf, APPLIED);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    private static CompletableFuture<Message> reply(byte[] bytes) {
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(bytes)));
    }

    private static boolean startsWith(byte[] k, byte[] prefix) {
        return k.length >= prefix.length && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length);
    }

    static long version(byte[] stored) {
        return stored == null ? Medusa.ABSENT : ByteBuffer.wrap(stored, 0, 8).getLong();
    }

    static byte[] value(byte[] stored) {
        return Arrays.copyOfRange(stored, 8, stored.length);
    }

    static byte[] stored(long version, byte[] value) {
        return ByteBuffer.allocate(8 + value.length).putLong(version).put(value).array();
    }

    static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }
}
