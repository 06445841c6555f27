package io.cairn.storage.curator.internal.scan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The map phase of a scan, run by the Curator leader: every node runs the map tasks of its
 * assignment ({@link MapTaskAssigner}) at once, the leader its own share meanwhile. A node whose
 * map tasks fail or do not answer in time has them run by the leader, and a last pass by the
 * leader picks up every vDisk no map task returned (created meanwhile, or all of them when no
 * map task could be assigned), so nothing goes unscanned.
 */
public final class MapPhase {

    /** Starts map tasks on another node. */
    @FunctionalInterface
    public interface Remote {
        /**
         * Starts the map task over {@code shards} on {@code node}. The future completes with its
         * output or fails (e.g. the node is unreachable, or the RPC deadline passed).
         */
        CompletableFuture<List<VDiskScan>> start(UUID node, List<Integer> shards);
    }

    /**
     * One node's share of a scan.
     *
     * @param node    the node the map tasks were assigned to
     * @param shards  its map tasks: the Medusa shards it scans
     * @param ranOn   the node that ran them: {@code node}, or the leader when they failed there
     * @param vdisks  vDisks scanned
     * @param egroups extent-group records scanned
     * @param failure why they did not run on {@code node} (null when they did)
     */
    public record Report(UUID node, List<Integer> shards, UUID ranOn, long vdisks, long egroups, String failure) {
        /** Copies the shards. */
        public Report {
            shards = List.copyOf(shards);
        }
    }

    /**
     * The map phase's output.
     *
     * @param scans    every vDisk scanned, with its extent groups
     * @param reports  per node of the assignment, in node order
     * @param leftOver vDisks outside every map task's output, scanned by the leader's last pass
     */
    public record Outcome(List<VDiskScan> scans, List<Report> reports, long leftOver) {
        /** Copies the lists. */
        public Outcome {
            scans = List.copyOf(scans);
            reports = List.copyOf(reports);
        }
    }

    private final Logger logger = LoggerFactory.getLogger(MapPhase.class);
    private final UUID self;
    private final Remote remote;
    private final ScanSource local;
    private final Duration wait;

    /**
     * @param self   the leader (this node)
     * @param remote starts map tasks on other nodes
     * @param local  this node's catalog and metadata, for its own share and the fall-backs
     * @param wait   how long to wait for another node's map tasks (after the leader ran its own)
     */
    public MapPhase(UUID self, Remote remote, ScanSource local, Duration wait) {
        this.self = Objects.requireNonNull(self, "self");
        this.remote = Objects.requireNonNull(remote, "remote");
        this.local = Objects.requireNonNull(local, "local");
        this.wait = Objects.requireNonNull(wait, "wait");
    }

    /**
     * Runs the map tasks of {@code assignment} (null: none could be assigned; the leader scans
     * everything itself).
     */
    public Outcome run(MapTaskAssignment assignment) throws InterruptedException {
        Map<UUID, List<Integer>> plan = assignment == null ? Map.of() : assignment.shardsOfNode();
        Map<UUID, CompletableFuture<List<VDiskScan>>> started = new LinkedHashMap<>();
        for (Map.Entry<UUID, List<Integer>> e : plan.entrySet()) {
            if (!e.getKey().equals(self) && !e.getValue().isEmpty()) {
                CompletableFuture<List<VDiskScan>> f;
                try {
                    f = remote.start(e.getKey(), e.getValue());
                } catch (RuntimeException ex) {
                    f = CompletableFuture.failedFuture(ex);
                }
                started.put(e.getKey(), f);
            }
        }
        List<VDiskScan> scans = new ArrayList<>();
        Map<UUID, Report> reports = new TreeMap<>();
        try {
            // the leader's own share (and nodes given none) while the others run theirs
            for (Map.Entry<UUID, List<Integer>> e : plan.entrySet()) {
                if (!started.containsKey(e.getKey())) {
                    List<VDiskScan> out = MapTask.run(local, e.getValue(), () -> false);
                    scans.addAll(out);
                    reports.put(e.getKey(), report(e.getKey(), e.getValue(), e.getKey(), out, null));
                }
            }
            for (Map.Entry<UUID, CompletableFuture<List<VDiskScan>>> e : started.entrySet()) {
                UUID node = e.getKey();
                List<Integer> shards = plan.get(node);
                List<VDiskScan> out;
                try {
                    out = e.getValue().get(wait.toMillis(), TimeUnit.MILLISECONDS);
                    reports.put(node, report(node, shards, node, out, null));
                } catch (ExecutionException | TimeoutException ex) {
                    e.getValue().cancel(true);
                    String why = describe(ex);
                    logger.info("the map tasks of node {} (shards {}) failed: {}; the Curator leader runs them itself", node, shards, why);
                    out = MapTask.run(local, shards, () -> false);
                    reports.put(node, report(node, shards, self, out, why));
                }
                scans.addAll(out);
            }
        } finally {
            started.values().forEach(f -> f.cancel(true)); // done by now, unless interrupted
        }
        Set<UUID> seen = new HashSet<>();
        scans.forEach(s -> seen.add(s.vdisk().uuid()));
        List<VDiskScan> rest = MapTask.rest(local, seen);
        if (assignment == null) {
            logger.info("no map tasks were assigned: the Curator leader scanned all {} vDisk(s) itself", rest.size());
        } else if (!rest.isEmpty()) {
            logger.info("{} vDisk(s) outside the map tasks' output (created during the scan, or the shard map changed): "
                    + "the Curator leader scanned them itself", rest.size());
        }
        scans.addAll(rest);
        return new Outcome(scans, new ArrayList<>(reports.values()), rest.size());
    }

    private static Report report(UUID node, List<Integer> shards, UUID ranOn, List<VDiskScan> out, String failure) {
        long egroups = out.stream().mapToLong(s -> s.egroups().size()).sum();
        return new Report(node, shards, ranOn, out.size(), egroups, failure);
    }

    private String describe(Exception ex) {
        if (ex instanceof TimeoutException) {
            return "no answer within " + (wait.toMillis() % 1000 == 0 ? wait.toSeconds() + " s" : wait.toMillis() + " ms");
        }
        Throwable c = ex.getCause() == null ? ex : ex.getCause();
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
