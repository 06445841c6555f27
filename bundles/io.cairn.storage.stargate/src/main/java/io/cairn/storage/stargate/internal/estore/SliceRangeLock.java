package io.cairn.storage.stargate.internal.estore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Shared and exclusive locks on ranges of one egroup's slices. A write holds its slices exclusively
 * from its data write until its checksums are recorded, so a read (shared) never sees new data with
 * old checksums and two overlapping writes cannot interleave data and checksums; writes of distinct
 * ranges proceed in parallel. Waits are uninterruptible: holders only do bounded disk and metadata I/O.
 */
final class SliceRangeLock {

    /** A held range of slices {@code [first, last]}. */
    record Held(int first, int last, boolean exclusive) {
        boolean conflictsWith(int otherFirst, int otherLast, boolean otherExclusive) {
            return (exclusive || otherExclusive) && first <= otherLast && otherFirst <= last;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final List<Held> held = new ArrayList<>(); // guarded by lock

    /** Waits until no conflicting range is held, then holds {@code [first, last]}; pass the result to {@link #release}. */
    Held acquire(int first, int last, boolean exclusive) {
        lock.lock();
        try {
            while (held.stream().anyMatch(h -> h.conflictsWith(first, last, exclusive))) {
                released.awaitUninterruptibly();
            }
            Held h = new Held(first, last, exclusive);
            held.add(h);
            return h;
        } finally {
            lock.unlock();
        }
    }

    void release(Held range) {
        lock.lock();
        try {
            held.remove(range);
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
