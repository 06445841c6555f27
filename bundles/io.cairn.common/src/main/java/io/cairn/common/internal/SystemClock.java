package io.cairn.common.internal;

import java.time.Duration;
import java.time.Instant;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.cairn.common.clock.Clock;
import io.cairn.common.clock.ThreadClock;
import io.cairn.common.clock.Timer;

/**
 * The production {@link Clock} service: a {@link ThreadClock} (the JVM's wall and monotonic clocks;
 * timers fire on a small platform-thread scheduler and run on virtual threads), configured by {@value #PID}.
 */
@Component(service = Clock.class, configurationPid = SystemClock.PID, property = "clock.type=system")
@Designate(ocd = SystemClock.Config.class)
public final class SystemClock implements Clock {

    static final String PID = "io.cairn.common.clock";

    @ObjectClassDefinition(name = "Cairn system clock", description = "Timer threads of the node clock")
    public @interface Config {
        @AttributeDefinition(description = "Platform threads that fire timers; tasks themselves run on virtual threads", min = "1")
        int scheduler_threads() default 1;

        @AttributeDefinition(description = "Seconds added to the wall clock (now()); for tests that move the cluster clock, e.g. to a "
                + "certificate's renewal window. Changed at run time without restarting the clock's users; timers and sleeps are "
                + "unaffected (monotonic)")
        long wall__offset__seconds() default 0;
    }

    private final ThreadClock clock;
    private volatile long offsetSeconds;

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

            @Override
            public long wall__offset__seconds() {
                return 0;
            }
        });
    }

    /** Stops the timer threads (what deactivation does). */
    public void close() {
        deactivate();
    }

    @Activate
    public SystemClock(Config config) {
        clock = new ThreadClock("cairn", config.scheduler_threads());
        modified(config);
    }

    /** A new wall-clock offset applies at once; the timer threads stay as they were started. */
    @org.osgi.service.component.annotations.Modified
    void modified(Config config) {
        if (config.wall__offset__seconds() != offsetSeconds) {
            offsetSeconds = config.wall__offset__seconds();
            org.slf4j.LoggerFactory.getLogger(SystemClock.class).warn("the node clock's wall time is offset by {} s from the system clock "
                    + "({} wall_offset_seconds)", offsetSeconds, PID);
        }
    }

    @Deactivate
    void deactivate() {
        clock.close();
    }

    @Override
    public Instant now() {
        long o = offsetSeconds;
        return o == 0 ? clock.now() : clock.now().plusSeconds(o);
    }

    @Override
    public long nanoTime() {
        return clock.nanoTime();
    }

    @Override
    public Timer schedule(Duration delay, Runnable task) {
        return clock.schedule(delay, task);
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        clock.sleep(duration);
    }
}
