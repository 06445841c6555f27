package io.cairn.storage.curator.internal.page;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.clock.Clock;
import io.cairn.common.pages.PageHandler;
import io.cairn.common.pages.PageServer;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.curator.internal.CuratorConfig;
import io.cairn.storage.curator.internal.CuratorService;
import io.cairn.storage.curator.internal.CuratorService.ScanType;
import io.cairn.storage.curator.internal.CuratorStatus;
import io.cairn.storage.curator.internal.ScanHistory;
import io.cairn.storage.curator.internal.chronos.Chronos;

/**
 * Serves the {@link CuratorPage} on this node's address at {@code http_port} (2010) and the
 * {@link ChronosPage} at {@code chronos_http_port} (2011), each on 127.0.0.1 too when the node's
 * address is not a loopback one (so {@code wget http://localhost:2010/...} works on a node, as in
 * the spec's examples; on a one-machine cluster each node keeps to its own 127.0.1.x alias).
 * Unauthenticated plain HTTP like the reference system's pages: read-only except that
 * {@code StartCuratorTasks} queues a scan.
 */
@Component(service = {}, immediate = true, configurationPid = CuratorConfig.PID, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
@Designate(ocd = CuratorConfig.class)
public final class CuratorPages implements CuratorPage.Source, ChronosPage.Source {

    /** Stargate's Zeus presence (Stargate's {@code Peers.PRESENCE}). */
    static final String STARGATE = io.cairn.storage.api.stargate.Stargate.PRESENCE;

    private final Logger logger = LoggerFactory.getLogger(CuratorPages.class);
    private final CuratorService curator;
    private final Zeus zeus;
    private final LocalNode local;
    private final Instant upSince;
    private final Servers servers;

    @Activate
    public CuratorPages(@Reference CuratorService curator, @Reference Zeus zeus, @Reference LocalNode local, @Reference Clock clock,
            CuratorConfig config) throws IOException {
        this.curator = curator;
        this.zeus = zeus;
        this.local = local;
        this.upSince = clock.now();
        int port = checkedPort("http_port", config.http__port());
        int chronosPort = checkedPort("chronos_http_port", config.chronos__http__port());
        if (port == chronosPort) {
            throw new IllegalArgumentException("http_port and chronos_http_port (PID " + CuratorConfig.PID + ") are both " + port
                    + "; the Curator and Chronos pages need a port each (defaults 2010 and 2011)");
        }
        InetAddress self = InetAddress.getByName(local.identity().address());
        this.servers = Servers.start(self, port, new CuratorPage(this, clock, port, chronosPort), chronosPort,
                new ChronosPage(this, chronosPort));
        logger.info("Curator pages on {}, Chronos page on {} (plain HTTP, no authentication: diagnostic pages; Prism is the user-facing "
                + "surface)", urls(servers.curator()), urls(servers.chronos()));
    }

    /** The two page servers, started and closed together. */
    record Servers(PageServer curator, PageServer chronos) implements AutoCloseable {

        /** Starts the Curator pages, then the Chronos page; when the second cannot start, the first is closed. */
        static Servers start(InetAddress self, int port, PageHandler curatorPage, int chronosPort, PageHandler chronosPage)
                throws IOException {
            PageServer curator = PageServer.start("curator", curatorPage, bindings(self, port));
            try {
                return new Servers(curator, PageServer.start("chronos", chronosPage, bindings(self, chronosPort)));
            } catch (IOException | RuntimeException e) {
                curator.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                chronos.close();
            } finally {
                curator.close();
            }
        }
    }

    private static int checkedPort(String name, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(name + " (PID " + CuratorConfig.PID + ") must be a TCP port 1-65535, not " + port);
        }
        return port;
    }

    /** The node's address, and 127.0.0.1 too when that is not a loopback address. */
    private static List<InetSocketAddress> bindings(InetAddress self, int port) {
        List<InetSocketAddress> on = new ArrayList<>(List.of(new InetSocketAddress(self, port)));
        if (!self.isLoopbackAddress()) {
            on.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
        return on;
    }

    private static List<String> urls(PageServer s) {
        return s.addresses().stream().map(a -> "http://" + a.getHostString() + ":" + a.getPort() + "/").toList();
    }

    @Deactivate
    void deactivate() {
        servers.close();
    }

    @Override
    public String self() {
        return local.identity().address();
    }

    @Override
    public String build() {
        return local.identity().softwareVersion();
    }

    @Override
    public Instant upSince() {
        return upSince;
    }

    @Override
    public Optional<String> leader() {
        return curator.leader();
    }

    @Override
    public boolean isLeader() {
        return curator.isLeader();
    }

    @Override
    public Optional<Instant> leaderSince() {
        return curator.leaderSince();
    }

    @Override
    public long start(ScanType type, String reason) {
        return curator.start(type, reason);
    }

    @Override
    public Optional<CuratorStatus> status() {
        return curator.status();
    }

    @Override
    public List<CuratorService.Scan> queued() {
        return curator.queued();
    }

    @Override
    public ScanHistory history() {
        return curator.history();
    }

    @Override
    public Chronos.Snapshot chronos() {
        return curator.chronosSnapshot();
    }

    /** Every member's address by node id, from the cluster configuration. */
    @Override
    public Map<String, String> addresses() {
        Map<String, String> out = new LinkedHashMap<>();
        for (NodeIdentity n : zeus.cluster().nodes()) {
            out.put(n.uuid().toString(), n.address());
        }
        return out;
    }

    /** Members from the cluster configuration; up when the node has a Zeus presence, its Stargate when it announces one. */
    @Override
    public List<CuratorPage.NodeRow> nodes() {
        List<ServicePresence> presences = zeus.presences();
        Set<UUID> up = presences.stream().map(ServicePresence::node).collect(Collectors.toSet());
        Set<UUID> stargates = presences.stream().filter(p -> p.service().equals(STARGATE)).map(ServicePresence::node)
                .collect(Collectors.toSet());
        String leader = curator.leader().orElse("");
        List<CuratorPage.NodeRow> rows = new ArrayList<>();
        for (NodeIdentity n : zeus.cluster().nodes()) {
            boolean isUp = up.contains(n.uuid());
            String role = !isUp ? "-" : n.address().equals(leader) ? "Leader" : "Follower";
            rows.add(new CuratorPage.NodeRow(n.address(), role, isUp ? "UP" : "DOWN", stargates.contains(n.uuid()) ? "UP" : "DOWN",
                    n.softwareVersion()));
        }
        return rows;
    }
}
