package io.cairn.iscsi.internal.scsi;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive locks on byte ranges of one logical unit. Every write path (WRITE, WRITE SAME, UNMAP,
 * COMPARE AND WRITE) holds its range while the vDisk I/O runs, so a COMPARE AND WRITE's read,
 * compare and write are atomic against other writes to the same blocks through this engine.
 * Non-overlapping ranges never wait for each other.
 */
final class RangeLock {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final List<long[]> held = new ArrayList<>();

    /** A held range; {@link #close()} releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** Blocks until {@code [start, start + length)} overlaps no held range, then holds it. */
    Held acquire(long start, long length) {
        long[] range = {start, start + length};
        lock.lock();
        try {
            while (overlaps(range)) {
                released.awaitUninterruptibly();
            }
            held.add(range);
        } finally {
            lock.unlock();
        }
        return () -> {
            lock.lock();
            try {
                held.remove(range);
                released.signalAll();
            } finally {
                lock.unlock();
            }
        };
    }

    private boolean overlaps(long[] r) {
        for (long[] h : held) {
            if (r[0] < h[1] && h[0] < r[1]) {
                return true;
            }
        }
        return false;
    }
}
