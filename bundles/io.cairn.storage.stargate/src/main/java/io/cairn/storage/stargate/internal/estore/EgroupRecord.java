package io.cairn.storage.stargate.internal.estore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * The node-local metadata of one egroup replica: its disk, which slices were ever written and the
 * CRC32C of each written slice. Immutable; {@link #withSlices} returns an updated copy. The value
 * and key encodings are described in the package documentation.
 */
final class EgroupRecord {

    static final byte FORMAT = 1;
    private static final String KEY_PREFIX = "egroup/";
    private static final int KEY_LENGTH = KEY_PREFIX.length() + 16;
    private static final int SLICES = ExtentStore.SLICES_PER_EGROUP;
    private static final int BITMAP_BYTES = SLICES / 8;

    private final String diskId;
    private final byte[] written; // bit (s & 7) of byte (s >> 3) set: slice s was written
    private final int[] crcs;     // CRC32C of each written slice, 0 for the others
    private final int writtenSlices;

    private EgroupRecord(String diskId, byte[] written, int[] crcs) {
        this.diskId = diskId;
        this.written = written;
        this.crcs = crcs;
        int n = 0;
        for (byte b : written) {
            n += Integer.bitCount(b & 0xff);
        }
        this.writtenSlices = n;
    }

    /** A new egroup on {@code diskId}: no slice written yet. */
    static EgroupRecord empty(String diskId) {
        return new EgroupRecord(diskId, new byte[BITMAP_BYTES], new int[SLICES]);
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
        return new EgroupRecord(diskId, w, c);
    }

    byte[] encode() {
        byte[] id = diskId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(2 + id.length + BITMAP_BYTES + 4 * SLICES);
        out.put(FORMAT).put((byte) id.length).put(id).put(written);
        for (int crc : crcs) {
            out.putInt(crc);
        }
        return out.array();
    }

    /** Decodes the value of {@link #key(long) egroupId's key}; a value this version cannot read is {@code CORRUPT_METADATA}. */
    static EgroupRecord decode(long egroupId, byte[] value) {
        if (value.length < 2 || value[0] != FORMAT || value.length != 2 + (value[1] & 0xff) + BITMAP_BYTES + 4 * SLICES) {
            throw new ExtentStoreException(ExtentStoreException.Reason.CORRUPT_METADATA, "the node-local metadata of egroup "
                    + ExtentStore.hex(egroupId) + " is not a format-" + FORMAT + " egroup record (" + value.length
                    + " bytes, format byte " + (value.length > 0 ? value[0] : "none") + "); treat this replica as lost: "
                    + "delete it and re-replicate the egroup from another node");
        }
        ByteBuffer in = ByteBuffer.wrap(value, 1, value.length - 1);
        byte[] id = new byte[in.get() & 0xff];
        in.get(id);
        byte[] written = new byte[BITMAP_BYTES];
        in.get(written);
        int[] crcs = new int[SLICES];
        for (int s = 0; s < SLICES; s++) {
            crcs[s] = in.getInt();
        }
        return new EgroupRecord(new String(id, StandardCharsets.US_ASCII), written, crcs);
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

    /** The reverse-index value: the egroup's written-slice count, 4 bytes big-endian. */
    byte[] diskIndexValue() {
        return ByteBuffer.allocate(4).putInt(writtenSlices).array();
    }

    /** The written-slice count of a reverse-index value. */
    static int writtenSlicesOfIndexValue(long egroupId, byte[] value) {
        if (value.length != 4) {
            throw new ExtentStoreException(ExtentStoreException.Reason.CORRUPT_METADATA, "the disk-index entry of egroup "
                    + ExtentStore.hex(egroupId) + " has " + value.length + " bytes, not 4; treat the node-local metadata as lost");
        }
        return ByteBuffer.wrap(value).getInt();
    }

    @Override
    public String toString() {
        return "EgroupRecord[disk " + diskId + ", " + writtenSlices + " slices written]";
    }
}
