package io.cairn.foundation.disks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * A GUID partition table (UEFI 2.x, 512-byte logical blocks) on a disk image or device: a
 * protective MBR, the primary header and 128 entries at the start, their backup at the end. Only
 * the two table areas are written, so a sparse image stays sparse. {@code partx}, {@code sfdisk}
 * and the kernel's loop partitions read what this writes.
 */
public final class Gpt {

    /** Logical block size the table is laid out in. */
    public static final int LBA = 512;
    /** Partition type "Linux filesystem data". */
    public static final UUID LINUX_DATA = UUID.fromString("0fc63daf-8483-4772-8e79-3d69d8477de4");

    private static final int ENTRIES = 128;
    private static final int ENTRY_SIZE = 128;
    private static final int ENTRY_LBAS = ENTRIES * ENTRY_SIZE / LBA; // 32
    private static final int HEADER_SIZE = 92;
    private static final long SIGNATURE = 0x5452415020494645L; // "EFI PART"

    /**
     * One partition.
     *
     * @param name up to 36 characters (UTF-16 in the table)
     * @param firstByte first byte on the disk, a multiple of {@link #LBA}
     * @param sizeBytes length, a positive multiple of {@link #LBA}
     * @param type partition type GUID
     * @param guid unique partition GUID
     */
    public record Partition(String name, long firstByte, long sizeBytes, UUID type, UUID guid) {
    }

    /** A disk's table: its GUID and partitions in entry order. */
    public record Table(UUID diskGuid, List<Partition> partitions) {
        public Table {
            partitions = List.copyOf(partitions);
        }
    }

    private Gpt() {
    }

    /** First byte partitions may use: the table takes LBA 0..33 (rounded up to 1 MiB, as partitioning tools align). */
    public static long firstUsableByte() {
        return 1L << 20;
    }

    /** Bytes at the end the backup table needs (rounded up to 1 MiB). */
    public static long reservedAtEnd() {
        return 1L << 20;
    }

    /**
     * Writes {@code table} onto {@code disk} of {@code diskBytes} bytes (the file's size; it must
     * be a multiple of 1 MiB). Every partition must lie between {@link #firstUsableByte} and
     * {@code diskBytes - }{@link #reservedAtEnd} and not overlap another.
     */
    public static void write(Path disk, long diskBytes, Table table) throws IOException {
        if (diskBytes <= 0 || diskBytes % (1L << 20) != 0) {
            throw new IllegalArgumentException("disk " + disk + " is " + diskBytes + " bytes; a partitioned disk is a whole number of MiB");
        }
        List<Partition> parts = table.partitions();
        if (parts.size() > ENTRIES) {
            throw new IllegalArgumentException(parts.size() + " partitions; a GPT holds " + ENTRIES);
        }
        long lastLba = diskBytes / LBA - 1;
        long firstUsable = 2 + ENTRY_LBAS;
        long lastUsable = lastLba - ENTRY_LBAS - 1;
        ByteBuffer entries = ByteBuffer.allocate(ENTRIES * ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long previousEnd = 0;
        for (int i = 0; i < parts.size(); i++) {
            Partition p = parts.get(i);
            if (p.firstByte() % LBA != 0 || p.sizeBytes() <= 0 || p.sizeBytes() % LBA != 0) {
                throw new IllegalArgumentException("partition " + p.name() + " is not whole " + LBA + "-byte blocks: " + p);
            }
            long first = p.firstByte() / LBA;
            long last = first + p.sizeBytes() / LBA - 1;
            if (first < firstUsable || last > lastUsable) {
                throw new IllegalArgumentException("partition " + p.name() + " [LBA " + first + ", " + last
                        + "] is outside the usable blocks [" + firstUsable + ", " + lastUsable + "] of " + disk);
            }
            if (first <= previousEnd) {
                throw new IllegalArgumentException("partition " + p.name() + " overlaps the one before it; give them in disk order");
            }
            previousEnd = last;
            if (p.name().length() > 36) {
                throw new IllegalArgumentException("partition name '" + p.name() + "' is longer than 36 characters");
            }
            entries.position(i * ENTRY_SIZE);
            putGuid(entries, p.type());
            putGuid(entries, p.guid());
            entries.putLong(first).putLong(last).putLong(0);
            entries.put(p.name().getBytes(StandardCharsets.UTF_16LE));
        }
        entries.clear();
        int entriesCrc = crc(entries.array(), 0, entries.capacity());

        ByteBuffer mbr = ByteBuffer.allocate(LBA).order(ByteOrder.LITTLE_ENDIAN);
        mbr.position(446);
        mbr.put((byte) 0).put((byte) 0).put((byte) 2).put((byte) 0); // status, CHS of LBA 1
        mbr.put((byte) 0xEE).put((byte) 0xFF).put((byte) 0xFF).put((byte) 0xFF); // protective type, CHS max
        mbr.putInt(1).putInt((int) Math.min(lastLba, 0xFFFFFFFFL));
        mbr.position(510);
        mbr.put((byte) 0x55).put((byte) 0xAA);
        mbr.clear();

        ByteBuffer primary = header(1, lastLba, 2, firstUsable, lastUsable, table.diskGuid(), entriesCrc);
        ByteBuffer backup = header(lastLba, 1, lastLba - ENTRY_LBAS, firstUsable, lastUsable, table.diskGuid(), entriesCrc);
        try (FileChannel c = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            if (c.size() != diskBytes) {
                throw new IllegalArgumentException(disk + " is " + c.size() + " bytes, not the " + diskBytes + " expected");
            }
            writeAt(c, mbr, 0);
            writeAt(c, primary, LBA);
            writeAt(c, entries.duplicate(), 2L * LBA);
            writeAt(c, entries.duplicate(), (lastLba - ENTRY_LBAS) * LBA);
            writeAt(c, backup, lastLba * LBA);
            c.force(true);
        }
    }

    /**
     * Reads the primary table of {@code disk}; empty when it has none (no signature). A table
     * whose header or entries fail their CRC is an error.
     */
    public static Optional<Table> read(Path disk) throws IOException {
        try (FileChannel c = FileChannel.open(disk, StandardOpenOption.READ)) {
            if (c.size() < 34L * LBA) {
                return Optional.empty();
            }
            ByteBuffer h = readAt(c, LBA, LBA);
            if (h.getLong(0) != SIGNATURE) {
                return Optional.empty();
            }
            int size = h.getInt(12);
            int stored = h.getInt(16);
            byte[] hb = new byte[size];
            h.get(0, hb);
            for (int i = 16; i < 20; i++) {
                hb[i] = 0;
            }
            if (size < HEADER_SIZE || size > LBA || crc(hb, 0, size) != stored) {
                throw new IOException("the GPT header of " + disk + " is damaged (CRC mismatch); repartition the disk");
            }
            UUID diskGuid = getGuid(h, 56);
            long entriesLba = h.getLong(72);
            int count = h.getInt(80);
            int entrySize = h.getInt(84);
            ByteBuffer e = readAt(c, entriesLba * LBA, count * entrySize);
            if (crc(e.array(), 0, count * entrySize) != h.getInt(88)) {
                throw new IOException("the GPT entries of " + disk + " are damaged (CRC mismatch); repartition the disk");
            }
            List<Partition> parts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int at = i * entrySize;
                UUID type = getGuid(e, at);
                if (type.getMostSignificantBits() == 0 && type.getLeastSignificantBits() == 0) {
                    continue;
                }
                long first = e.getLong(at + 32);
                long last = e.getLong(at + 40);
                byte[] name = new byte[72];
                e.get(at + 56, name);
                String n = new String(name, StandardCharsets.UTF_16LE);
                int nul = n.indexOf('\0');
                parts.add(new Partition(nul < 0 ? n : n.substring(0, nul), first * LBA, (last - first + 1) * LBA, type,
                        getGuid(e, at + 16)));
            }
            return Optional.of(new Table(diskGuid, parts));
        }
    }

    private static ByteBuffer header(long current, long backup, long entriesLba, long firstUsable, long lastUsable, UUID diskGuid,
            int entriesCrc) {
        ByteBuffer h = ByteBuffer.allocate(LBA).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(SIGNATURE).putInt(0x00010000).putInt(HEADER_SIZE).putInt(0).putInt(0);
        h.putLong(current).putLong(backup).putLong(firstUsable).putLong(lastUsable);
        putGuid(h, diskGuid);
        h.putLong(entriesLba).putInt(ENTRIES).putInt(ENTRY_SIZE).putInt(entriesCrc);
        h.putInt(16, crc(h.array(), 0, HEADER_SIZE));
        h.clear();
        return h;
    }

    /** A GUID as UEFI stores it: the first three fields little-endian, the last eight bytes as they are. */
    private static void putGuid(ByteBuffer b, UUID u) {
        long msb = u.getMostSignificantBits();
        b.putInt((int) (msb >>> 32));
        b.putShort((short) (msb >>> 16));
        b.putShort((short) msb);
        long lsb = u.getLeastSignificantBits();
        for (int i = 7; i >= 0; i--) {
            b.put((byte) (lsb >>> (8 * i)));
        }
    }

    private static UUID getGuid(ByteBuffer b, int at) {
        long msb = ((long) b.getInt(at) << 32) | ((b.getShort(at + 4) & 0xFFFFL) << 16) | (b.getShort(at + 6) & 0xFFFFL);
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            lsb = (lsb << 8) | (b.get(at + 8 + i) & 0xFF);
        }
        return new UUID(msb, lsb);
    }

    private static int crc(byte[] b, int off, int len) {
        CRC32 c = new CRC32();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    private static void writeAt(FileChannel c, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            at += c.write(b, at);
        }
    }

    private static ByteBuffer readAt(FileChannel c, long at, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (c.read(b, at + b.position()) < 0) {
                throw new IOException("the GPT of " + c + " runs past the end of the disk");
            }
        }
        return b.clear();
    }
}
