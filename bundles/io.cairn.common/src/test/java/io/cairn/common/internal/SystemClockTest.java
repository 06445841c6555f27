package io.cairn.common.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.cairn.common.clock.Timer;

class SystemClockTest {

    /** One scheduler thread, the wall clock offset by {@code offsetSeconds}. */
    static SystemClock.Config config(long offsetSeconds) {
        return new SystemClock.Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return SystemClock.Config.class;
            }

            @Override
            public int scheduler_threads() {
                return 1;
            }

            @Override
            public long wall__offset__seconds() {
                return offsetSeconds;
            }
        };
    }

    private final SystemClock clock = new SystemClock(config(0));

    @Test
    void givenWallOffset_whenModified_thenNowMovesAndTimersDoNot() throws Exception {
        java.time.Instant before = clock.now();
        clock.modified(config(86_400L * 700));
        assertThat(clock.now()).isAfter(before.plus(Duration.ofDays(699)));
        CountDownLatch ran = new CountDownLatch(1);
        clock.schedule(Duration.ofMillis(10), ran::countDown);
        assertThat(ran.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    @AfterEach
    void stop() {
        clock.deactivate();
    }

    @Test
    void givenFailingTask_whenScheduled_thenLaterTasksStillRun() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        clock.schedule(Duration.ZERO, () -> {
            throw new IllegalStateException("expected in test");
        });
        Timer t = clock.schedule(Duration.ofMillis(20), ran::countDown);
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!t.isDone() && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the timer's future completes on the scheduler thread, just after hand-off
        }
        assertThat(t.isDone()).isTrue();
    }

    @Test
    void givenCancelledTask_thenItNeverRuns() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        Timer t = clock.schedule(Duration.ofMillis(200), () -> ran.set(true));
        assertThat(t.cancel()).isTrue();
        CountDownLatch later = new CountDownLatch(1);
        clock.schedule(Duration.ofMillis(400), later::countDown);
        assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).isFalse();
    }

    @Test
    void monotonicTimeAdvances() throws Exception {
        long a = clock.nanoTime();
        clock.sleep(Duration.ofMillis(5));
        assertThat(clock.nanoTime()).isGreaterThan(a);
    }
}
