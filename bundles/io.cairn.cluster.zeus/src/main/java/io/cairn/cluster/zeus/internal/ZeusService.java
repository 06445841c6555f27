package io.cairn.cluster.zeus.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreMutex;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.ready.ReadyMarker;
import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.ClusterMembership;
import io.cairn.cluster.api.LeaderInfo;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.NodeState;
import io.cairn.cluster.api.Presence;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.api.ZeusLock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.metrics.MetricsRegistry;

/**
 * Zeus over the embedded ensemble, through Curator. Layout in Zookeeper:
 * {@code /cairn/config/<document>} configuration documents, {@code /cairn/presence/<node>/<service>}
 * ephemeral presence, {@code /cairn/elections/<role>/{latch,epoch}} elections and fencing epochs,
 * {@code /cairn/locks/<name>} locks, {@code /cairn/tasks}, {@code /cairn/alerts}.
 */
@Component(service = {Zeus.class, ClusterMembership.class, ZeusService.class}, immediate = true,
        property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE,
        configurationPid = ZeusConfig.PID)
public final class ZeusService implements Zeus, ClusterMembership {

    static final String CONFIG = "/cairn/config";
    static final String PRESENCE = "/cairn/presence";
    static final String ELECTIONS = "/cairn/elections";
    static final String LOCKS = "/cairn/locks";
    private static final Pattern DOC = Pattern.compile("[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Logger logger = LoggerFactory.getLogger(ZeusService.class);
    private final NodeIdentity self;
    private final ClusterConfig initial;
    private final CuratorFramework curator;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final Duration sessionTimeout;
    private final ZookeeperMember member;
    private final MetricsRegistry metrics;
    /**
     * Every presence, mirrored from Zookeeper by a watch ({@link #presences} is called on hot paths:
     * a direct listing costs one round trip per node and per service). Keyed by path, parsed once per change.
     */
    private final CuratorCache presenceCache;
    private final Map<String, ServicePresence> presenceView = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean presenceViewReady;

    @Activate
    public ZeusService(@Reference ClusterJoin join, @Reference ZookeeperMember member, @Reference MetricsRegistry metrics,
            ZeusConfig config) {
        this.metrics = metrics;
        this.member = member;
        this.self = join.self();
        this.initial = join.config();
        this.sessionTimeout = Duration.ofSeconds(config.zeus__session__timeout__secs());
        // every node, not only the members this node last knew: member roles move, and a node that
        // is not a member refuses the connection at once
        String connect = initial.nodes().stream().map(n -> n.address() + ":" + config.clientPort())
                .collect(Collectors.joining(","));
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(ZeusService.class.getClassLoader());
        try {
            curator = CuratorFrameworkFactory.builder().connectString(connect)
                    .sessionTimeoutMs((int) sessionTimeout.toMillis()).connectionTimeoutMs(4000)
                    .retryPolicy(new ExponentialBackoffRetry(200, 8, 2000)).zkClientConfig(ZkTls.clientConfig(member.tls()))
                    .ensembleTracker(false).build();
            curator.start();
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
        presenceCache = CuratorCache.build(curator, PRESENCE);
        presenceCache.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((old, now) -> mirrorPresence(now.getPath(), now.getData()))
                .forDeletes(gone -> mirrorPresence(gone.getPath(), null))
                .forInitialized(() -> presenceViewReady = true).build());
        // after a disconnection the cache catches up in the background and says nothing when it has: until a direct
        // read has replaced the view, presences() reads directly (and fails while still disconnected)
        curator.getConnectionStateListenable().addListener((client, state) -> {
            switch (state) {
                case SUSPENDED, LOST -> presenceViewReady = false;
                case RECONNECTED -> Thread.ofVirtual().name("zeus-presence-resync").start(this::resyncPresences);
                default -> {
                }
            }
        });
        presenceCache.start();
        metrics.gauge("cairn_zeus_connected", "1 while this node's Zeus session is connected", () -> connected() ? 1 : 0);
        metrics.gauge("cairn_zookeeper_member", "1 while this node runs a Zookeeper member", () -> member.running() ? 1 : 0);
        logger.info("Zeus client for node {} connecting to {}", self.address(), connect);
        Thread.ofVirtual().name("zeus-init").start(this::initialise);
    }

    private void initialise() {
        try {
            while (!curator.blockUntilConnected(5, TimeUnit.SECONDS)) {
                if (curator.getState() != org.apache.curator.framework.imps.CuratorFrameworkState.STARTED) {
                    return;
                }
                logger.info("Zeus: waiting for the Zookeeper ensemble (quorum of {})", initial.zookeeper().size());
            }
            try {
                curator.create().creatingParentsIfNeeded().forPath(CONFIG + "/" + ClusterConfig.DOCUMENT, Json.write(initial));
                logger.info("Zeus: recorded the configuration of cluster {} ({} nodes)", initial.name(), initial.nodes().size());
            } catch (KeeperException.NodeExistsException e) {
                // another member was first
            }
            Map<String, String> attrs = new HashMap<>();
            attrs.put("address", self.address());
            attrs.put("version", self.softwareVersion());
            attrs.put("block", self.faultDomain().block());
            attrs.put("rack", self.faultDomain().rack());
            attrs.put("pid", Long.toString(ProcessHandle.current().pid()));
            announce("node", attrs);

            logger.info("Zeus: connected; node {} is present", self.address());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            logger.warn("Zeus initialisation failed: {}", e.toString());
        }
    }

    public CuratorFramework curator() {
        return curator;
    }

    public NodeIdentity self() {
        return self;
    }

    public boolean connected() {
        return curator.getZookeeperClient().isConnected();
    }

    // ---- configuration documents

    @Override
    public ClusterConfig cluster() {
        return read(ClusterConfig.DOCUMENT).map(d -> Json.read(d.data(), ClusterConfig.class, "document 'cluster'"))
                .orElse(initial);
    }

    @Override
    public Optional<VersionedDocument> read(String document) {
        String path = docPath(document);
        return call("read " + document, () -> {
            Stat stat = new Stat();
            try {
                byte[] data = curator.getData().storingStatIn(stat).forPath(path);
                return Optional.of(new VersionedDocument(document, data == null ? new byte[0] : data, stat.getVersion()));
            } catch (KeeperException.NoNodeException e) {
                return Optional.empty();
            }
        });
    }

    @Override
    public List<String> list(String prefix) {
        String path = prefix.isEmpty() ? CONFIG : docPath(prefix);
        return call("list " + prefix, () -> {
            try {
                return curator.getChildren().forPath(path).stream().sorted().toList();
            } catch (KeeperException.NoNodeException e) {
                return List.of();
            }
        });
    }

    @Override
    public VersionedDocument write(String document, byte[] data, int expectedVersion) {
        return fencedWrite(null, document, data, expectedVersion);
    }

    /** A compare-and-set, preceded in the same transaction by a version check of {@code fencePath} when given. */
    VersionedDocument fencedWrite(Fence fence, String document, byte[] data, int expectedVersion) {
        String path = docPath(document);
        if (expectedVersion < VersionedDocument.ABSENT) {
            throw CairnException.invalid("expected version " + expectedVersion + " is invalid; use -1 to create or the version read");
        }
        return call("write " + document, () -> {
            if (expectedVersion == VersionedDocument.ABSENT) {
                ensureParent(path);
            }
            List<CuratorOp> ops = new ArrayList<>();
            if (fence != null) {
                ops.add(curator.transactionOp().check().withVersion(fence.version()).forPath(fence.path()));
            }
            ops.add(expectedVersion == VersionedDocument.ABSENT ? curator.transactionOp().create().forPath(path, data)
                    : curator.transactionOp().setData().withVersion(expectedVersion).forPath(path, data));
            try {
                var results = curator.transaction().forOperations(ops);
                Stat stat = results.get(results.size() - 1).getResultStat();
                return new VersionedDocument(document, data, stat == null ? 0 : stat.getVersion());
            } catch (KeeperException e) {
                throw failedTransaction(e, fence, document, expectedVersion);
            }
        });
    }

    private CairnException failedTransaction(KeeperException e, Fence fence, String document, int expectedVersion) {
        List<OpResult> results = e.getResults();
        if (fence != null && results != null && !results.isEmpty() && results.get(0) instanceof OpResult.ErrorResult err
                && err.getErr() != 0) {
            return new CairnException(ErrorCode.FAILED_PRECONDITION, "leadership of " + fence.role() + " epoch " + fence.epoch()
                    + " was lost; a newer leader exists, so this node must not act for it");
        }
        return switch (e.code()) {
            case BADVERSION, NONODE, NODEEXISTS -> new CairnException(ErrorCode.CONFLICT, "document '" + document
                    + "' is not at version " + (expectedVersion == VersionedDocument.ABSENT ? "absent" : expectedVersion)
                    + " any more (" + e.code() + "); re-read it and retry");
            default -> unavailable("write " + document, e);
        };
    }

    @Override
    public void delete(String document, int expectedVersion) {
        String path = docPath(document);
        call("delete " + document, () -> {
            try {
                curator.delete().withVersion(expectedVersion).forPath(path);
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
                throw new CairnException(ErrorCode.CONFLICT, "document '" + document + "' is not at version " + expectedVersion
                        + "; re-read it and retry");
            } catch (KeeperException.NotEmptyException e) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, "document '" + document + "' has documents below it; delete those first");
            }
            return null;
        });
    }

    @Override
    public Registration watch(String document, Consumer<Optional<VersionedDocument>> listener) {
        String path = docPath(document);
        CuratorCache cache = CuratorCache.build(curator, path, CuratorCache.Options.SINGLE_NODE_CACHE);
        ExecutorService serial = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("zeus-watch-" + document).factory());
        cache.listenable().addListener(CuratorCacheListener.builder().forAll((type, before, after) -> {
            Optional<VersionedDocument> doc = after == null ? Optional.empty()
                    : Optional.of(new VersionedDocument(document, after.getData() == null ? new byte[0] : after.getData(),
                            after.getStat().getVersion()));
            if (type == CuratorCacheListener.Type.NODE_DELETED) {
                doc = Optional.empty();
            }
            Optional<VersionedDocument> d = doc;
            serial.execute(() -> deliver(listener, d, document));
        }).build());
        cache.start();
        serial.execute(() -> {
            try {
                deliver(listener, read(document), document);
            } catch (CairnException e) {
                logger.debug("watch {}: first read failed: {}", document, e.getMessage());
            }
        });
        return () -> {
            cache.close();
            serial.shutdownNow();
        };
    }

    private void deliver(Consumer<Optional<VersionedDocument>> listener, Optional<VersionedDocument> doc, String document) {
        try {
            listener.accept(doc);
        } catch (RuntimeException e) {
            logger.warn("watcher of document {} failed: {}", document, e.toString(), e);
        }
    }

    // ---- presence and membership

    @Override
    public Presence announce(String service, Map<String, String> attributes) {
        checkName(service, "service");
        String path = PRESENCE + "/" + self.uuid() + "/" + service;
        PersistentNode node = new PersistentNode(curator, CreateMode.EPHEMERAL, false, path, Json.write(attributes)) {
            @Override
            protected void deleteNode() throws Exception {
                // in the background: without quorum a blocking delete would hold a stopping node for
                // the whole retry policy, and the ephemeral node goes with the session anyway
                String actual = getActualPath();
                if (actual != null) {
                    curator.delete().guaranteed().inBackground().forPath(actual);
                }
            }
        };
        node.start();
        synchronized (owned) {
            owned.add(node);
        }
        return new Presence() {
            @Override
            public void update(Map<String, String> attrs) {
                try {
                    if (!node.waitForInitialCreate(sessionTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        throw new java.util.concurrent.TimeoutException("not created yet");
                    }
                    node.setData(Json.write(attrs));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw unavailable("update presence " + service, e);
                } catch (Exception e) {
                    throw unavailable("update presence " + service, e);
                }
            }

            @Override
            public void close() {
                try {
                    node.close();
                } catch (Exception e) {
                    logger.debug("withdrawing {}: {}", path, e.toString());
                }
                synchronized (owned) {
                    owned.remove(node);
                }
            }
        };
    }

    /** Replaces the mirror by a direct listing (after a reconnection), then lets presences() use it again. */
    private void resyncPresences() {
        presenceViewReady = false;
        try {
            List<ServicePresence> now = readPresences();
            Map<String, ServicePresence> fresh = new java.util.HashMap<>();
            now.forEach(p -> fresh.put(PRESENCE + "/" + p.node() + "/" + p.service(), p));
            presenceView.keySet().retainAll(fresh.keySet());
            presenceView.putAll(fresh);
            presenceViewReady = connected();
        } catch (RuntimeException e) {
            logger.debug("Zeus: presences not re-read after reconnecting ({}); read directly until the next reconnection", e.toString());
        }
    }

    /** Keeps {@link #presenceView} in step with a change under {@code /cairn/presence} ({@code data} null: deleted). */
    private void mirrorPresence(String path, byte[] data) {
        String[] parts = path.substring(Math.min(path.length(), PRESENCE.length())).split("/");
        if (parts.length != 3 || !parts[0].isEmpty()) {
            return; // the root or a node's folder
        }
        if (data == null) {
            presenceView.remove(path);
            return;
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, String> attrs = Json.read(data, Map.class, "presence " + parts[1] + "/" + parts[2]);
            presenceView.put(path, new ServicePresence(UUID.fromString(parts[1]), parts[2], attrs));
        } catch (RuntimeException e) {
            presenceView.remove(path);
            logger.debug("presence {} is unreadable: {}", path, e.toString());
        }
    }

    /**
     * Every service presence. While the session is connected and the watch has caught up, from the
     * mirror (it trails Zookeeper by the watch's delivery, milliseconds); otherwise read directly,
     * which fails while Zookeeper is unreachable, so a node cut off never trusts a stale list.
     */
    @Override
    public List<ServicePresence> presences() {
        if (presenceViewReady && connected()) {
            List<ServicePresence> out = new ArrayList<>(presenceView.values());
            out.sort(Comparator.comparing((ServicePresence p) -> p.node().toString()).thenComparing(ServicePresence::service));
            return out;
        }
        return readPresences();
    }

    private List<ServicePresence> readPresences() {
        return call("list presences", () -> {
            List<ServicePresence> out = new ArrayList<>();
            List<String> nodes;
            try {
                nodes = curator.getChildren().forPath(PRESENCE);
            } catch (KeeperException.NoNodeException e) {
                return out;
            }
            for (String node : nodes) {
                List<String> services;
                try {
                    services = curator.getChildren().forPath(PRESENCE + "/" + node);
                } catch (KeeperException.NoNodeException e) {
                    continue;
                }
                for (String s : services) {
                    try {
                        byte[] data = curator.getData().forPath(PRESENCE + "/" + node + "/" + s);
                        @SuppressWarnings("unchecked")
                        Map<String, String> attrs = Json.read(data, Map.class, "presence " + node + "/" + s);
                        out.add(new ServicePresence(UUID.fromString(node), s, attrs));
                    } catch (KeeperException.NoNodeException e) {
                        // went away meanwhile
                    }
                }
            }
            out.sort(Comparator.comparing((ServicePresence p) -> p.node().toString()).thenComparing(ServicePresence::service));
            return out;
        });
    }

    @Override
    public Map<UUID, NodeIdentity> members() {
        Map<UUID, NodeIdentity> m = new java.util.LinkedHashMap<>();
        cluster().nodes().forEach(n -> m.put(n.uuid(), n));
        return m;
    }

    @Override
    public NodeState state(UUID node) {
        if (cluster().node(node).isEmpty()) {
            throw CairnException.notFound("node " + node + " is not a member of this cluster");
        }
        return call("read presence", () -> curator.checkExists().forPath(PRESENCE + "/" + node + "/node") != null
                ? NodeState.UP : NodeState.DOWN);
    }

    // ---- elections

    @Override
    public Registration elect(String role, LeadershipListener listener) {
        checkName(role, "role");
        Election election = new Election(this, role, listener);
        election.start();
        synchronized (owned) {
            owned.add(election);
        }
        return () -> {
            election.close();
            synchronized (owned) {
                owned.remove(election);
            }
        };
    }

    @Override
    public List<LeaderInfo> leaders() {
        List<String> roles = call("list elections", () -> {
            try {
                return curator.getChildren().forPath(ELECTIONS).stream().sorted().toList();
            } catch (KeeperException.NoNodeException e) {
                return List.<String>of();
            }
        });
        List<LeaderInfo> out = new ArrayList<>();
        roles.forEach(r -> leader(r).ifPresent(out::add));
        return out;
    }

    @Override
    public Optional<LeaderInfo> leader(String role) {
        checkName(role, "role");
        return call("read leader of " + role, () -> {
            byte[] data;
            try {
                data = curator.getData().forPath(ELECTIONS + "/" + role + "/epoch");
            } catch (KeeperException.NoNodeException e) {
                return Optional.empty();
            }
            Election.EpochRecord rec = Json.read(data, Election.EpochRecord.class, "epoch of " + role);
            if (rec.node() == null) {
                return Optional.empty();
            }
            boolean live = curator.checkExists().forPath(ELECTIONS + "/" + role + "/leader-" + rec.epoch()) != null;
            return live ? Optional.of(new LeaderInfo(role, rec.epoch(), UUID.fromString(rec.node()), rec.address()))
                    : Optional.empty();
        });
    }

    // ---- locks

    @Override
    public ZeusLock lock(String name, Duration wait) {
        checkName(name, "lock");
        InterProcessSemaphoreMutex mutex = new InterProcessSemaphoreMutex(curator, LOCKS + "/" + name);
        boolean got = call("lock " + name, () -> mutex.acquire(wait.toMillis(), TimeUnit.MILLISECONDS));
        if (!got) {
            throw new CairnException(ErrorCode.TIMEOUT, "lock '" + name + "' is held elsewhere and was not granted within "
                    + wait.toMillis() + " ms; retry later");
        }
        return new ZeusLock() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void close() {
                try {
                    mutex.release();
                } catch (Exception e) {
                    logger.debug("releasing lock {}: {}", name, e.toString());
                }
            }
        };
    }

    // ---- helpers

    record Fence(String role, long epoch, String path, int version) {
    }

    void ensureParent(String path) throws Exception {
        String parent = path.substring(0, path.lastIndexOf('/'));
        if (!parent.isEmpty() && curator.checkExists().forPath(parent) == null) {
            try {
                curator.create().creatingParentsIfNeeded().forPath(parent);
            } catch (KeeperException.NodeExistsException e) {
                // created meanwhile
            }
        }
    }

    static String docPath(String document) {
        if (document == null || !DOC.matcher(document).matches() || document.length() > 200) {
            throw CairnException.invalid("'" + document + "' is not a valid document name; use lower-case letters, digits, "
                    + "'.', '_', '-' and '/' between parts, e.g. services/stopped");
        }
        return CONFIG + "/" + document;
    }

    static void checkName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches() || name.length() > 100) {
            throw CairnException.invalid("'" + name + "' is not a valid " + what + " name; use letters, digits, '.', '_' and '-'");
        }
    }

    interface ZkCall<T> {
        T run() throws Exception;
    }

    <T> T call(String what, ZkCall<T> call) {
        try {
            return call.run();
        } catch (CairnException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CairnException(ErrorCode.UNAVAILABLE, "interrupted during Zeus " + what, e);
        } catch (Exception e) {
            throw unavailable(what, e);
        }
    }

    CairnException unavailable(String what, Exception e) {
        return new CairnException(ErrorCode.UNAVAILABLE, "Zeus cannot " + what + ": the Zookeeper ensemble is not reachable "
                + "or has no quorum (" + e + "); the cluster configuration is unavailable until a majority of the Zookeeper "
                + "members is up (cairn cluster status shows which nodes are down)", e);
    }

    @Deactivate
    void deactivate() {
        List<AutoCloseable> all;
        synchronized (owned) {
            all = new ArrayList<>(owned);
            owned.clear();
        }
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                logger.debug("closing {}: {}", c, e.toString());
            }
        }
        metrics.remove("cairn_zeus_connected");
        metrics.remove("cairn_zookeeper_member");
        presenceCache.close();
        curator.close();
    }
}
