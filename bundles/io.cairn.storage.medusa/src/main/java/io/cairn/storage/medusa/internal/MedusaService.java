package io.cairn.storage.medusa.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.TimeDuration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Presence;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.common.metrics.Histogram;
import io.cairn.common.metrics.MetricsRegistry;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.medusa.Entry;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.api.medusa.MedusaException.Reason;
import io.cairn.storage.api.medusa.Op;
import io.cairn.storage.api.medusa.ShardStatus;

/**
 * Medusa on this node: the node's shard replicas (a Ratis server over a RocksDB with one column
 * family per replica) and the {@link Medusa} API, which routes each request to its shard's Raft
 * group. The shard map comes from the Zeus document {@value ShardMap#DOCUMENT}, written by the
 * Medusa leader ({@link MedusaController}); this component follows it and removes replicas the
 * map no longer gives this node.
 */
@Component(service = {Medusa.class, MedusaService.class}, immediate = true, configurationPid = MedusaConfig.PID,
        property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
@Designate(ocd = MedusaConfig.class)
public final class MedusaService implements Medusa {

    static final String PRESENCE = "Medusa";
    private static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5};

    private final Logger logger = LoggerFactory.getLogger(MedusaService.class);
    private final Zeus zeus;
    private final MetricsRegistry metrics;
    private final ClusterJoin join;
    private final ShardStore store;
    private final RatisNode ratis;
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private final Registration watch;
    private final Presence presence;
    private final Map<String, Histogram> latency = new HashMap<>();
    private volatile ShardMap map;
    private int mapVersion = -1;
    private final MedusaClient client;
    private final Thread watchdog;
    /** How often this node checks its shard leaders for a stale leadership transfer ({@link RatisNode#unstick}). */
    static final Duration WATCHDOG_EVERY = Duration.ofSeconds(2);
    /** A leader refusing writes this long is stuck: longer than any leadership transfer Medusa asks for. */
    static final Duration STUCK_AFTER = Duration.ofSeconds(5);

    @Activate
    public MedusaService(@Reference ClusterJoin join, @Reference LocalNode local, @Reference NodeTrust trust,
            @Reference Zeus zeus, @Reference MetricsRegistry metrics, MedusaConfig config) throws Exception {
        this.zeus = zeus;
        this.metrics = metrics;
        this.join = join;
        Duration opTimeout = Duration.ofSeconds(config.medusa__op__timeout__secs());
        Path home = local.home().resolve("data/medusa");
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(MedusaService.class.getClassLoader());
        try {
            this.store = ShardStore.open(home.resolve("store"));
            TimeDuration election = TimeDuration.valueOf(config.medusa__election__timeout__ms(), TimeUnit.MILLISECONDS);
            RatisNode.Tuning tuning = new RatisNode.Tuning(config.medusa__port(), election, election.multiply(2),
                    TimeDuration.valueOf(3, TimeUnit.SECONDS), Math.max(10, config.medusa__op__timeout__secs() * 10),
                    config.medusa__snapshot__every());
            this.ratis = new RatisNode(join.self().uuid(), join.self().address(), home.resolve("raft"),
                    trust.credentials().orElseThrow(() -> new IllegalStateException(
                            "this node belongs to a cluster but holds no cluster certificate (data/pki)")),
                    trust.keyManager(), store, tuning, this::addressOf);
        } catch (Exception e) {
            throw new IllegalStateException("Medusa cannot start on this node: " + e.getMessage(), e);
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
        for (String op : List.of("get", "put", "cas", "delete", "batch", "scan")) {
            latency.put(op, metrics.histogram("medusa_op_seconds", "Medusa operation latency seen by callers on this node",
                    LATENCY_BUCKETS, "op", op));
        }
        metrics.gauge("medusa_replicas", "Shard replicas held by this node", () -> ratis.localGroups().size());
        metrics.gauge("medusa_leaders", "Shard replicas this node leads", this::leaderCount);
        this.client = new MedusaClient(ratis, this::map, opTimeout, latency);
        this.watch = zeus.watch(ShardMap.DOCUMENT, doc -> calls.execute(() -> onMap(doc)));
        this.presence = zeus.announce(PRESENCE, Map.of("port", Integer.toString(config.medusa__port())));
        this.watchdog = Thread.ofPlatform().daemon(true).name("medusa-watchdog").start(this::watch);
        logger.info("Medusa replica server listening on {}:{} (gRPC, mutual TLS)", join.self().address(), config.medusa__port());
    }

    /** Until deactivated: every {@link #WATCHDOG_EVERY}, frees local leaders a failed leadership transfer left refusing writes. */
    private void watch() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(WATCHDOG_EVERY);
                ratis.unstick(STUCK_AFTER);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                logger.info("Medusa leader check failed; retrying: {}", e.toString());
            }
        }
    }

    @Deactivate
    void deactivate() {
        watchdog.interrupt();
        watch.close();
        presence.close();
        calls.shutdownNow();
        client.close();
        metrics.remove("medusa_op_seconds");
        metrics.remove("medusa_replicas");
        metrics.remove("medusa_leaders");
        try {
            watchdog.join(Duration.ofSeconds(5)); // a probe in flight ends within 2 s
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            ratis.close();
        } catch (IOException e) {
            logger.info("Ratis server stopped with {}", e.toString());
        }
        store.close();
    }

    private String addressOf(UUID node) {
        ClusterConfig cluster = zeus.cluster();
        return cluster.node(node).or(() -> join.config().node(node)).map(NodeIdentity::address)
                .orElseThrow(() -> new IllegalStateException("node " + node + " is not in the cluster configuration"));
    }

    private synchronized void onMap(Optional<VersionedDocument> doc) {
        if (doc.isEmpty()) {
            return;
        }
        // watch callbacks run on their own threads: never go back to an older version of the map
        if (doc.get().version() < mapVersion) {
            return;
        }
        ShardMap m = ShardMap.parse(doc.get().data());
        ShardMap before = map;
        mapVersion = doc.get().version();
        map = m;
        if (before != null) {
            reconnect(m, m.backSince(before));
        }
        reconcile(m);
    }

    /**
     * Nodes the Medusa leader has seen come back (their Medusa presence returned, so their Raft server
     * listens again): this node's Raft channel to each one that holds replicas is reopened in the
     * background, so shard groups reach it at once instead of after gRPC's reconnect back-off
     * ({@link RatisNode#reconnect}).
     */
    private void reconnect(ShardMap m, Set<UUID> back) {
        for (UUID node : back) {
            boolean member = m.groups().stream().anyMatch(g -> g.members().contains(node) || node.equals(g.adding()));
            if (node.equals(join.self().uuid()) || !member) {
                continue;
            }
            logger.info("node {} is back: reopening the Raft channel to it", node);
            try {
                calls.execute(() -> ratis.reconnect(node));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return; // stopping
            }
        }
    }

    /** Removes local replicas the map no longer gives this node, and column families without a replica. */
    private void reconcile(ShardMap m) {
        UUID self = join.self().uuid();
        Set<UUID> mine = new HashSet<>();
        for (ShardMap.Group g : m.groups()) {
            if (g.members().contains(self) || self.equals(g.adding())) {
                mine.add(g.group());
            }
        }
        RaftServer server = ratis.server();
        for (RaftGroupId id : ratis.localGroups()) {
            if (!mine.contains(id.getUuid())) {
                logger.info("shard group {} no longer has a replica on this node; removing it", id.getUuid());
                try {
                    server.groupManagement(GroupManagementRequest.newRemove(ClientId.randomId(), server.getId(), 0, id, true, false));
                } catch (IOException e) {
                    logger.info("could not remove shard group {} yet: {}", id.getUuid(), e.toString());
                }
            }
        }
        Set<String> live = new HashSet<>();
        ratis.localGroups().forEach(id -> live.add(ShardStateMachine.familyName(id)));
        for (String family : store.families()) {
            if (!live.contains(family)) {
                try {
                    if (store.drop(family)) {
                        logger.info("dropped column family {} (its replica left this node)", family);
                    }
                } catch (org.rocksdb.RocksDBException e) {
                    logger.info("could not drop column family {}: {}", family, e.toString());
                }
            }
        }
    }

    ShardMap map() {
        ShardMap m = map;
        if (m == null) {
            Optional<VersionedDocument> doc = zeus.read(ShardMap.DOCUMENT);
            if (doc.isEmpty()) {
                throw new MedusaException(Reason.NOT_READY, "Medusa has no shard map yet: the cluster has fewer nodes than the "
                        + "metadata replication factor, or its Medusa leader has not placed the shards yet; check 'cairn medusa status'");
            }
            onMap(doc);
            m = map;
        }
        return m;
    }

    RatisNode ratis() {
        return ratis;
    }

    ShardStore store() {
        return store;
    }

    // ---- the API (MedusaClient does the work) ----

    @Override
    public Optional<Entry> get(String key) {
        return client.get(key);
    }

    @Override
    public long put(String key, byte[] value) {
        return client.put(key, value);
    }

    @Override
    public long compareAndSet(String key, long expectedVersion, byte[] value) {
        return client.compareAndSet(key, expectedVersion, value);
    }

    @Override
    public boolean delete(String key) {
        return client.delete(key);
    }

    @Override
    public void delete(String key, long expectedVersion) {
        client.delete(key, expectedVersion);
    }

    @Override
    public List<Long> batch(List<Op> ops) {
        return client.batch(ops);
    }

    @Override
    public List<Entry> scan(String prefix, String startAfter, int limit) {
        return client.scan(prefix, startAfter, limit);
    }

    @Override
    public int shardOf(String key) {
        return client.shardOf(key);
    }

    // ---- operations ----

    private int leaderCount() {
        int n = 0;
        for (RaftGroupId id : ratis.localGroups()) {
            try {
                if (ratis.server().getDivision(id).getInfo().isLeader()) {
                    n++;
                }
            } catch (IOException e) {
                // removed meanwhile
            }
        }
        return n;
    }

    /** Every shard's status, asked in parallel (a member that does not answer delays only its shards). */
    @Override
    public List<ShardStatus> shards() {
        ShardMap m = map();
        List<java.util.concurrent.Future<ShardStatus>> asked = new ArrayList<>();
        for (ShardMap.Group g : m.groups()) {
            asked.add(calls.submit(() -> status(g)));
        }
        List<ShardStatus> out = new ArrayList<>();
        try {
            for (var f : asked) {
                out.add(f.get());
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new MedusaException(Reason.SHARD_UNAVAILABLE, "cannot read the shard status: " + e.getCause(), -1, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MedusaException(Reason.TIMEOUT, "interrupted while reading the shard status", -1, e);
        }
        return out;
    }

    /**
     * One shard's status from its leader, which knows every member's commit index: the local replica when
     * it leads (no network), else the leader it knows of, else each member in turn.
     */
    private ShardStatus status(ShardMap.Group g) {
        RaftGroupId id = RaftGroupId.valueOf(g.group());
        long[] size = {-1, -1};
        UUID knownLeader = null;
        ShardStatus fallback = null;
        try {
            RaftServer.Division d = ratis.server().getDivision(id);
            if (d.getStateMachine() instanceof ShardStateMachine sm) {
                size = sm.size();
            }
            var info = d.getInfo();
            fallback = status(g, ratis.self(), info.getRoleInfoProto(), d.getCommitInfos(), info.getCurrentTerm(), size);
            if (ratis.self().equals(fallback.leader())) {
                return fallback;
            }
            knownLeader = fallback.leader();
        } catch (IOException e) {
            // no local replica
        }
        List<UUID> ask = new ArrayList<>();
        if (knownLeader != null && g.members().contains(knownLeader)) {
            ask.add(knownLeader);
        }
        g.members().stream().filter(x -> !ask.contains(x) && !x.equals(ratis.self())).forEach(ask::add);
        for (UUID member : ask) {
            try {
                GroupInfoReply info = ratis.admin(member).getGroupManagementApi(RatisNode.peerId(member)).info(id);
                ShardStatus s = status(g, member, info.getRoleInfoProto(), info.getCommitInfos(),
                        info.getLogInfoProto().getLastEntry().getTerm(), size);
                if (member.equals(s.leader())) {
                    return s;
                }
                if (fallback == null || (fallback.leader() == null && s.leader() != null)) {
                    fallback = s;
                }
            } catch (IOException | RuntimeException e) {
                // next member
            }
        }
        if (fallback != null) {
            return fallback;
        }
        return new ShardStatus(g.shard(), g.group().toString(), null, -1, g.members(), -1, Map.of(), size[0], size[1], false);
    }

    /** The status as seen by {@code member}, from its role and the commit indexes it knows. */
    private static ShardStatus status(ShardMap.Group g, UUID member, org.apache.ratis.proto.RaftProtos.RoleInfoProto role,
            java.util.Collection<CommitInfoProto> commits, long lastTerm, long[] size) {
        boolean leads = role.getRole() == org.apache.ratis.proto.RaftProtos.RaftPeerRole.LEADER;
        UUID leader = leads ? member
                : role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()
                        ? uuid(role.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8()) : null;
        long term = leads ? role.getLeaderInfo().getTerm() : lastTerm;
        long commit = 0;
        for (CommitInfoProto c : commits) {
            commit = Math.max(commit, c.getCommitIndex());
        }
        Map<UUID, Long> lag = new HashMap<>();
        for (UUID x : g.members()) {
            lag.put(x, -1L);
        }
        if (leads) {
            for (CommitInfoProto c : commits) {
                UUID who = uuid(c.getServer().getId().toStringUtf8());
                if (who != null && lag.containsKey(who)) {
                    lag.put(who, commit - c.getCommitIndex());
                }
            }
        }
        return new ShardStatus(g.shard(), g.group().toString(), leader, term, g.members(), commit, lag, size[0], size[1],
                leader != null);
    }

    private static UUID uuid(String s) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String compactLocal() {
        StringBuilder done = new StringBuilder();
        try {
            for (RaftGroupId id : ratis.localGroups()) {
                RaftServer.Division d = ratis.server().getDivision(id);
                long index = -1;
                try (RaftClient c = ratis.newClient(d.getGroup(), 1)) {
                    RaftClientReply r = c.getSnapshotManagementApi(RaftPeerId.valueOf(join.self().uuid().toString())).create(true, 60_000);
                    index = r.isSuccess() ? r.getLogIndex() : -1;
                }
                if (d.getStateMachine() instanceof ShardStateMachine sm) {
                    sm.compact();
                }
                done.append("group ").append(id.getUuid()).append(": snapshot at log index ").append(index)
                        .append(", log purged up to it, store compacted\n");
            }
        } catch (IOException | org.rocksdb.RocksDBException e) {
            throw new MedusaException(Reason.SHARD_UNAVAILABLE, "compaction stopped: " + e.getMessage(), -1, e);
        }
        return done.isEmpty() ? "this node holds no shard replica\n" : done.toString();
    }
}
