package io.cairn.storage.stargate.internal.estore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where one disk's egroup replicas live: a directory of sparse files ({@link FileBackend}) or the
 * 4 MiB slots of a HAL block device ({@link DeviceBackend}). The {@link ExtentStore} keeps the
 * records, checksums, locks, accounting and error handling; a backend only moves bytes. Every
 * method may throw {@link IOException} for a disk I/O error, which the store reports as a
 * {@link DiskException}; a backend never retries. Called concurrently for different egroups (and for
 * disjoint slices of one egroup); implementations are thread-safe.
 */
interface DiskBackend {

    /** What the backend is, for messages: the directory, or {@code device <hal.device.id>}. */
    String describe();

    /**
     * Makes the medium ready when the store opens (creates the directory; checks or writes the
     * device's superblock) and reconciles it with the egroups the node-local metadata lists on the
     * disk: {@code egroups[i]} is in slot {@code slots[i]} ({@link EgroupRecord#NO_SLOT} for files).
     * A file backend removes files without a record; a device backend rebuilds its free slots.
     *
     * @throws ExtentStoreException {@code INVALID_REQUEST} when the medium belongs to something else
     *         (the message says what to do); the disk then stays offline
     */
    void open(long[] egroups, int[] slots) throws IOException;

    /**
     * Whether an offline disk can serve again (its SMART check passed): the directory can be listed,
     * or the device's superblock still names this disk. Reconciles as {@link #open} does.
     */
    void reopen(long[] egroups, int[] slots) throws IOException;

    /** The bytes the medium holds for egroups (the file system's size; the device's data slots), 0 if unknown. */
    long mediumBytes();

    /** The bytes the medium has room for, for new egroups (the file system's usable space; the free slots). */
    long availableBytes();

    /**
     * Creates the empty replica of a new egroup durably (never-written slices read as zeros) and
     * returns its slot ({@link EgroupRecord#NO_SLOT} for a file). On a device, the slot stays taken
     * until {@link #release}d.
     *
     * @throws ExtentStoreException {@code NO_SPACE} when the device has no free slot
     */
    int create(long egroupId) throws IOException;

    /** Frees the slot of an egroup whose creation failed before its record could reference it, or that was deleted. */
    void release(int slot);

    /** Writes {@code src} (whole slices) at {@code offset} of the replica and makes it durable. */
    void write(long egroupId, EgroupRecord record, int offset, ByteBuffer src) throws IOException;

    /** Reads {@code length} bytes at {@code offset} into a new heap buffer (positioned at 0); never-written bytes read as zeros. */
    ByteBuffer read(long egroupId, EgroupRecord record, int offset, int length) throws IOException;

    /** Removes the replica's data (the file; the slot's data is discarded) after its record was deleted. */
    void delete(long egroupId, EgroupRecord record) throws IOException;

    /** When the replica was last written, if known. */
    Optional<Instant> lastWritten(long egroupId, EgroupRecord record);

    /** The replica's file, or null on a device (its location is {@link #locate}). */
    Path file(long egroupId);

    /** Where the replica is, for messages: its file, or {@code device <id> slot <n>}. */
    String locate(long egroupId, EgroupRecord record);

    /** Helper: the ids and slots of a list of (id, slot) pairs. */
    record Listing(long[] egroups, int[] slots) {
        static Listing of(List<long[]> pairs) {
            long[] ids = new long[pairs.size()];
            int[] slots = new int[pairs.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = pairs.get(i)[0];
                slots[i] = (int) pairs.get(i)[1];
            }
            return new Listing(ids, slots);
        }
    }
}
