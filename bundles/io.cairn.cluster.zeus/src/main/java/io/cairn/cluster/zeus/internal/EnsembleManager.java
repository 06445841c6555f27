package io.cairn.cluster.zeus.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.TreeMap;

import org.apache.curator.framework.CuratorFramework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomains;
import io.cairn.cluster.api.Leadership;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Presence;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.common.clock.Clock;
import io.cairn.common.error.CairnException;
import io.cairn.common.ready.ReadyMarker;

/**
 * Keeps the Zookeeper ensemble at 2·FT+1 members on distinct fault domains.
 *
 * <p>On every node (agent): when the {@code cluster} document names this node a member and its
 * server is not running, it starts one that joins the current ensemble; when the document no longer
 * names it, it stops its server and removes the data. The node's {@code Zookeeper} presence says
 * whether its server runs.
 *
 * <p>On the leader of the {@value #ROLE} role: a member whose node has been down for
 * {@code zookeeper_member_replace_secs} is replaced by a live non-member chosen by
 * {@link FaultDomains#spread}; when a node comes back and the ensemble would then spread over more
 * blocks, the role moves back. The leader first records the new member list in the {@code cluster}
 * document (a fenced write), then, once the new member's server runs, reconfigures the ensemble
 * (Zookeeper dynamic reconfiguration) to match the document.
 */
@Component(service = EnsembleManager.class, immediate = true, configurationPid = ZeusConfig.PID,
        property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class EnsembleManager implements LeadershipListener {

    static final String ROLE = "Zeus";
    private static final String PRESENCE = "Zookeeper";

    private final Logger logger = LoggerFactory.getLogger(EnsembleManager.class);
    private final ZeusService zeus;
    private final ZookeeperMember member;
    private final Clock clock;
    private final CuratorFramework curator;
    private final Duration replaceAfter;
    private final Registration watch;
    private final Registration candidacy;
    private final Map<UUID, Long> downSince = new HashMap<>();
    private volatile Presence presence;
    private volatile Leadership leading;
    private volatile boolean active = true;

    @Activate
    public EnsembleManager(@Reference ZeusService zeus, @Reference ZookeeperMember member, @Reference Clock clock, ZeusConfig config) {
        this.zeus = zeus;
        this.member = member;
        this.clock = clock;
        this.curator = zeus.curator();
        this.replaceAfter = Duration.ofSeconds(config.zookeeper__member__replace__secs());
        this.watch = zeus.watch(ClusterConfig.DOCUMENT, doc -> doc.ifPresent(this::onConfig));
        this.candidacy = zeus.elect(ROLE, this);
        Thread.ofVirtual().name("ensemble-agent").start(this::agentLoop);
    }

    /** Re-checks this node's member role every 2 s: a role is given up only once the ensemble dropped it. */
    private void agentLoop() {
        while (active) {
            try {
                clock.sleep(Duration.ofSeconds(2));
                zeus.read(ClusterConfig.DOCUMENT).ifPresent(this::onConfig);
            } catch (InterruptedException e) {
                return;
            } catch (CairnException e) {
                // Zeus not reachable now; the next round retries
            }
        }
    }

    // ---- agent (every node)

    private synchronized void onConfig(VersionedDocument doc) {
        if (!active) {
            return;
        }
        try {
            if (!member.awaitDecision(30_000)) {
                return;
            }
            ClusterConfig cfg = Json.read(doc.data(), ClusterConfig.class, "document 'cluster'");
            UUID me = zeus.self().uuid();
            if (cfg.zookeeper().contains(me) && !member.running()) {
                List<String> servers = currentServers();
                logger.info("This node now holds a Zookeeper member role; joining the ensemble ({})", servers);
                member.join(cfg, servers);
            } else if (!cfg.zookeeper().contains(me) && member.running() && !inEnsemble(cfg, me)) {
                logger.info("The Zookeeper member role moved away from this node and the ensemble no longer counts it; "
                        + "stopping its server");
                withdraw();
                member.leave();
            }
            if (member.running()) {
                announce();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (CairnException e) {
            logger.info("Zookeeper membership not applied yet: {}", e.getMessage());
        }
    }

    private void announce() {
        if (presence == null) {
            presence = zeus.announce(PRESENCE, Map.of("state", "UP", "pid", Long.toString(ProcessHandle.current().pid()),
                    "port", Integer.toString(member.serverPort())));
        }
    }

    private void withdraw() {
        Presence p = presence;
        presence = null;
        if (p != null) {
            p.close();
        }
    }

    private boolean inEnsemble(ClusterConfig cfg, UUID node) {
        String key = "server." + cfg.serverId(node) + "=";
        return currentServers().stream().anyMatch(l -> l.startsWith(key));
    }

    /** The {@code server.N=...} lines of the ensemble's current configuration. */
    List<String> currentServers() {
        byte[] cfg = zeus.call("read the ensemble configuration", () -> curator.getConfig().forEnsemble());
        List<String> out = new ArrayList<>();
        for (String line : new String(cfg, StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("server.")) {
                out.add(line.trim());
            }
        }
        return out;
    }

    // ---- leader

    @Override
    public void acquired(Leadership leadership) {
        leading = leadership;
        Thread.ofVirtual().name("ensemble-manager-" + leadership.epoch()).start(() -> manage(leadership));
    }

    @Override
    public void lost(Leadership leadership) {
        if (leading == leadership) {
            leading = null;
        }
    }

    private void manage(Leadership l) {
        downSince.clear();
        while (active && leading == l) {
            try {
                step(l);
            } catch (CairnException e) {
                if (e.code() == io.cairn.common.error.ErrorCode.FAILED_PRECONDITION) {
                    return;
                }
                logger.info("Ensemble check: {}", e.getMessage());
            } catch (RuntimeException e) {
                logger.warn("Ensemble check failed: {}", e.toString(), e);
            }
            try {
                clock.sleep(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void step(Leadership l) {
        VersionedDocument doc = zeus.read(ClusterConfig.DOCUMENT).orElseThrow();
        ClusterConfig cfg = Json.read(doc.data(), ClusterConfig.class, "document 'cluster'");
        Set<UUID> live = new HashSet<>();
        Set<UUID> serving = new HashSet<>();
        for (ServicePresence p : zeus.presences()) {
            if (p.service().equals("node")) {
                live.add(p.node());
            } else if (p.service().equals(PRESENCE)) {
                serving.add(p.node());
            }
        }
        long now = clock.millis();
        for (UUID m : cfg.zookeeper()) {
            if (live.contains(m)) {
                downSince.remove(m);
            } else {
                downSince.putIfAbsent(m, now);
            }
        }
        // 1. make the ensemble match the document
        Map<Integer, String> actual = new TreeMap<>();
        for (String line : currentServers()) {
            actual.put(Integer.parseInt(line.substring(7, line.indexOf('='))), line);
        }
        List<UUID> missing = cfg.zookeeper().stream().filter(m -> !actual.containsKey(cfg.serverId(m))).toList();
        Set<Integer> wanted = new HashSet<>();
        cfg.zookeeper().forEach(m -> wanted.add(cfg.serverId(m)));
        List<String> leaving = new ArrayList<>();
        actual.keySet().stream().filter(id -> !wanted.contains(id)).forEach(id -> leaving.add(Integer.toString(id)));
        if (!missing.isEmpty()) {
            if (serving.containsAll(missing)) {
                // add the new members and drop the replaced ones in one reconfiguration
                reconfigure(missing.stream().map(m -> member.serverLine(cfg, m)).toList(), leaving);
            }
            return; // else: the new member's server is not up yet
        }
        if (!leaving.isEmpty()) {
            reconfigure(List.of(), leaving);
            return;
        }
        // 2. decide whether the document should change
        Optional<List<UUID>> better = proposal(cfg, live, now);
        if (better.isPresent()) {
            ClusterConfig next = cfg.withZookeeper(better.get());
            l.write(ClusterConfig.DOCUMENT, Json.write(next), doc.version());
            logger.info("Zookeeper members {} -> {}", names(cfg, cfg.zookeeper()), names(cfg, better.get()));
        }
    }

    private void reconfigure(List<String> joining, List<String> leaving) {
        zeus.call("reconfigure the ensemble", () -> {
            if (!joining.isEmpty() && !leaving.isEmpty()) {
                curator.reconfig().joining(joining).leaving(leaving).forEnsemble();
            } else if (!joining.isEmpty()) {
                curator.reconfig().joining(joining).forEnsemble();
            } else {
                curator.reconfig().leaving(leaving).forEnsemble();
            }
            return null;
        });
        logger.info("Reconfigured the Zookeeper ensemble: joining {}, leaving {}", joining, leaving);
    }

    Optional<List<UUID>> proposal(ClusterConfig cfg, Set<UUID> live, long now) {
        return EnsemblePlan.proposal(cfg, live, downSince, now, replaceAfter.toMillis());
    }

    private static List<String> names(ClusterConfig cfg, List<UUID> ids) {
        return ids.stream().map(u -> cfg.node(u).map(NodeIdentity::address).orElse(u.toString())).toList();
    }

    @Deactivate
    void deactivate() {
        active = false;
        leading = null;
        candidacy.close();
        watch.close();
        withdraw();
    }
}
