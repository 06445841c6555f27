package io.cairn.common.clock;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's wall and monotonic clocks with timers: they fire on a few platform scheduler threads and
 * run on virtual threads, so a slow task never delays other timers; a task that throws is logged.
 * The controller's {@link Clock} service is one of these; a process outside the framework (the
 * iSCSI redirector agent) makes its own and closes it when done.
 */
public final class ThreadClock implements Clock, AutoCloseable {

    private final Logger logger = LoggerFactory.getLogger(ThreadClock.class);
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService workers;

    /**
     * @param name             prefix of the threads' names
     * @param schedulerThreads platform threads that fire timers (at least 1)
     */
    public ThreadClock(String name, int schedulerThreads) {
        Objects.requireNonNull(name, "name");
        scheduler = new ScheduledThreadPoolExecutor(Math.max(1, schedulerThreads), Thread.ofPlatform().name(name + "-clock-", 0).daemon()
                .factory());
        scheduler.setRemoveOnCancelPolicy(true);
        workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-timer-", 0).factory());
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Timer schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        ScheduledFuture<?> future = scheduler.schedule(() -> workers.execute(() -> runGuarded(task)), delay.toNanos(),
                TimeUnit.NANOSECONDS);
        return new FutureTimer(future);
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        Thread.sleep(duration);
    }

    /** Stops the timer threads; timers not yet fired never fire. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        workers.shutdownNow();
    }

    private void runGuarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            logger.error("Timer task {} failed", task, e);
        }
    }

    private record FutureTimer(ScheduledFuture<?> future) implements Timer {
        @Override
        public boolean cancel() {
            return future.cancel(false);
        }

        @Override
        public boolean isDone() {
            return future.isDone();
        }
    }
}
