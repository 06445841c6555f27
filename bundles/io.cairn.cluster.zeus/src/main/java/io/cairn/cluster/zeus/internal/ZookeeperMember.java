package io.cairn.cluster.zeus.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;
import org.apache.zookeeper.util.ServiceUtils;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.ready.ReadyMarker;
import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.rpc.NodeTrust;

/**
 * Runs this node's Zookeeper server when the node holds a member role. The data directory is
 * {@code data/zookeeper} under the node home; the first start writes {@code zoo.cfg} with the
 * ensemble from the cluster configuration, later starts reuse what Zookeeper itself keeps there
 * (it rewrites its dynamic configuration on reconfiguration).
 */
@Component(service = ZookeeperMember.class, immediate = true, configurationPid = ZeusConfig.PID,
        property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
@Designate(ocd = ZeusConfig.class)
public final class ZookeeperMember {

    private final Logger logger = LoggerFactory.getLogger(ZookeeperMember.class);
    private final ZeusConfig config;
    private final Path dataDir;
    private final NodeIdentity self;
    private final ClassLoader bundleLoader = ZookeeperMember.class.getClassLoader();
    private static final int PROBE_SECONDS = 3;
    private final ClusterConfig local;
    private final ZkTls.Paths tls;
    private final NodeTrust trust;
    private final Path home;
    private final io.cairn.common.clock.Clock clock;
    /** The node certificate in data/zeus/tls; guarded by this. */
    private java.security.cert.X509Certificate tlsWritten;
    private io.cairn.common.clock.Timer tlsCheck;
    static final java.time.Duration TLS_CHECK = java.time.Duration.ofSeconds(30);
    private QuorumPeerMain server;
    private boolean stopped;
    private boolean decided;
    private Thread thread;

    @Activate
    public ZookeeperMember(@Reference ClusterJoin join, @Reference LocalNode local, @Reference NodeTrust trust, ZeusConfig config,
            BundleContext context, @Reference io.cairn.common.clock.Clock clock) {
        io.cairn.cluster.rpc.Credentials c = trust.credentials().orElseThrow(() -> new IllegalStateException(
                "this node belongs to a cluster but holds no cluster certificate (data/pki)"));
        this.tls = ZkTls.write(local.home(), c);
        this.tlsWritten = c.certificate();
        this.trust = trust;
        this.home = local.home();
        this.clock = clock;
        scheduleTlsCheck();
        this.config = config;
        this.self = join.self();
        this.dataDir = local.home().resolve("data/zookeeper");
        this.local = join.config();
        Thread.ofPlatform().name("zookeeper-member-check").daemon(true).start(this::startIfMember);
    }

    /**
     * Starts the server if this node holds a member role. The local copy of the configuration may be
     * stale (the role may have moved while the node was down), so the other nodes are asked first;
     * only when none answers (the whole cluster is starting) does the local copy decide.
     */
    private void startIfMember() {
        ClusterConfig cluster = local;
        Optional<ClusterConfig> current = askOthers(cluster);
        if (current.isPresent()) {
            cluster = current.get();
        }
        synchronized (this) {
            if (stopped) {
                return;
            }
            boolean fresh = !Files.exists(dataDir.resolve("zoo.cfg"));
            if (cluster.zookeeper().contains(self.uuid()) && fresh && current.isPresent()) {
                logger.info("This node holds a Zookeeper member role in a running ensemble; joining it");
            } else if (cluster.zookeeper().contains(self.uuid())) {
                start(cluster, null);
            } else {
                if (Files.exists(dataDir.resolve("zoo.cfg"))) {
                    logger.info("The Zookeeper member role moved away from this node while it was down (members now: {}); "
                            + "removing the stale member data", members(cluster));
                    wipe();
                } else {
                    logger.info("This node holds no Zookeeper member role (members: {})", members(cluster));
                }
            }
            decided = true;
            notifyAll();
        }
    }

    private Optional<ClusterConfig> askOthers(ClusterConfig cluster) {
        String others = cluster.nodes().stream().filter(n -> !n.uuid().equals(self.uuid()))
                .map(n -> n.address() + ":" + config.clientPort()).collect(Collectors.joining(","));
        if (others.isEmpty()) {
            return Optional.empty();
        }
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(bundleLoader);
        try (CuratorFramework probe = CuratorFrameworkFactory.builder().connectString(others).sessionTimeoutMs(6000)
                .zkClientConfig(ZkTls.clientConfig(tls)).ensembleTracker(false)
                .connectionTimeoutMs(3000).retryPolicy(new RetryOneTime(200)).build()) {
            probe.start();
            if (!probe.blockUntilConnected(PROBE_SECONDS, TimeUnit.SECONDS)) {
                logger.info("No other Zookeeper member answered within {} s; using this node's copy of the configuration", PROBE_SECONDS);
                return Optional.empty();
            }
            byte[] data = probe.getData().forPath(ZeusService.CONFIG + "/" + ClusterConfig.DOCUMENT);
            return Optional.of(Json.read(data, ClusterConfig.class, "document 'cluster'"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            logger.info("Could not read the current configuration from the other nodes ({}); using this node's copy", e.toString());
            return Optional.empty();
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
    }

    /** Waits until the start-up decision was taken (for the ensemble agent). */
    synchronized boolean awaitDecision(long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!decided && System.nanoTime() < end) {
            wait(Math.max(1, (end - System.nanoTime()) / 1_000_000));
        }
        return decided;
    }

    /**
     * Takes a member role that was moved here: starts a server whose configuration is the current
     * ensemble ({@code server.N=...} lines) plus this node; the ensemble leader then adds it with a
     * reconfiguration.
     */
    synchronized void join(ClusterConfig cluster, List<String> currentServers) {
        if (running() || stopped) {
            return;
        }
        wipe();
        start(cluster, currentServers);
    }

    /** Gives up the member role: stops the server and removes its data. */
    synchronized void leave() throws InterruptedException {
        if (server != null) {
            stop();
        }
        wipe();
    }

    private void wipe() {
        if (!Files.exists(dataDir)) {
            return;
        }
        try (var walk = Files.walk(dataDir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dataDir)).forEach(ZookeeperMember::deleteQuietly);
        } catch (IOException e) {
            logger.warn("cannot remove the old Zookeeper data in {}: {}", dataDir, e.toString());
        }
    }

    /** True while the embedded server thread runs. */
    public boolean running() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    ZkTls.Paths tls() {
        return tls;
    }

    public int serverPort() {
        return config.clientPort();
    }

    private void start(ClusterConfig cluster, List<String> currentServers) {
        try {
            Files.createDirectories(dataDir);
            Path cfg = dataDir.resolve("zoo.cfg");
            int myId = cluster.serverId(self.uuid());
            Files.writeString(dataDir.resolve("myid"), Integer.toString(myId));
            if (!Files.exists(cfg)) {
                Files.writeString(cfg, staticConfig(cluster, currentServers), StandardCharsets.UTF_8);
            }
            ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
            System.setProperty("zookeeper.jmx.log4j.disable", "true");
            System.setProperty("zookeeper.admin.enableServer", "false");
            QuorumPeerConfig peerConfig = withLoader(() -> {
                QuorumPeerConfig c = new QuorumPeerConfig();
                c.parse(cfg.toString());
                return c;
            });
            QuorumPeerMain main = new QuorumPeerMain();
            server = main;
            thread = Thread.ofPlatform().name("zookeeper-member-" + myId).daemon(true).unstarted(() -> {
                Thread.currentThread().setContextClassLoader(bundleLoader);
                try {
                    main.runFromConfig(peerConfig);
                    logger.info("Zookeeper member {} stopped", myId);
                } catch (Exception | Error e) {
                    logger.error("Zookeeper member {} failed: {}", myId, e.toString(), e);
                }
            });
            thread.start();
            logger.info("Zookeeper member {} starting on {}:{} (ensemble {})", myId, self.address(), config.clientPort(),
                    members(cluster));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the Zookeeper member in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private String staticConfig(ClusterConfig cluster, List<String> currentServers) {
        StringBuilder b = new StringBuilder();
        b.append("# written by Cairn Zeus at the first start; Zookeeper keeps the ensemble in zoo.cfg.dynamic.*\n");
        b.append("tickTime=").append(config.tickTimeMillis()).append('\n');
        b.append("initLimit=").append(config.initLimit()).append('\n');
        b.append("syncLimit=").append(config.syncLimit()).append('\n');
        b.append("dataDir=").append(dataDir).append('\n');
        b.append("reconfigEnabled=true\nstandaloneEnabled=false\nadmin.enableServer=false\n");
        // Cairn sets no znode ACLs and reconfigures the ensemble itself; access control of the
        // Zookeeper ports is a known gap (see readme.md)
        b.append("skipACL=yes\n");
        b.append("4lw.commands.whitelist=srvr,ruok,mntr,conf\n");
        b.append(ZkTls.serverConfig(tls, self.address(), config.clientPort()));
        b.append("autopurge.snapRetainCount=3\nautopurge.purgeInterval=1\n");
        b.append("maxSessionTimeout=").append(Math.max(20 * config.tickTimeMillis(),
                config.zeus__session__timeout__secs() * 1000)).append('\n');
        if (currentServers == null) {
            for (UUID member : cluster.zookeeper()) {
                b.append(serverLine(cluster, member)).append('\n');
            }
        } else {
            String mine = serverLine(cluster, self.uuid());
            String myKey = mine.substring(0, mine.indexOf('='));
            currentServers.stream().filter(l -> !l.startsWith(myKey + "=")).forEach(l -> b.append(l).append('\n'));
            b.append(mine).append('\n');
        }
        return b.toString();
    }

    /**
     * {@code server.N=ip:quorum:election:participant;ip:closedClientPort} for a member; clients use
     * the TLS-only {@code secureClientPort} (see {@link ZeusConfig#closedClientPort()}).
     */
    String serverLine(ClusterConfig cluster, UUID member) {
        String ip = cluster.node(member).orElseThrow().address();
        return "server." + cluster.serverId(member) + "=" + ip + ":" + config.quorumPort() + ":" + config.electionPort()
                + ":participant;" + ip + ":" + config.closedClientPort();
    }

    private static String members(ClusterConfig cluster) {
        return cluster.zookeeper().stream().map(u -> cluster.node(u).map(NodeIdentity::address).orElse(u.toString()))
                .collect(Collectors.joining(", "));
    }

    private interface Step<T> {
        T run() throws Exception;
    }

    private <T> T withLoader(Step<T> step) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(bundleLoader);
        try {
            return step.run();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    /**
     * Every {@link #TLS_CHECK}: when the node certificate was renewed (spec 30 §2), rewrites {@code data/zeus/tls/node.pem}
     * (atomic rename); the Zookeeper server reloads it by itself ({@code sslQuorumReloadCertFiles}, {@code client.certReload}:
     * file watchers) and the Zeus client reads it at its next connection.
     */
    private synchronized void scheduleTlsCheck() {
        if (stopped) {
            return;
        }
        tlsCheck = clock.schedule(TLS_CHECK, () -> {
            try {
                refreshTls();
            } catch (RuntimeException e) {
                logger.warn("cannot refresh the Zookeeper TLS files with the renewed node certificate: {}", e.getMessage());
            }
            scheduleTlsCheck();
        });
    }

    synchronized void refreshTls() {
        io.cairn.cluster.rpc.Credentials c = trust.credentials().orElse(null);
        if (stopped || c == null || c.certificate().equals(tlsWritten)) {
            return;
        }
        ZkTls.write(home, c);
        tlsWritten = c.certificate();
        logger.info("Zookeeper TLS files rewritten with the renewed node certificate (serial {}); Zookeeper reloads them",
                c.certificate().getSerialNumber().toString(16));
    }

    @Deactivate
    synchronized void deactivate() throws InterruptedException {
        stopped = true;
        if (tlsCheck != null) {
            tlsCheck.cancel();
        }
        stop();
    }

    private void stop() throws InterruptedException {
        if (server != null) {
            server.close();
            thread.join(10_000);
            server = null;
            logger.info("Zookeeper member stopped");
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }
}
