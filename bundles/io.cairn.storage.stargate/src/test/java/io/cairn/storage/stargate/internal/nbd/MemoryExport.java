package io.cairn.storage.stargate.internal.nbd;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory export for tests, at most 2 GiB; optionally read-only or failing with a given errno. */
final class MemoryExport implements NbdExport {

    private final String name;
    private final byte[] data;
    private final boolean readOnly;
    private final int minimumBlockSize;
    private volatile NbdException failure;
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger fuaWrites = new AtomicInteger();

    MemoryExport(String name, int size, boolean readOnly, int minimumBlockSize) {
        this.name = name;
        this.data = new byte[size];
        this.readOnly = readOnly;
        this.minimumBlockSize = minimumBlockSize;
    }

    static MemoryExport writable(String name, int size) {
        return new MemoryExport(name, size, false, 512);
    }

    /** From now on every read and write fails with {@code e}. */
    void failWith(NbdException e) {
        failure = e;
    }

    byte[] snapshot() {
        synchronized (data) {
            return data.clone();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return "test export " + name;
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public int minimumBlockSize() {
        return minimumBlockSize;
    }

    @Override
    public int preferredBlockSize() {
        return Math.max(4096, minimumBlockSize);
    }

    private void checkFailure() throws NbdException {
        NbdException e = failure;
        if (e != null) {
            throw e;
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws NbdException {
        checkFailure();
        synchronized (data) {
            dst.put(data, (int) offset, dst.remaining());
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws NbdException {
        checkFailure();
        synchronized (data) {
            src.get(data, (int) offset, src.remaining());
        }
        if (fua) {
            fuaWrites.incrementAndGet();
        }
    }

    @Override
    public void flush() {
        flushes.incrementAndGet();
    }

    @Override
    public void trim(long offset, long length) {
        // advisory; the memory keeps its content
    }

    @Override
    public void writeZeroes(long offset, long length, boolean fua) throws NbdException {
        checkFailure();
        synchronized (data) {
            Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
        }
    }
}
