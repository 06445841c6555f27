/**
 * Stargate's OpLog store (spec 20 §4): one node's durable write journal on one OpLog device,
 * used both by a vDisk's owner for its own copy and by the RF−1 peers for theirs.
 * {@link io.cairn.storage.stargate.internal.oplog.OpLogStore} is the entry point; the network
 * replication and the drainer that writes to the extent store live elsewhere.
 *
 * <h2>On-disk format (version 1, big-endian)</h2>
 * The directory holds segment files {@code segment-<16 hex digits id>.oplog}, written append-only
 * in id order and closed at the configured segment size (64 MiB by default).
 *
 * <p>Segment header, 32 bytes:
 * <pre>
 *  0  long  magic "CAIRNOPL" (0x434149524E4F504C)
 *  8  int   format version (1)
 * 12  int   reserved (0)
 * 16  long  segment id (equals the id in the file name)
 * 24  int   CRC32C of bytes 0..23
 * 28  int   reserved (0)
 * </pre>
 *
 * <p>Then records back to back, each a 52-byte header and its payload:
 * <pre>
 *  0  int   magic "OPLG" (0x4F504C47)
 *  4  int   flags: 0 DATA, 1 ZERO, 2 TRIM, 3 DRAIN MARKER
 *  8  long  vDisk id
 * 16  long  epoch (owner's fencing epoch; for a marker, epoch of the newest write drained)
 * 24  long  sequence (per vDisk; for a marker, sequence of the newest write drained)
 * 32  long  byte offset in the vDisk, a multiple of 512 (0 for a marker)
 * 40  int   length in bytes, a positive multiple of 512 (0 for a marker)
 * 44  int   payload length: length for DATA, 0 for ZERO and TRIM, 16 x ranges for a marker
 * 48  int   CRC32C over bytes 0..47 and the payload
 * 52  ...   payload: the data, or for a marker pairs of (long offset, long length)
 * </pre>
 * A ZERO or TRIM record costs 52 bytes whatever its length; DATA records whose bytes are all zero
 * are stored as ZERO. A drain marker says: in these ranges of the vDisk, data of writes up to
 * (epoch, sequence) reached the extent store. There is no padding and no preallocation, so a
 * segment's length is exactly its header plus its records.
 *
 * <h2>Invariants recovery relies on</h2>
 * <ul>
 * <li>A vDisk's records appear in the log in {@code (epoch, sequence)} order, so replaying in log
 * order gives the newest write of every byte.</li>
 * <li>A segment is synced before the next one is started, so only the newest segment can end in a
 * torn record.</li>
 * <li>Segments are deleted oldest first, and only when they and every older segment hold nothing
 * live; a record that was overwritten or drained is therefore never replayed without the newer
 * record or the drain marker that ended it.</li>
 * </ul>
 */
package io.cairn.storage.stargate.internal.oplog;
