package io.cairn.volumes.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.NodeIdentity;
import io.cairn.common.clock.ManualClock;
import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.SessionInfo;

class FailbackTest {

    private static final String X = "iqn.2026-01.org.example:x";

    /** A portal whose sessions the test sets; ended sessions disappear and are recorded with their quiesce time. */
    static final class FakePortal implements Portal {
        final List<SessionInfo> sessions = new CopyOnWriteArrayList<>();
        final List<Long> quiesces = new ArrayList<>();

        @Override
        public InetSocketAddress address() {
            return new InetSocketAddress("127.0.1.141", 3260);
        }

        @Override
        public List<SessionInfo> sessions() {
            return List.copyOf(sessions);
        }

        @Override
        public int endSessions(Predicate<SessionInfo> which, long quiesceMillis) {
            List<SessionInfo> gone = sessions.stream().filter(which).toList();
            sessions.removeAll(gone);
            quiesces.add(quiesceMillis);
            return gone.size();
        }

        @Override
        public void close() {
        }
    }

    private final ManualClock clock = new ManualClock();
    private final FakeStargate stargate = new FakeStargate();
    private final FakeCluster cluster = new FakeCluster(new VolumeStore(new FakeZeus()), stargate, "127.0.1.141", "127.0.1.142",
            "127.0.1.143");
    private final FakePortal portal = new FakePortal();
    private final Failback failback = new Failback(clock, () -> Optional.of(portal), cluster, Duration.ofSeconds(1),
            Duration.ofSeconds(120), Duration.ofSeconds(30), Runnable::run);

    @AfterEach
    void stop() {
        failback.close();
    }

    /** A target of a group attached to X whose affinity node is {@code affinity} (the group is created in the store). */
    private String targetWithAffinity(NodeIdentity affinity) {
        for (int i = 0;; i++) {
            String t = "iqn.2010-06.org.cairn:vg" + i + "-" + new UUID(0, i) + "-tgt0";
            if (Targets.affinity(t, cluster.nodes()).orElseThrow().equals(affinity) && cluster.store.group("vg" + i).isEmpty()) {
                cluster.store.create(new VolumeGroup("vg" + i, new UUID(0, i), false, null, 1,
                        List.of(new VolumeGroup.Disk(0, new UUID(1, i), "ctr")), List.of(new VolumeGroup.Attachment(X, null, 32))));
                return t;
            }
        }
    }

    @Test
    void givenSessionsHere_whenTheInitiatorIsDetachedOrTheGroupDeleted_thenTheNextLookEndsThemHere() {
        cluster.self = cluster.node(0).uuid();
        String detached = targetWithAffinity(cluster.node(0));
        String deleted = targetWithAffinity(cluster.node(0));
        String kept = targetWithAffinity(cluster.node(0));
        portal.sessions.add(session(detached));
        portal.sessions.add(session(deleted));
        portal.sessions.add(session(kept));
        failback.start();
        clock.advance(Duration.ofSeconds(1));
        assertThat(portal.sessions).hasSize(3);

        String detachedGroup = Targets.parse(detached).orElseThrow().group();
        cluster.store.update(detachedGroup, g -> g.withAttachments(as -> {
            as.clear();
            return as;
        }));
        cluster.store.delete(Targets.parse(deleted).orElseThrow().group(), g -> {
        });
        clock.advance(Duration.ofSeconds(1));

        assertThat(portal.sessions).extracting(SessionInfo::targetName).containsExactly(kept);
    }

    private SessionInfo session(String target) {
        return new SessionInfo(X, "400001370000", 1, target, new InetSocketAddress("127.0.0.1", 40000), 0);
    }

    @Test
    void givenASessionFailedOverHere_whenTheAffinityNodeReturns_thenItStaysAt119sAndIsEndedAt121s() {
        NodeIdentity affinity = cluster.node(1);
        cluster.self = cluster.node(0).uuid();
        String target = targetWithAffinity(affinity);
        cluster.healthy.remove(affinity.uuid()); // the affinity node is down: its session failed over to this node
        portal.sessions.add(session(target));
        failback.start();
        clock.advance(Duration.ofSeconds(5));

        cluster.healthy.add(affinity.uuid()); // it restarts; the next look (within 1 s) sees it up
        clock.advance(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(119));
        assertThat(portal.sessions).hasSize(1); // still served here at +119 s

        clock.advance(Duration.ofSeconds(2));
        assertThat(portal.sessions).isEmpty(); // ended by +121 s: the re-login lands on the affinity node
        assertThat(portal.quiesces).containsExactly(30_000L);
    }

    @Test
    void givenTheAffinityNodeFlapping_whenItGoesDownBeforeTheStableTime_thenTheTimerStartsAgain() {
        NodeIdentity affinity = cluster.node(2);
        String target = targetWithAffinity(affinity);
        cluster.healthy.remove(affinity.uuid());
        portal.sessions.add(session(target));
        failback.start();
        clock.advance(Duration.ofSeconds(1)); // the first look: the session is here, its affinity node down

        cluster.healthy.add(affinity.uuid());
        clock.advance(Duration.ofSeconds(100));
        cluster.healthy.remove(affinity.uuid()); // flaps
        clock.advance(Duration.ofSeconds(2));
        cluster.healthy.add(affinity.uuid());
        clock.advance(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(119));
        assertThat(portal.sessions).hasSize(1); // 222 s after it first came back, but only 119 s since the flap

        clock.advance(Duration.ofSeconds(2));
        assertThat(portal.sessions).isEmpty();
    }

    @Test
    void givenSessionsWhoseAffinityIsThisNodeOrThatBeganWhileTheAffinityNodeWasUp_whenTimePasses_thenTheyStay() {
        cluster.self = cluster.node(0).uuid();
        String mine = targetWithAffinity(cluster.node(0));
        String direct = targetWithAffinity(cluster.node(1)); // a direct login here while its affinity node is up
        portal.sessions.add(session(mine));
        portal.sessions.add(session(direct));
        failback.start();

        clock.advance(Duration.ofSeconds(600));

        assertThat(portal.sessions).hasSize(2);
        assertThat(portal.quiesces).isEmpty();
    }
}
