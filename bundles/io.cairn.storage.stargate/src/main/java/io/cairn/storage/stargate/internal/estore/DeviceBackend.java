package io.cairn.storage.stargate.internal.estore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.hal.api.AlignedBuffers;
import io.cairn.hal.api.BlockDevice;
import io.cairn.storage.stargate.internal.estore.ExtentStoreException.Reason;

/**
 * A disk whose replicas live on a HAL {@link BlockDevice}: the device is cut into
 * {@value #SLOT_BYTES}-byte slots, slot 0 holds the superblock, and each replica occupies one slot
 * (recorded in its format-2 egroup record). Free slots are kept in memory and rebuilt from the
 * node-local metadata when the store opens. All I/O goes through direct buffers aligned to the
 * device's logical block size. Layout and superblock format: the package documentation.
 */
final class DeviceBackend implements DiskBackend {

    /** One egroup replica per slot. */
    static final int SLOT_BYTES = ExtentStore.EGROUP_BYTES;
    /** Slots before the first data slot: the superblock's. */
    static final int RESERVED_SLOTS = 1;
    /** The superblock's first bytes. */
    static final byte[] MAGIC = "CAIRNEST".getBytes(StandardCharsets.US_ASCII);
    /** The superblock's format version. */
    static final int SUPERBLOCK_VERSION = 1;
    /** The bytes of the superblock read and written (one 4 KiB block at byte 0). */
    static final int SUPERBLOCK_BYTES = ExtentStore.SLICE_BYTES;

    private final Logger logger = LoggerFactory.getLogger(DeviceBackend.class);
    private final String diskId;
    private final BlockDevice device;
    private final String deviceId;
    private final int alignment;
    private final int slots;        // on the device, the superblock's included
    private final BitSet taken = new BitSet(); // guarded by this: slots holding a replica (or being created)

    /**
     * @throws ExtentStoreException {@code INVALID_REQUEST} when the device cannot hold an extent
     *         store (block size over 4 KiB, smaller than two slots)
     */
    DeviceBackend(String diskId, BlockDevice device) {
        this.diskId = diskId;
        this.device = device;
        this.deviceId = device.id();
        int blockSize = device.logicalBlockSize();
        if (blockSize > ExtentStore.SLICE_BYTES || ExtentStore.SLICE_BYTES % blockSize != 0) {
            throw new ExtentStoreException(Reason.INVALID_REQUEST, "device '" + deviceId + "' of disk '" + diskId
                    + "' has a logical block size of " + blockSize + " bytes; the extent store writes 4 KiB slices and needs a "
                    + "block size of at most 4096 that divides it: use another device or format it with 4 KiB blocks");
        }
        this.alignment = Math.max(blockSize, 512);
        long count = device.capacityBytes() / SLOT_BYTES;
        if (count < RESERVED_SLOTS + 1) {
            throw new ExtentStoreException(Reason.INVALID_REQUEST, "device '" + deviceId + "' of disk '" + diskId + "' has "
                    + device.capacityBytes() + " bytes; the extent store needs at least " + (RESERVED_SLOTS + 1) * (long) SLOT_BYTES
                    + " (a superblock slot and one data slot of 4 MiB)");
        }
        this.slots = (int) Math.min(count, Integer.MAX_VALUE);
    }

    BlockDevice device() {
        return device;
    }

    @Override
    public String describe() {
        return "device " + deviceId;
    }

    @Override
    public void open(long[] egroups, int[] slots) throws IOException {
        checkSuperblock(egroups.length, true);
        rebuild(egroups, slots);
    }

    @Override
    public void reopen(long[] egroups, int[] slots) throws IOException {
        checkSuperblock(egroups.length, false);
        rebuild(egroups, slots);
    }

    /** Data slots: the device's slots minus the superblock's. */
    int dataSlots() {
        return slots - RESERVED_SLOTS;
    }

    synchronized int freeSlots() {
        return slots - RESERVED_SLOTS - taken.cardinality();
    }

    @Override
    public long mediumBytes() {
        return (long) dataSlots() * SLOT_BYTES;
    }

    @Override
    public long availableBytes() {
        return (long) freeSlots() * SLOT_BYTES;
    }

    @Override
    public int create(long egroupId) throws IOException {
        int slot = allocate(egroupId);
        try {
            // the slot may hold a deleted replica (or anything, on a reused device): never-written slices must read as zeros
            device.discard(offset(slot), SLOT_BYTES);
            device.flush();
        } catch (IOException | RuntimeException e) {
            release(slot); // not referenced by any record: free again (the next creation discards it again)
            throw e;
        }
        return slot;
    }

    private synchronized int allocate(long egroupId) {
        int slot = taken.nextClearBit(RESERVED_SLOTS);
        if (slot >= slots) {
            throw new ExtentStoreException(Reason.NO_SPACE, "disk '" + diskId + "' (device " + deviceId + ") has all its "
                    + dataSlots() + " slots of 4 MiB in use and no room for new egroup " + ExtentStore.hex(egroupId)
                    + "; delete egroups, let disk balancing move some, or add a disk");
        }
        taken.set(slot);
        return slot;
    }

    @Override
    public synchronized void release(int slot) {
        if (slot >= RESERVED_SLOTS) {
            taken.clear(slot);
        }
    }

    @Override
    public void write(long egroupId, EgroupRecord record, int offset, ByteBuffer src) throws IOException {
        ByteBuffer buf = AlignedBuffers.allocate(src.remaining(), alignment);
        buf.put(src.duplicate()).flip();
        long at = offset(slotOf(egroupId, record)) + offset;
        while (buf.hasRemaining()) {
            int n = device.write(at + buf.position(), buf.slice());
            if (n <= 0) {
                throw new IOException("device " + deviceId + " wrote " + n + " bytes of " + buf.remaining() + " at " + (at + buf.position()));
            }
            buf.position(buf.position() + n);
        }
        device.flush(); // the data before the checksums
    }

    @Override
    public ByteBuffer read(long egroupId, EgroupRecord record, int offset, int length) throws IOException {
        ByteBuffer buf = AlignedBuffers.allocate(length, alignment);
        long at = offset(slotOf(egroupId, record)) + offset;
        while (buf.hasRemaining()) {
            int n = device.read(at + buf.position(), buf.slice());
            if (n <= 0) {
                throw new IOException("device " + deviceId + " returned " + n + " bytes of " + buf.remaining() + " at "
                        + (at + buf.position()) + " (inside its " + device.capacityBytes() + " bytes)");
            }
            buf.position(buf.position() + n);
        }
        ByteBuffer out = ByteBuffer.allocate(length);
        out.put(buf.flip());
        return out.clear();
    }

    @Override
    public void delete(long egroupId, EgroupRecord record) throws IOException {
        device.discard(offset(slotOf(egroupId, record)), SLOT_BYTES);
    }

    @Override
    public Optional<Instant> lastWritten(long egroupId, EgroupRecord record) {
        return record.writtenAtMillis() > 0 ? Optional.of(Instant.ofEpochMilli(record.writtenAtMillis())) : Optional.empty();
    }

    @Override
    public Path file(long egroupId) {
        return null;
    }

    @Override
    public String locate(long egroupId, EgroupRecord record) {
        return "device " + deviceId + " slot " + record.slot();
    }

    /** The byte offset of a slot on the device. */
    static long offset(int slot) {
        return (long) slot * SLOT_BYTES;
    }

    private int slotOf(long egroupId, EgroupRecord record) {
        int slot = record.slot();
        if (slot < RESERVED_SLOTS || slot >= slots) {
            throw new ExtentStoreException(Reason.CORRUPT_METADATA, "egroup " + ExtentStore.hex(egroupId) + " on disk '" + diskId
                    + "' names slot " + slot + ", outside device " + deviceId + "'s data slots " + RESERVED_SLOTS + ".." + (slots - 1)
                    + "; treat this replica as lost: delete it and re-replicate the egroup from another node");
        }
        return slot;
    }

    /** The free slots: every data slot no record names. */
    private synchronized void rebuild(long[] egroups, int[] recordSlots) {
        taken.clear();
        for (int i = 0; i < egroups.length; i++) {
            int slot = recordSlots[i];
            if (slot < RESERVED_SLOTS || slot >= slots) {
                throw new ExtentStoreException(Reason.CORRUPT_METADATA, "the node-local metadata puts egroup "
                        + ExtentStore.hex(egroups[i]) + " in slot " + slot + " of disk '" + diskId + "', outside device " + deviceId
                        + "'s data slots " + RESERVED_SLOTS + ".." + (slots - 1) + "; the device is smaller than the one the data was "
                        + "written to: point disk.json at the right device, or treat this disk's replicas as lost");
            }
            if (taken.get(slot)) {
                throw new ExtentStoreException(Reason.CORRUPT_METADATA, "the node-local metadata puts two egroups in slot " + slot
                        + " of disk '" + diskId + "' (one is " + ExtentStore.hex(egroups[i]) + "); treat this disk's replicas as lost");
            }
            taken.set(slot);
        }
    }

    // ---- superblock ----

    /**
     * Checks the superblock names this disk; writes it on a blank device when {@code mayInitialise}
     * and no egroup is recorded on the disk.
     */
    private void checkSuperblock(int recordedEgroups, boolean mayInitialise) throws IOException {
        ByteBuffer block = AlignedBuffers.allocate(SUPERBLOCK_BYTES, alignment);
        int n = device.read(0, block);
        if (n != SUPERBLOCK_BYTES) {
            throw new IOException("device " + deviceId + " returned " + n + " of the superblock's " + SUPERBLOCK_BYTES + " bytes");
        }
        block.flip();
        byte[] bytes = new byte[SUPERBLOCK_BYTES];
        block.get(bytes);
        if (isZero(bytes)) {
            if (recordedEgroups > 0 || !mayInitialise) {
                throw refused("is blank (no superblock) but the node-local metadata lists " + recordedEgroups + " egroup(s) on disk '"
                        + diskId + "': the device was replaced or wiped. Its replicas are lost here and are re-replicated from other "
                        + "nodes; to use the new device, remove disk '" + diskId + "' from the node (or give disk.json a new id)");
            }
            ByteBuffer sb = AlignedBuffers.allocate(SUPERBLOCK_BYTES, alignment);
            sb.put(encodeSuperblock(diskId)).flip();
            if (device.write(0, sb) != SUPERBLOCK_BYTES) {
                throw new IOException("device " + deviceId + " did not take the whole superblock");
            }
            device.flush();
            logger.info("Device {} initialised as extent-store disk '{}': {} data slots of 4 MiB", deviceId, diskId, dataSlots());
            return;
        }
        String owner = decodeSuperblock(bytes);
        if (!owner.equals(diskId)) {
            throw refused("holds extent-store disk '" + owner + "', not '" + diskId + "': disk.json names the wrong device or the "
                    + "wrong id. Fix disk.json (hal_device, id); only if disk '" + owner + "''s data may be destroyed, zero the device's "
                    + "first 4 KiB and restart Stargate");
        }
    }

    private ExtentStoreException refused(String what) {
        return new ExtentStoreException(Reason.INVALID_REQUEST, "device '" + deviceId + "' configured for disk '" + diskId + "' " + what);
    }

    /** The superblock of {@code diskId}, {@value #SUPERBLOCK_BYTES} bytes. */
    static byte[] encodeSuperblock(String diskId) {
        byte[] id = diskId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(SUPERBLOCK_BYTES);
        b.put(MAGIC).putInt(SUPERBLOCK_VERSION).putInt(SLOT_BYTES).putInt(RESERVED_SLOTS).put((byte) id.length).put(id);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** The disk id in a superblock; {@code INVALID_REQUEST} (with what to do) when it is not a superblock this version reads. */
    private String decodeSuperblock(byte[] bytes) {
        if (!Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw refused("does not hold a Cairn extent store (no superblock at byte 0; it holds other data), so it is not "
                    + "overwritten: point disk.json's hal_device at the right device, or, only if its data may be destroyed, "
                    + "zero its first 4 KiB (e.g. blkdiscard or dd) and restart Stargate");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, MAGIC.length, bytes.length - MAGIC.length);
        int version = b.getInt();
        int slotBytes = b.getInt();
        int reserved = b.getInt();
        int idLength = b.get() & 0xff;
        if (version != SUPERBLOCK_VERSION || slotBytes != SLOT_BYTES || reserved != RESERVED_SLOTS || idLength == 0
                || idLength > 64) {
            throw refused("holds an extent-store superblock this version cannot use (format " + version + ", slot size " + slotBytes
                    + ", " + reserved + " reserved slot(s)); run the Cairn version that wrote it, or wipe the device");
        }
        byte[] id = new byte[idLength];
        b.get(id);
        int stored = b.getInt();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, b.position() - 4);
        if ((int) crc.getValue() != stored) {
            throw refused("has a corrupt superblock (CRC32C mismatch): treat the disk as failed (its replicas are re-replicated); "
                    + "replace the device, or wipe its first 4 KiB to reuse it");
        }
        return new String(id, StandardCharsets.US_ASCII);
    }

    private static boolean isZero(byte[] bytes) {
        for (byte x : bytes) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
