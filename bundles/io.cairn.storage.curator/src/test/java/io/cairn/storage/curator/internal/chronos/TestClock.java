package io.cairn.storage.curator.internal.chronos;

import java.time.Duration;
import java.time.Instant;

import io.cairn.common.clock.Clock;
import io.cairn.common.clock.ManualClock;
import io.cairn.common.clock.Timer;

/** A {@link ManualClock} whose {@link #sleep} runs {@link #onSleep} (e.g. the workers' passes) and then moves time on by the sleep. */
final class TestClock implements Clock {

    final ManualClock manual = new ManualClock();
    volatile Runnable onSleep = () -> {
    };

    @Override
    public Instant now() {
        return manual.now();
    }

    @Override
    public long nanoTime() {
        return manual.nanoTime();
    }

    @Override
    public Timer schedule(Duration delay, Runnable task) {
        return manual.schedule(delay, task);
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        onSleep.run();
        manual.advance(duration);
    }

    void advance(Duration d) {
        manual.advance(d);
    }
}
