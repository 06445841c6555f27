package io.cairn.volumes.internal;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.NodeIdentity;
import io.cairn.common.error.CairnException;
import io.cairn.storage.api.iscsi.Chap;
import io.cairn.storage.api.iscsi.DiscoveredTarget;
import io.cairn.storage.api.iscsi.LogicalUnit;
import io.cairn.storage.api.iscsi.LoginDecision;
import io.cairn.storage.api.iscsi.PortalAddresses;
import io.cairn.storage.api.iscsi.TargetCatalog;
import io.cairn.storage.api.stargate.VDiskIo;

/**
 * The volume-group targets of one portal (spec 50 §1). Discovery lists, to an initiator, the targets
 * of the groups it is attached to that hold a disk, each at {@code <DSIP>:<port>,1} (this portal's
 * address while no DSIP is set). A login is refused with 0x0203 for a target that does not exist
 * and 0x0202 for an initiator that is not attached; otherwise the {@link Mode#REDIRECT DSIP portal}
 * redirects it (0x0101) to {@code <node-ip>:<port>,1} of the node {@link Targets#serving} picks, and
 * a {@link Mode#SERVE node portal} serves it (direct logins are accepted), with the attachment's
 * CHAP (user name: the initiator name; mutual with the group's target secret), whose failure the
 * engine answers with 0x0201.
 */
final class VolumeCatalog implements TargetCatalog {

    /** What a portal does with logins. */
    enum Mode {
        /** The data services IP portal: redirect every login. */
        REDIRECT,
        /** A node portal: serve. */
        SERVE
    }

    private final Logger logger = LoggerFactory.getLogger(VolumeCatalog.class);
    private final ClusterView cluster;
    private final Mode mode;
    private final int port;
    private final int tpgt;

    /** {@code port}: the Volumes port on every node and on the DSIP; {@code tpgt}: the portal group tag (1). */
    VolumeCatalog(ClusterView cluster, Mode mode, int port, int tpgt) {
        this.cluster = cluster;
        this.mode = mode;
        this.port = port;
        this.tpgt = tpgt;
    }

    @Override
    public List<DiscoveredTarget> discover(String initiatorName, InetSocketAddress portal) {
        String address = cluster.dsip().map(ip -> PortalAddresses.targetAddress(new InetSocketAddress(ip, port), tpgt))
                .orElse(PortalAddresses.targetAddress(portal, tpgt));
        List<DiscoveredTarget> out = new ArrayList<>();
        for (VolumeGroup vg : cluster.groups()) {
            vg.attachment(initiatorName).ifPresent(a -> {
                for (int k : Targets.targets(vg, a.numVirtualTargets())) {
                    out.add(new DiscoveredTarget(Targets.name(vg, k), List.of(address)));
                }
            });
        }
        return out;
    }

    @Override
    public Optional<Chap> discoveryChap(String initiatorName) {
        return Optional.empty(); // discovery shows an initiator only the names of the targets it may log in to
    }

    @Override
    public LoginDecision login(String initiatorName, String targetName, InetSocketAddress portal) {
        Optional<Targets.Ref> ref = Targets.parse(targetName);
        if (ref.isEmpty()) {
            return new LoginDecision.Refuse(2, 3, "no target " + targetName + ": volume group targets are " + Targets.PREFIX
                    + "<vg name>-<vg uuid>-tgt<k>");
        }
        Optional<VolumeGroup> group;
        try {
            group = cluster.group(ref.get().group());
        } catch (CairnException e) {
            return new LoginDecision.Refuse(3, 1, "the volume groups cannot be read now: " + e.getMessage());
        }
        if (group.isEmpty() || !group.get().uuid().equals(ref.get().uuid())) {
            return new LoginDecision.Refuse(2, 3, "no volume group " + ref.get().group() + " with uuid " + ref.get().uuid()
                    + " (target " + targetName + ")");
        }
        VolumeGroup vg = group.get();
        Optional<VolumeGroup.Attachment> attachment = vg.attachment(initiatorName);
        if (attachment.isEmpty()) {
            return new LoginDecision.Refuse(2, 2, "initiator " + initiatorName + " is not attached to volume group " + vg.name());
        }
        int n = attachment.get().numVirtualTargets();
        List<Targets.Lun> luns = Targets.luns(vg, n, ref.get().k());
        if (luns.isEmpty()) {
            return new LoginDecision.Refuse(2, 3, "volume group " + vg.name() + " has no target tgt" + ref.get().k() + " for "
                    + initiatorName + " (" + vg.disks().size() + " disks over " + n + " virtual targets)");
        }
        return mode == Mode.REDIRECT ? redirect(initiatorName, targetName) : serve(targetName, vg, attachment.get(), luns);
    }

    private LoginDecision redirect(String initiatorName, String targetName) {
        Optional<NodeIdentity> to = Targets.serving(targetName, cluster.nodes(), cluster.healthy());
        if (to.isEmpty()) {
            return new LoginDecision.Refuse(3, 1, "no node with a healthy Stargate can serve " + targetName + " now");
        }
        String address = PortalAddresses.targetAddress(new InetSocketAddress(to.get().address(), port), tpgt);
        logger.debug("login of {} to {} at the data services IP: redirected to {}", initiatorName, targetName, address);
        return new LoginDecision.Redirect(address, false);
    }

    private LoginDecision serve(String targetName, VolumeGroup vg, VolumeGroup.Attachment a, List<Targets.Lun> luns) {
        List<LogicalUnit> units = new ArrayList<>();
        try {
            for (Targets.Lun l : luns) {
                VDiskIo io = cluster.open(l.disk().vdisk());
                units.add(new LogicalUnit(l.lun(), io, l.disk().vdisk().toString()));
            }
        } catch (CairnException e) { // StargateException among them
            units.forEach(u -> u.io().close());
            return new LoginDecision.Refuse(3, 1, "a disk of " + targetName + " cannot be opened now: " + e.getMessage());
        }
        Optional<Chap> chap = Optional.ofNullable(a.initiatorSecret()).map(secret -> new Chap(a.iqn(), bytes(secret),
                Optional.ofNullable(vg.targetSecret()).map(VolumeCatalog::bytes)));
        return new LoginDecision.Serve(targetName, units, chap);
    }

    private static byte[] bytes(String secret) {
        return secret.getBytes(StandardCharsets.UTF_8);
    }
}
