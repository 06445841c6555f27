package io.cairn.storage.stargate.internal.vdisk;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.common.clock.ManualClock;

/** Spec 20 "ownership follows the VM": the owner's view of where a vDisk's I/O comes from, on a clock the test moves. */
class OwnershipFollowTest {

    private static final Duration FOLLOW = Duration.ofSeconds(300);
    private final ManualClock clock = new ManualClock();
    private final OwnershipFollow follow = new OwnershipFollow(clock::nanoTime);
    private final UUID node2 = UUID.randomUUID();
    private final UUID node3 = UUID.randomUUID();

    @Test
    void givenOnlyForwardedIoFromOneNode_whenTheFollowPeriodPassed_thenThatNodeIsDue() {
        follow.forwarded(node2);
        clock.advance(Duration.ofSeconds(299));
        follow.forwarded(node2);
        assertThat(follow.due(FOLLOW)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        follow.forwarded(node2);
        assertThat(follow.due(FOLLOW)).contains(node2);
        assertThat(follow.streak()).isEqualTo(FOLLOW);
    }

    @Test
    void givenForwardedIo_whenLocalIoArrives_thenTheStreakStartsAgainAtTheNextForwardedRequest() {
        follow.forwarded(node2);
        clock.advance(Duration.ofSeconds(200));
        follow.local();
        assertThat(follow.due(Duration.ZERO.plusSeconds(1))).as("local I/O ends the streak").isEmpty();
        assertThat(follow.from()).isEmpty();
        clock.advance(Duration.ofSeconds(200));
        follow.forwarded(node2);
        clock.advance(Duration.ofSeconds(299));
        assertThat(follow.due(FOLLOW)).as("299 s since the streak began").isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(follow.due(FOLLOW)).contains(node2);
    }

    @Test
    void givenForwardedIoFromTwoNodes_thenOnlyTheLatestNodesStreakCounts() {
        follow.forwarded(node2);
        clock.advance(Duration.ofSeconds(250));
        follow.forwarded(node3);
        clock.advance(Duration.ofSeconds(100));
        assertThat(follow.due(FOLLOW)).as("node 3's streak is 100 s old").isEmpty();
        clock.advance(Duration.ofSeconds(200));
        assertThat(follow.due(FOLLOW)).contains(node3);
    }

    @Test
    void givenTheRuleIsOff_thenNobodyIsEverDue() {
        follow.forwarded(node2);
        clock.advance(Duration.ofDays(1));
        assertThat(follow.due(Duration.ZERO)).isEmpty();
        assertThat(follow.due(FOLLOW)).contains(node2);
    }

    @Test
    void givenNoIo_thenNobodyIsDue() {
        clock.advance(Duration.ofDays(1));
        assertThat(follow.due(FOLLOW)).isEmpty();
        assertThat(follow.streak()).isZero();
    }
}
