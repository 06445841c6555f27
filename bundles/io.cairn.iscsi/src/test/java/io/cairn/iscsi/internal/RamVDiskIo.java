package io.cairn.iscsi.internal;

import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.api.stargate.VDiskIo;

/** Test-only: a vDisk in memory. */
final class RamVDiskIo implements VDiskIo {

    private final VDisk vdisk;
    private final byte[] bytes;
    final AtomicBoolean closed = new AtomicBoolean();

    RamVDiskIo(String name, int sizeBytes) {
        this.vdisk = new VDisk(UUID.randomUUID(), name, UUID.randomUUID(), "ctr", sizeBytes, 1, null, 0);
        this.bytes = new byte[sizeBytes];
    }

    @Override
    public VDisk vdisk() {
        return vdisk;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) {
        dst.put(bytes, (int) offset, dst.remaining());
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src, boolean fua) {
        src.get(bytes, (int) offset, src.remaining());
    }

    @Override
    public synchronized void writeZeroes(long offset, long length) {
        java.util.Arrays.fill(bytes, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public void trim(long offset, long length) {
        writeZeroes(offset, length);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
