package io.cairn.storage.stargate.internal.iscsi;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.storage.api.iscsi.Chap;
import io.cairn.storage.api.iscsi.DiscoveredTarget;
import io.cairn.storage.api.iscsi.LogicalUnit;
import io.cairn.storage.api.iscsi.LoginDecision;
import io.cairn.storage.api.iscsi.PortalAddresses;
import io.cairn.storage.api.iscsi.TargetCatalog;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.VDisk;

/**
 * The targets of a Stargate portal: one per vDisk, {@value #PREFIX}{@code <uuid>}, LUN 0. A login
 * is served here when this node owns the vDisk or nobody live does (the first I/O then takes it
 * over); when another live node owns it, it is redirected (temporarily) to that node's portal.
 * Discovery lists every vDisk with this portal's address: the login then goes where the data is.
 */
public final class VmDiskTargets implements TargetCatalog {

    /** The target-name prefix (spec 40 §7, naming authority {@code iqn.2010-06.org.cairn}). */
    public static final String PREFIX = "iqn.2010-06.org.cairn:vmdisk-";

    /** What the portal needs from Stargate. */
    public interface Disks {
        List<VDisk> all();

        Optional<VDisk> find(UUID vdisk);

        /** The owner now, if any. */
        Optional<UUID> owner(UUID vdisk);

        boolean alive(UUID node);

        UUID self();

        /** The node's portal address, {@code host:port}. */
        String portal(UUID node);

        io.cairn.storage.api.stargate.VDiskIo open(UUID vdisk);
    }

    private final Logger logger = LoggerFactory.getLogger(VmDiskTargets.class);
    private final Disks disks;
    private final int tpgt;

    public VmDiskTargets(Disks disks, int tpgt) {
        this.disks = disks;
        this.tpgt = tpgt;
    }

    public static String targetName(UUID vdisk) {
        return PREFIX + vdisk;
    }

    /** The vDisk a target name names, or empty (not one of ours, or malformed). */
    static Optional<UUID> vdiskOf(String targetName) {
        if (targetName == null || !targetName.startsWith(PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(targetName.substring(PREFIX.length())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<DiscoveredTarget> discover(String initiatorName, InetSocketAddress portal) {
        String here = PortalAddresses.targetAddress(portal, tpgt);
        List<DiscoveredTarget> out = new ArrayList<>();
        for (VDisk v : disks.all()) {
            out.add(new DiscoveredTarget(targetName(v.uuid()), List.of(here)));
        }
        return out;
    }

    @Override
    public Optional<Chap> discoveryChap(String initiatorName) {
        return Optional.empty(); // the host-internal portal: the hypervisor's own initiator
    }

    @Override
    public LoginDecision login(String initiatorName, String targetName, InetSocketAddress portal) {
        Optional<UUID> id = vdiskOf(targetName);
        if (id.isEmpty()) {
            return new LoginDecision.Refuse(2, 3, "no target " + targetName + " here: vDisk targets are " + PREFIX + "<vdisk uuid>");
        }
        Optional<VDisk> v;
        try {
            v = disks.find(id.get());
        } catch (StargateException e) {
            return new LoginDecision.Refuse(3, 1, "the vDisk catalog cannot be read now: " + e.getMessage());
        }
        if (v.isEmpty()) {
            return new LoginDecision.Refuse(2, 3, "no vDisk " + id.get() + " (target " + targetName + ")");
        }
        Optional<UUID> owner = disks.owner(id.get());
        if (owner.isPresent() && !owner.get().equals(disks.self()) && disks.alive(owner.get())) {
            String to = disks.portal(owner.get()) + "," + tpgt;
            logger.debug("login of {} to {}: redirected to its owner's portal {}", initiatorName, targetName, to);
            return new LoginDecision.Redirect(to, false);
        }
        return new LoginDecision.Serve(targetName, List.of(new LogicalUnit(0, disks.open(id.get()), id.get().toString())),
                Optional.empty());
    }
}
