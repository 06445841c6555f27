package io.cairn.volumes.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.Leadership;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.api.vip.VirtualIp;
import io.cairn.cluster.api.vip.VirtualIpException;
import io.cairn.cluster.api.vip.VirtualIpSpec;
import io.cairn.cluster.api.vip.VirtualIps;
import io.cairn.common.clock.Clock;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.iscsi.IscsiPortals;
import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalAddresses;
import io.cairn.storage.api.iscsi.PortalOptions;
import io.cairn.storage.api.iscsi.ReservationStore;
import io.cairn.storage.api.iscsi.SessionInfo;
import io.cairn.storage.api.stargate.Stargate;

/**
 * This node's Volumes portals (spec 50 §1): {@code <node-ip>:<volumes_port>} serving the volume-group
 * targets ({@link VolumeCatalog.Mode#SERVE}), and, while this node is the elected iSCSI leader (Zeus
 * role {@value #ROLE}), the data services IP portal {@code <DSIP>:<volumes_port>} answering discovery
 * and redirecting logins ({@link VolumeCatalog.Mode#REDIRECT}). The DSIP portal is opened when
 * leadership is won or the DSIP is set, moved when the DSIP changes and closed when leadership is
 * lost. The address itself is held through the node's {@link VirtualIps}: in loopback mode (no
 * {@code volumes_dsip_interface}; a one-machine cluster's loopback alias) the leader only binds it; in
 * layer-2 mode the leader adds it to that interface and sends gratuitous ARPs before the portal binds,
 * and removes it after the portal closes (and, as a stale copy, when this node first sees the DSIP).
 * Runs {@link Failback} over the node portal. Persistent reservations are
 * kept in the node's {@link ReservationStore} (Stargate's, in Zeus). {@code volumes_port} 0: no portals.
 */
@Component(service = VolumesPortals.class, immediate = true, configurationPid = VolumesConfig.PID,
        property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class VolumesPortals {

    /** The Zeus election whose leader holds the data services IP. */
    static final String ROLE = "volumes";
    /** The portal group tag of every Volumes portal (spec 50 §1: 1 everywhere). */
    static final int TPGT = 1;
    private static final Duration FAILBACK_INTERVAL = Duration.ofSeconds(1);
    private static final Duration DSIP_RETRY = Duration.ofSeconds(5);

    private final Logger logger = LoggerFactory.getLogger(VolumesPortals.class);
    private final IscsiPortals portals;
    private final Clock clock;
    private final ClusterView cluster;
    private final PortalOptions options;
    private final int port;
    private final Duration quiesce;
    private final Portal nodePortal;
    private final Failback failback;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("volumes-dsip").daemon().factory());
    private final ExecutorService enders = Executors.newVirtualThreadPerTaskExecutor();
    private final Registration election;
    private final Registration dsipWatch;
    /** This node's {@value #PRESENCE} presence while its portal is open (null when the portals are off). */
    private final Registration presence;
    private final VirtualIps virtualIps;
    private final String dsipInterface;
    private final int dsipPrefixLength;
    /** Worker-thread state: the handle of the current DSIP on this node (held only while leader). */
    private VirtualIp dsipHandle;
    /** The Zeus presence of a node whose Volumes portal is open: what "healthy" means for redirects and failback. */
    static final String PRESENCE = "Volumes";
    /** Worker-thread state: the leadership held, the DSIP portal open and its address. */
    private Leadership leadership;
    private volatile Portal dsipPortal;
    private String dsipBound;
    private volatile boolean closed;

    @Activate
    public VolumesPortals(@Reference Zeus zeus, @Reference ClusterJoin join, @Reference IscsiPortals portals,
            @Reference ReservationStore reservations, @Reference Stargate stargate, @Reference Clock clock,
            @Reference VirtualIps virtualIps, VolumesConfig config) throws IOException {
        this.portals = portals;
        this.virtualIps = virtualIps;
        this.dsipInterface = config.volumes__dsip__interface() == null ? "" : config.volumes__dsip__interface().strip();
        this.dsipPrefixLength = config.volumes__dsip__prefix__length();
        if (!dsipInterface.isEmpty()) {
            if (dsipPrefixLength < 1 || dsipPrefixLength > 32) {
                throw new IllegalArgumentException("volumes_dsip_prefix_length " + dsipPrefixLength + " is not 1..32 (PID " + VolumesConfig.PID + ")");
            }
            try {
                virtualIps.checkInterface(dsipInterface);
            } catch (VirtualIpException e) {
                throw new IllegalArgumentException("volumes_dsip_interface (PID " + VolumesConfig.PID + "): " + e.getMessage(), e);
            }
        }
        this.clock = clock;
        this.port = config.volumes__port();
        this.quiesce = Duration.ofSeconds(config.volumes__quiesce__timeout__secs());
        this.options = PortalOptions.defaults(reservations);
        this.cluster = new ZeusClusterView(zeus, new VolumeStore(zeus), stargate, join.self().uuid());
        if (port == 0) {
            worker.shutdown();
            enders.shutdown();
            this.nodePortal = null;
            this.failback = null;
            this.election = null;
            this.dsipWatch = null;
            this.presence = null;
            logger.info("Volumes iSCSI portals are off (volumes_port=0)");
            return;
        }
        Portal opened = null;
        Failback looking = null;
        Registration watching = null;
        Registration electing;
        Registration announced = null;
        try {
            opened = portals.open(new InetSocketAddress(InetAddress.getByName(join.self().address()), port),
                    new VolumeCatalog(cluster, VolumeCatalog.Mode.SERVE, port, TPGT), options);
            // healthy for Volumes = this presence: the node's portal is open (Stargate up alone is not enough)
            announced = zeus.announce(PRESENCE, java.util.Map.of("portal", PortalAddresses.hostPort(opened.address())));
            Portal node = opened;
            looking = new Failback(clock, () -> Optional.of(node), cluster, FAILBACK_INTERVAL,
                    Duration.ofSeconds(config.volumes__failback__stable__secs()), quiesce, enders);
            looking.start();
            watching = zeus.watch(VolumeStore.DSIP, d -> submit(this::rebind));
            electing = zeus.elect(ROLE, new LeadershipListener() {
                @Override
                public void acquired(Leadership l) {
                    submit(() -> {
                        leadership = l;
                        logger.info("this node is the iSCSI leader (epoch {}): it holds the data services IP portal", l.epoch());
                        rebind();
                    });
                }

                @Override
                public void lost(Leadership l) {
                    submit(() -> {
                        if (leadership == l) {
                            leadership = null;
                            logger.info("this node is no longer the iSCSI leader (epoch {}): the data services IP portal closes", l.epoch());
                            rebind();
                        }
                    });
                }
            });
        } catch (IOException | RuntimeException e) {
            // a failed activation leaves nothing behind: the next one can bind the port again
            closed = true;
            closeAll(watching, looking, announced, opened);
            worker.shutdownNow();
            enders.shutdownNow();
            throw e;
        }
        this.nodePortal = opened;
        logger.info("Volumes iSCSI portal on {}", PortalAddresses.hostPort(nodePortal.address()));
        this.failback = looking;
        this.dsipWatch = watching;
        this.election = electing;
        this.presence = announced;
    }

    private void submit(Runnable r) {
        if (!closed) {
            try {
                worker.execute(r);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // deactivating
            }
        }
    }

    /** Opens, moves or closes the DSIP portal to match leadership and the DSIP document (worker thread). */
    private void rebind() {
        if (closed) {
            return;
        }
        boolean leader = leadership != null && leadership.valid();
        Optional<String> dsip;
        try {
            dsip = cluster.dsip();
        } catch (RuntimeException e) {
            if (!leader) { // not the leader (e.g. the Zeus session is lost): give the DSIP up without reading anything
                closeDsip();
                return;
            }
            logger.info("the data services IP cannot be read now ({}); trying again in {}", e.getMessage(), DSIP_RETRY);
            clock.schedule(DSIP_RETRY, () -> submit(this::rebind));
            return;
        }
        Optional<String> want = leader ? dsip : Optional.empty();
        if (dsip.isPresent() && (dsipHandle == null || !dsipHandle.spec().address().equals(dsip.get()))) {
            closeDsip();
            releaseHandle();
            try {
                // opening removes a stale copy of the address this node may have left (killed while leader)
                dsipHandle = virtualIps.open(dsipInterface.isEmpty() ? VirtualIpSpec.loopback(dsip.get())
                        : VirtualIpSpec.layer2(dsip.get(), dsipInterface, dsipPrefixLength));
            } catch (VirtualIpException e) {
                logger.warn("the data services IP cannot be held by this node: {}; trying again in {}", e.getMessage(), DSIP_RETRY);
                clock.schedule(DSIP_RETRY, () -> submit(this::rebind));
                return;
            }
        }
        if (want.orElse("").equals(dsipBound == null ? "" : dsipBound)) {
            return;
        }
        closeDsip();
        if (want.isEmpty()) {
            return;
        }
        try {
            VirtualIp held = dsipHandle;
            held.acquire().whenComplete((sent, failure) -> {
                if (failure == null && sent > 0) {
                    logger.info("data services IP {} announced with {} gratuitous ARPs", held.spec(), sent);
                }
            });
        } catch (VirtualIpException e) {
            logger.warn("the data services IP {} cannot be taken: {}; trying again in {}", dsipHandle.spec(), e.getMessage(), DSIP_RETRY);
            clock.schedule(DSIP_RETRY, () -> submit(this::rebind));
            return;
        }
        try {
            dsipPortal = portals.open(new InetSocketAddress(InetAddress.getByName(want.get()), port),
                    new VolumeCatalog(cluster, VolumeCatalog.Mode.REDIRECT, port, TPGT), options);
            dsipBound = want.get();
            logger.info("data services IP portal on {}", PortalAddresses.hostPort(dsipPortal.address()));
        } catch (IOException e) {
            logger.warn("the data services IP portal cannot listen on {}:{} ({}); is the address on this node? Trying again in {}",
                    want.get(), port, e.getMessage(), DSIP_RETRY);
            clock.schedule(DSIP_RETRY, () -> submit(this::rebind));
        }
    }

    /** Closes the DSIP portal, then gives the address up (layer 2: removed from the interface). */
    private void closeDsip() {
        Portal p = dsipPortal;
        dsipPortal = null;
        dsipBound = null;
        if (p != null) {
            logger.info("data services IP portal on {} closed", PortalAddresses.hostPort(p.address()));
            p.close();
        }
        VirtualIp h = dsipHandle;
        if (h != null && h.held()) {
            try {
                h.release();
            } catch (VirtualIpException e) {
                logger.warn("the data services IP could not be given up: {}", e.getMessage());
            }
        }
    }

    private void releaseHandle() {
        VirtualIp h = dsipHandle;
        dsipHandle = null;
        if (h != null) {
            try {
                h.close();
            } catch (VirtualIpException e) {
                logger.warn("the data services IP could not be given up: {}", e.getMessage());
            }
        }
    }

    /** This node's portal address (empty when off). */
    Optional<InetSocketAddress> nodeAddress() {
        return Optional.ofNullable(nodePortal).map(Portal::address);
    }

    /** The DSIP portal's address while this node holds it. */
    Optional<InetSocketAddress> dsipAddress() {
        return Optional.ofNullable(dsipPortal).map(Portal::address);
    }

    /** The target sessions the node portal serves now. */
    List<SessionInfo> sessions() {
        return nodePortal == null ? List.of() : nodePortal.sessions().stream().filter(s -> !s.discovery()).toList();
    }

    /** Ends the matching sessions of the node portal (quiesced for up to {@code volumes_quiesce_timeout_secs}); returns how many. */
    int endSessions(Predicate<SessionInfo> which) {
        return nodePortal == null ? 0 : nodePortal.endSessions(which, quiesce.toMillis());
    }

    Duration quiesce() {
        return quiesce;
    }

    int port() {
        return port;
    }

    ClusterView cluster() {
        return cluster;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        closed = true;
        closeAll(failback, election, dsipWatch, presence); // the presence before the portal: no login is sent here any more
        worker.shutdown();
        worker.awaitTermination(10, TimeUnit.SECONDS);
        closeDsip();
        releaseHandle();
        closeAll(nodePortal);
        enders.shutdownNow();
    }

    /** Closes each of {@code resources} that exists, in order; one that fails is logged and the rest still close. */
    private void closeAll(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                logger.info("closing {} failed: {}", r, e.toString());
            }
        }
    }
}
