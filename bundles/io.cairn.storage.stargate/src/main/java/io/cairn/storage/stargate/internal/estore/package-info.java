/**
 * The extent store, one node's part (spec 20 §5, §8 local metadata, §9): this node's replicas of
 * extent groups (egroups), the 4 MiB units of physically contiguous data the OpLog drains into.
 * {@link io.cairn.storage.stargate.internal.estore.ExtentStore} is the entry point; global metadata
 * (which nodes hold an egroup) lives elsewhere.
 *
 * <h2>On disk</h2>
 * Each configured disk ({@link io.cairn.storage.stargate.internal.estore.DiskSpec}) is a directory;
 * an egroup replica is one sparse file {@code <disk root>/estore/<egroup id as 16 lower-case hex
 * digits>.eg}. Byte {@code n} of the egroup is byte {@code n} of the file; slice {@code s} (4 KiB) is
 * bytes {@code [s*4096, (s+1)*4096)}. Files grow as slices are written; never-written slices are
 * holes or past the end of the file and read as zeros. Nothing else is in the file: checksums are
 * metadata.
 *
 * <h2>Node-local metadata</h2>
 * In the node's {@link io.cairn.storage.api.local.LocalMetadataStore}, following the key layout of
 * that package (ASCII keys, ids as 16 lower-case hex digits so key order is unsigned id order):
 * <table>
 * <caption>Extent-store keys</caption>
 * <tr><th>Key</th><th>Value</th></tr>
 * <tr><td>{@code egroup/<16 hex>}</td><td>the egroup record, format 1 (4226 + length of the disk id bytes):
 *   <ol>
 *   <li>1 byte: format, {@code 1};</li>
 *   <li>1 byte: length {@code n} of the disk id, then {@code n} bytes: the disk id (ASCII);</li>
 *   <li>128 bytes: the written-slice bitmap, bit {@code s & 7} of byte {@code s >> 3} set when slice
 *       {@code s} has been written;</li>
 *   <li>1024 × 4 bytes: the CRC32C ({@link java.util.zip.CRC32C}, big-endian) of each slice, 0 for
 *       never-written slices.</li>
 *   </ol></td></tr>
 * <tr><td>{@code disk/<disk id>/egroup/<16 hex>}</td><td>reverse index ("which egroups are on this
 *   disk"): the egroup's written-slice count, 4 bytes big-endian. Read when the store opens, to count
 *   each disk's used bytes without reading the records.</td></tr>
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
 *     removed when the store next opens; a crash after leaves an empty egroup that reads as zeros.</li>
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
 *     a crash in between leaves an orphan file, removed when the store next opens.</li>
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
