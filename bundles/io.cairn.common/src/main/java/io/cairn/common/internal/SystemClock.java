package io.cairn.common.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.clock.Clock;
import io.cairn.common.clock.Timer;

/**
 * The production {@link Clock}: the JVM's wall and monotonic clocks. Timers fire on a small
 * platform-thread scheduler and run on virtual threads, so a slow task never delays other timers.
 */
@Component(service = Clock.class, configurationPid = SystemClock.PID, property = "clock.type=system")
@Designate(ocd = SystemClock.Config.class)
public final class SystemClock implements Clock {

    static final String PID = "io.cairn.common.clock";

    @ObjectClassDefinition(name = "Cairn system clock", description = "Timer threads of the node clock")
    public @interface Config {
        @AttributeDefinition(description = "Platform threads that fire timers; tasks themselves run on virtual threads", min = "1")
        int scheduler_threads() default 1;
    }

    private final Logger logger = LoggerFactory.getLogger(SystemClock.class);
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService workers;

    /**
     * The system clock with its default configuration, for code that runs outside the framework
     * (tests of other bundles); stop it with {@link #close()}.
     */
    public static SystemClock withDefaults() {
        return new SystemClock(new Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return Config.class;
            }

            @Override
            public int scheduler_threads() {
                return 1;
            }
        });
    }

    /** Stops the timer threads (what deactivation does). */
    public void close() {
        deactivate();
    }

    @Activate
    public SystemClock(Config config) {
        int threads = Math.max(1, config.scheduler_threads());
        scheduler = new ScheduledThreadPoolExecutor(threads, Thread.ofPlatform().name("cairn-clock-", 0).daemon().factory());
        scheduler.setRemoveOnCancelPolicy(true);
        workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("cairn-timer-", 0).factory());
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
        workers.shutdownNow();
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
        ScheduledFuture<?> future = scheduler.schedule(() -> workers.execute(() -> runGuarded(task)),
                delay.toNanos(), TimeUnit.NANOSECONDS);
        return new FutureTimer(future);
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        Thread.sleep(duration);
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
