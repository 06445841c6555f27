package io.cairn.hal.linux.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;

import com.sun.jna.Memory;
import com.sun.nio.file.ExtendedOpenOption;

import io.cairn.hal.api.AlignedBuffers;
import io.cairn.hal.api.BlockDevice;
import io.cairn.hal.api.DeviceFullException;
import io.cairn.hal.api.DeviceIdentity;
import io.cairn.hal.api.DeviceUnavailableException;
import io.cairn.hal.api.DeviceGeometry;
import io.cairn.hal.api.DiskHealth;
import io.cairn.hal.api.DiskTier;
import io.cairn.hal.api.IoStatistics;
import io.cairn.hal.api.Positional;

/**
 * A block device or a preallocated file opened with O_DIRECT: positional I/O on aligned direct
 * buffers without the page cache, fdatasync for flush, hole punching / BLKDISCARD for discard.
 * It may also be one partition of a disk image or device: a byte range starting at a non-zero
 * offset (the partition table says where; {@link #openRegion}).
 */
public final class LinuxBlockDevice implements BlockDevice {

    private final DeviceIdentity identity;
    private final DeviceGeometry geometry;
    private final boolean blockDevice;
    private final Path file;
    private final long base;
    private final FileChannel channel;
    private final Optional<NvmeDevice> nvme;
    private final IoStatistics stats = new IoStatistics();

    /**
     * Opens {@code path}. A regular file is created (if needed) and allocated to {@code fileSize}
     * bytes with fallocate; a block device takes its geometry from sysfs.
     */
    public static LinuxBlockDevice open(String id, Path path, DiskTier tierOverride, long fileSize, int fileBlockSize, Path sysRoot)
            throws IOException {
        return open(id, path, tierOverride, fileSize, fileBlockSize, sysRoot, 0);
    }

    /**
     * Opens {@code sizeBytes} bytes of an existing file or block device starting at
     * {@code offsetBytes}: one partition of a partitioned disk. Nothing is allocated or created:
     * the range must lie inside what exists (a sparse disk image is fine).
     */
    public static LinuxBlockDevice openRegion(String id, Path path, DiskTier tier, long offsetBytes, long sizeBytes,
            int blockSize, Path sysRoot) throws IOException {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a partition of " + path + " needs an explicit id");
        }
        if (offsetBytes < 0 || offsetBytes % blockSize != 0 || sizeBytes <= 0 || sizeBytes % blockSize != 0) {
            throw new IllegalArgumentException("partition " + id + " of " + path + " needs an offset (" + offsetBytes
                    + ") and a positive size (" + sizeBytes + ") that are multiples of " + blockSize + " bytes");
        }
        if (!Files.exists(path)) {
            throw new DeviceUnavailableException("partition " + id + ": " + path + " does not exist");
        }
        return open(id, path, tier, sizeBytes, blockSize, sysRoot, offsetBytes);
    }

    private static LinuxBlockDevice open(String id, Path path, DiskTier tierOverride, long fileSize, int fileBlockSize,
            Path sysRoot, long base) throws IOException {
        Optional<SysBlock> sys = Files.exists(path) && !Files.isRegularFile(path) ? SysBlock.of(path, sysRoot) : Optional.empty();
        if (sys.isPresent()) {
            SysBlock s = sys.get();
            String stableId = id != null && !id.isBlank() ? id : !s.wwn().isBlank() ? s.wwn() : s.model() + "-" + s.serial();
            DiskTier tier = tierOverride != null ? tierOverride : s.tier();
            Optional<NvmeDevice> nvme = s.name().startsWith("nvme") && Files.exists(Path.of("/dev", s.name().replaceAll("n\\d+$", "")))
                    ? Optional.of(new NvmeDevice("/dev/" + s.name().replaceAll("n\\d+$", ""))) : Optional.empty();
            long size = s.sizeBytes();
            if (base > 0) {
                if (base + fileSize > s.sizeBytes()) {
                    throw new IllegalArgumentException("partition " + stableId + " [" + base + ", " + (base + fileSize)
                            + ") lies beyond the end of " + path + " (" + s.sizeBytes() + " bytes)");
                }
                size = fileSize;
            }
            return new LinuxBlockDevice(new DeviceIdentity(stableId, s.serial(), s.model(), path.toString()), tier, size,
                    s.logicalBlockSize(), s.physicalBlockSize(), true, path, base, nvme);
        }
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a file-backed device at " + path + " needs an explicit id");
        }
        if (fileSize <= 0 || fileSize % fileBlockSize != 0) {
            throw new IllegalArgumentException("file-backed device " + id + " needs a size that is a positive multiple of "
                    + fileBlockSize + ", not " + fileSize);
        }
        if (base > 0) {
            if (Files.size(path) < base + fileSize) {
                throw new IllegalArgumentException("partition " + id + " [" + base + ", " + (base + fileSize)
                        + ") lies beyond the end of " + path + " (" + Files.size(path) + " bytes)");
            }
        } else {
            Files.createDirectories(path.toAbsolutePath().getParent());
            if (!Files.exists(path) || Files.size(path) < fileSize) {
                allocate(path, fileSize);
            }
        }
        return new LinuxBlockDevice(new DeviceIdentity(id, "FILE-" + id, base > 0 ? "file partition" : "file", path.toString()),
                tierOverride == null ? DiskTier.SSD : tierOverride, fileSize, fileBlockSize, fileBlockSize, false, path, base,
                Optional.empty());
    }

    private LinuxBlockDevice(DeviceIdentity identity, DiskTier tier, long capacity, int logical, int physical,
            boolean blockDevice, Path path, long base, Optional<NvmeDevice> nvme) throws IOException {
        this.identity = identity;
        this.file = path;
        this.base = base;
        this.geometry = new DeviceGeometry(tier, capacity, logical, physical);
        this.blockDevice = blockDevice;
        this.nvme = nvme;
        try {
            this.channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        } catch (NoSuchFileException e) {
            throw new DeviceUnavailableException("device " + path + " does not exist");
        }
    }

    /** Creates or grows a file to {@code size} bytes of allocated (not sparse) space. */
    static void allocate(Path path, long size) throws IOException {
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            c.force(false);
        }
        LibC libc = LibC.get();
        int fd = libc.open(path.toString(), LibC.O_RDWR);
        if (fd < 0) {
            throw new IOException("cannot open " + path + ": " + LibC.lastError());
        }
        try {
            if (libc.fallocate(fd, 0, 0, size) != 0) {
                String err = LibC.lastError();
                if (err.contains("ENOSPC")) {
                    throw new DeviceFullException("cannot allocate " + size + " bytes for " + path + ": " + err);
                }
                throw new IOException("fallocate of " + size + " bytes on " + path + " failed: " + err);
            }
        } finally {
            libc.close(fd);
        }
    }

    public void close() throws IOException {
        channel.close();
    }

    @Override
    public DeviceIdentity identity() {
        return identity;
    }

    @Override
    public DeviceGeometry geometry() {
        return geometry;
    }

    @Override
    public int read(long offset, ByteBuffer dst) throws IOException {
        check(offset, dst);
        long start = System.nanoTime();
        int n;
        try {
            n = Positional.readFully(channel, dst, base + offset);
        } catch (IOException e) {
            stats.readError();
            throw translate(e, "read", offset);
        }
        stats.read(System.nanoTime() - start);
        return n;
    }

    @Override
    public int write(long offset, ByteBuffer src) throws IOException {
        check(offset, src);
        long start = System.nanoTime();
        int n;
        try {
            n = Positional.writeFully(channel, src, base + offset);
        } catch (IOException e) {
            stats.writeError();
            throw translate(e, "write", offset);
        }
        stats.wrote(System.nanoTime() - start);
        return n;
    }

    @Override
    public void flush() throws IOException {
        try {
            channel.force(false); // fdatasync
        } catch (IOException e) {
            stats.writeError();
            throw translate(e, "flush", 0);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        if (offset % geometry.logicalBlockSize() != 0 || length % geometry.logicalBlockSize() != 0
                || offset + length > geometry.capacityBytes()) {
            throw new IllegalArgumentException("discard " + offset + "+" + length + " is not block aligned within "
                    + geometry.capacityBytes());
        }
        LibC libc = LibC.get();
        int fd = libc.open(file.toString(), LibC.O_RDWR);
        if (fd < 0) {
            throw new IOException("cannot open " + file + " for discard: " + LibC.lastError());
        }
        try {
            int rc;
            if (blockDevice) {
                try (Memory range = new Memory(16)) {
                    range.setLong(0, base + offset);
                    range.setLong(8, length);
                    rc = libc.ioctl(fd, LibC.BLKDISCARD, range);
                }
            } else {
                rc = libc.fallocate(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, base + offset, length);
            }
            if (rc != 0) {
                throw new IOException("discard of " + offset + "+" + length + " on " + identity.path() + " failed: "
                        + LibC.lastError());
            }
        } finally {
            libc.close(fd);
        }
    }

    @Override
    public DiskHealth health() {
        Map<String, Long> attributes = Map.of();
        try {
            if (nvme.isPresent()) {
                attributes = nvme.get().smart();
            } else if (blockDevice && Smartctl.available()) {
                attributes = Smartctl.read(identity.path());
            }
        } catch (IOException e) {
            attributes = Map.of("health_query_failed", 1L);
        }
        return stats.health(attributes);
    }

    private void check(long offset, ByteBuffer buf) {
        AlignedBuffers.checkAligned(offset, buf, geometry.logicalBlockSize(), geometry.capacityBytes());
        if (!buf.isDirect()) {
            throw new IllegalArgumentException("O_DIRECT needs a direct buffer; allocate it with AlignedBuffers.allocate");
        }
    }

    private IOException translate(IOException e, String op, long offset) {
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("No space left")) {
            return new DeviceFullException(op + " at " + offset + " on " + identity.path() + ": no space left on device");
        }
        if (msg.contains("No such device") || msg.contains("No such file")) {
            return new DeviceUnavailableException(op + " at " + offset + " on " + identity.path() + ": device is gone");
        }
        return new IOException(op + " at " + offset + " on " + identity.path() + " failed: " + msg, e);
    }
}
