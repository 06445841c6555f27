package io.cairn.storage.curator.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.common.clock.Clock;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.ShardStatus;
import io.cairn.storage.api.stargate.Container;
import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.Stargate;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.curator.internal.scan.MapPhase;
import io.cairn.storage.curator.internal.scan.MapTask;
import io.cairn.storage.curator.internal.scan.MapTaskAssigner;
import io.cairn.storage.curator.internal.scan.MapTaskAssignment;
import io.cairn.storage.curator.internal.scan.MapTaskWire;
import io.cairn.storage.curator.internal.scan.ScanSource;
import io.cairn.storage.curator.internal.scan.VDiskScan;

/**
 * A scan's map tasks (spec 20 §21), on every node: {@link #serve} runs the ones the Curator leader
 * sends ({@value CuratorRpc#MAP_TASK}: list every vDisk, keep those whose metadata lies in the
 * given Medusa shards, read their extent-group records); {@link #runAll}, on the leader, assigns
 * one map task per shard to the live nodes (to each the shards it leads, balanced to about 1/N),
 * starts them at once and collects their output.
 */
@Component(service = MapTaskRunner.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class MapTaskRunner implements ScanSource {

    /** Extra wait, beyond the RPC deadline, before the leader gives up on a node's map tasks. */
    static final Duration WAIT_MARGIN = Duration.ofSeconds(5);

    private final Logger logger = LoggerFactory.getLogger(MapTaskRunner.class);
    private final Stargate stargate;
    private final ExtentGroups egroups;
    private final Medusa medusa;
    private final Zeus zeus;
    private final RpcClient rpc;
    private final Clock clock;

    @Activate
    public MapTaskRunner(@Reference Stargate stargate, @Reference ExtentGroups egroups, @Reference Medusa medusa, @Reference Zeus zeus,
            @Reference RpcClient rpc, @Reference Clock clock) {
        this.stargate = stargate;
        this.egroups = egroups;
        this.medusa = medusa;
        this.zeus = zeus;
        this.rpc = rpc;
        this.clock = clock;
    }

    // ---------------------------------------------------------------- the map task, on any node

    /** Runs one map task request (from the leader) here; stops when the caller's deadline passed. */
    byte[] serve(byte[] request, Instant deadline) {
        List<Integer> shards = MapTaskWire.shards(request);
        long started = clock.millis();
        List<VDiskScan> out = MapTask.run(MapTaskWire.garbage(request) ? this : withoutGarbage(), shards,
                () -> clock.now().isAfter(deadline));
        logger.debug("map tasks over shards {}: {} vDisk(s), {} extent group(s) in {} ms", shards, out.size(),
                out.stream().mapToLong(s -> s.egroups().size()).sum(), clock.millis() - started);
        return MapTaskWire.reply(out);
    }

    /** Every vDisk of every container (a container removed meanwhile has none left to scan). */
    @Override
    public List<VDisk> vdisks() {
        List<VDisk> out = new ArrayList<>();
        for (Container c : stargate.containers()) {
            try {
                out.addAll(stargate.vdisks(c.name()));
            } catch (StargateException e) {
                if (e.reason() != StargateException.Reason.NOT_FOUND) {
                    throw e;
                }
            }
        }
        return out;
    }

    @Override
    public int metadataShard(UUID vdisk) {
        return egroups.metadataShard(vdisk);
    }

    @Override
    public Optional<List<ExtentGroups.ExtentGroup>> egroups(UUID vdisk) {
        try {
            return Optional.of(egroups.list(vdisk));
        } catch (StargateException e) {
            if (e.reason() == StargateException.Reason.NOT_FOUND) {
                return Optional.empty(); // deleted meanwhile: nothing left to scan
            }
            throw e;
        }
    }

    @Override
    public List<Long> unreferenced(UUID vdisk) {
        try {
            return egroups.unreferenced(vdisk);
        } catch (StargateException e) {
            if (e.reason() == StargateException.Reason.NOT_FOUND) {
                return List.of(); // deleted meanwhile: its groups went with it
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- the map phase, on the leader

    /**
     * The map phase of a scan: one map task per Medusa shard, on the live node leading it (balanced
     * to within ±20 % of 1/N), all started at once; a node's tasks that fail or outlast
     * {@code timeout} run here instead. Call it after the inventories were read.
     *
     * @param self this node (the leader)
     * @param live the nodes whose Stargate is alive: the ones that run map tasks
     * @param garbage whether to list each vDisk's unreferenced extent groups too (full scans: it reads every block map)
     */
    MapPhase.Outcome runAll(UUID self, Set<UUID> live, Duration timeout, boolean garbage) throws InterruptedException {
        MapTaskAssignment assignment = null;
        try {
            List<Integer> shards = new ArrayList<>();
            Map<Integer, UUID> leaders = new TreeMap<>();
            for (ShardStatus s : medusa.shards()) {
                shards.add(s.shard());
                if (s.leader() != null) {
                    leaders.put(s.shard(), s.leader());
                }
            }
            assignment = MapTaskAssigner.assign(shards, leaders, live);
        } catch (RuntimeException e) {
            logger.info("the scan's map tasks cannot be assigned ({}); the Curator leader scans every vDisk itself", e.getMessage());
        }
        MapPhase.Remote remote = (node, shards) -> {
            String address = zeus.cluster().node(node).map(NodeIdentity::address)
                    .orElseThrow(() -> new IllegalStateException("node " + node + " is not in the cluster"));
            return rpc.callAsync(address, CuratorRpc.MAP_TASK, MapTaskWire.request(shards, garbage), timeout)
                    .thenApply(MapTaskWire::scans);
        };
        return new MapPhase(self, remote, garbage ? this : withoutGarbage(), timeout.plus(WAIT_MARGIN)).run(assignment);
    }

    /** The map phase as the status document shows it: per node its address, shards, where they ran and what they scanned. */
    List<CuratorStatus.MapTasks> status(MapPhase.Outcome outcome) {
        List<CuratorStatus.MapTasks> out = new ArrayList<>();
        for (MapPhase.Report r : outcome.reports()) {
            out.add(new CuratorStatus.MapTasks(r.node().toString(), address(r.node()), r.shards(), address(r.ranOn()), r.vdisks(),
                    r.egroups(), r.failure()));
        }
        return out;
    }

    private String address(UUID node) {
        return zeus.cluster().node(node).map(NodeIdentity::address).orElse(node.toString());
    }
}
