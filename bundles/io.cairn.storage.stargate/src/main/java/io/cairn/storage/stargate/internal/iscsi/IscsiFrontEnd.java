package io.cairn.storage.stargate.internal.iscsi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.osgi.framework.BundleContext;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.ClusterMembership;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.clock.Clock;
import io.cairn.common.clock.Timer;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.iscsi.IscsiPortals;
import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalAddresses;
import io.cairn.storage.api.iscsi.PortalOptions;
import io.cairn.storage.api.iscsi.ReservationStore;
import io.cairn.storage.api.iscsi.SessionInfo;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.api.stargate.VDiskIo;
import io.cairn.storage.stargate.internal.StargateConfig;
import io.cairn.storage.stargate.internal.StargateService;

/**
 * This node's Stargate iSCSI portal on {@code <node address>:<iscsi_port>} (3261): the vDisks as
 * targets ({@link VmDiskTargets}), persistent reservations in Zeus (the {@link ReservationStore} service, {@link ZeusReservations}).
 * Needs the iSCSI engine ({@code io.cairn.iscsi}); without it, or with {@code iscsi_port} 0, there
 * is no portal.
 *
 * <p>For the host's iSCSI redirector (spec 40 §7, its own process next to the controller) it keeps
 * {@code <home>/run/stargate-portals} ({@link PortalsFile}) equal to the members' portals (checked
 * every {@value #PORTALS_REFRESH_SECS} s), and answers the cluster RPC methods
 * {@value #SESSIONS} (the portal's sessions) and {@value #END_SESSIONS} (failback: end the
 * sessions of the named initiator and target pairs), both for nodes and the admin only.
 */
@Component(service = RpcHandler.class, immediate = true, configurationPid = StargateConfig.PID, property = {
        ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE, RpcHandler.METHOD + "=" + IscsiFrontEnd.SESSIONS,
        RpcHandler.METHOD + "=" + IscsiFrontEnd.END_SESSIONS, RpcHandler.METHOD + "=" + IscsiFrontEnd.CLAIM_TARGETS})
public final class IscsiFrontEnd implements RpcHandler {

    /** RPC: the portal's sessions, {@code {"portal": "ip:port", "sessions": [{initiator, isid, tsih, target, peer, commands}]}}. */
    public static final String SESSIONS = "iscsi.sessions";
    /**
     * RPC: ends the sessions of {@code {"sessions": [{"initiator": IQN, "target": IQN}], "quiesce_millis": N}} (both names
     * must match; {@code quiesce_millis} defaults to {@value #QUIESCE_MILLIS}); answers {@code {"ended": n}}.
     */
    public static final String END_SESSIONS = "iscsi.end_sessions";
    /**
     * RPC, for this node's own redirector (and the admin) only: serve the vDisks of {@code {"targets": [IQN, ...]}} here
     * (failback; spec 20 ownership follows the VM): each owner elsewhere hands its vDisk over first. Answers
     * {@code {"claimed": n, "failed": {IQN: reason}}}; targets that are not vDisks are skipped.
     */
    public static final String CLAIM_TARGETS = "iscsi.claim_targets";
    static final long QUIESCE_MILLIS = 2000;
    static final long PORTALS_REFRESH_SECS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Logger logger = LoggerFactory.getLogger(IscsiFrontEnd.class);
    private final Portal portal;
    private final ClusterMembership membership;
    private final ClusterJoin join;
    private final Clock clock;
    private final Path portalsFile;
    private final StargateService stargate;
    private String portalsWritten;
    private Timer portalsTimer;
    private boolean closed;

    @Activate
    public IscsiFrontEnd(@Reference StargateService stargate, @Reference ClusterJoin join, @Reference ReservationStore reservations,
            @Reference IscsiPortals portals, @Reference ClusterMembership membership, @Reference Clock clock, StargateConfig config,
            BundleContext context) throws Exception {
        this.membership = membership;
        this.stargate = stargate;
        this.join = join;
        this.clock = clock;
        String home = context.getProperty("cairn.home");
        this.portalsFile = home == null ? null : Path.of(home).resolve(PortalsFile.PATH);
        if (config.iscsi__port() == 0) {
            this.portal = null;
            logger.info("Stargate iSCSI portal is off (iscsi_port=0)");
            return;
        }
        int port = config.iscsi__port();
        VmDiskTargets.Disks disks = new VmDiskTargets.Disks() {
            @Override
            public List<VDisk> all() {
                return stargate.vdisks();
            }

            @Override
            public Optional<VDisk> find(UUID vdisk) {
                return stargate.vdisk(vdisk);
            }

            @Override
            public Optional<UUID> owner(UUID vdisk) {
                return stargate.ownerNow(vdisk);
            }

            @Override
            public boolean alive(UUID node) {
                return stargate.liveNodes().contains(node);
            }

            @Override
            public UUID self() {
                return join.self().uuid();
            }

            @Override
            public String portal(UUID node) {
                return stargate.nodeAddress(node) + ":" + port;
            }

            @Override
            public VDiskIo open(UUID vdisk) {
                return stargate.open(vdisk);
            }
        };
        PortalOptions options = PortalOptions.defaults(reservations);
        this.portal = portals.open(new InetSocketAddress(InetAddress.getByName(join.self().address()), port),
                new VmDiskTargets(disks, options.portalGroupTag()), options);
        logger.info("Stargate iSCSI portal on {} (targets {}<vdisk uuid>, LUN 0; logins for vDisks owned elsewhere are redirected)",
                PortalAddresses.hostPort(portal.address()), VmDiskTargets.PREFIX);
        if (portalsFile != null) {
            synchronized (this) {
                portalsTimer = clock.schedule(Duration.ZERO, this::refreshPortalsFile); // membership reads Zeus: not on activation
            }
        }
    }

    /** Rewrites the redirector's portal list when the members changed, then again in {@value #PORTALS_REFRESH_SECS} s. */
    private void refreshPortalsFile() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        try {
            int port = portal.address().getPort();
            String local = PortalAddresses.hostPort(portal.address());
            Set<String> members = new HashSet<>();
            java.util.Collection<NodeIdentity> nodes;
            try {
                nodes = membership.members().values();
            } catch (RuntimeException e) {
                if (portalsWritten != null) {
                    throw e;
                }
                nodes = join.config().nodes(); // Zeus unreachable and no list yet: the configuration this node joined with
            }
            for (NodeIdentity n : nodes) {
                members.add(PortalAddresses.hostPort(InetSocketAddress.createUnresolved(n.address(), port)));
            }
            String text = PortalsFile.render(local, members);
            if (!text.equals(portalsWritten)) {
                PortalsFile.write(portalsFile, text);
                portalsWritten = text;
                logger.info("Stargate iSCSI portals for the host's redirector written to {}: local {}, remote {}", portalsFile, local,
                        PortalsFile.remotes(text));
            }
        } catch (IOException | RuntimeException e) {
            logger.info("cannot write the Stargate portal list {} for the iSCSI redirector (retrying in {} s): {}", portalsFile,
                    PORTALS_REFRESH_SECS, e.toString());
        }
        synchronized (this) {
            if (!closed) {
                portalsTimer = clock.schedule(Duration.ofSeconds(PORTALS_REFRESH_SECS), this::refreshPortalsFile);
            }
        }
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        if (!call.principal().startsWith("node:") && !call.principal().equals("admin")) {
            throw new CairnException(ErrorCode.PERMISSION_DENIED,
                    call.method() + " is for cluster nodes (their iSCSI redirectors) and the admin, not " + call.principal());
        }
        if (portal == null) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION,
                    "this node's Stargate iSCSI portal is off (iscsi_port=0); set iscsi_port in " + StargateConfig.PID + " to serve iSCSI");
        }
        JsonNode body = call.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(call.body());
        Map<String, Object> out = new LinkedHashMap<>();
        switch (call.method()) {
            case SESSIONS -> {
                List<Map<String, Object>> list = new ArrayList<>();
                for (SessionInfo s : portal.sessions()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("initiator", s.initiatorName());
                    m.put("isid", s.isid());
                    m.put("tsih", s.tsih());
                    m.put("target", s.targetName());
                    m.put("peer", s.initiator() == null ? null : PortalAddresses.hostPort(s.initiator()));
                    m.put("commands", s.commands());
                    list.add(m);
                }
                out.put("portal", PortalAddresses.hostPort(portal.address()));
                out.put("sessions", list);
            }
            case END_SESSIONS -> {
                Set<List<String>> pairs = new HashSet<>();
                JsonNode sessions = body.path("sessions");
                if (!sessions.isArray()) {
                    throw CairnException.invalid(END_SESSIONS + " needs \"sessions\": [{\"initiator\": IQN, \"target\": IQN}, ...]");
                }
                for (JsonNode s : sessions) {
                    String initiator = s.path("initiator").asText("");
                    String target = s.path("target").asText("");
                    if (initiator.isEmpty() || target.isEmpty()) {
                        throw CairnException.invalid(END_SESSIONS + ": every session needs an \"initiator\" and a \"target\" name, not " + s);
                    }
                    pairs.add(List.of(initiator, target));
                }
                long quiesce = body.path("quiesce_millis").asLong(QUIESCE_MILLIS);
                if (quiesce < 0 || quiesce > 60_000) {
                    throw CairnException.invalid(END_SESSIONS + ": quiesce_millis must be 0..60000, not " + quiesce);
                }
                int ended = pairs.isEmpty() ? 0
                        : portal.endSessions(s -> !s.discovery() && pairs.contains(List.of(s.initiatorName(), s.targetName())), quiesce);
                logger.info("iSCSI: {} ended {} session(s) of {} for {}", call.principal(), ended, pairs, call.peer());
                out.put("ended", ended);
            }
            case CLAIM_TARGETS -> {
                if (!call.principal().equals("node:" + join.self().uuid()) && !call.principal().equals("admin")) {
                    throw new CairnException(ErrorCode.PERMISSION_DENIED, CLAIM_TARGETS
                            + " is for this node's own iSCSI redirector and the admin, not " + call.principal());
                }
                JsonNode targets = body.path("targets");
                if (!targets.isArray()) {
                    throw CairnException.invalid(CLAIM_TARGETS + " needs \"targets\": [IQN, ...]");
                }
                int claimed = 0;
                Map<String, String> failed = new LinkedHashMap<>();
                for (JsonNode t : targets) {
                    Optional<UUID> vdisk = VmDiskTargets.vdiskOf(t.asText(""));
                    if (vdisk.isEmpty()) {
                        continue;
                    }
                    try {
                        if (stargate.claim(vdisk.get())) {
                            claimed++;
                        } else {
                            failed.put(t.asText(), "another Stargate took it first");
                        }
                    } catch (RuntimeException e) {
                        failed.put(t.asText(), e.getMessage() == null ? e.toString() : e.getMessage());
                    }
                }
                logger.info("iSCSI: {} claimed {} vDisk(s) of {} for this node{}", call.principal(), claimed, targets,
                        failed.isEmpty() ? "" : "; not claimed: " + failed);
                out.put("claimed", claimed);
                out.put("failed", failed);
            }
            default -> throw CairnException.notFound("no method " + call.method());
        }
        return JSON.writeValueAsBytes(out);
    }

    /** The portal's address (empty when off). */
    public Optional<InetSocketAddress> address() {
        return portal == null ? Optional.empty() : Optional.of(portal.address());
    }

    @Deactivate
    void deactivate() {
        Timer t;
        synchronized (this) {
            closed = true;
            t = portalsTimer;
        }
        if (t != null) {
            t.cancel();
        }
        if (portal != null) {
            portal.close();
        }
    }
}
