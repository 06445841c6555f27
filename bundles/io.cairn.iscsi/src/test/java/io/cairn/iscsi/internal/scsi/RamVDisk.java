package io.cairn.iscsi.internal.scsi;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.api.stargate.VDiskIo;

/** A vDisk in memory with VDiskIo's checks, a call log, growth and injectable failures. */
final class RamVDisk implements VDiskIo {

    private final UUID uuid = UUID.randomUUID();
    private volatile byte[] data;
    volatile StargateException failNext;
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile boolean closed;
    /** Simulated latency of every read and write, in nanoseconds (widens race windows). */
    volatile long latencyNanos;

    RamVDisk(long size) {
        data = new byte[(int) size];
    }

    synchronized void grow(long size) {
        byte[] d = new byte[(int) size];
        System.arraycopy(data, 0, d, 0, data.length);
        data = d;
    }

    byte[] bytes(long offset, int length) {
        byte[] b = new byte[length];
        System.arraycopy(data, (int) offset, b, 0, length);
        return b;
    }

    void fill(long offset, int length, byte value) {
        java.util.Arrays.fill(data, (int) offset, (int) offset + length, value);
    }

    @Override
    public VDisk vdisk() {
        return new VDisk(uuid, "vd", UUID.randomUUID(), "ctr", data.length, 2, null, 0);
    }

    private void check(long offset, long length) {
        StargateException f = failNext;
        if (f != null) {
            failNext = null;
            throw f;
        }
        if (offset % 512 != 0 || length % 512 != 0 || offset < 0 || offset + length > data.length) {
            throw new StargateException(StargateException.Reason.INVALID_REQUEST, "bad range " + offset + "+" + length);
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        check(offset, dst.remaining());
        calls.add("read " + offset + " " + dst.remaining());
        dst.put(data, (int) offset, dst.remaining());
        latency(); // a read sees the data as it was when it started
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) {
        check(offset, src.remaining());
        calls.add("write " + offset + " " + src.remaining() + (fua ? " fua" : ""));
        latency(); // a write lands when it returns
        src.get(data, (int) offset, src.remaining());
    }

    private void latency() {
        if (latencyNanos > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(latencyNanos);
        }
    }

    @Override
    public void writeZeroes(long offset, long length) {
        check(offset, length);
        calls.add("zero " + offset + " " + length);
        java.util.Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public void trim(long offset, long length) {
        check(offset, length);
        calls.add("trim " + offset + " " + length);
        java.util.Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public void flush() {
        calls.add("flush");
    }

    @Override
    public void close() {
        closed = true;
    }
}
