package io.cairn.storage.stargate.internal.iscsi;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterJoin;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.iscsi.IscsiPortals;
import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalAddresses;
import io.cairn.storage.api.iscsi.PortalOptions;
import io.cairn.storage.api.iscsi.ReservationStore;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.api.stargate.VDiskIo;
import io.cairn.storage.stargate.internal.StargateConfig;
import io.cairn.storage.stargate.internal.StargateService;

/**
 * This node's Stargate iSCSI portal on {@code <node address>:<iscsi_port>} (3261): the vDisks as
 * targets ({@link VmDiskTargets}), persistent reservations in Zeus (the {@link ReservationStore} service, {@link ZeusReservations}).
 * Needs the iSCSI engine ({@code io.cairn.iscsi}); without it, or with {@code iscsi_port} 0, there
 * is no portal.
 */
@Component(immediate = true, configurationPid = StargateConfig.PID, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class IscsiFrontEnd {

    private final Logger logger = LoggerFactory.getLogger(IscsiFrontEnd.class);
    private final Portal portal;

    @Activate
    public IscsiFrontEnd(@Reference StargateService stargate, @Reference ClusterJoin join,
            @Reference IscsiPortals portals, @Reference ReservationStore reservations, StargateConfig config) throws Exception {
        if (config.iscsi__port() == 0) {
            this.portal = null;
            logger.info("Stargate iSCSI portal is off (iscsi_port=0)");
            return;
        }
        int port = config.iscsi__port();
        VmDiskTargets.Disks disks = new VmDiskTargets.Disks() {
            @Override
            public List<VDisk> all() {
                return stargate.allVDisks();
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
    }

    /** The portal's address (empty when off). */
    public Optional<InetSocketAddress> address() {
        return portal == null ? Optional.empty() : Optional.of(portal.address());
    }

    @Deactivate
    void deactivate() {
        if (portal != null) {
            portal.close();
        }
    }
}
