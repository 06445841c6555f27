package io.cairn.storage.stargate.internal.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A writable export backed by a file of fixed size, for the tests with real clients. */
final class FileExport implements NbdExport, AutoCloseable {

    private static final int ZERO_CHUNK = 1024 * 1024;

    private final String name;
    private final long size;
    private final FileChannel channel;

    FileExport(String name, Path file, long size) throws IOException {
        this.name = name;
        this.size = size;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        channel.truncate(size);
        if (channel.size() < size) {
            channel.write(ByteBuffer.allocate(1), size - 1);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public int minimumBlockSize() {
        return 512;
    }

    @Override
    public int preferredBlockSize() {
        return 4096;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws NbdException {
        try {
            long position = offset;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, position);
                if (n < 0) {
                    throw new NbdException(NbdErrno.EIO, "file ends before offset " + position);
                }
                position += n;
            }
        } catch (IOException e) {
            throw new NbdException(NbdErrno.EIO, "reading the file failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws NbdException {
        try {
            long position = offset;
            while (src.hasRemaining()) {
                position += channel.write(src, position);
            }
            if (fua) {
                channel.force(false);
            }
        } catch (IOException e) {
            throw new NbdException(NbdErrno.EIO, "writing the file failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void flush() throws NbdException {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new NbdException(NbdErrno.EIO, "flushing the file failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void trim(long offset, long length) {
        // advisory; a plain file keeps its content
    }

    @Override
    public void writeZeroes(long offset, long length, boolean fua) throws NbdException {
        long done = 0;
        while (done < length) {
            int chunk = (int) Math.min(ZERO_CHUNK, length - done);
            write(offset + done, ByteBuffer.allocate(chunk), false);
            done += chunk;
        }
        if (fua) {
            flush();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
