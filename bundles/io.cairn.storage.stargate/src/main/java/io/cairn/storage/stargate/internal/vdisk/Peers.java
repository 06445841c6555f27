package io.cairn.storage.stargate.internal.vdisk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomains;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.rpc.RpcClient;

/**
 * The other Stargates: who is alive (Zeus presence {@code Stargate}), where they are, and the data
 * RPC to them. Replica choice keeps copies on distinct fault domains ({@link FaultDomains#spread}).
 */
public final class Peers {

    public static final String PRESENCE = io.cairn.storage.api.stargate.Stargate.PRESENCE;
    /**
     * A node reporting less free extent-store space than one full extent group (4 slots of 1 MiB) is
     * chosen for a new group only when no node with more room is left: otherwise a node whose disks
     * are full would keep being picked and every drain to it fail, until the OpLog backs up.
     */
    public static final long LOW_FREE_BYTES = (long) VDiskMeta.SLOTS_PER_EGROUP << 20;
    private final Zeus zeus;
    private final RpcClient rpc;
    private final UUID self;
    private final Duration deadline;
    private final Map<UUID, String> addresses = new java.util.concurrent.ConcurrentHashMap<>();

    public Peers(Zeus zeus, RpcClient rpc, UUID self, Duration deadline) {
        this.zeus = zeus;
        this.rpc = rpc;
        this.self = self;
        this.deadline = deadline;
    }

    public UUID self() {
        return self;
    }

    /** Nodes whose Stargate runs now (this one included when it announced). */
    public Set<UUID> alive() {
        Set<UUID> up = new HashSet<>();
        for (ServicePresence p : zeus.presences()) {
            if (p.service().equals(PRESENCE)) {
                up.add(p.node());
            }
        }
        return up;
    }

    /** Free extent-store bytes each live Stargate reported. */
    public Map<UUID, Long> free() {
        Map<UUID, Long> out = new java.util.HashMap<>();
        for (ServicePresence p : zeus.presences()) {
            if (p.service().equals(PRESENCE)) {
                String f = p.attributes().get("free");
                out.put(p.node(), f == null ? 0 : Long.parseLong(f));
            }
        }
        return out;
    }

    /** Whether {@code node} reported room for a full extent group in {@code free} (as {@link #free()} gives it). */
    public static boolean hasRoom(Map<UUID, Long> free, UUID node) {
        return free.getOrDefault(node, 0L) >= LOW_FREE_BYTES;
    }

    public ClusterConfig cluster() {
        return zeus.cluster();
    }

    /**
     * The node's RPC address. Addresses are kept after the first lookup (a node keeps its address while
     * it is a member), so the data path does not read Zeus per call; an unknown node re-reads the
     * cluster document once.
     */
    public String address(UUID node) {
        String known = addresses.get(node);
        if (known != null) {
            return known;
        }
        for (NodeIdentity n : zeus.cluster().nodes()) {
            addresses.put(n.uuid(), n.address());
        }
        known = addresses.get(node);
        if (known == null) {
            throw new IllegalStateException("node " + node + " is not in the cluster");
        }
        return known;
    }

    /**
     * {@code count} live nodes other than {@code exclude} on fault domains distinct from each other and
     * from {@code keep}'s, preferring those with room for a full extent group ({@link #LOW_FREE_BYTES}),
     * then those with the most free space (in GiB); fewer if the cluster has fewer.
     * {@code salt} rotates the choice among equals (e.g. per 1 GiB region of a vDisk), so load spreads.
     */
    public List<UUID> choose(int count, Set<UUID> exclude, List<UUID> keep, long salt) {
        if (count <= 0) {
            return List.of();
        }
        Set<UUID> up = alive();
        Map<UUID, Long> free = free();
        List<NodeIdentity> candidates = new ArrayList<>();
        for (NodeIdentity n : zeus.cluster().nodes()) {
            if (up.contains(n.uuid()) && !exclude.contains(n.uuid())) {
                candidates.add(n);
            }
        }
        candidates.sort(Comparator.<NodeIdentity, Boolean>comparing(n -> !hasRoom(free, n.uuid()))
                .thenComparingLong(n -> -(free.getOrDefault(n.uuid(), 0L) >> 30))
                .thenComparingLong(n -> Long.rotateLeft(n.uuid().getLeastSignificantBits() ^ salt * 0x9E3779B97F4A7C15L, 17)));
        List<NodeIdentity> all = new ArrayList<>();
        for (UUID k : keep) {
            zeus.cluster().node(k).ifPresent(all::add);
        }
        all.addAll(candidates);
        Set<UUID> keepSet = new HashSet<>(keep);
        List<NodeIdentity> spread = FaultDomains.spread(all, Math.min(keep.size() + count, all.size()), keepSet);
        List<UUID> out = new ArrayList<>();
        for (NodeIdentity n : spread) {
            if (!keepSet.contains(n.uuid()) && out.size() < count) {
                out.add(n.uuid());
            }
        }
        return out;
    }

    public CompletableFuture<byte[]> call(UUID node, String method, byte[] body) {
        return rpc.callAsync(address(node), method, body, deadline);
    }

    public byte[] callSync(UUID node, String method, byte[] body) throws io.cairn.cluster.rpc.RpcException {
        return rpc.call(address(node), method, body, deadline);
    }
}
