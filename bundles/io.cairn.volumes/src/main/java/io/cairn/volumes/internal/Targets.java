package io.cairn.volumes.internal;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.cairn.cluster.api.NodeIdentity;
import io.cairn.storage.api.iscsi.Rendezvous;

/**
 * The virtual targets of a volume group (spec 50 §1) and where each is served. An attachment with
 * {@code num_virtual_targets} N spreads the disks over targets
 * {@code iqn.2010-06.org.cairn:<vg-name>-<vg-uuid>-tgt<k>}: disk index d is LUN {@code d div N} of
 * target {@code d mod N}. With indexes 0..n−1 (no disk deleted) the targets are k = 0..min(n, N)−1 as
 * the spec lists them; after deletions, the targets are those that still hold a disk. A target's
 * affinity node is the rendezvous winner of {@code hash(target IQN, node id)} over all nodes; it is
 * served there when that node is healthy, else on the best-ranked healthy node.
 */
final class Targets {

    static final String PREFIX = "iqn.2010-06.org.cairn:";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX)
            + "([a-z0-9][a-z0-9.-]*)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-tgt(\\d{1,2})");

    /** A target name taken apart. */
    record Ref(String group, UUID uuid, int k) {
    }

    /** A disk as a LUN of a target. */
    record Lun(int lun, VolumeGroup.Disk disk) {
    }

    private Targets() {
    }

    static String name(VolumeGroup vg, int k) {
        return PREFIX + vg.name() + "-" + vg.uuid() + "-tgt" + k;
    }

    static Optional<Ref> parse(String targetName) {
        if (targetName == null) {
            return Optional.empty();
        }
        Matcher m = NAME.matcher(targetName);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Ref(m.group(1), UUID.fromString(m.group(2)), Integer.parseInt(m.group(3))));
    }

    /** The target numbers k that hold at least one disk with N = {@code n}. */
    static SortedSet<Integer> targets(VolumeGroup vg, int n) {
        SortedSet<Integer> out = new TreeSet<>();
        vg.disks().forEach(d -> out.add(d.index() % n));
        return out;
    }

    /** The LUNs of target {@code k} with N = {@code n}, by LUN. */
    static List<Lun> luns(VolumeGroup vg, int n, int k) {
        return vg.disks().stream().filter(d -> d.index() % n == k).map(d -> new Lun(d.index() / n, d)).toList();
    }

    /** The target's affinity node: the rendezvous winner over {@code nodes}. */
    static Optional<NodeIdentity> affinity(String targetName, Collection<NodeIdentity> nodes) {
        return Rendezvous.rank(targetName, nodes, n -> n.uuid().toString()).stream().findFirst();
    }

    /** Where a login to the target goes now: the best-ranked of {@code nodes} that is {@code healthy}; empty when none is. */
    static Optional<NodeIdentity> serving(String targetName, Collection<NodeIdentity> nodes, Set<UUID> healthy) {
        return Rendezvous.rank(targetName, nodes, n -> n.uuid().toString()).stream().filter(n -> healthy.contains(n.uuid())).findFirst();
    }
}
