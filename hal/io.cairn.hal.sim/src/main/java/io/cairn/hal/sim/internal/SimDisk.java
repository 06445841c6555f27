package io.cairn.hal.sim.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.AlignedBuffers;
import io.cairn.hal.api.BlockDevice;
import io.cairn.hal.api.DeviceFullException;
import io.cairn.hal.api.DeviceIdentity;
import io.cairn.hal.api.DeviceUnavailableException;
import io.cairn.hal.api.DiskHealth;
import io.cairn.hal.api.DeviceGeometry;
import io.cairn.hal.api.DiskTier;
import io.cairn.hal.api.IoStatistics;
import io.cairn.hal.api.Positional;
import io.cairn.hal.api.faults.Fault;

/**
 * A file-backed disk with run-time fault injection. Faults apply in this order: gone, full (writes),
 * I/O errors in a range, added latency, then silent bit flips on the data read.
 */
final class SimDisk implements BlockDevice {

    private final DeviceIdentity identity;
    private final DeviceGeometry geometry;
    private final long capacity;
    private final int blockSize;
    private final FileChannel channel;
    private final Clock clock;
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final IoStatistics stats = new IoStatistics();

    SimDisk(String id, Path file, DiskTier tier, long capacity, int blockSize, Clock clock) throws IOException {
        if (blockSize <= 0 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size of sim disk '" + id + "' must be a power of two, not " + blockSize);
        }
        if (capacity <= 0 || capacity % blockSize != 0) {
            throw new IllegalArgumentException("capacity of sim disk '" + id + "' must be a positive multiple of " + blockSize
                    + " bytes, not " + capacity);
        }
        this.identity = new DeviceIdentity(id, "SIM-" + id, "Cairn simulated " + tier, file.toString());
        this.geometry = new DeviceGeometry(tier, capacity, blockSize, blockSize);
        this.capacity = capacity;
        this.blockSize = blockSize;
        this.clock = clock;
        Files.createDirectories(file.toAbsolutePath().getParent());
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (channel.size() < capacity) {
            channel.write(ByteBuffer.allocate(1), capacity - 1); // sparse file of the full size
        }
    }

    void close() throws IOException {
        channel.close();
    }

    List<Fault> faults() {
        return faults;
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
        AlignedBuffers.checkAligned(offset, dst, blockSize, capacity);
        long start = clock.nanoTime();
        int len = dst.remaining();
        int pos = dst.position();
        try {
            beforeIo(Fault.Op.READ, offset, len);
        } catch (IOException e) {
            stats.readError();
            throw e;
        }
        int n = Positional.readFully(channel, dst, offset);
        for (Fault f : faults) {
            if (f instanceof Fault.BitFlip flip) {
                flipBits(dst, pos, offset, n, flip);
            }
        }
        stats.read(clock.nanoTime() - start);
        return n;
    }

    @Override
    public int write(long offset, ByteBuffer src) throws IOException {
        AlignedBuffers.checkAligned(offset, src, blockSize, capacity);
        long start = clock.nanoTime();
        int len = src.remaining();
        try {
            if (faults.stream().anyMatch(f -> f instanceof Fault.Full)) {
                throw new DeviceFullException("sim disk " + identity.id() + " is full (injected): no space for " + len
                        + " bytes at " + offset);
            }
            beforeIo(Fault.Op.WRITE, offset, len);
        } catch (IOException e) {
            stats.writeError();
            throw e;
        }
        int n = Positional.writeFully(channel, src, offset);
        stats.wrote(clock.nanoTime() - start);
        return n;
    }

    @Override
    public void flush() throws IOException {
        gone();
        channel.force(false);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        if (offset % blockSize != 0 || length % blockSize != 0 || offset + length > capacity) {
            throw new IllegalArgumentException("discard " + offset + "+" + length + " is not block aligned within " + capacity);
        }
        gone();
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        for (long done = 0; done < length;) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            done += channel.write(zeros, offset + done);
        }
    }

    @Override
    public DiskHealth health() {
        boolean smartFailed = faults.stream().anyMatch(f -> f instanceof Fault.SmartFailure);
        return stats.health(Map.of("injected_faults", (long) faults.size(), "smart_passed", smartFailed ? 0L : 1L));
    }

    private void gone() throws DeviceUnavailableException {
        if (faults.stream().anyMatch(f -> f instanceof Fault.Disappear)) {
            throw new DeviceUnavailableException("sim disk " + identity.id() + " has disappeared (injected)");
        }
    }

    private void beforeIo(Fault.Op op, long offset, int len) throws IOException {
        gone();
        Duration delay = Duration.ZERO;
        for (Fault f : faults) {
            if (f instanceof Fault.IoError e && e.op().matches(op) && overlaps(e.offset(), e.length(), offset, len)) {
                throw new IOException("EIO: " + op.name().toLowerCase() + " of " + len + " bytes at " + offset + " on sim disk "
                        + identity.id() + " failed (injected)");
            }
            if (f instanceof Fault.Latency l && l.op().matches(op)) {
                delay = delay.plus(l.added());
            }
        }
        if (!delay.isZero()) {
            try {
                clock.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted during injected latency");
            }
        }
    }

    /** Flips the lowest bit of the first byte of every block of the read that lies in the fault range. */
    private void flipBits(ByteBuffer dst, int pos, long offset, int n, Fault.BitFlip flip) {
        for (int b = 0; b < n; b += blockSize) {
            if (overlaps(flip.offset(), flip.length(), offset + b, blockSize)) {
                dst.put(pos + b, (byte) (dst.get(pos + b) ^ 1));
            }
        }
    }

    static boolean overlaps(long from, long length, long offset, long len) {
        long end = length == 0 ? Long.MAX_VALUE : from + length;
        return offset < end && offset + len > from;
    }
}
