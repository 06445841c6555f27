package io.cairn.common.clock;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The injectable source of time. Components take it by reference instead of calling
 * {@code System.currentTimeMillis()}, {@code Thread.sleep} or their own timers, so tests can run
 * time forward with {@link ManualClock} and cluster tests can jump it.
 */
@ProviderType
public interface Clock {

    /** Wall-clock time (may jump when the operator or NTP changes it). */
    Instant now();

    default long millis() {
        return now().toEpochMilli();
    }

    /** Monotonic nanoseconds for measuring intervals; never jumps backwards. */
    long nanoTime();

    /**
     * Runs {@code task} once after {@code delay} of monotonic time. A task that throws is logged by
     * the system clock and does not affect other tasks ({@link ManualClock} rethrows it to the caller of {@code advance}).
     */
    Timer schedule(Duration delay, Runnable task);

    /** Blocks the caller for {@code duration} of this clock's time. */
    void sleep(Duration duration) throws InterruptedException;

    /** A {@link java.time.Clock} view (UTC) for libraries that take one. */
    default java.time.Clock asJavaClock() {
        Clock self = this;
        return new java.time.Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                throw new UnsupportedOperationException("Cairn clocks are UTC");
            }

            @Override
            public Instant instant() {
                return self.now();
            }
        };
    }
}
