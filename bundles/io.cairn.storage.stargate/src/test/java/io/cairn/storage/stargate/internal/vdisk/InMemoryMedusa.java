package io.cairn.storage.stargate.internal.vdisk;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.storage.api.medusa.Entry;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.api.medusa.Op;
import io.cairn.storage.api.medusa.ShardStatus;

/**
 * An in-memory Medusa for unit tests, with the interface's semantics: one version counter (every
 * write a new, larger version, also across delete and re-create), compare-and-set and versioned
 * delete ({@code VERSION_CONFLICT} naming the actual version), atomic batches within one routing
 * part, prefix scans that need a '#' and come back in key order. Linearizable (one lock).
 */
final class InMemoryMedusa implements Medusa {

    private final TreeMap<String, Entry> data = new TreeMap<>();
    private long versions;
    /** Writes (put, CAS, delete, batch) applied so far. */
    final AtomicInteger writes = new AtomicInteger();

    @Override
    public synchronized Optional<Entry> get(String key) {
        return Optional.ofNullable(data.get(key));
    }

    @Override
    public synchronized long put(String key, byte[] value) {
        writes.incrementAndGet();
        return write(key, value);
    }

    @Override
    public synchronized long compareAndSet(String key, long expectedVersion, byte[] value) {
        check(key, expectedVersion);
        writes.incrementAndGet();
        return write(key, value);
    }

    @Override
    public synchronized boolean delete(String key) {
        writes.incrementAndGet();
        return data.remove(key) != null;
    }

    @Override
    public synchronized void delete(String key, long expectedVersion) {
        check(key, expectedVersion);
        writes.incrementAndGet();
        data.remove(key);
    }

    @Override
    public synchronized List<Long> batch(List<Op> ops) {
        if (ops.isEmpty()) {
            return List.of();
        }
        String routing = routing(ops.getFirst().key());
        for (Op op : ops) {
            if (!routing(op.key()).equals(routing)) {
                throw new MedusaException(MedusaException.Reason.INVALID_REQUEST, "batch across routing parts: " + op.key());
            }
        }
        for (Op op : ops) {
            switch (op) {
                case Op.Cas c -> check(c.key(), c.expectedVersion());
                case Op.Check c -> check(c.key(), c.expectedVersion());
                case Op.Delete d -> {
                    if (d.expectedVersion() >= 0) {
                        check(d.key(), d.expectedVersion());
                    }
                }
                case Op.Put p -> {
                }
            }
        }
        writes.incrementAndGet();
        List<Long> out = new ArrayList<>();
        for (Op op : ops) {
            switch (op) {
                case Op.Cas c -> out.add(write(c.key(), c.value()));
                case Op.Put p -> out.add(write(p.key(), p.value()));
                case Op.Check c -> out.add(c.expectedVersion());
                case Op.Delete d -> {
                    data.remove(d.key());
                    out.add(0L);
                }
            }
        }
        return out;
    }

    @Override
    public synchronized List<Entry> scan(String prefix, String startAfter, int limit) {
        if (prefix.indexOf('#') < 0 || limit < 1 || limit > 10_000) {
            throw new MedusaException(MedusaException.Reason.INVALID_REQUEST, "bad scan: " + prefix + " limit " + limit);
        }
        List<Entry> out = new ArrayList<>();
        Map<String, Entry> tail = startAfter == null ? data.tailMap(prefix, true) : data.tailMap(startAfter, false);
        for (Entry e : tail.values()) {
            if (!e.key().startsWith(prefix)) {
                if (e.key().compareTo(prefix) > 0) {
                    break;
                }
                continue;
            }
            out.add(e);
            if (out.size() == limit) {
                break;
            }
        }
        return out;
    }

    @Override
    public int shardOf(String key) {
        return Math.floorMod(routing(key).hashCode(), 16);
    }

    @Override
    public List<ShardStatus> shards() {
        return List.of();
    }

    @Override
    public String compactLocal() {
        return "";
    }

    synchronized int size() {
        return data.size();
    }

    synchronized List<String> keys(String prefix) {
        return data.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }

    private long write(String key, byte[] value) {
        long v = ++versions;
        data.put(key, new Entry(key, value.clone(), v));
        return v;
    }

    private void check(String key, long expected) {
        Entry e = data.get(key);
        long actual = e == null ? ABSENT : e.version();
        if (actual != expected) {
            throw new MedusaException(MedusaException.Reason.VERSION_CONFLICT, key + " is at version " + actual + ", not " + expected, actual,
                    null);
        }
    }

    private static String routing(String key) {
        int i = key.indexOf('#');
        return i < 0 ? key : key.substring(0, i);
    }
}
