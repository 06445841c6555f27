package io.cairn.storage.stargate.internal.oplog;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One append-only segment file and the bookkeeping that decides when it may be deleted. All
 * fields except {@code channel} are guarded by the store's lock.
 */
final class Segment {

    final long id;
    final Path path;
    final FileChannel channel;
    /** Bytes in the file; the next record is written here. */
    long size;
    /** Records in this segment still holding undrained data, or appended and not yet durable. */
    int liveRecords;
    /** Readers copying data out of this segment without the lock; deletion waits for them. */
    int pins;

    Segment(long id, Path path, FileChannel channel, long size) {
        this.id = id;
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    static String fileName(long id) {
        return String.format("segment-%016x.oplog", id);
    }

    /** Reads {@code length} bytes at {@code position} into {@code into} at {@code intoOffset}. */
    void read(long position, byte[] into, int intoOffset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(into, intoOffset, length);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position() - intoOffset);
            if (n < 0) {
                throw new EOFException("OpLog segment " + path + " ends before byte " + (position + length) + "; was it truncated while open?");
            }
        }
    }

    void write(ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
