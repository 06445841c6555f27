package io.cairn.common.clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class ManualClockTest {

    private final Instant start = Instant.parse("2026-03-01T12:00:00Z");
    private final ManualClock clock = new ManualClock(start);

    @Test
    void givenNewClock_whenNotAdvanced_thenTimeStandsStill() {
        assertThat(clock.now()).isEqualTo(start);
        assertThat(clock.nanoTime()).isZero();
        assertThat(clock.asJavaClock().instant()).isEqualTo(start);
    }

    @Test
    void givenTimers_whenAdvanced_thenDueOnesRunInOrderAndSeeTheirDueTime() {
        List<String> ran = new ArrayList<>();
        clock.schedule(Duration.ofSeconds(3), () -> ran.add("c@" + clock.now()));
        clock.schedule(Duration.ofSeconds(1), () -> ran.add("a@" + clock.now()));
        clock.schedule(Duration.ofSeconds(1), () -> ran.add("b@" + clock.now()));
        clock.schedule(Duration.ofSeconds(10), () -> ran.add("late"));

        clock.advance(Duration.ofSeconds(5));

        assertThat(ran).containsExactly("a@" + start.plusSeconds(1), "b@" + start.plusSeconds(1),
                "c@" + start.plusSeconds(3));
        assertThat(clock.now()).isEqualTo(start.plusSeconds(5));
        assertThat(clock.nanoTime()).isEqualTo(Duration.ofSeconds(5).toNanos());
        assertThat(clock.pendingTimers()).isEqualTo(1);
    }

    @Test
    void givenCancelledTimer_whenAdvanced_thenItDoesNotRun() {
        List<String> ran = new ArrayList<>();
        Timer t = clock.schedule(Duration.ofMillis(10), () -> ran.add("x"));
        assertThat(t.cancel()).isTrue();
        assertThat(t.cancel()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(ran).isEmpty();
        assertThat(t.isDone()).isTrue();
    }

    @Test
    void givenTimerSchedulingAnother_whenAdvanced_thenChainedTimerRunsInSameAdvance() {
        List<Instant> ran = new ArrayList<>();
        clock.schedule(Duration.ofSeconds(1), () -> clock.schedule(Duration.ofSeconds(1), () -> ran.add(clock.now())));
        clock.advance(Duration.ofSeconds(2));
        assertThat(ran).containsExactly(start.plusSeconds(2));
    }

    @Test
    void givenSleeper_whenAdvancedPastDeadline_thenItWakes() throws Exception {
        CountDownLatch woke = new CountDownLatch(1);
        Thread sleeper = Thread.ofVirtual().start(() -> {
            try {
                clock.sleep(Duration.ofMinutes(1));
                woke.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sleeper.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(sleeper.getState()).as("sleeper blocked in sleep()").isEqualTo(Thread.State.WAITING);
            clock.advance(Duration.ofSeconds(59));
            assertThat(woke.await(100, TimeUnit.MILLISECONDS)).isFalse();
            clock.advance(Duration.ofSeconds(1));
            assertThat(woke.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            sleeper.interrupt();
            sleeper.join(10_000);
        }
    }

    @Test
    void givenWallClockJump_thenMonotonicTimeAndTimersUnaffected() {
        List<String> ran = new ArrayList<>();
        clock.schedule(Duration.ofSeconds(1), () -> ran.add("x"));
        clock.jump(Duration.ofHours(-2));
        assertThat(clock.now()).isEqualTo(start.minusSeconds(7200));
        assertThat(clock.nanoTime()).isZero();
        assertThat(ran).isEmpty();
    }

    @Test
    void givenNegativeDuration_thenRejectedWithClearMessage() {
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> clock.schedule(Duration.ofSeconds(-1), () -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
