package io.cairn.storage.stargate.internal.estore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * The node-local metadata of one egroup replica: its disk, which slices were ever written and the
 * CRC32C of each written slice; for a replica on a block device also its slot and when it was last
 * written. Immutable; {@link #withSlices} returns an updated copy. The value and key encodings are
 * described in the package documentation: format 1 (directory disks, unchanged) and format 2
 * (device-backed disks).
 */
final class EgroupRecord {

    static final byte FORMAT = 1;
    /** The format of records on device-backed disks: format 1 plus the slot and the last-written time. */
    static final byte FORMAT_DEVICE = 2;
    /** {@link #slot()} of a replica in a file (format 1). */
    static final int NO_SLOT = -1;
    private static final String KEY_PREFIX = "egroup/";
    private static final int KEY_LENGTH = KEY_PREFIX.length() + 16;
    private static final int SLICES = ExtentStore.SLICES_PER_EGROUP;
    private static final int BITMAP_BYTES = SLICES / 8;
    private static final int SLOT_FIELDS = 4 + 8; // format 2: slot, last-written time

    private final String diskId;
    private final byte[] written; // bit (s & 7) of byte (s >> 3) set: slice s was written
    private final int[] crcs;     // CRC32C of each written slice, 0 for the others
    private final int writtenSlices;
    private final int slot;             // NO_SLOT: format 1 (a file)
    private final long writtenAtMillis; // format 2 only: when the replica was last written (created), epoch ms

    private EgroupRecord(String diskId, byte[] written, int[] crcs, int slot, long writtenAtMillis) {
        this.diskId = diskId;
        this.written = written;
        this.crcs = crcs;
        this.slot = slot;
        this.writtenAtMillis = writtenAtMillis;
        int n = 0;
        for (byte b : written) {
            n += Integer.bitCount(b & 0xff);
        }
        this.writtenSlices = n;
    }

    /** A new egroup on {@code diskId}: no slice written yet. */
    static EgroupRecord empty(String diskId) {
        return new EgroupRecord(diskId, new byte[BITMAP_BYTES], new int[SLICES], NO_SLOT, 0);
    }

    /** A new egroup in slot {@code slot} of device-backed disk {@code diskId}, created at {@code createdAtMillis}: no slice written yet. */
    static EgroupRecord emptyInSlot(String diskId, int slot, long createdAtMillis) {
        if (slot < 0) {
            throw new IllegalArgumentException("slot " + slot);
        }
        return new EgroupRecord(diskId, new byte[BITMAP_BYTES], new int[SLICES], slot, createdAtMillis);
    }

    /** The device slot holding the replica, or {@link #NO_SLOT} for a replica in a file. */
    int slot() {
        return slot;
    }

    /** Whether the replica is in a device slot (a format-2 record). */
    boolean inSlot() {
        return slot != NO_SLOT;
    }

    /** When the replica in a slot was last written (epoch milliseconds); 0 for a replica in a file (its mtime says). */
    long writtenAtMillis() {
        return writtenAtMillis;
    }

    /** A copy last written at {@code millis} (a replica in a slot); a replica in a file is returned as is. */
    EgroupRecord writtenAt(long millis) {
        return inSlot() ? new EgroupRecord(diskId, written, crcs, slot, millis) : this;
    }

    String diskId() {
        return diskId;
    }

    boolean isWritten(int slice) {
        return (written[slice >> 3] & (1 << (slice & 7))) != 0;
    }

    int crc(int slice) {
        return crcs[slice];
    }

    int writtenSlices() {
        return writtenSlices;
    }

    /** Written slices among {@code [first, first + count)}. */
    int writtenSlicesIn(int first, int count) {
        int n = 0;
        for (int s = first; s < first + count; s++) {
            n += isWritten(s) ? 1 : 0;
        }
        return n;
    }

    /** A copy where slices {@code first, first + 1, ...} are written with checksums {@code sliceCrcs}. */
    EgroupRecord withSlices(int first, int[] sliceCrcs) {
        byte[] w = written.clone();
        int[] c = crcs.clone();
        for (int i = 0; i < sliceCrcs.length; i++) {
            int s = first + i;
            w[s >> 3] |= (byte) (1 << (s & 7));
            c[s] = sliceCrcs[i];
        }
        return new EgroupRecord(diskId, w, c, slot, writtenAtMillis);
    }

    byte[] encode() {
        byte[] id = diskId.getBytes(StandardCharsets.US_ASCII);
        if (!inSlot()) {
            ByteBuffer out = ByteBuffer.allocate(2 + id.length + BITMAP_BYTES + 4 * SLICES);
            out.put(FORMAT).put((byte) id.length).put(id).put(written);
            for (int crc : crcs) {
                out.putInt(crc);
            }
            return out.array();
        }
        ByteBuffer out = ByteBuffer.allocate(2 + id.length + SLOT_FIELDS + BITMAP_BYTES + 4 * SLICES);
        out.put(FORMAT_DEVICE).put((byte) id.length).put(id).putInt(slot).putLong(writtenAtMillis).put(written);
        for (int crc : crcs) {
            out.putInt(crc);
        }
        return out.array();
    }

    /** Decodes the value of {@link #key(long) egroupId's key}; a value this version cannot read is {@code CORRUPT_METADATA}. */
    static EgroupRecord decode(long egroupId, byte[] value) {
        int extra = value.length > 0 && value[0] == FORMAT_DEVICE ? SLOT_FIELDS : 0;
        if (value.length < 2 || (value[0] != FORMAT && value[0] != FORMAT_DEVICE)
                || value.length != 2 + (value[1] & 0xff) + extra + BITMAP_BYTES + 4 * SLICES) {
            throw new ExtentStoreException(ExtentStoreException.Reason.CORRUPT_METADATA, "the node-local metadata of egroup "
                    + ExtentStore.hex(egroupId) + " is not a format-" + FORMAT + " or format-" + FORMAT_DEVICE + " egroup record ("
                    + value.length + " bytes, format byte " + (value.length > 0 ? value[0] : "none") + "); treat this replica as lost: "
                    + "delete it and re-replicate the egroup from another node");
        }
        ByteBuffer in = ByteBuffer.wrap(value, 1, value.length - 1);
        byte[] id = new byte[in.get() & 0xff];
        in.get(id);
        int slot = NO_SLOT;
        long writtenAt = 0;
        if (extra > 0) {
            slot = in.getInt();
            writtenAt = in.getLong();
            if (slot < 0) {
                throw new ExtentStoreException(ExtentStoreException.Reason.CORRUPT_METADATA, "the node-local metadata of egroup "
                        + ExtentStore.hex(egroupId) + " names slot " + slot + "; treat this replica as lost: "
                        + "delete it and re-replicate the egroup from another node");
            }
        }
        byte[] written = new byte[BITMAP_BYTES];
        in.get(written);
        int[] crcs = new int[SLICES];
        for (int s = 0; s < SLICES; s++) {
            crcs[s] = in.getInt();
        }
        return new EgroupRecord(new String(id, StandardCharsets.US_ASCII), written, crcs, slot, writtenAt);
    }

    /** {@code egroup/}: the prefix of every record key. */
    static byte[] keyPrefix() {
        return KEY_PREFIX.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code egroup/<16 hex digits>}: the record's key. */
    static byte[] key(long egroupId) {
        return (KEY_PREFIX + ExtentStore.hex(egroupId)).getBytes(StandardCharsets.US_ASCII);
    }

    /** The egroup id of a record key; empty when {@code key} is a longer key under a record's (e.g. another component's). */
    static OptionalLong egroupIdOf(byte[] key) {
        if (key.length != KEY_LENGTH) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseUnsignedLong(new String(key, KEY_PREFIX.length(), 16, StandardCharsets.US_ASCII), 16));
    }

    /** {@code disk/<disk id>/egroup/}: the prefix of {@code diskId}'s reverse-index keys. */
    static byte[] diskIndexPrefix(String diskId) {
        return ("disk/" + diskId + "/egroup/").getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code disk/<disk id>/egroup/<16 hex digits>}: the reverse-index key of an egroup on a disk. */
    static byte[] diskIndexKey(String diskId, long egroupId) {
        return ("disk/" + diskId + "/egroup/" + ExtentStore.hex(egroupId)).getBytes(StandardCharsets.US_ASCII);
    }

    /** The egroup id at the end of a reverse-index key. */
    static long egroupIdOfIndexKey(byte[] key) {
        return Long.parseUnsignedLong(new String(key, key.length - 16, 16, StandardCharsets.US_ASCII), 16);
    }

    /**
     * The reverse-index value: the egroup's written-slice count, 4 bytes big-endian; for a replica in
     * a device slot followed by the slot, 4 bytes big-endian (so the free slots are rebuilt from the
     * index alone).
     */
    byte[] diskIndexValue() {
        return inSlot() ? ByteBuffer.allocate(8).putInt(writtenSlices).putInt(slot).array()
                : ByteBuffer.allocate(4).putInt(writtenSlices).array();
    }

    /** The written-slice count of a reverse-index value. */
    static int writtenSlicesOfIndexValue(long egroupId, byte[] value) {
        if (value.length != 4 && value.length != 8) {
            throw new ExtentStoreException(ExtentStoreException.Reason.CORRUPT_METADATA, "the disk-index entry of egroup "
                    + ExtentStore.hex(egroupId) + " has " + value.length + " bytes, not 4 or 8; treat the node-local metadata as lost");
        }
        return ByteBuffer.wrap(value).getInt();
    }

    /** The slot of a reverse-index value, or {@link #NO_SLOT} for a replica in a file. */
    static int slotOfIndexValue(byte[] value) {
        return value.length == 8 ? ByteBuffer.wrap(value, 4, 4).getInt() : NO_SLOT;
    }

    @Override
    public String toString() {
        return "EgroupRecord[disk " + diskId + (inSlot() ? ", slot " + slot : "") + ", " + writtenSlices + " slices written]";
    }
}
