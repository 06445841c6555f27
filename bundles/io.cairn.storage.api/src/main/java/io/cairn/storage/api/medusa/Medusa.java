package io.cairn.storage.api.medusa;

import java.util.List;
import java.util.Optional;

/**
 * The cluster's storage metadata: a key-value map that is linearizable per key, survives the loss
 * of a minority of the replicas of every shard and spreads its load over every node.
 *
 * <p><b>Keys</b> are UTF-8 strings of 1 to {@value #MAX_KEY_BYTES} bytes without control characters.
 * A key's <em>routing part</em> is everything before its first {@code '#'} (the whole key when it
 * has none); keys with the same routing part live in the same shard, so they can change together
 * in a {@link #batch} and be listed by {@link #scan}. Design keys like
 * {@code vdisk:42#vblock:000017}. <b>Values</b> are up to {@value #MAX_VALUE_BYTES} bytes.
 *
 * <p><b>Versions</b>: every write gives the key a new version, larger than any version the key had
 * before (also across delete and re-create), so a version names one write. Version
 * {@value #ABSENT} in a compare-and-set means "the key must not exist".
 *
 * <p>Every method may throw {@link MedusaException}: {@code SHARD_UNAVAILABLE} (no quorum: nothing
 * was applied and nothing stale is ever returned), {@code VERSION_CONFLICT}, {@code KEY_TOO_LARGE},
 * {@code VALUE_TOO_LARGE}, {@code INVALID_REQUEST} (nothing applied) and {@code TIMEOUT} (the
 * outcome of a write is unknown: it may still be applied; re-read).
 */
@org.osgi.annotation.versioning.ProviderType
public interface Medusa {

    int MAX_KEY_BYTES = 1024;
    int MAX_VALUE_BYTES = 1 << 20;
    long ABSENT = 0;

    /** Linearizable read: sees every write acknowledged before it started. */
    Optional<Entry> get(String key);

    /** Writes unconditionally; returns the new version. */
    long put(String key, byte[] value);

    /**
     * Writes only if the key's version is {@code expectedVersion} ({@link #ABSENT}: only if the key
     * does not exist); returns the new version, or throws {@code VERSION_CONFLICT} naming the actual version.
     */
    long compareAndSet(String key, long expectedVersion, byte[] value);

    /** Deletes the key; returns whether it existed. */
    boolean delete(String key);

    /** Deletes only if the key's version is {@code expectedVersion}; otherwise {@code VERSION_CONFLICT}. */
    void delete(String key, long expectedVersion);

    /**
     * Applies all operations atomically or none (when a {@link Op.Check} or {@link Op.Cas} fails:
     * {@code VERSION_CONFLICT}). All keys must have the same routing part ({@code INVALID_REQUEST} otherwise).
     * Returns one version per operation (the new version for writes, 0 for deletes, the checked version for checks).
     */
    List<Long> batch(List<Op> ops);

    /**
     * Up to {@code limit} (1..10000) entries whose keys start with {@code prefix}, in key order, after
     * {@code startAfter} (null: from the start). The prefix must contain {@code '#'} (so it lies in one shard).
     */
    List<Entry> scan(String prefix, String startAfter, int limit);

    /** The shard a key (or routing part) belongs to. */
    int shardOf(String key);

    /** Per-shard leader, term, members, size and lag, as seen now. */
    List<ShardStatus> shards();

    /**
     * Compacts this node's replicas (the {@code nodetool compact} role): a Raft snapshot per shard,
     * log truncation up to it, and compaction of the key-value store. Returns what was done.
     */
    String compactLocal();
}
