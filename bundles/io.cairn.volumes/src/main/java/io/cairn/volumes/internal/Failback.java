package io.cairn.volumes.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.NodeIdentity;
import io.cairn.common.clock.Clock;
import io.cairn.common.clock.Timer;
import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.SessionInfo;

/**
 * Failback on one node (spec 50 §1): every {@code interval} it looks at the node's Stargate health
 * and the sessions its portal serves. A session of a target whose affinity node is another node is
 * ended (quiesced for up to {@code quiesce}, then closed, so the initiator logs in again at the DSIP
 * and is redirected to the affinity node) once that node has been healthy without interruption for
 * {@code stable} and became healthy after the session was first seen here: sessions that failed over
 * go back, a direct login to a node that was chosen while the affinity node was up stays. A node
 * seen unhealthy at any look starts its time again (flapping restarts the timer). Times come from the
 * injected {@link Clock} (monotonic). The same look ends at once, on this node, every session whose
 * initiator is no longer attached or whose volume group is gone, so access ends even where the
 * detach's own sweep did not reach (when the groups cannot be read, nobody loses access for it).
 */
final class Failback implements AutoCloseable {

    private final Logger logger = LoggerFactory.getLogger(Failback.class);
    private final Clock clock;
    private final Supplier<Optional<Portal>> portal;
    private final ClusterView cluster;
    private final Duration interval;
    private final long stableNanos;
    private final long quiesceMillis;
    private final Executor enders;
    /** Per healthy node: since when (monotonic nanos) it has been seen healthy at every look. */
    private final Map<UUID, Long> healthySince = new HashMap<>();
    /** Per session served here: when it was first seen. */
    private final Map<String, Long> firstSeen = new HashMap<>();
    /** Sessions whose end is under way (not ended twice). */
    private final Set<String> ending = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private Timer timer;
    private boolean closed;

    /**
     * @param portal the node portal (empty while it is not open)
     * @param enders where sessions are ended (each end may take up to {@code quiesce})
     */
    Failback(Clock clock, Supplier<Optional<Portal>> portal, ClusterView cluster, Duration interval, Duration stable, Duration quiesce,
            Executor enders) {
        this.clock = clock;
        this.portal = portal;
        this.cluster = cluster;
        this.interval = interval;
        this.stableNanos = stable.toNanos();
        this.quiesceMillis = quiesce.toMillis();
        this.enders = enders;
    }

    /** Looks every interval, the first time one interval from now (activation must not wait for Zeus), until closed. */
    synchronized void start() {
        timer = clock.schedule(interval, this::tick);
    }

    private void tick() {
        synchronized (this) {
            if (closed) {
                return;
            }
            try {
                check();
            } catch (RuntimeException e) {
                logger.info("Volumes failback check failed, trying again in {}: {}", interval, e.toString());
            }
            timer = clock.schedule(interval, this::tick);
        }
    }

    /** One look: health, then the sessions to send back. */
    synchronized void check() {
        long now = clock.nanoTime();
        Set<UUID> healthy = cluster.healthy();
        healthySince.keySet().retainAll(healthy);
        healthy.forEach(n -> healthySince.putIfAbsent(n, now));
        Optional<Portal> p = portal.get();
        if (p.isEmpty()) {
            firstSeen.clear();
            return;
        }
        List<NodeIdentity> nodes = cluster.nodes();
        UUID self = cluster.self();
        Set<String> live = new HashSet<>();
        List<SessionInfo> sessions = p.get().sessions().stream().filter(s -> !s.discovery()).toList();
        Map<String, VolumeGroup> groups = sessions.isEmpty() ? Map.of() : groupsOrNull();
        for (SessionInfo s : sessions) {
            String key = key(s);
            live.add(key);
            if (groups != null && !allowed(s, groups)) {
                if (ending.add(key)) {
                    logger.info("{} of {} is no longer allowed (detached, or its volume group deleted): ending the session here",
                            s.targetName(), s.initiatorName());
                    end(p.get(), key);
                }
                continue;
            }
            long seen = firstSeen.computeIfAbsent(key, k -> now);
            Optional<NodeIdentity> affinity = Targets.affinity(s.targetName(), nodes);
            if (affinity.isEmpty() || affinity.get().uuid().equals(self)) {
                continue;
            }
            Long since = healthySince.get(affinity.get().uuid());
            if (since == null || since <= seen || now - since < stableNanos || !ending.add(key)) {
                continue;
            }
            logger.info("failback: {} of {} goes back to its affinity node {} (healthy for {} s); ending the session here", s.targetName(),
                    s.initiatorName(), affinity.get().address(), stableNanos / 1_000_000_000L);
            end(p.get(), key);
        }
        firstSeen.keySet().retainAll(live);
    }

    /** The volume groups by name, or null when they cannot be read now (then nobody loses access for it). */
    private Map<String, VolumeGroup> groupsOrNull() {
        try {
            Map<String, VolumeGroup> out = new HashMap<>();
            cluster.groups().forEach(g -> out.put(g.name(), g));
            return out;
        } catch (RuntimeException e) {
            logger.debug("volume groups unreadable, access not re-checked this time: {}", e.toString());
            return null;
        }
    }

    /** Whether the session's target still names an existing group that its initiator is attached to. */
    private static boolean allowed(SessionInfo s, Map<String, VolumeGroup> groups) {
        Optional<Targets.Ref> ref = Targets.parse(s.targetName());
        if (ref.isEmpty()) {
            return false;
        }
        VolumeGroup vg = groups.get(ref.get().group());
        return vg != null && vg.uuid().equals(ref.get().uuid()) && vg.attachment(s.initiatorName()).isPresent();
    }

    private void end(Portal p, String key) {
        enders.execute(() -> {
            try {
                p.endSessions(x -> key(x).equals(key), quiesceMillis);
            } finally {
                ending.remove(key);
            }
        });
    }

    private static String key(SessionInfo s) {
        return s.initiatorName() + "|" + s.isid() + "|" + s.tsih() + "|" + s.targetName();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.cancel();
        }
    }
}
