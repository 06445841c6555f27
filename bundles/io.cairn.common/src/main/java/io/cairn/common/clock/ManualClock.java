package io.cairn.common.clock;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that only moves when told to. {@link #advance(Duration)} runs every timer that falls
 * due, in due order, on the calling thread, and wakes sleepers. {@link #jump(Duration)} moves the
 * wall clock alone (as an NTP step does) without touching monotonic time or timers.
 */
public final class ManualClock implements Clock {

    private final Object lock = new Object();
    private final PriorityQueue<Entry> timers = new PriorityQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private Instant wall;
    private long nanos;

    public ManualClock(Instant start) {
        this.wall = Objects.requireNonNull(start, "start");
    }

    public ManualClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Override
    public Instant now() {
        synchronized (lock) {
            return wall;
        }
    }

    @Override
    public long nanoTime() {
        synchronized (lock) {
            return nanos;
        }
    }

    @Override
    public Timer schedule(Duration delay, Runnable task) {
        requireNonNegative(delay);
        Objects.requireNonNull(task, "task");
        synchronized (lock) {
            Entry e = new Entry(nanos + delay.toNanos(), sequence.incrementAndGet(), task);
            timers.add(e);
            return e;
        }
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        requireNonNegative(duration);
        synchronized (lock) {
            long deadline = nanos + duration.toNanos();
            while (nanos < deadline) {
                lock.wait();
            }
        }
    }

    /** Moves wall and monotonic time forward, running due timers in order. */
    public void advance(Duration duration) {
        requireNonNegative(duration);
        long target;
        synchronized (lock) {
            target = nanos + duration.toNanos();
        }
        while (true) {
            Entry due;
            synchronized (lock) {
                Entry head = timers.peek();
                if (head == null || head.dueNanos > target) {
                    wall = wall.plusNanos(target - nanos);
                    nanos = target;
                    lock.notifyAll();
                    return;
                }
                timers.poll();
                wall = wall.plusNanos(head.dueNanos - nanos);
                nanos = Math.max(nanos, head.dueNanos);
                lock.notifyAll();
                due = head;
            }
            due.run();
        }
    }

    /** Steps the wall clock by {@code offset} (may be negative); monotonic time is unchanged. */
    public void jump(Duration offset) {
        synchronized (lock) {
            wall = wall.plus(offset);
        }
    }

    /** Number of timers not yet run or cancelled. */
    public int pendingTimers() {
        synchronized (lock) {
            return (int) timers.stream().filter(e -> !e.isDone()).count();
        }
    }

    private static void requireNonNegative(Duration d) {
        if (Objects.requireNonNull(d, "duration").isNegative()) {
            throw new IllegalArgumentException("duration must not be negative: " + d);
        }
    }

    private final class Entry implements Timer, Comparable<Entry> {
        final long dueNanos;
        final long seq;
        final Runnable task;
        private volatile boolean done;

        Entry(long dueNanos, long seq, Runnable task) {
            this.dueNanos = dueNanos;
            this.seq = seq;
            this.task = task;
        }

        void run() {
            if (done) {
                return;
            }
            done = true;
            task.run();
        }

        @Override
        public boolean cancel() {
            synchronized (lock) {
                if (done) {
                    return false;
                }
                done = true;
                timers.remove(this);
                return true;
            }
        }

        @Override
        public boolean isDone() {
            return done;
        }

        @Override
        public int compareTo(Entry o) {
            int c = Long.compare(dueNanos, o.dueNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
