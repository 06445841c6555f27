package io.cairn.storage.stargate.internal.disks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy.DiskState;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy.SmartResult;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy.Thresholds;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy.Transition;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DiskHealthPolicyTest {

    /** A clock the test moves by hand. */
    private static final class TestClock implements InstantSource {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private final TestClock clock = new TestClock();
    private final DiskHealthPolicy policy = new DiskHealthPolicy(clock);

    /** Records {@code n} errors one second apart; returns every transition they caused. */
    private List<Transition> errors(String disk, int n) {
        List<Transition> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                clock.advance(Duration.ofSeconds(1));
            }
            all.addAll(policy.recordError(disk));
        }
        return all;
    }

    @Test
    void givenNineErrors_thenTheDiskStaysOnline() {
        assertThat(errors("d0", 9)).isEmpty();
        assertThat(policy.state("d0")).isEqualTo(DiskState.ONLINE);
    }

    @Test
    void givenTenErrorsWithin60s_thenTheDiskGoesOfflineWithTheReason() {
        errors("d0", 9);
        clock.advance(Duration.ofSeconds(50)); // the first error is 58 s old
        List<Transition> t = policy.recordError("d0");

        assertThat(t).containsExactly(new Transition(
                "d0", DiskState.ONLINE, DiskState.OFFLINE, clock.instant(), "10 I/O errors in 60 s"));
        assertThat(policy.state("d0")).isEqualTo(DiskState.OFFLINE);
        assertThat(policy.state("d1")).isEqualTo(DiskState.ONLINE);
    }

    @Test
    void givenNineErrorsThen61sThenOneMore_thenTheWindowSlidAndTheDiskStaysOnline() {
        for (int i = 0; i < 9; i++) {
            policy.recordError("d0");
        }
        clock.advance(Duration.ofSeconds(61));
        assertThat(policy.recordError("d0")).isEmpty();
        assertThat(policy.state("d0")).isEqualTo(DiskState.ONLINE);
        // the window now holds one error: nine more (within 60 s) take it offline
        assertThat(errors("d0", 8)).isEmpty();
        assertThat(policy.recordError("d0")).hasSize(1);
    }

    @Test
    void givenAnErrorExactly60sOld_thenItStillCounts() {
        for (int i = 0; i < 9; i++) {
            policy.recordError("d0");
        }
        clock.advance(Duration.ofSeconds(60));
        assertThat(policy.recordError("d0")).hasSize(1);
    }

    @Test
    void givenAnOfflineDisk_whenSmartPasses_thenItIsOnlineAgain_andStartsWithAnEmptyWindow() {
        errors("d0", 10);
        clock.advance(Duration.ofMinutes(2));

        assertThat(policy.recordSmartResult("d0", SmartResult.PASS)).contains(new Transition(
                "d0", DiskState.OFFLINE, DiskState.ONLINE, clock.instant(), "SMART check passed"));
        assertThat(policy.state("d0")).isEqualTo(DiskState.ONLINE);
        assertThat(policy.recordError("d0")).isEmpty(); // the burst that took it offline is gone
    }

    @Test
    void givenAnOfflineDisk_whenSmartFails_thenItStaysOffline_untilALaterPass() {
        errors("d0", 10);

        assertThat(policy.recordSmartResult("d0", SmartResult.FAIL)).isEmpty();
        assertThat(policy.state("d0")).isEqualTo(DiskState.OFFLINE);
        assertThat(policy.recordError("d0")).isEmpty(); // errors on an offline disk are ignored
        assertThat(policy.recordSmartResult("d0", SmartResult.PASS)).isPresent();
    }

    @Test
    void givenSmartResultsForAnOnlineDisk_thenNothingChanges() {
        assertThat(policy.recordSmartResult("d0", SmartResult.PASS)).isEmpty();
        assertThat(policy.recordSmartResult("d0", SmartResult.FAIL)).isEmpty();
        assertThat(policy.state("d0")).isEqualTo(DiskState.ONLINE);
    }

    @Test
    void givenTheThirdOfflineWithinAnHour_thenTheDiskIsRemoved_evenWhenSmartPasses() {
        for (int burst = 1; burst <= 2; burst++) {
            assertThat(errors("d0", 10)).extracting(Transition::to).containsExactly(DiskState.OFFLINE);
            assertThat(policy.recordSmartResult("d0", SmartResult.PASS)).isPresent();
            clock.advance(Duration.ofMinutes(20));
        }
        List<Transition> third = errors("d0", 10);

        assertThat(third).extracting(Transition::from, Transition::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple(DiskState.ONLINE, DiskState.OFFLINE),
                org.assertj.core.groups.Tuple.tuple(DiskState.OFFLINE, DiskState.REMOVED));
        assertThat(third.get(1).reason()).isEqualTo("marked offline 3 times within 1 h");
        assertThat(policy.recordSmartResult("d0", SmartResult.PASS)).isEmpty();
        assertThat(policy.state("d0")).isEqualTo(DiskState.REMOVED);
        assertThat(policy.recordError("d0")).isEmpty();
        assertThat(policy.states()).isEqualTo(Map.of("d0", DiskState.REMOVED));
    }

    @Test
    void givenThreeOfflinesSpreadOverMoreThanAnHour_thenTheDiskIsNotRemoved() {
        errors("d0", 10); // t = 9 s
        policy.recordSmartResult("d0", SmartResult.PASS);
        clock.advance(Duration.ofMinutes(31));
        errors("d0", 10);
        policy.recordSmartResult("d0", SmartResult.PASS);
        clock.advance(Duration.ofMinutes(29).plusSeconds(1)); // the first marking is > 1 h old
        List<Transition> third = errors("d0", 10);

        assertThat(third).extracting(Transition::to).containsExactly(DiskState.OFFLINE);
        assertThat(policy.recordSmartResult("d0", SmartResult.PASS)).isPresent();
        assertThat(policy.state("d0")).isEqualTo(DiskState.ONLINE);
        // but a fourth within the hour of the second and third removes it
        clock.advance(Duration.ofMinutes(5));
        assertThat(errors("d0", 10)).extracting(Transition::to)
                .containsExactly(DiskState.OFFLINE, DiskState.REMOVED);
    }

    @Test
    void givenCustomThresholds_thenTheyAreUsedAndNamedInTheReasons() {
        DiskHealthPolicy p = new DiskHealthPolicy(
                new Thresholds(3, Duration.ofSeconds(10), 2, Duration.ofMinutes(90)), clock);
        p.recordError("d0");
        p.recordError("d0");
        List<Transition> off = p.recordError("d0");
        assertThat(off).singleElement().extracting(Transition::reason).isEqualTo("3 I/O errors in 10 s");
        p.recordSmartResult("d0", SmartResult.PASS);
        p.recordError("d0");
        p.recordError("d0");
        assertThat(p.recordError("d0")).last().extracting(Transition::reason)
                .isEqualTo("marked offline 2 times within 90 min");
    }

    @Test
    void givenAForgottenDisk_thenItStartsOnlineWithNoHistory() {
        errors("d0", 10);
        policy.forget("d0");
        assertThat(policy.state("d0")).isEqualTo(DiskState.ONLINE);
        assertThat(policy.states()).isEmpty();
    }

    @Test
    void givenInvalidThresholds_thenTheMessageSaysWhichIsWrong() {
        assertThatThrownBy(() -> new Thresholds(0, Duration.ofSeconds(60), 3, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cairn.stargate.disk_offline_errors must be at least 1, was 0");
        assertThatThrownBy(() -> new Thresholds(10, Duration.ZERO, 3, Duration.ofHours(1)))
                .hasMessage("the disk error window must be positive, was PT0S");
        assertThatThrownBy(() -> new Thresholds(10, Duration.ofSeconds(60), 0, Duration.ofHours(1)))
                .hasMessage("cairn.hades.disk_remove_offlines must be at least 1, was 0");
        assertThatThrownBy(() -> new Thresholds(10, Duration.ofSeconds(60), 3, Duration.ofSeconds(-1)))
                .hasMessage("the disk offline history window must be positive, was PT-1S");
        assertThat(Thresholds.DEFAULTS).isEqualTo(
                new Thresholds(10, Duration.ofSeconds(60), 3, Duration.ofSeconds(3600)));
    }

    @Test
    void givenConcurrentErrorsOnOneDisk_thenExactlyOneTransitionToOffline() throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Transition>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    List<Transition> mine = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        mine.addAll(policy.recordError("d0"));
                    }
                    return mine;
                }));
            }
            start.countDown();
            List<Transition> all = new ArrayList<>();
            for (Future<List<Transition>> f : results) {
                all.addAll(f.get());
            }
            assertThat(all).singleElement().extracting(Transition::to).isEqualTo(DiskState.OFFLINE);
        } finally {
            pool.shutdownNow();
        }
    }
}
