package io.cairn.storage.curator.internal.chronos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.clock.Clock;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.curator.internal.chronos.ChronosQueue.Queued;

/**
 * Chronos on this node (spec 20 §21): the worker that runs this node's queue, and, on the Curator
 * leader (the Chronos leader is the same node), {@link #submit} and {@link #await} of a scan's tasks.
 * Nothing about a scan's tasks lives only in the leader's memory: a new leader re-emits them, finds
 * the ones queued and adopts them, so a task survives failover and is never queued twice.
 */
public final class Chronos implements AutoCloseable {

    /** How often {@link #await} looks at the queues. */
    static final Duration AWAIT_POLL = Duration.ofMillis(500);
    /** Tasks listed per node in a {@link #snapshot}. */
    static final int SNAPSHOT_TASKS = 200;

    private final Logger logger = LoggerFactory.getLogger(Chronos.class);
    private final ChronosQueue queue;
    private final UUID self;
    private final Clock clock;
    private final ChronosWorker worker;
    private final ExecutorService ownExecutor;

    /**
     * @param settings the admission limits (read every few seconds)
     * @param userOps  this node's user operations per second now
     */
    public Chronos(Medusa medusa, UUID self, Clock clock, TaskRunner runner, Supplier<AdmissionPolicy.Limits> settings, LongSupplier userOps) {
        this(medusa, self, clock, runner, settings, userOps, null);
    }

    /** With {@code executor} null, tasks run on virtual threads this instance owns. */
    Chronos(Medusa medusa, UUID self, Clock clock, TaskRunner runner, Supplier<AdmissionPolicy.Limits> settings, LongSupplier userOps,
            Executor executor) {
        this.queue = new ChronosQueue(medusa);
        this.self = self;
        this.clock = clock;
        this.ownExecutor = executor == null ? Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("chronos-task-", 0).factory()) : null;
        this.worker = new ChronosWorker(queue, self, UUID.randomUUID(), clock, runner, settings, userOps,
                executor == null ? ownExecutor : executor);
    }

    /** Starts this node's worker. */
    public void start() {
        worker.start();
        logger.info("Chronos worker started on node {} (incarnation {})", self, worker.incarnation());
    }

    /** Stops the worker; tasks still running are interrupted and run again by the next incarnation. */
    @Override
    public void close() {
        worker.close();
        if (ownExecutor != null) {
            ownExecutor.shutdownNow();
            try {
                if (!ownExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
                    logger.info("Chronos tasks still running after 5 s; their claims go stale and the next start runs them again");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    ChronosWorker worker() {
        return worker;
    }

    ChronosQueue queue() {
        return queue;
    }

    // ---------------------------------------------------------------- the leader's side

    /** Where each task of a scan is (by id), and how its submission went. */
    public record Submission(long execution, Map<String, Tracked> tasks, int queued, int adopted, int moved, Map<TaskKind, Integer> unplaced) {
    }

    /** A task a scan waits for: on {@code node}'s queue. */
    /** A submitted task: its id, kind, node, and how many pieces of work it does (extent groups of a repair; 1 otherwise). */
    public record Tracked(String id, TaskKind kind, UUID node, int units) {
    }

    /**
     * Queues a scan's tasks. A task whose id is queued somewhere already is adopted and left alone,
     * unless it must move: its node is down (queued, or running with a stale heartbeat: to where
     * {@link TaskPlacement} puts it now), it became more urgent (same node, new priority), or it had
     * been given up (queued again from scratch). Given-up tasks the scan did not emit again are
     * deleted. A task no live node can take (an orphan's node is down) is not queued.
     *
     * @param nodes every node of the cluster (their queues are searched for the tasks already queued)
     * @param live  the nodes whose Stargate runs now
     */
    public Submission submit(long execution, List<Task> tasks, Collection<UUID> nodes, Set<UUID> live) {
        long now = clock.millis();
        Map<String, Queued> existing = new HashMap<>();
        List<Queued> givenUp = new ArrayList<>();
        Set<UUID> all = new LinkedHashSet<>(nodes);
        all.addAll(live);
        for (UUID n : all) {
            try {
                for (Queued q : queue.list(n)) {
                    existing.putIfAbsent(q.id(), q);
                    if (q.task().state() == TaskRecord.State.FAILED) {
                        givenUp.add(q);
                    }
                }
            } catch (MedusaException e) {
                logger.info("Chronos could not list node {}'s queue ({}); tasks queued there may be queued again elsewhere", n, e.getMessage());
            }
        }
        Map<String, Task> wanted = new LinkedHashMap<>();
        tasks.forEach(t -> wanted.putIfAbsent(t.id(), t));
        Map<String, Tracked> tracked = new LinkedHashMap<>();
        Map<UUID, List<Task>> create = new LinkedHashMap<>();
        Map<TaskKind, Integer> unplaced = new EnumMap<>(TaskKind.class);
        int adopted = 0;
        int moved = 0;
        for (Task t : wanted.values()) {
            Queued q = existing.get(t.id());
            Optional<UUID> target = TaskPlacement.place(t, live);
            if (q == null) {
                if (target.isEmpty()) {
                    unplaced.merge(t.kind(), t.units(), Integer::sum);
                } else {
                    create.computeIfAbsent(target.get(), k -> new ArrayList<>()).add(t);
                }
                continue;
            }
            TaskRecord r = q.task();
            boolean nodeLive = live.contains(q.node());
            boolean stale = r.state() == TaskRecord.State.RUNNING && now - r.heartbeat() > ChronosWorker.STALE.toMillis();
            boolean move = switch (r.state()) {
                case FAILED -> true;
                case QUEUED -> !nodeLive || t.priority().compareTo(q.priority()) < 0;
                case RUNNING -> !nodeLive && stale;
            };
            if (!move) {
                tracked.put(t.id(), new Tracked(t.id(), t.kind(), q.node(), t.units()));
                adopted++;
                continue;
            }
            Optional<UUID> to = nodeLive ? Optional.of(q.node()) : target;
            Priority p = t.priority().compareTo(q.priority()) < 0 || r.state() == TaskRecord.State.FAILED ? t.priority() : q.priority();
            if (to.isEmpty()) {
                unplaced.merge(t.kind(), t.units(), Integer::sum);
                continue;
            }
            Optional<Queued> m = queue.move(q, to.get(), p, r.replacedBy(t, execution, now));
            givenUp.remove(q);
            if (m.isPresent()) {
                moved++;
                tracked.put(t.id(), new Tracked(t.id(), t.kind(), to.get(), t.units()));
            } else {
                tracked.put(t.id(), new Tracked(t.id(), t.kind(), q.node(), t.units())); // changed meanwhile (its runner finished or claimed it)
                adopted++;
            }
        }
        int queued = 0;
        for (Map.Entry<UUID, List<Task>> e : create.entrySet()) {
            List<Queued> made = queue.enqueue(e.getKey(), e.getValue(), execution, now);
            queued += made.size();
            adopted += e.getValue().size() - made.size();
            for (Task t : e.getValue()) {
                tracked.put(t.id(), new Tracked(t.id(), t.kind(), e.getKey(), t.units()));
            }
            if (e.getKey().equals(self)) {
                worker.wake();
            }
        }
        for (Queued q : givenUp) {
            if (!wanted.containsKey(q.id())) {
                queue.remove(q); // counted by its node when given up; not needed any more
            }
        }
        return new Submission(execution, tracked, queued, adopted, moved, unplaced);
    }

    /**
     * What became of a scan's tasks, per kind, in pieces of work (a repair task of several extent
     * groups counts each): done, given up (or their node went down), still queued or running.
     */
    public record Outcome(Map<TaskKind, Integer> done, Map<TaskKind, Integer> failed, Map<TaskKind, Integer> pending) {

        public int done(TaskKind k) {
            return done.getOrDefault(k, 0);
        }

        public int failed(TaskKind k) {
            return failed.getOrDefault(k, 0);
        }

        public int pending(TaskKind k) {
            return pending.getOrDefault(k, 0);
        }
    }

    /**
     * Waits until every task of the submission is done (gone from its queue) or given up (it is then
     * deleted), or its node is down, for at most {@code max}; tasks that could not be placed count as
     * failed. Throws {@link InterruptedException} when interrupted or {@code leader} turns false
     * (leadership lost: the tasks stay queued, the next leader adopts them).
     */
    public Outcome await(Submission s, Duration max, Supplier<Set<UUID>> live, BooleanSupplier leader) throws InterruptedException {
        Map<TaskKind, Integer> done = new EnumMap<>(TaskKind.class);
        Map<TaskKind, Integer> failed = new EnumMap<>(s.unplaced());
        Map<String, Tracked> pending = new LinkedHashMap<>(s.tasks());
        long deadline = clock.nanoTime() + max.toNanos();
        while (!pending.isEmpty()) {
            if (Thread.currentThread().isInterrupted() || !leader.getAsBoolean()) {
                throw new InterruptedException("no longer the Curator leader");
            }
            Set<UUID> up = live.get();
            Map<UUID, List<Tracked>> byNode = new LinkedHashMap<>();
            pending.values().forEach(t -> byNode.computeIfAbsent(t.node(), k -> new ArrayList<>()).add(t));
            for (Map.Entry<UUID, List<Tracked>> e : byNode.entrySet()) {
                if (!up.contains(e.getKey())) {
                    for (Tracked t : e.getValue()) { // left queued there; the next scan moves it
                        failed.merge(t.kind(), t.units(), Integer::sum);
                        pending.remove(t.id());
                    }
                    continue;
                }
                Map<String, Queued> now = new HashMap<>();
                try {
                    queue.list(e.getKey()).forEach(q -> now.put(q.id(), q));
                } catch (MedusaException ex) {
                    logger.debug("Chronos could not list node {}'s queue: {}", e.getKey(), ex.getMessage());
                    continue;
                }
                for (Tracked t : e.getValue()) {
                    Queued q = now.get(t.id());
                    if (q == null) {
                        done.merge(t.kind(), t.units(), Integer::sum);
                        pending.remove(t.id());
                    } else if (q.task().state() == TaskRecord.State.FAILED) {
                        failed.merge(t.kind(), t.units(), Integer::sum);
                        pending.remove(t.id());
                        queue.remove(q); // counted by its node; the next scan emits it again if still needed
                    }
                }
            }
            if (pending.isEmpty() || clock.nanoTime() - deadline >= 0) {
                break;
            }
            clock.sleep(AWAIT_POLL);
        }
        Map<TaskKind, Integer> left = new EnumMap<>(TaskKind.class);
        pending.values().forEach(t -> left.merge(t.kind(), t.units(), Integer::sum));
        return new Outcome(done, failed, left);
    }

    // ---------------------------------------------------------------- the 2011 page

    /** What Chronos holds now, per node: its tasks (up to {@value #SNAPSHOT_TASKS}, most urgent first) and counters. */
    public record Snapshot(String taken, List<NodeQueue> nodes) {
    }

    /**
     * One node's queue: counts by state, the queued tasks per priority (index: {@link Priority#digit()};
     * counted over the whole queue, not only the tasks listed), the tasks listed, and tasks done and
     * given up per kind since its queue was first used.
     */
    public record NodeQueue(String node, int queued, int running, int failed, List<Integer> queuedByPriority, List<TaskView> tasks,
            Map<String, Long> done, Map<String, Long> givenUp, String error) {

        public NodeQueue {
            queuedByPriority = List.copyOf(queuedByPriority);
            tasks = List.copyOf(tasks);
            done = Map.copyOf(done);
            givenUp = Map.copyOf(givenUp);
        }
    }

    /** One task: its age is since it was queued; {@code retryInSecs} while it waits after a failure. */
    public record TaskView(String id, String kind, int priority, String state, int attempts, long ageSecs, long execution, String runner,
            long retryInSecs, String error) {
    }

    /** Reads every node's queue and counters from Medusa (any node can answer). */
    public Snapshot snapshot(Collection<UUID> nodes) {
        long now = clock.millis();
        List<NodeQueue> out = new ArrayList<>();
        for (UUID n : new LinkedHashSet<>(nodes)) {
            try {
                List<Queued> tasks = queue.list(n);
                ChronosQueue.Counters c = queue.counters(n);
                int[] states = new int[TaskRecord.State.values().length];
                Integer[] byPriority = new Integer[Priority.values().length];
                Arrays.fill(byPriority, 0);
                List<TaskView> views = new ArrayList<>();
                for (Queued q : tasks) {
                    TaskRecord r = q.task();
                    states[r.state().ordinal()]++;
                    if (r.state() == TaskRecord.State.QUEUED) {
                        byPriority[q.priority().digit()]++;
                    }
                    if (views.size() < SNAPSHOT_TASKS) {
                        views.add(new TaskView(q.id(), r.kind(), q.priority().digit(), r.state().name().toLowerCase(java.util.Locale.ROOT),
                                r.attempts(), Math.max(0, now - r.created()) / 1000, r.execution(), r.runner(),
                                Math.max(0, r.retryAt() - now + 999) / 1000, r.error()));
                    }
                }
                out.add(new NodeQueue(n.toString(), states[TaskRecord.State.QUEUED.ordinal()], states[TaskRecord.State.RUNNING.ordinal()],
                        states[TaskRecord.State.FAILED.ordinal()], List.of(byPriority), views, c.done(), c.failed(), null));
            } catch (MedusaException e) {
                out.add(new NodeQueue(n.toString(), 0, 0, 0, List.of(), List.of(), Map.of(), Map.of(), e.getMessage()));
            }
        }
        return new Snapshot(clock.now().toString(), out);
    }
}
