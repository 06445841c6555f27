package io.cairn.storage.medusa.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.AlreadyExistsException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.Leadership;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.alerts.AlertService;
import io.cairn.common.alerts.Severity;
import io.cairn.common.clock.Clock;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.medusa.internal.placement.ShardPlacement;

/**
 * The Medusa leader (Zeus role {@value #ROLE}): creates the shard map once the cluster has enough
 * nodes, follows node health (down since, detached after {@code cairn.metadata.detach_after_secs},
 * back in after {@code cairn.metadata.rejoin_stable_secs}) and moves shard replicas toward
 * {@link ShardPlacement#target}: one replica of one shard at a time, adding the new member first
 * (Raft membership change with the new member catching up from the leader's log or a snapshot)
 * and only then removing the old one, so no shard drops below its replication factor while it
 * has a quorum. Every change of the map is a fenced write of the leadership.
 */
@Component(service = MedusaController.class, immediate = true, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class MedusaController implements LeadershipListener {

    static final String ROLE = "Medusa";
    /** The pause between placement steps: {@code cairn.medusa.step_ms} of the last step's settings (1 s by default). */
    private volatile Duration step = Duration.ofMillis(ClusterSettings.DEFAULTS.stepMs());
    private static final Duration STUCK_RETRY = Duration.ofSeconds(10);
    private static final Duration ADD_TIMEOUT = Duration.ofSeconds(15);

    private final Logger logger = LoggerFactory.getLogger(MedusaController.class);
    private final Zeus zeus;
    private final Clock clock;
    private final MedusaService medusa;
    private final AlertService alerts;
    private final Registration election;
    private final Map<Integer, Long> stuckUntil = new HashMap<>();
    /** Leadership balancing runs at most every this many placement steps (2 s with the default 1 s step). */
    private static final long BALANCE_EVERY_STEPS = 2;
    private volatile Thread loop;
    private long lastBalance;
    private String lastWaiting = "";

    @Activate
    public MedusaController(@Reference Zeus zeus, @Reference Clock clock, @Reference MedusaService medusa,
            @Reference AlertService alerts) {
        this.zeus = zeus;
        this.clock = clock;
        this.medusa = medusa;
        this.alerts = alerts;
        this.election = zeus.elect(ROLE, this);
    }

    @Deactivate
    void deactivate() {
        election.close();
        stopLoop();
    }

    @Override
    public synchronized void acquired(Leadership leadership) {
        stopLoop();
        logger.info("this node leads Medusa (epoch {}): placing shard replicas", leadership.epoch());
        // assign before start: the loop runs only while it is the current loop, so a thread that ran before
        // the assignment would see another value and end at once, leaving the role without a controller
        Thread t = Thread.ofPlatform().daemon(true).name("medusa-controller").unstarted(() -> run(leadership));
        loop = t;
        t.start();
    }

    @Override
    public synchronized void lost(Leadership leadership) {
        logger.info("this node no longer leads Medusa (epoch {})", leadership.epoch());
        stopLoop();
    }

    private synchronized void stopLoop() {
        Thread t = loop;
        loop = null;
        if (t != null) {
            t.interrupt();
        }
    }

    private void run(Leadership leadership) {
        while (loop == Thread.currentThread() && leadership.valid()) {
            try {
                step(leadership);
                clock.sleep(step);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (loop != Thread.currentThread()) {
                    return;
                }
                logger.info("Medusa placement step failed, retrying: {}", e.toString());
                try {
                    clock.sleep(step);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** One pass: create the map, update node health, then at most one replica move. */
    void step(Leadership leadership) {
        ClusterConfig cluster = zeus.cluster();
        int rf = cluster.ensembleSize();
        Set<UUID> up = zeus.presences().stream().filter(p -> p.service().equals(MedusaService.PRESENCE))
                .map(ServicePresence::node).collect(Collectors.toCollection(LinkedHashSet::new));
        Optional<VersionedDocument> doc = zeus.read(ShardMap.DOCUMENT);
        ClusterSettings settings = ClusterSettings.from(zeus.read(ClusterSettings.DOCUMENT));
        step = Duration.ofMillis(settings.stepMs());
        if (doc.isEmpty()) {
            create(leadership, cluster, rf, up, settings);
            return;
        }
        int version = doc.get().version();
        ShardMap map = ShardMap.parse(doc.get().data());
        ShardMap healthy = health(map, cluster, up, settings);
        if (!healthy.equals(map)) {
            version = leadership.write(ShardMap.DOCUMENT, healthy.toJson(), version).version();
            map = healthy;
        }
        List<UUID> out = map.detached();
        List<NodeIdentity> eligible = cluster.nodes().stream().filter(n -> !out.contains(n.uuid())).toList();
        if (eligible.size() < map.rf()) {
            waiting("only " + eligible.size() + " nodes are in the metadata ring; shards need " + map.rf() + " replicas");
            return;
        }
        Map<Integer, List<UUID>> current = new TreeMap<>();
        for (ShardMap.Group g : map.groups()) {
            current.put(g.shard(), g.members());
        }
        Map<Integer, List<UUID>> target = ShardPlacement.target(current, map.shards(), eligible, map.rf());
        long now = clock.millis();
        boolean placed = map.groups().stream().allMatch(g -> g.members().equals(target.get(g.shard())) && g.adding() == null);
        if (placed) {
            balanceLeaders(map, up, now);
            return;
        }
        for (ShardMap.Group g : map.groups()) {
            List<UUID> want = target.get(g.shard());
            if (g.members().equals(want) && g.adding() == null) {
                continue;
            }
            if (stuckUntil.getOrDefault(g.shard(), 0L) > now) {
                continue;
            }
            try {
                if (move(leadership, map, version, g, want, up)) {
                    return; // one change per step; the next step re-reads everything
                }
            } catch (IOException | RuntimeException e) {
                logger.info("shard {}: membership change toward {} failed, retrying in {} s: {}", g.shard(), want,
                        STUCK_RETRY.toSeconds(), e.toString());
                stuckUntil.put(g.shard(), now + STUCK_RETRY.toMillis());
                return;
            }
        }
    }

    /** How long a leadership transfer may take: writes to the shard wait (the leader refuses them) meanwhile. */
    static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(2);
    /** The wait after a shard's first failed leadership transfer; it doubles with each further failure. */
    static final Duration TRANSFER_BACKOFF_FIRST = Duration.ofSeconds(10);
    static final Duration TRANSFER_BACKOFF_MAX = Duration.ofMinutes(5);
    /**
     * Leadership goes only to a member the shard's leader heard from this recently (heartbeats go every
     * half election timeout): a member that died less than a Zeus session ago still has a presence and
     * no lag, but the leader's channel to it fails, and a transfer to it would fail.
     */
    static final Duration FRESH_CONTACT = Duration.ofMillis(1500);
    private final Map<Integer, Integer> transferFailures = new HashMap<>();
    private final Map<Integer, Long> transferNotBefore = new HashMap<>();
    /** Shards whose transfer waits for the leader to hear from the preferred member (logged once). */
    private final Set<Integer> transferHeld = new java.util.HashSet<>();

    /** The wait before the next leadership transfer of a shard whose last {@code failures} transfers failed. */
    static Duration transferBackoff(int failures) {
        if (failures < 1) {
            return Duration.ZERO;
        }
        long seconds = TRANSFER_BACKOFF_FIRST.toSeconds() << Math.min(failures - 1, 20);
        return Duration.ofSeconds(Math.min(seconds, TRANSFER_BACKOFF_MAX.toSeconds()));
    }

    /**
     * Moves the leadership of one shard to its preferred member (the first), when that member is up,
     * fully caught up, heard from by the shard's leader within {@link #FRESH_CONTACT} and not the leader
     * yet. Every {@value #BALANCE_EVERY_STEPS} placement steps at most (2 s by default), one transfer per pass; a shard whose transfer
     * failed waits {@link #transferBackoff} (10 s, doubling up to 5 min; a success resets it). A transfer
     * that failed can leave the leader refusing writes (Ratis 3.3.0); the leader's node frees it
     * ({@link RatisNode#unstick}).
     */
    private void balanceLeaders(ShardMap map, Set<UUID> up, long now) {
        if (now - lastBalance < BALANCE_EVERY_STEPS * step.toMillis()) {
            return;
        }
        lastBalance = now;
        for (io.cairn.storage.api.medusa.ShardStatus s : medusa.shards()) {
            ShardMap.Group g = map.group(s.shard());
            UUID preferred = g.members().getFirst();
            if (s.leader() == null) {
                continue;
            }
            if (s.leader().equals(preferred)) {
                transferHeld.remove(g.shard());
                transferFailures.remove(g.shard());
                transferNotBefore.remove(g.shard());
                continue;
            }
            if (!up.contains(preferred) || s.lag().getOrDefault(preferred, -1L) != 0 || transferNotBefore.getOrDefault(g.shard(), 0L) > now) {
                continue;
            }
            Optional<Duration> heard = leaderLastHeard(g, s.leader(), preferred);
            if (heard.isEmpty() || heard.get().compareTo(FRESH_CONTACT) > 0) {
                String why = "leader " + s.leader() + (heard.isEmpty() ? " did not say when it last heard from it"
                        : " last heard from it " + heard.get().toMillis() + " ms ago");
                if (transferHeld.add(g.shard())) {
                    logger.info("shard {}: leadership stays off its preferred member {} for now: {}", g.shard(), preferred, why);
                }
                continue;
            }
            transferHeld.remove(g.shard());
            // straight to the current leader: only it can hand over (a request to another member is redirected)
            try (RaftClient c = medusa.ratis().newClient(medusa.ratis().group(g), 3, RatisNode.peerId(s.leader()))) {
                RaftClientReply reply = c.admin().transferLeadership(RatisNode.peerId(preferred), TRANSFER_TIMEOUT.toMillis());
                if (!reply.isSuccess()) {
                    throw new IOException(String.valueOf(reply.getException()));
                }
                transferFailures.remove(g.shard());
                transferNotBefore.remove(g.shard());
                logger.info("shard {}: leadership moved to its preferred member {}", g.shard(), preferred);
            } catch (IOException | RuntimeException e) {
                int failures = transferFailures.merge(g.shard(), 1, Integer::sum);
                Duration wait = transferBackoff(failures);
                transferNotBefore.put(g.shard(), now + wait.toMillis());
                logger.info("shard {}: could not move leadership to {} ({} failed attempt{} in a row; next in {} s): {}", g.shard(),
                        preferred, failures, failures == 1 ? "" : "s", wait.toSeconds(), firstLine(e.toString()));
            }
            return; // one transfer per pass
        }
    }

    /** When the shard's leader last heard from {@code member} (see {@link RatisNode#leaderLastHeardFrom}). */
    private Optional<Duration> leaderLastHeard(ShardMap.Group g, UUID leader, UUID member) {
        RatisNode ratis = medusa.ratis();
        RaftGroupId id = RaftGroupId.valueOf(g.group());
        if (leader.equals(ratis.self())) {
            return ratis.leaderLastHeardFrom(id, member);
        }
        try {
            return RatisNode.lastHeard(ratis.admin(leader).getGroupManagementApi(RatisNode.peerId(leader)).info(id).getRoleInfoProto(),
                    member);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private void waiting(String why) {
        if (!why.equals(lastWaiting)) {
            logger.info("Medusa waits: {}", why);
            lastWaiting = why;
        }
    }

    private void create(Leadership leadership, ClusterConfig cluster, int rf, Set<UUID> up, ClusterSettings settings) {
        List<NodeIdentity> live = cluster.nodes().stream().filter(n -> up.contains(n.uuid())).toList();
        if (live.size() < rf) {
            waiting(live.size() + " of " + cluster.nodes().size() + " nodes run Medusa; creating the shards needs " + rf);
            return;
        }
        Map<Integer, List<UUID>> placement = ShardPlacement.target(Map.of(), settings.shards(), live, rf);
        List<ShardMap.Group> groups = new ArrayList<>();
        for (int s = 0; s < settings.shards(); s++) {
            groups.add(new ShardMap.Group(s, ShardMap.groupId(cluster.uuid(), s), placement.get(s), null));
        }
        ShardMap map = new ShardMap(settings.shards(), rf, groups, Map.of(), List.of(), Map.of());
        RatisNode ratis = medusa.ratis();
        logger.info("creating the replicas of {} shards (RF{}) on {} nodes", settings.shards(), rf, live.size());
        // create every replica first (idempotent, all at once), then publish the map: clients use only published shards
        List<java.util.concurrent.Future<?>> adds = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (ShardMap.Group g : groups) {
                RaftGroup group = ratis.group(g);
                for (UUID member : g.members()) {
                    adds.add(pool.submit(() -> addReplica(ratis, group, member, true)));
                }
            }
            for (var f : adds) {
                f.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating replicas");
        }
        logger.info("every replica of the {} shards exists; publishing the shard map", settings.shards());
        leadership.write(ShardMap.DOCUMENT, map.toJson(), VersionedDocument.ABSENT);
        logger.info("created the Medusa shard map: {} shards, RF{}, on {} nodes ({} placement)", settings.shards(), rf,
                live.size(), ShardPlacement.awareness(live, rf));
    }

    /**
     * Creates the replica of {@code group} on {@code member} (idempotent). Bounded: a member that does
     * not answer within {@link #ADD_TIMEOUT} fails this step, which the next step retries.
     *
     * <p>{@code fresh}: the shards are being created and no shard map is published yet, so no group
     * holds data. A replica left by an earlier creation attempt (interrupted, then retried with more
     * nodes up and so another placement) may have other members than this attempt gives the group;
     * it is removed and created again. Kept, it would hold an old configuration: its elections would
     * reach a leader that does not count it as a member, which tells it to shut down, and the shard
     * would silently run one replica short (a second failure then loses its quorum).
     */
    private void addReplica(RatisNode ratis, RaftGroup group, UUID member, boolean fresh) {
        java.util.concurrent.FutureTask<Void> add = new java.util.concurrent.FutureTask<>(() -> {
            var api = ratis.admin(member).getGroupManagementApi(RatisNode.peerId(member));
            try {
                api.add(group);
            } catch (AlreadyExistsException e) {
                replaceIfStale(api, group, member, fresh);
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).contains("already exists") && !(e.getCause() instanceof AlreadyExistsException)) {
                    throw e;
                }
                replaceIfStale(api, group, member, fresh);
            }
            return null;
        });
        Thread.ofVirtual().name("medusa-add-replica").start(add);
        try {
            add.get(ADD_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            add.cancel(true);
            throw new IllegalStateException("node " + member + " did not create its replica of group " + group.getGroupId().getUuid()
                    + " within " + ADD_TIMEOUT.toSeconds() + " s; retrying");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot create replica of group " + group.getGroupId().getUuid() + " on node " + member
                    + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating replicas");
        }
    }

    /** Node health from the cluster clock; raises an alert when a node is detached. */
    ShardMap health(ShardMap map, ClusterConfig cluster, Set<UUID> up, ClusterSettings settings) {
        return health(map, cluster.nodes(), up, settings, clock.millis(), n -> {
            logger.info("node {} has been down for {} s: detaching it from the metadata ring; its replicas move to healthy nodes",
                    n.uuid(), settings.detachAfterSecs());
            try {
                alerts.raise("medusa", Severity.WARNING, "Node detached from the metadata ring",
                        "node " + n.address() + " (" + n.uuid() + ") has been down for more than " + settings.detachAfterSecs()
                                + " s; its metadata replicas are being re-created on healthy nodes. It rejoins after it has been "
                                + "up for " + settings.rejoinStableSecs() + " s.");
            } catch (RuntimeException e) {
                logger.info("could not raise the detach alert: {}", e.toString());
            }
        });
    }

    /**
     * The spec 20 §8 rules, as a function of time: a node without a Medusa presence is down since the
     * first step that saw it so; down for {@code detach_after_secs} it is detached (out of the ring);
     * a detached node that has been up for {@code rejoin_stable_secs} rejoins.
     */
    static ShardMap health(ShardMap map, List<NodeIdentity> nodes, Set<UUID> up, ClusterSettings settings, long now,
            java.util.function.Consumer<NodeIdentity> detachedNow) {
        Map<UUID, Long> down = new TreeMap<>(map.down());
        List<UUID> detached = new ArrayList<>(map.detached());
        Map<UUID, Long> back = new TreeMap<>(map.back());
        for (NodeIdentity n : nodes) {
            UUID id = n.uuid();
            if (up.contains(id)) {
                down.remove(id);
                if (detached.contains(id)) {
                    long since = back.computeIfAbsent(id, k -> now);
                    if (now - since >= settings.rejoinStableSecs() * 1000) {
                        detached.remove(id);
                        back.remove(id);
                    }
                }
            } else {
                back.remove(id);
                long since = down.computeIfAbsent(id, k -> now);
                if (!detached.contains(id) && now - since >= settings.detachAfterSecs() * 1000) {
                    detached.add(id);
                    detachedNow.accept(n);
                }
            }
        }
        List<UUID> known = nodes.stream().map(NodeIdentity::uuid).toList();
        down.keySet().retainAll(known);
        detached.retainAll(known);
        back.keySet().retainAll(known);
        return map.withHealth(down, detached, back);
    }

    /** While creating ({@code fresh}), re-creates {@code member}'s existing replica of the group if its members differ. */
    private void replaceIfStale(org.apache.ratis.client.api.GroupManagementApi api, RaftGroup group, UUID member, boolean fresh)
            throws IOException {
        if (!fresh) {
            return; // it is there already
        }
        java.util.Set<org.apache.ratis.protocol.RaftPeerId> want = new java.util.HashSet<>();
        group.getPeers().forEach(p -> want.add(p.getId()));
        java.util.Set<org.apache.ratis.protocol.RaftPeerId> has = new java.util.HashSet<>();
        startedInfo(api, group.getGroupId()).getGroup().getPeers().forEach(p -> has.add(p.getId()));
        if (has.equals(want)) {
            return;
        }
        logger.info("node {} holds a replica of group {} with members {} from an earlier creation attempt; creating it again with {}",
                member, group.getGroupId().getUuid(), has, want);
        api.remove(group.getGroupId(), true, false);
        api.add(group);
    }

    /**
     * The group information of a replica that may still be starting: an earlier add whose reply was lost
     * (the Ratis client gave up after its request timeout while the node was still creating dozens of
     * replicas) leaves a replica that exists but answers "raftStorage is uninitialized" or "log is
     * uninitialized" until it has started. Asked again every half second, within the caller's
     * {@link #ADD_TIMEOUT}, instead of failing the whole creation step and sending every add again.
     */
    private static org.apache.ratis.protocol.GroupInfoReply startedInfo(org.apache.ratis.client.api.GroupManagementApi api, RaftGroupId id)
            throws IOException {
        while (true) {
            try {
                return api.info(id);
            } catch (IOException | RuntimeException e) {
                // the Ratis admin client throws the server's error as gRPC's StatusRuntimeException (INTERNAL: ...)
                if (!starting(e)) {
                    throw e;
                }
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for replica of group " + id.getUuid() + " to start");
            }
        }
    }

    /** Whether a group-management failure says the replica exists but has not started yet. */
    static boolean starting(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof org.apache.ratis.protocol.exceptions.ServerNotReadyException || m.contains("is uninitialized")
                    || m.contains("current state is NEW") || m.contains("current state is STARTING")) {
                return true;
            }
        }
        return false;
    }

    /**
     * One step of shard {@code g} toward {@code want}: finish a pending add, add one member, remove one
     * member, or change the preferred leader. Returns whether it changed something.
     */
    private boolean move(Leadership leadership, ShardMap map, int version, ShardMap.Group g, List<UUID> want, Set<UUID> up)
            throws IOException {
        RatisNode ratis = medusa.ratis();
        List<UUID> members = g.members();
        UUID add = g.adding();
        if (add == null) {
            add = want.stream().filter(n -> !members.contains(n) && up.contains(n)).findFirst().orElse(null);
        }
        if (add != null && !members.contains(add)) {
            if (g.adding() == null) {
                version = leadership.write(ShardMap.DOCUMENT, map.with(g.withMembers(members, add)).toJson(), version).version();
            }
            addReplica(ratis, ratis.group(g), add, false);
            List<UUID> grown = new ArrayList<>(members);
            grown.add(add);
            setConfiguration(ratis, g, grown, want);
            leadership.write(ShardMap.DOCUMENT, map.with(g.withMembers(order(grown, want), null)).toJson(), version);
            logger.info("shard {}: added a replica on node {} (members now {})", g.shard(), add, order(grown, want));
            return true;
        }
        if (g.adding() != null) {
            leadership.write(ShardMap.DOCUMENT, map.with(g.withMembers(members, null)).toJson(), version);
            return true;
        }
        UUID remove = members.stream().filter(n -> !want.contains(n)).findFirst().orElse(null);
        if (remove != null && members.size() > want.size()) {
            List<UUID> shrunk = new ArrayList<>(members);
            shrunk.remove(remove);
            setConfiguration(ratis, g, shrunk, want);
            leadership.write(ShardMap.DOCUMENT, map.with(g.withMembers(order(shrunk, want), null)).toJson(), version);
            logger.info("shard {}: removed the replica on node {} (members now {})", g.shard(), remove, order(shrunk, want));
            if (up.contains(remove)) {
                try {
                    ratis.admin(remove).getGroupManagementApi(RatisNode.peerId(remove)).remove(RaftGroupId.valueOf(g.group()), true, false);
                } catch (IOException e) {
                    logger.info("node {} keeps a stale replica of shard {} until it next reconciles: {}", remove, g.shard(), e.toString());
                }
            }
            return true;
        }
        if (members.size() == want.size() && members.containsAll(want) && !members.getFirst().equals(want.getFirst())) {
            leadership.write(ShardMap.DOCUMENT, map.with(g.withMembers(want, null)).toJson(), version);
            logger.info("shard {}: preferred leader is now node {}", g.shard(), want.getFirst());
            return true;
        }
        return false;
    }

    /** Members in the target's order first (its first is the preferred leader), then the others. */
    private static List<UUID> order(List<UUID> members, List<UUID> want) {
        List<UUID> out = new ArrayList<>();
        for (UUID w : want) {
            if (members.contains(w)) {
                out.add(w);
            }
        }
        for (UUID m : members) {
            if (!out.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }

    private void setConfiguration(RatisNode ratis, ShardMap.Group g, List<UUID> members, List<UUID> want) throws IOException {
        List<UUID> ordered = order(members, want);
        List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            peers.add(ratis.peer(ordered.get(i), 0));
        }
        try (RaftClient c = ratis.newClient(ratis.group(g), 10)) {
            RaftClientReply reply = c.admin().setConfiguration(peers);
            if (!reply.isSuccess()) {
                throw new IOException("membership change of shard " + g.shard() + " to " + ordered + " failed: " + reply.getException());
            }
        }
    }
}
