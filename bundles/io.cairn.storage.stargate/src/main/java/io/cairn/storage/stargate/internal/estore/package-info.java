/**
 * The extent store, one node's part (spec 20 §5, §8 local metadata, §9): this node's replicas of
 * extent groups (egroups), the 4 MiB units of physically contiguous data the OpLog drains into.
 * {@link io.cairn.storage.stargate.internal.estore.ExtentStore} is the entry point; global metadata
 * (which nodes hold an egroup) lives elsewhere.
 *
 * <h2>On disk</h2>
 * Each configured disk ({@link io.cairn.storage.stargate.internal.estore.DiskSpec}) is a directory
 * or, when it names a {@code halDevice}, a HAL {@link io.cairn.hal.api.BlockDevice} (below). The
 * store keeps records, checksums, locks and accounting the same for both; only the bytes move
 * through a different backend ({@code FileBackend}, {@code DeviceBackend}).
 *
 * <h3>Directory disks</h3>
 * An egroup replica is one sparse file {@code <disk root>/estore/<egroup id as 16 lower-case hex
 * digits>.eg}. Byte {@code n} of the egroup is byte {@code n} of the file; slice {@code s} (4 KiB) is
 * bytes {@code [s*4096, (s+1)*4096)}. Files grow as slices are written; never-written slices are
 * holes or past the end of the file and read as zeros. Nothing else is in the file: checksums are
 * metadata.
 *
 * <h3>Block-device disks</h3>
 * The device is cut into 4 MiB slots; slot {@code n} is bytes {@code [n*4 MiB, (n+1)*4 MiB)} (a
 * partial slot at the end is unused). Slot 0 is reserved for the superblock, in its first 4 KiB:
 * <ol>
 * <li>8 bytes: magic {@code CAIRNEST} (ASCII);</li>
 * <li>4 bytes: superblock format, {@code 1}; 4 bytes: slot size, {@code 4194304}; 4 bytes: reserved
 *     slots before the first data slot, {@code 1} (all big-endian);</li>
 * <li>1 byte: length {@code n} of the disk id (1..64), then {@code n} bytes: the disk id (ASCII);</li>
 * <li>4 bytes: CRC32C of everything before it; the rest of the slot is zeros and unused.</li>
 * </ol>
 * It is written (and flushed) when the store first opens a device whose first 4 KiB are all zeros
 * and no egroup is recorded on the disk, and checked on every open and {@code bringOnline}. A
 * device holding another disk id, foreign data (no magic), a format this version cannot read or a
 * corrupt superblock, and a blank device while egroups are recorded on the disk (replaced or wiped),
 * are refused: the disk stays offline, with a warning saying what to do; nothing is written. A disk
 * that holds egroups cannot switch between directory and device (refused the same way).
 * <p>Each egroup replica occupies one data slot: egroup byte {@code n} is device byte
 * {@code slot*4 MiB + n}. The slot is in the egroup's record (format 2, below). The free slots are
 * kept in memory, rebuilt from the disk index when the store opens (every data slot no index entry
 * names). Capacity is the data slots' bytes, or the configured capacity if smaller; used bytes count
 * written slices as for files, and a disk with no free slot has no room for a new egroup
 * ({@code NO_SPACE}, as a full directory disk). All I/O goes through direct buffers aligned to the
 * device's logical block size (at most 4 KiB); "fdatasync" below is {@code BlockDevice.flush()}.
 * Any {@code IOException} from the device (also {@code DeviceUnavailableException} and
 * {@code DeviceFullException}: a device that reports full although a slot was free is failing) is a
 * disk I/O error.
 *
 * <h2>Node-local metadata</h2>
 * In the node's {@link io.cairn.storage.api.local.LocalMetadataStore}, following the key layout of
 * that package (ASCII keys, ids as 16 lower-case hex digits so key order is unsigned id order):
 * <table>
 * <caption>Extent-store keys</caption>
 * <tr><th>Key</th><th>Value</th></tr>
 * <tr><td>{@code egroup/<16 hex>}</td><td>the egroup record of a replica in a file, format 1 (4226 + length of the disk id bytes):
 *   <ol>
 *   <li>1 byte: format, {@code 1};</li>
 *   <li>1 byte: length {@code n} of the disk id, then {@code n} bytes: the disk id (ASCII);</li>
 *   <li>128 bytes: the written-slice bitmap, bit {@code s & 7} of byte {@code s >> 3} set when slice
 *       {@code s} has been written;</li>
 *   <li>1024 × 4 bytes: the CRC32C ({@link java.util.zip.CRC32C}, big-endian) of each slice, 0 for
 *       never-written slices.</li>
 *   </ol>
 *   A replica on a block device has a format-2 record (4238 + length of the disk id bytes): format byte
 *   {@code 2}, the disk id as in format 1, then 4 bytes: its slot (big-endian, at least 1), 8 bytes: when
 *   it was last written (created, written or repaired; epoch milliseconds, big-endian, from the node's
 *   clock: what a file's modification time says for format 1, used by {@code lastWritten}, so by
 *   Curator's orphan grace and the scrubber's cold period), then the bitmap and checksums as in format 1.
 *   Directory disks keep writing format 1, byte for byte as before.</td></tr>
 * <tr><td>{@code disk/<disk id>/egroup/<16 hex>}</td><td>reverse index ("which egroups are on this
 *   disk"): the egroup's written-slice count, 4 bytes big-endian; for a replica on a block device followed
 *   by its slot, 4 bytes big-endian (8 bytes in all). Read when the store opens, to count each disk's
 *   used bytes and rebuild a device's free slots without reading the records.</td></tr>
 * </table>
 * A record and its index entry always change together in one atomic, fsync'd batch. Keys under
 * {@code egroup/<16 hex>/} belong to other components (extent maps) and are skipped here.
 *
 * <h2>Checksums</h2>
 * A written slice verifies when its CRC32C equals the recorded one; a never-written slice verifies
 * when it is all zeros (so a slice whose data reached the disk but whose checksum never did fails,
 * rather than returning data nobody acknowledged). Every {@code read} verifies every slice it returns;
 * {@code verify} checks a whole egroup for the scrubber. Unverified data is never returned.
 *
 * <h2>Durability and crash semantics</h2>
 * <ul>
 * <li>Creating an egroup: the empty file is created and fsync'd and its directory fsync'd, then an
 *     empty record (no slice written) is written. A crash in between leaves a file without a record,
 *     removed when the store next opens; a crash after leaves an empty egroup that reads as zeros.
 *     On a device: a free slot is taken, discarded (so never-written slices read as zeros, whatever a
 *     deleted replica left there) and flushed, then the record naming it is written. A crash in
 *     between leaves a slot no record names: free when the store next opens. If the record's write
 *     fails (outcome unknown) the slot stays taken until the store reopens, so two egroups never share one.</li>
 * <li>{@code write}/{@code repair}: the data is written in place and fdatasync'd, then the new
 *     record (bitmap and checksums) is written to the metadata store, which fsyncs its log. When the
 *     call returns, both are durable. Writes are in place, so they are not atomic: a crash (or an I/O
 *     error) after some of the data reached the disk and before the record was written leaves those
 *     slices holding new (possibly torn) data with the old checksum, or no checksum if never written
 *     before, and they <b>fail verification</b> (a {@code SliceChecksumException}) instead of returning
 *     either version. Nothing is lost: the write was not acknowledged, so the caller's OpLog still
 *     holds the data and redoes the drain, rewriting the same range (which records fresh checksums),
 *     or the slices are repaired from another replica. Slices whose data never reached the disk keep
 *     their old data and old checksum and verify.</li>
 * <li>{@code delete}: the record is removed first (durable when the call returns), then the file;
 *     a crash in between leaves an orphan file, removed when the store next opens. On a device the
 *     slot is discarded and then free (also when the disk is offline or the discard fails: the next
 *     egroup to take it discards it first).</li>
 * <li>The node-local metadata store is the source of truth: losing it loses this node's egroups
 *     (spec 20 §5: its disks are treated as failed and rebuilt from other replicas).</li>
 * </ul>
 *
 * <h2>Failures</h2>
 * Errors are {@link io.cairn.storage.stargate.internal.estore.ExtentStoreException}s with a reason;
 * checksum mismatches are {@link io.cairn.storage.stargate.internal.estore.SliceChecksumException}
 * (egroup, disk, file, slices), disk I/O errors and offline disks
 * {@link io.cairn.storage.stargate.internal.estore.DiskException} (disk id). I/O errors also go to
 * the {@link io.cairn.storage.stargate.internal.estore.DiskFailureListener}, for disk health, which
 * can {@link io.cairn.storage.stargate.internal.estore.ExtentStore#takeOffline take a disk offline}.
 * Metadata store failures surface as its own
 * {@link io.cairn.storage.api.local.LocalMetadataException}.
 */
package io.cairn.storage.stargate.internal.estore;
