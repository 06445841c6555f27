package io.cairn.storage.curator.internal.chronos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AdmissionPolicyTest {

    static final long SECOND = 1_000_000_000L;
    static final AdmissionPolicy.Limits LIMITS = new AdmissionPolicy.Limits(2, 20, 2, 100);

    /** Task starts admitted over {@code seconds}, a try every 10 ms, with nothing left running (each task ends at once). */
    static int admittedOver(AdmissionPolicy p, Priority priority, long userOps, int seconds) {
        int n = 0;
        for (long t = 0; t < seconds * SECOND; t += SECOND / 100) {
            if (p.admit(priority, 0, userOps, t, LIMITS).admitted()) {
                n++;
            }
        }
        return n;
    }

    @Test
    void givenQuietUserIo_thenTasksStartAtTheFullRate() {
        int n = admittedOver(new AdmissionPolicy(), Priority.GARBAGE, 10, 10);
        assertThat(n).isBetween(200, 221); // 20/s for 10 s, plus the first second's burst
    }

    @Test
    void givenBusyUserIo_thenTasksAreThrottledToTheBusyRate() {
        int n = admittedOver(new AdmissionPolicy(), Priority.UNDER_REPLICATED, 5_000, 10);
        assertThat(n).isBetween(20, 22);
        assertThat(LIMITS.busy(100)).isTrue();
        assertThat(LIMITS.busy(99)).isFalse();
    }

    @Test
    void givenBusyUserIo_thenDataOneFailureFromLossIsNeverHeldBackByTheRate() {
        AdmissionPolicy p = new AdmissionPolicy();
        int n = admittedOver(p, Priority.LAST_REPLICA, 5_000, 10);
        assertThat(n).as("every try admitted").isEqualTo(1000);
        // but it used the tokens: a less urgent task waits behind it
        AdmissionPolicy.Decision d = p.admit(Priority.GARBAGE, 0, 5_000, 10 * SECOND, LIMITS);
        assertThat(d.kind()).isEqualTo(AdmissionPolicy.Decision.Kind.WAIT);
        assertThat(d.waitNanos()).isBetween(1L, SECOND / 2);
    }

    @Test
    void givenAllSlotsTaken_thenNothingStartsWhateverItsPriority() {
        AdmissionPolicy p = new AdmissionPolicy();
        assertThat(p.admit(Priority.LAST_REPLICA, 2, 0, 0, LIMITS).kind()).isEqualTo(AdmissionPolicy.Decision.Kind.FULL);
        assertThat(p.admit(Priority.GARBAGE, 2, 0, 0, LIMITS).kind()).isEqualTo(AdmissionPolicy.Decision.Kind.FULL);
        assertThat(p.admit(Priority.GARBAGE, 1, 0, 0, LIMITS).admitted()).isTrue();
    }

    @Test
    void givenUserIoTurningBusy_thenTheBurstShrinksAtOnce() {
        AdmissionPolicy p = new AdmissionPolicy();
        int idle = 0;
        while (p.admit(Priority.GARBAGE, 0, 0, 0, LIMITS).admitted()) {
            idle++;
        }
        assertThat(idle).isEqualTo(20);
        p = new AdmissionPolicy();
        p.admit(Priority.GARBAGE, 0, 0, 0, LIMITS); // primed quiet: 20 tokens
        int busy = 0;
        while (p.admit(Priority.GARBAGE, 0, 1_000, 0, LIMITS).admitted()) {
            busy++;
        }
        assertThat(busy).isEqualTo(2);
    }

    @Test
    void givenBadLimits_thenTheyAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new AdmissionPolicy.Limits(0, 1, 1, 1)).hasMessageContaining("chronos_max_tasks_per_node");
        assertThatThrownBy(() -> new AdmissionPolicy.Limits(1, 0, 1, 1)).hasMessageContaining("chronos_tasks_per_sec");
    }
}
