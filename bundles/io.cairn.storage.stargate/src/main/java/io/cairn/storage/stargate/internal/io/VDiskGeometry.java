package io.cairn.storage.stargate.internal.io;

import io.cairn.common.error.CairnException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Fixed geometry of a vDisk's address space (spec 20 §1) and the controller-shard routing of
 * §7. vBlock {@code i} is bytes {@code [i·2^20, (i+1)·2^20)}; a vDisk may be up to
 * {@code 2^63−1} bytes, the largest value a signed 64-bit offset holds, and nothing else limits
 * its size on the server.
 */
public final class VDiskGeometry {

    /** vDisk address space mapped by one block-map entry: 1 MiB. */
    public static final long VBLOCK_BYTES = 1L << 20;
    /** Logically contiguous data, read and written per slice: 1 MiB. */
    public static final long EXTENT_BYTES = 1L << 20;
    /** Extent group, physically contiguous on one disk: 4 MiB on a plain container. */
    public static final long EGROUP_BYTES = 4L << 20;
    /** Extent group on a dedupe container: 1 MiB. */
    public static final long DEDUP_EGROUP_BYTES = 1L << 20;
    /** Checksum and cache unit: 4 KiB. */
    public static final int SLICE_BYTES = 4096;
    /** Logical block size the front ends expose; offsets and lengths are multiples of it. */
    public static final int LOGICAL_BLOCK_BYTES = 512;
    /** Largest vDisk: {@code 2^63−1} bytes. */
    public static final long MAX_VDISK_BYTES = Long.MAX_VALUE;
    /** Config property for the number of controller shards per vDisk (§7). */
    public static final String CONTROLLER_SHARDS_PROPERTY = "cairn.vdisk.controller_shards";
    /** Default of {@value #CONTROLLER_SHARDS_PROPERTY}. */
    public static final int DEFAULT_CONTROLLER_SHARDS = 4;

    private static final BigInteger MAX_VDISK_SIZE = BigInteger.valueOf(MAX_VDISK_BYTES);

    private VDiskGeometry() {
    }

    /**
     * Checks a requested vDisk size (create or resize) and returns it as a {@code long}. The size
     * arrives as a {@link BigInteger} because the first size that must be rejected, 2^63, does
     * not fit in a {@code long}.
     *
     * @throws CairnException {@code INVALID_ARGUMENT} when the size is negative or above 2^63−1
     */
    public static long requireValidSize(BigInteger requestedBytes) {
        if (requestedBytes.signum() < 0) {
            throw CairnException.invalid("vDisk size " + requestedBytes + " bytes is negative; give a size from 0 to "
                    + MAX_VDISK_BYTES + " (2^63-1) bytes");
        }
        if (requestedBytes.compareTo(MAX_VDISK_SIZE) > 0) {
            throw CairnException.invalid("vDisk size " + requestedBytes + " bytes exceeds the maximum of "
                    + MAX_VDISK_BYTES + " (2^63-1) bytes; give a size of at most 2^63-1 bytes");
        }
        return requestedBytes.longValueExact();
    }

    /** Index of the vBlock holding byte {@code offset}. */
    public static long vblockOf(long offset) {
        requireNonNegativeOffset(offset);
        return offset / VBLOCK_BYTES;
    }

    /** Index of the 4 KiB slice holding byte {@code offset}. */
    public static long sliceOf(long offset) {
        requireNonNegativeOffset(offset);
        return offset / SLICE_BYTES;
    }

    /**
     * Number of vBlock slots a vDisk of {@code sizeBytes} has: its block map has one entry per
     * started MiB (100 MiB → 100 slots, 100 MiB + 1 byte → 101).
     */
    public static long vblockSlots(long sizeBytes) {
        if (sizeBytes < 0) {
            throw CairnException.invalid("vDisk size " + sizeBytes + " bytes is negative; sizes start at 0");
        }
        return sizeBytes / VBLOCK_BYTES + (sizeBytes % VBLOCK_BYTES == 0 ? 0 : 1);
    }

    /**
     * Controller shard serving a vBlock (§7): {@code vblock mod shards}.
     *
     * @param shards the value of {@value #CONTROLLER_SHARDS_PROPERTY}, at least 1
     */
    public static int controllerShardOf(long vblock, int shards) {
        if (shards < 1) {
            throw CairnException.invalid(CONTROLLER_SHARDS_PROPERTY + " is " + shards
                    + "; a vDisk controller needs at least 1 shard (default " + DEFAULT_CONTROLLER_SHARDS + ")");
        }
        if (vblock < 0) {
            throw CairnException.invalid("vBlock index " + vblock + " is negative; vBlock indexes start at 0");
        }
        return (int) (vblock % shards);
    }

    /**
     * Splits the byte range {@code [offset, offset+length)} into its pieces per vBlock, in
     * address order. Each piece is routed to {@link #controllerShardOf the shard of its vBlock}.
     *
     * @throws CairnException {@code INVALID_ARGUMENT} when the range is empty, negative or ends
     *     past 2^63−1
     */
    public static List<VBlockPiece> split(long offset, long length) {
        requireRange(offset, length);
        List<VBlockPiece> pieces = new ArrayList<>((int) Math.min(1024, length / VBLOCK_BYTES + 2));
        long position = offset;
        long end = offset + length;
        while (position < end) {
            long vblock = position / VBLOCK_BYTES;
            int inVBlock = (int) (position % VBLOCK_BYTES);
            int pieceLength = (int) Math.min(VBLOCK_BYTES - inVBlock, end - position);
            pieces.add(new VBlockPiece(vblock, position, inVBlock, position - offset, pieceLength));
            position += pieceLength;
        }
        return pieces;
    }

    /**
     * Checks that an I/O starts and ends on a logical-block boundary.
     *
     * @param blockBytes the exposed logical block size, a power of two of at least
     *     {@value #LOGICAL_BLOCK_BYTES} (512 for the front ends, 4096 for a 4Kn export)
     * @throws CairnException {@code INVALID_ARGUMENT} naming the misaligned value and the nearest
     *     aligned one
     */
    public static void requireAligned(long offset, long length, int blockBytes) {
        if (blockBytes < LOGICAL_BLOCK_BYTES || Integer.bitCount(blockBytes) != 1) {
            throw CairnException.invalid("logical block size " + blockBytes
                    + " is not a power of two of at least 512; use 512 or 4096");
        }
        requireRange(offset, length);
        if (offset % blockBytes != 0) {
            long below = offset - offset % blockBytes;
            throw CairnException.invalid("I/O offset " + offset + " is not a multiple of the " + blockBytes
                    + "-byte logical block (" + offset % blockBytes + " bytes past block " + below / blockBytes
                    + "); start the I/O at a block boundary such as " + below + " or " + (below + blockBytes));
        }
        if (length % blockBytes != 0) {
            long below = length - length % blockBytes;
            throw CairnException.invalid("I/O length " + length + " at offset " + offset + " is not a multiple of the "
                    + blockBytes + "-byte logical block; use a whole number of blocks such as "
                    + (below == 0 ? blockBytes : below) + " bytes");
        }
    }

    /**
     * Checks that an I/O lies inside a vDisk of {@code sizeBytes} (iSCSI answers a violation with
     * CHECK CONDITION, LBA out of range; NFS extends the file instead and does not call this).
     *
     * @throws CairnException {@code INVALID_ARGUMENT} when the I/O ends past the vDisk's end
     */
    public static void requireWithin(long offset, long length, long sizeBytes) {
        requireRange(offset, length);
        if (offset + length > sizeBytes) {
            throw CairnException.invalid("I/O [" + offset + ", " + (offset + length) + ") ends past the end of the "
                    + sizeBytes + "-byte vDisk (LBA out of range); resize the vDisk first or keep I/O below byte "
                    + sizeBytes);
        }
    }

    private static void requireRange(long offset, long length) {
        requireNonNegativeOffset(offset);
        if (length <= 0) {
            throw CairnException.invalid("I/O length " + length + " at offset " + offset
                    + " is not positive; an I/O covers at least one byte");
        }
        if (length > MAX_VDISK_BYTES - offset) {
            throw CairnException.invalid("I/O of " + length + " bytes at offset " + offset
                    + " ends past byte 2^63-1, the largest vDisk address; shorten it");
        }
    }

    private static void requireNonNegativeOffset(long offset) {
        if (offset < 0) {
            throw CairnException.invalid("offset " + offset + " is negative; vDisk offsets start at 0");
        }
    }
}
