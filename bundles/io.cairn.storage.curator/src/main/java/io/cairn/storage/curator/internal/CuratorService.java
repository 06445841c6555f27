package io.cairn.storage.curator.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.api.Leadership;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.clock.Clock;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.curator.internal.chronos.Chronos;
import io.cairn.storage.curator.internal.chronos.CuratorTasks;
import io.cairn.storage.curator.internal.chronos.Priority;
import io.cairn.storage.curator.internal.chronos.Task;
import io.cairn.storage.curator.internal.chronos.TaskKind;
import io.cairn.storage.curator.internal.ft.FaultTolerance;
import io.cairn.storage.curator.internal.scan.MapPhase;
import io.cairn.storage.curator.internal.scan.Orphans;
import io.cairn.storage.curator.internal.scan.ScanReduce;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.ShardStatus;
import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.VDisk;

/**
 * Curator (spec 20 §11, §21): the elected leader scans the extent groups of every vDisk (map tasks
 * on every live node, each over the Medusa shards it leads, {@link MapTaskRunner}), finds what
 * lacks redundancy (replicas on nodes that are down, fewer live replicas than the container's
 * replication factor) or has too much, and has each vDisk's owning Stargate repair it, through
 * {@link Chronos} tasks queued per node (every node runs its own queue's worker). Scans run
 * fully every 6 h and partially every hour (injectable clock), at once when a node's Stargate
 * leaves (its Zeus session ended: node failure) or reports a data disk out of service in its
 * presence (disk failure) or its scrubber reports a replica failing its checksum (the scan repairs
 * the replicas the nodes' inventories flag suspect), and on request. The outcome of the last scan
 * (under-replication per container, fault tolerance per component) is published in the Zeus
 * document {@value #STATUS_DOC}, so every node answers status queries.
 */
@Component(service = CuratorService.class, immediate = true, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class CuratorService implements LeadershipListener {

    static final String ROLE = "curator";
    static final String STATUS_DOC = "curator.status";
    static final String SETTINGS_DOC = "curator.settings";
    static final Duration FULL_EVERY = Duration.ofHours(6);
    static final Duration PARTIAL_EVERY = Duration.ofHours(1);
    /** How long a scan waits for the Chronos tasks it emitted; those still queued then are left to run. */
    static final Duration TASKS_WAIT = Duration.ofMinutes(10);
    /** A scan that left under-replicated groups runs again after this; after this when repairs failed. */
    static final Duration RETRY_SOON = Duration.ofSeconds(2);
    static final Duration RETRY_BLOCKED = Duration.ofSeconds(20);

    /** Kinds of scan (spec 20 §21): the HTTP trigger's task_type 2 is FULL, 3 is PARTIAL. */
    public enum ScanType {
        FULL, PARTIAL;

        /** Advice for a bad {@code task_type}. */
        public static final String TASK_TYPES = "use task_type=2 (full scan) or task_type=3 (partial scan)";

        /** The scan a {@code task_type} of the HTTP trigger or {@code curator_cli start_scan} names: 2 full, 3 partial. */
        public static ScanType ofTaskType(String taskType) {
            return switch (taskType) {
                case "2" -> FULL;
                case "3" -> PARTIAL;
                default -> throw io.cairn.common.error.CairnException.invalid("task_type=" + taskType + " is not a scan type; " + TASK_TYPES);
            };
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Logger logger = LoggerFactory.getLogger(CuratorService.class);
    private final Zeus zeus;
    private final Clock clock;
    private final MapTaskRunner mapTasks;
    private final ExtentGroups egroups;
    private final Medusa medusa;
    private final io.cairn.cluster.api.LocalNode local;
    private final Chronos chronos;
    private final Registration election;
    private final Deque<Scan> queue = new ArrayDeque<>();
    private final AtomicLong executions = new AtomicLong();
    private volatile Thread loop;
    private volatile Leadership leadership;
    /** Scans this node ran as leader, for the 2010 page. */
    private final ScanHistory history = new ScanHistory();
    private volatile Instant leaderSince;

    /** A scan queued or running: its execution id, type and why it runs. */
    public record Scan(long id, ScanType type, String reason) {
    }

    @Activate
    public CuratorService(@Reference Zeus zeus, @Reference Clock clock, @Reference MapTaskRunner mapTasks, @Reference ExtentGroups egroups,
            @Reference Medusa medusa, @Reference io.cairn.cluster.api.LocalNode local) {
        this.local = local;
        this.zeus = zeus;
        this.clock = clock;
        this.mapTasks = mapTasks;
        this.egroups = egroups;
        this.medusa = medusa;
        this.chronos = new Chronos(medusa, local.identity().uuid(), clock, new CuratorTasks(egroups, clock), () -> settings().chronosLimits(),
                egroups::userOpsPerSecond);
        chronos.start();
        try {
            this.election = zeus.elect(ROLE, this);
        } catch (RuntimeException e) {
            chronos.close();
            throw e;
        }
    }

    @Deactivate
    void deactivate() {
        election.close();
        stop();
        chronos.close();
    }

    @Override
    public synchronized void acquired(Leadership l) {
        stop();
        leadership = l;
        leaderSince = clock.now();
        executions.set(lastExecution());
        Thread t = Thread.ofPlatform().daemon(true).name("curator-leader").unstarted(() -> run(l));
        loop = t; // assigned before start: the loop runs only while it is the current one
        t.start();
        logger.info("this node is the Curator leader (epoch {})", l.epoch());
    }

    @Override
    public synchronized void lost(Leadership l) {
        if (leadership == l) {
            stop();
        }
    }

    private synchronized void stop() {
        Thread t = loop;
        loop = null;
        leadership = null;
        if (t != null) {
            t.interrupt();
        }
    }

    /**
     * Queues a scan (spec 20 §21: one at a time; a request for a type already queued or running
     * returns that scan's execution id). Only the leader runs scans; elsewhere this is refused.
     */
    public synchronized long start(ScanType type, String reason) {
        if (leadership == null) {
            throw new IllegalStateException("this node is not the Curator leader; ask " + leader().orElse("the leader (none elected yet)"));
        }
        for (Scan s : queue) {
            if (s.type() == type) {
                return s.id();
            }
        }
        Scan s = new Scan(executions.incrementAndGet(), type, reason);
        queue.add(s);
        notifyAll();
        return s.id();
    }

    /** The leader's address, when one is elected. */
    public Optional<String> leader() {
        return zeus.leader(ROLE).map(io.cairn.cluster.api.LeaderInfo::address);
    }

    public boolean isLeader() {
        return leadership != null;
    }

    /** Since when this node leads, while it does. */
    public Optional<Instant> leaderSince() {
        Instant since = leaderSince;
        return isLeader() && since != null ? Optional.of(since) : Optional.empty();
    }

    /** The scans queued here (the running one first), while this node leads. */
    public synchronized List<Scan> queued() {
        return List.copyOf(queue);
    }

    /** The scans this node ran as leader: running, completed, last successful per type. */
    public ScanHistory history() {
        return history;
    }

    /** Chronos's queues and counters on every node, for the 2011 page (read from Medusa: any node answers). */
    public Chronos.Snapshot chronosSnapshot() {
        return chronos.snapshot(nodes());
    }

    /** Every node of the cluster, up or not. */
    private List<UUID> nodes() {
        return zeus.cluster().nodes().stream().map(NodeIdentity::uuid).toList();
    }

    /** The last published status (empty before the first scan). */
    public Optional<CuratorStatus> status() {
        return zeus.read(STATUS_DOC).map(d -> {
            try {
                return JSON.readValue(d.data(), CuratorStatus.class);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("the Curator status document is unreadable: " + e.getMessage(), e);
            }
        });
    }

    // ---------------------------------------------------------------- the leader's loop

    private void run(Leadership l) {
        long lastFull = clock.millis();
        long lastPartial = lastFull;
        Set<UUID> up = stargates();
        Map<UUID, Set<String>> offlineDisks = offlineDisks();
        Map<UUID, ScrubSuspects.Report> scrubbed = scrubReports();
        long retryAt = Long.MAX_VALUE;
        synchronized (this) {
            // a new leader scans at once: the previous one may have died mid-scan, or a node with it
            queue.add(new Scan(executions.incrementAndGet(), ScanType.PARTIAL, "leader elected"));
        }
        while (loop == Thread.currentThread() && l.valid()) {
            try {
                Set<UUID> now = stargates();
                Set<UUID> gone = new HashSet<>(up);
                gone.removeAll(now);
                Set<UUID> back = new HashSet<>(now);
                back.removeAll(up);
                up = now;
                if (!gone.isEmpty()) {
                    logger.info("Stargate left on node(s) {}: scanning at once (node failure)", gone);
                    start(ScanType.PARTIAL, "node failure");
                } else if (!back.isEmpty()) {
                    start(ScanType.PARTIAL, "node returned");
                }
                Map<UUID, Set<String>> disksNow = offlineDisks();
                OfflineDisks.Change disks = OfflineDisks.compare(offlineDisks, disksNow);
                offlineDisks = disksNow;
                if (disks == OfflineDisks.Change.FAILED) {
                    logger.info("data disk(s) out of service {}: scanning at once (disk failure)", disksNow);
                    start(ScanType.PARTIAL, "disk failure");
                } else if (disks == OfflineDisks.Change.RETURNED && gone.isEmpty()) {
                    start(ScanType.PARTIAL, "disk returned");
                }
                Map<UUID, ScrubSuspects.Report> scrubbedNow = scrubReports();
                if (ScrubSuspects.newlyFound(scrubbed, scrubbedNow)) {
                    logger.info("a scrubber found extent-group replicas failing their checksum (suspects per node: {}): scanning at once",
                            scrubbedNow.entrySet().stream().filter(e -> e.getValue().suspects() > 0)
                                    .map(e -> e.getKey() + "=" + e.getValue().suspects()).toList());
                    start(ScanType.PARTIAL, "scrubber found bad replicas");
                }
                scrubbed = scrubbedNow;
                long t = clock.millis();
                if (t >= retryAt) {
                    retryAt = Long.MAX_VALUE;
                    start(ScanType.PARTIAL, "under-replication left by the last scan");
                }
                if (t - lastFull >= FULL_EVERY.toMillis()) {
                    lastFull = t;
                    lastPartial = t;
                    start(ScanType.FULL, "periodic (6 h)");
                } else if (t - lastPartial >= PARTIAL_EVERY.toMillis()) {
                    lastPartial = t;
                    start(ScanType.PARTIAL, "periodic (1 h)");
                }
                Scan next;
                synchronized (this) {
                    next = queue.peek();
                    if (next == null) {
                        wait(1000);
                        continue;
                    }
                }
                ScanResult r = scanRecorded(next, l);
                synchronized (this) {
                    queue.remove(next);
                }
                if (r.underReplicated() > 0 || r.blocked()) {
                    // again soon: at once for groups written while the scan ran, later when repairs could not proceed
                    retryAt = clock.millis() + (r.blocked() ? RETRY_BLOCKED.toMillis() : RETRY_SOON.toMillis());
                } else {
                    retryAt = Long.MAX_VALUE;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                logger.warn("Curator scan failed; retrying in 5 s: {}", e.toString());
                try {
                    clock.sleep(Duration.ofSeconds(5));
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** The outcome of one scan: extent groups still under-replicated, and whether repairs (or a node's inventory) failed. */
    record ScanResult(long underReplicated, boolean blocked, int repairs, int orphansDeleted) {
    }

    /** {@link #scan}, recorded in the {@link ScanHistory} the 2010 page shows. */
    private ScanResult scanRecorded(Scan s, Leadership l) throws InterruptedException {
        Instant began = clock.now();
        long t0 = clock.nanoTime();
        history.started(new ScanHistory.Running(s.id(), s.type(), s.reason(), began));
        ScanResult r = null;
        String outcome = ScanHistory.INTERRUPTED;
        try {
            r = scan(s, l);
            outcome = ScanHistory.SUCCEEDED;
            return r;
        } catch (RuntimeException e) {
            outcome = "failed: " + (e.getMessage() != null ? e.getMessage() : e.toString());
            throw e;
        } finally {
            history.finished(new ScanHistory.Entry(s.id(), s.type(), s.reason(), began, Duration.ofNanos(clock.nanoTime() - t0),
                    r == null ? 0 : r.repairs(), r == null ? 0 : r.orphansDeleted(), r == null ? -1 : r.underReplicated(), outcome));
        }
    }

    /** Each node's data disks out of service, from the Stargate presences; empty when Zeus cannot say. */
    private Map<UUID, Set<String>> offlineDisks() {
        try {
            return OfflineDisks.of(zeus.presences());
        } catch (RuntimeException e) {
            logger.info("could not read the Stargate presences for offline disks: {}", e.toString());
            return Map.of();
        }
    }

    /** What each node's scrubber reports, from the Stargate presences; empty when Zeus cannot say. */
    private Map<UUID, ScrubSuspects.Report> scrubReports() {
        try {
            return ScrubSuspects.of(zeus.presences());
        } catch (RuntimeException e) {
            logger.info("could not read the Stargate presences for scrubber findings: {}", e.toString());
            return Map.of();
        }
    }

    private Set<UUID> stargates() {
        return egroups.liveNodes();
    }

    /**
     * One scan: every extent group of every vDisk against the live nodes; publishes the status first
     * (so fault tolerance drops at once), then queues the repairs (and in full scans the orphans'
     * deletions) as Chronos tasks, waits for them (at most {@link #TASKS_WAIT}) and publishes again.
     */
    ScanResult scan(Scan s, Leadership l) throws InterruptedException {
        long started = clock.millis();
        Tally before = tally(true, s.type() == ScanType.FULL);
        publish(l, s, started, 0, before, "running");
        logger.info("Curator scan {} ({}, {}): {} extent groups, {} under-replicated, {} to repair", s.id(), s.type(), s.reason(),
                before.scanned, before.underReplicated(), before.work.size());
        int done = 0;
        boolean blocked = false;
        int collected = 0;
        int reclaimed = 0;
        List<Task> tasks = new ArrayList<>();
        tasks.addAll(repairTasks(before.work));
        if (s.type() == ScanType.FULL) {
            // garbage collection (spec 20 §21): each on the node holding the replica, unless written since this scan began.
            // Not for a group this scan also repairs: its repair may copy onto that very node while the deletion runs
            // (Chronos runs both at once); the next full scan collects what is still orphaned then.
            Set<Long> repairing = new HashSet<>();
            before.work.forEach(w -> repairing.add(w.egroup()));
            for (Orphans.Orphan o : before.orphans) {
                if (!repairing.contains(o.egroup())) {
                    tasks.add(Task.deleteReplica(o.node(), o.egroup(), started));
                }
            }
            // extent groups no vBlock maps any more (unmapped, spec 50 §1): freed by the vDisk's owner, which checks again
            tasks.addAll(reclaimTasks(before.garbage));
        }
        if (!tasks.isEmpty()) {
            Chronos.Submission sub = chronos.submit(s.id(), tasks, nodes(), stargates());
            logger.info("Curator scan {}: {} Chronos tasks, {} queued, {} queued already, {} moved, not placeable {}", s.id(), tasks.size(),
                    sub.queued(), sub.adopted(), sub.moved(), sub.unplaced());
            Chronos.Outcome o = chronos.await(sub, TASKS_WAIT, this::stargates, l::valid);
            done = o.done(TaskKind.PROTECT);
            collected = o.done(TaskKind.DELETE_REPLICA);
            reclaimed = o.done(TaskKind.RECLAIM);
            blocked = o.failed(TaskKind.PROTECT) > 0 || o.pending(TaskKind.PROTECT) > 0;
            if (!o.failed().isEmpty() || !o.pending().isEmpty()) {
                logger.info("Curator scan {}: Chronos tasks failed {}, still queued {}", s.id(), o.failed(), o.pending());
            }
        }
        // the outcome as the metadata says now
        Tally after = tally(false, s.type() == ScanType.FULL);
        publish(l, s, started, done, after, "succeeded");
        logger.info("Curator scan {} finished in {} ms: {} repairs done, {} orphaned replicas deleted, {} unmapped extent groups "
                + "freed, {} extent groups still under-replicated, {} orphaned replicas left, {} unmapped extent groups left",
                s.id(), clock.millis() - started, done, collected, reclaimed, after.underReplicated(), after.orphans.size(),
                after.garbage.size());
        return new ScanResult(after.underReplicated(), blocked || before.incomplete || after.incomplete, done, collected);
    }

    record Work(VDisk vdisk, long egroup, Priority priority) {
    }

    /** Repairs per task: enough tasks to keep every node's slots busy, few enough that each task's claim and outcome cost little. */
    static int repairBatch(int repairs) {
        return Math.clamp(repairs / 32, 1, 16);
    }

    /**
     * The repair tasks for {@code work}: the groups of one vDisk and priority, by id, in batches of
     * {@link #repairBatch} (so the same work gives the same tasks, and the same task ids, again). No
     * home: the repairs of one vDisk spread over every node's queue and run in parallel (each is
     * forwarded to the owner, which copies without holding the vDisk's locks).
     */
    static List<Task> repairTasks(List<Work> work) {
        int batch = repairBatch(work.size());
        record Key(Priority priority, UUID vdisk) {
        }
        Map<Key, List<Long>> groups = new java.util.TreeMap<>(java.util.Comparator.comparing(Key::priority).thenComparing(Key::vdisk));
        for (Work w : work) {
            groups.computeIfAbsent(new Key(w.priority(), w.vdisk().uuid()), k -> new ArrayList<>()).add(w.egroup());
        }
        List<Task> out = new ArrayList<>();
        groups.forEach((k, egs) -> {
            List<Long> sorted = egs.stream().sorted().toList();
            for (int i = 0; i < sorted.size(); i += batch) {
                out.add(Task.protect(k.vdisk(), sorted.subList(i, Math.min(sorted.size(), i + batch)), null, k.priority()));
            }
        });
        return out;
    }

    /**
     * The reclaim tasks for {@code garbage}: the groups of one vDisk, by id, in batches of
     * {@link #RECLAIM_BATCH} (each batch costs the owner one read of the block map under its locks),
     * so the same garbage gives the same task ids again.
     */
    static List<Task> reclaimTasks(List<ScanReduce.Garbage> garbage) {
        Map<UUID, List<Long>> byVdisk = new java.util.TreeMap<>();
        garbage.forEach(g -> byVdisk.computeIfAbsent(g.vdisk().uuid(), k -> new ArrayList<>()).add(g.egroup()));
        List<Task> out = new ArrayList<>();
        byVdisk.forEach((vdisk, egs) -> {
            List<Long> sorted = egs.stream().sorted().toList();
            for (int i = 0; i < sorted.size(); i += RECLAIM_BATCH) {
                out.add(Task.reclaim(vdisk, sorted.subList(i, Math.min(sorted.size(), i + RECLAIM_BATCH))));
            }
        });
        return out;
    }

    /** Extent groups per reclaim task. */
    static final int RECLAIM_BATCH = 64;

    /** One pass over every extent group: under-replication per container, extent-group fault tolerance, and (if asked) the repairs to make. */
    private static final class Tally {
        final Map<String, long[]> perContainer = new LinkedHashMap<>();
        final List<Work> work = new ArrayList<>();
        final List<FaultTolerance.ReplicaPlacement> placements = new ArrayList<>();
        final List<Orphans.Orphan> orphans = new ArrayList<>();
        final List<ScanReduce.Garbage> garbage = new ArrayList<>();
        final List<CuratorStatus.MapTasks> mapTasks = new ArrayList<>();
        long scanned;
        boolean incomplete;

        long underReplicated() {
            return perContainer.values().stream().mapToLong(c -> c[0]).sum();
        }
    }

    /**
     * Reads every live node's extent-store inventory, then every extent group record (in that order:
     * a drain writes data before its record, so a record read second never looks like an orphan's):
     * the records through the scan's map tasks, started once the inventories are in, on every live
     * node over the Medusa shards it leads; the reduce ({@link ScanReduce}) merges their output with
     * the inventories. A replica counts when its node is alive and, if the node answered, holds it.
     * A group with a replica its node's scrubber flags as failing its checksum is repaired too.
     * With {@code garbage} (full scans) the map tasks also list the groups no vBlock maps any more.
     */
    private Tally tally(boolean withWork, boolean garbage) throws InterruptedException {
        Set<UUID> alive = stargates();
        CuratorSettings settings = settings();
        Tally t = new Tally();
        Map<UUID, Map<Long, Duration>> inventory = new LinkedHashMap<>();
        Map<UUID, Set<Long>> rotten = new java.util.HashMap<>();
        for (UUID node : alive) {
            try {
                Map<Long, Duration> held = new java.util.HashMap<>();
                for (ExtentGroups.Replica r : egroups.replicas(node)) {
                    held.put(r.egroup(), r.sinceWritten() == null ? Duration.ZERO : r.sinceWritten());
                    if (r.suspect()) {
                        rotten.computeIfAbsent(node, k -> new HashSet<>()).add(r.egroup());
                    }
                }
                inventory.put(node, held);
            } catch (StargateException e) {
                t.incomplete = true; // e.g. a node whose Stargate announced itself before its RPC handlers: scan again soon
                logger.info("node {} did not list its extent groups; its replicas count as present this scan: {}", node, e.getMessage());
            }
        }
        MapPhase.Outcome maps = mapTasks.runAll(local.identity().uuid(), alive, settings.mapTaskTimeout(), garbage);
        ScanReduce.Result r = ScanReduce.reduce(alive, inventory, maps.scans(), rotten, settings.orphanGrace());
        r.containers().forEach((name, u) -> t.perContainer.put(name, new long[] {u.egroups(), u.bytes()}));
        if (withWork) {
            r.repairs().forEach(w -> t.work.add(new Work(w.vdisk(), w.egroup(),
                    Priority.ofRepair(w.vdisk().replicationFactor(), w.present(), w.failing()))));
        }
        t.placements.addAll(r.placements());
        t.orphans.addAll(r.orphans());
        t.garbage.addAll(r.garbage());
        t.scanned = r.scanned();
        t.mapTasks.addAll(mapTasks.status(maps));
        return t;
    }

    /** Curator settings from the optional Zeus document {@value #SETTINGS_DOC} (JSON), defaults otherwise. */
    CuratorSettings settings() {
        return zeus.read(SETTINGS_DOC).map(d -> {
            try {
                return JSON.readValue(d.data(), CuratorSettings.class);
            } catch (java.io.IOException e) {
                logger.warn("the Zeus document {} is not valid JSON ({}); using the defaults", SETTINGS_DOC, e.getMessage());
                return CuratorSettings.DEFAULTS;
            }
        }).orElse(CuratorSettings.DEFAULTS);
    }

    /**
     * Failures tolerable now per component, at the node and the block (rackable unit) level:
     * extent groups (the OpLog's copies follow the same placement), metadata (every Medusa shard's
     * members) and ZooKeeper (which also holds the static configuration). A component with nothing
     * to lose yet reports the fault tolerance the cluster is built for.
     */
    private List<CuratorStatus.Tolerance> tolerance(Tally t) {
        Set<UUID> alive = stargates();
        Set<UUID> nodesUp = new HashSet<>();
        zeus.presences().forEach(p -> nodesUp.add(p.node()));
        Map<UUID, String> blocks = new LinkedHashMap<>();
        for (NodeIdentity n : zeus.cluster().nodes()) {
            blocks.put(n.uuid(), n.faultDomain().block());
        }
        int built = Math.max(0, zeus.cluster().faultTolerance());
        List<ShardStatus> shards;
        try {
            shards = medusa.shards();
        } catch (RuntimeException e) {
            shards = null;
        }
        List<CuratorStatus.Tolerance> out = new ArrayList<>();
        for (FaultTolerance.DomainLevel level : FaultTolerance.DomainLevel.values()) {
            FaultTolerance.Status eg = FaultTolerance.extentGroups(t.placements, alive, blocks, level);
            int egroups = eg.tolerableFailures() == FaultTolerance.UNBOUNDED ? built : eg.tolerableFailures();
            out.add(new CuratorStatus.Tolerance(level.name(), FaultTolerance.Component.EXTENT_GROUPS.name(), egroups, eg.detail()));
            out.add(new CuratorStatus.Tolerance(level.name(), FaultTolerance.Component.OPLOG.name(), egroups, eg.detail()));
            int metadata = Integer.MAX_VALUE;
            String metadataDetail = "";
            if (shards == null || shards.isEmpty()) {
                metadata = 0;
                metadataDetail = "the metadata shards' status is not available";
            } else {
                for (ShardStatus s : shards) {
                    FaultTolerance.Status q = FaultTolerance.quorum(FaultTolerance.Component.METADATA, s.members(), nodesUp, blocks, level);
                    if (q.tolerableFailures() < metadata) {
                        metadata = q.tolerableFailures();
                        metadataDetail = "shard " + s.shard() + ": " + q.detail();
                    }
                }
            }
            out.add(new CuratorStatus.Tolerance(level.name(), FaultTolerance.Component.METADATA.name(), metadata, metadataDetail));
            FaultTolerance.Status zk = FaultTolerance.quorum(FaultTolerance.Component.ZOOKEEPER, zeus.cluster().zookeeper(), nodesUp, blocks,
                    level);
            out.add(new CuratorStatus.Tolerance(level.name(), FaultTolerance.Component.ZOOKEEPER.name(), zk.tolerableFailures(), zk.detail()));
            out.add(new CuratorStatus.Tolerance(level.name(), FaultTolerance.Component.STATIC_CONFIGURATION.name(), zk.tolerableFailures(),
                    zk.detail()));
        }
        return out;
    }

    private void publish(Leadership l, Scan s, long started, int repairs, Tally t, String state) {
        List<CuratorStatus.Container> containers = new ArrayList<>();
        t.perContainer.forEach((name, c) -> containers.add(new CuratorStatus.Container(name, c[0], c[1])));
        CuratorStatus st = new CuratorStatus(local.identity().address(), s.id(), s.type().name(), s.reason(), state,
                Instant.ofEpochMilli(started).toString(), clock.now().toString(), t.scanned, repairs, t.work.size(), t.orphans.size(),
                containers, tolerance(t), t.mapTasks);
        try {
            byte[] data = JSON.writeValueAsBytes(st);
            int version = zeus.read(STATUS_DOC).map(d -> d.version()).orElse(io.cairn.cluster.api.VersionedDocument.ABSENT);
            l.write(STATUS_DOC, data, version);
        } catch (java.io.IOException | RuntimeException e) {
            logger.info("could not publish the Curator status: {}", e.toString());
        }
    }

    private long lastExecution() {
        return status().map(CuratorStatus::executionId).orElse(0L);
    }
}
