package io.cairn.storage.api.local;

import java.util.List;
import java.util.Optional;

/**
 * This node's local metadata store: an ordered map from byte keys to byte values, on this node's
 * own disk, never replicated. It is available as soon as the node starts, before the node belongs
 * to a cluster.
 *
 * <p><b>Durability.</b> Every write ({@link #put}, {@link #delete}, {@link #write}) is in the
 * write-ahead log and the log is fsync'd before the method returns: an acknowledged write survives
 * a process kill, a kernel crash and a power loss (on a disk that honours cache flushes). A {@link #write} is atomic: after any crash
 * either all of its writes are visible or none is. Reads see every write that returned before the
 * read started.
 *
 * <p><b>Keys</b> are 1 to {@value #MAX_KEY_BYTES} bytes, ordered lexicographically as
 * <em>unsigned</em> bytes (as {@link java.util.Arrays#compareUnsigned(byte[], byte[])}: {@code 0x7f}
 * sorts before {@code 0x80}, and a key sorts before every longer key it is a prefix of).
 * <b>Values</b> are 0 to {@value #MAX_VALUE_BYTES} bytes. The store copies what it is given, and
 * the arrays it returns belong to the caller. See the package documentation for a suggested key
 * layout.
 *
 * <p><b>Errors.</b> Every method may throw {@link LocalMetadataException}: {@code INVALID_REQUEST},
 * {@code KEY_TOO_LARGE}, {@code VALUE_TOO_LARGE} (nothing was applied); {@code CLOSED} (the store
 * is stopping, e.g. the node shuts down; nothing was applied); {@code DISK_FULL}, {@code IO_ERROR},
 * {@code CORRUPTED} (for a write, its outcome is unknown: it may or may not be durable; re-read
 * once the cause is fixed). The message says what to do.
 */
@org.osgi.annotation.versioning.ProviderType
public interface LocalMetadataStore {

    /** The largest key, in bytes. */
    int MAX_KEY_BYTES = 1024;
    /** The largest value, in bytes (1 MiB). */
    int MAX_VALUE_BYTES = 1 << 20;
    /** The most writes one atomic {@link #write} may hold. */
    int MAX_BATCH_WRITES = 10_000;
    /** The most key and value bytes, together, one atomic {@link #write} may hold (32 MiB). */
    int MAX_BATCH_BYTES = 32 << 20;
    /** The largest {@code limit} of a {@link #scan}. */
    int MAX_SCAN_LIMIT = 10_000;

    /** The value of {@code key}, or empty if it has none. */
    Optional<byte[]> get(byte[] key);

    /** Sets {@code key} to {@code value}; durable when this returns. */
    void put(byte[] key, byte[] value);

    /** Removes {@code key}; durable when this returns. Removing an absent key is not an error. */
    void delete(byte[] key);

    /**
     * Applies all {@code writes} atomically, in list order (a later write of the same key wins);
     * durable when this returns. At most {@value #MAX_BATCH_WRITES} writes and
     * {@value #MAX_BATCH_BYTES} bytes; an empty list does nothing. If any write is invalid,
     * nothing is applied.
     */
    void write(List<LocalWrite> writes);

    /**
     * Up to {@code limit} (1..{@value #MAX_SCAN_LIMIT}) entries whose keys start with
     * {@code prefix} (empty: every key), in key order, strictly after {@code startAfter} (null:
     * from the first key with the prefix). To page, pass the last key of the previous page as
     * {@code startAfter}; a page shorter than {@code limit} is the last one. The entries are one
     * consistent view of the store.
     */
    List<LocalEntry> scan(byte[] prefix, byte[] startAfter, int limit);

    /**
     * Flushes everything written so far from memory to the store's table files and fsyncs them
     * and the write-ahead log. Writes are already durable when they return; this only makes the
     * next start faster (nothing to replay), e.g. before a planned shutdown or a backup.
     */
    void sync();
}
