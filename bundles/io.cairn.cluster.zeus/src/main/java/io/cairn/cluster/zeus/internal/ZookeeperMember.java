package io.cairn.cluster.zeus.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Collectors;

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
    private QuorumPeerMain server;
    private Thread thread;

    @Activate
    public ZookeeperMember(@Reference ClusterJoin join, @Reference LocalNode local, ZeusConfig config, BundleContext context) {
        this.config = config;
        this.self = join.self();
        this.dataDir = local.home().resolve("data/zookeeper");
        ClusterConfig cluster = join.config();
        if (cluster.zookeeper().contains(self.uuid())) {
            start(cluster);
        } else {
            logger.info("This node holds no Zookeeper member role (members: {})", members(cluster));
        }
    }

    /** True while the embedded server thread runs. */
    public boolean running() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    public int serverPort() {
        return config.clientPort();
    }

    private synchronized void start(ClusterConfig cluster) {
        try {
            Files.createDirectories(dataDir);
            Path cfg = dataDir.resolve("zoo.cfg");
            int myId = cluster.serverId(self.uuid());
            Files.writeString(dataDir.resolve("myid"), Integer.toString(myId));
            if (!Files.exists(cfg)) {
                Files.writeString(cfg, staticConfig(cluster), StandardCharsets.UTF_8);
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

    private String staticConfig(ClusterConfig cluster) {
        StringBuilder b = new StringBuilder();
        b.append("# written by Cairn Zeus at the first start; Zookeeper keeps the ensemble in zoo.cfg.dynamic.*\n");
        b.append("tickTime=").append(config.tickTimeMillis()).append('\n');
        b.append("initLimit=").append(config.initLimit()).append('\n');
        b.append("syncLimit=").append(config.syncLimit()).append('\n');
        b.append("dataDir=").append(dataDir).append('\n');
        b.append("reconfigEnabled=true\nstandaloneEnabled=false\nadmin.enableServer=false\n");
        b.append("4lw.commands.whitelist=srvr,ruok,mntr,conf\n");
        b.append("autopurge.snapRetainCount=3\nautopurge.purgeInterval=1\n");
        b.append("maxSessionTimeout=").append(Math.max(20 * config.tickTimeMillis(),
                config.zeus__session__timeout__secs() * 1000)).append('\n');
        for (UUID member : cluster.zookeeper()) {
            b.append(serverLine(cluster, member)).append('\n');
        }
        return b.toString();
    }

    /** {@code server.N=ip:quorum:election:participant;ip:client} for a member. */
    String serverLine(ClusterConfig cluster, UUID member) {
        String ip = cluster.node(member).orElseThrow().address();
        return "server." + cluster.serverId(member) + "=" + ip + ":" + config.quorumPort() + ":" + config.electionPort()
                + ":participant;" + ip + ":" + config.clientPort();
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

    @Deactivate
    synchronized void stop() throws InterruptedException {
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
