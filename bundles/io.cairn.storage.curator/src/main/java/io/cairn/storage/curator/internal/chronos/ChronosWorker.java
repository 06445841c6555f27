package io.cairn.storage.curator.internal.chronos;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.clock.Clock;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.curator.internal.chronos.ChronosQueue.Queued;

/**
 * Runs one node's queue (every node has one worker). Each {@link #poll} goes through the queue in
 * priority order and starts what {@link AdmissionPolicy} admits: it claims a task by
 * compare-and-set (running, this worker's incarnation, a heartbeat), runs it on the executor, then
 * deletes it by compare-and-set on the claimed version (counting it done), or after a failure puts
 * it back with a retry time ({@link #backoff}), giving up after {@link #MAX_ATTEMPTS} (state failed,
 * counted; the scan collects it and emits it again if still needed).
 *
 * <p>While a task runs, its claim's heartbeat is renewed every {@link #HEARTBEAT}. A task found
 * running whose heartbeat is older than {@link #STALE} (its runner stopped: the node restarted, or
 * an earlier incarnation ended) is claimed again and re-run, as is one claimed by this incarnation
 * that nothing here runs (a claim whose reply was lost). A live runner renews, so two runners never
 * hold one claim at once. A run longer than {@link #LEASE} is interrupted and counts as failed.
 */
final class ChronosWorker implements AutoCloseable {

    static final Duration POLL = Duration.ofMillis(500);
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    static final Duration STALE = Duration.ofSeconds(20);
    static final Duration LEASE = Duration.ofMinutes(5);
    static final int MAX_ATTEMPTS = 3;
    private static final Duration SETTINGS_EVERY = Duration.ofSeconds(5);

    private final Logger logger = LoggerFactory.getLogger(ChronosWorker.class);
    private final ChronosQueue queue;
    private final UUID self;
    private final UUID incarnation;
    private final Clock clock;
    private final TaskRunner runner;
    private final Supplier<AdmissionPolicy.Limits> settings;
    private final LongSupplier userOps;
    private final Executor executor;
    private final AdmissionPolicy policy = new AdmissionPolicy();
    /** Tasks this incarnation runs now, by id. */
    private final Map<String, Run> running = new ConcurrentHashMap<>();
    private final Object wakeLock = new Object();
    private AdmissionPolicy.Limits limits;
    private long limitsReadAt = Long.MIN_VALUE;
    private boolean woken;
    private volatile boolean closed;
    private volatile Thread thread;

    /** One task this incarnation claimed: its current version (renewals change it) and the thread running it. */
    private static final class Run {
        volatile Queued claimed;
        volatile Thread thread;
        volatile boolean interrupted;
        volatile boolean lost;
        /** Its outcome is being or has been recorded: no more heartbeats (the task record may be gone already). */
        volatile boolean finishing;

        Run(Queued claimed) {
            this.claimed = claimed;
        }
    }

    ChronosWorker(ChronosQueue queue, UUID self, UUID incarnation, Clock clock, TaskRunner runner, Supplier<AdmissionPolicy.Limits> settings,
            LongSupplier userOps, Executor executor) {
        this.queue = queue;
        this.self = self;
        this.incarnation = incarnation;
        this.clock = clock;
        this.runner = runner;
        this.settings = settings;
        this.userOps = userOps;
        this.executor = executor;
    }

    UUID incarnation() {
        return incarnation;
    }

    /** How long a task waits after its {@code attempts}-th failed run: 2 s, doubling, at most 60 s. */
    static Duration backoff(int attempts) {
        return Duration.ofSeconds(Math.min(60, 2L << Math.min(5, Math.max(0, attempts - 1))));
    }

    void start() {
        Thread t = Thread.ofPlatform().daemon(true).name("chronos-worker").unstarted(this::loop);
        thread = t;
        t.start();
    }

    /** Polls at once (the local leader queued tasks here). */
    void wake() {
        synchronized (wakeLock) {
            woken = true;
            wakeLock.notifyAll();
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        running.values().forEach(r -> {
            Thread rt = r.thread;
            if (rt != null) {
                rt.interrupt();
            }
        });
    }

    private void loop() {
        while (!closed) {
            Duration next = POLL;
            try {
                poll();
            } catch (io.cairn.common.error.CairnException e) { // Medusa or Zeus unavailable, say
                next = Duration.ofSeconds(2);
                logger.debug("Chronos could not read this node's queue or its settings; trying again in 2 s: {}", e.getMessage());
            } catch (RuntimeException e) {
                next = Duration.ofSeconds(5);
                logger.warn("Chronos worker pass failed; trying again in 5 s", e);
            }
            synchronized (wakeLock) {
                try {
                    if (!woken && !closed) {
                        wakeLock.wait(next.toMillis());
                    }
                } catch (InterruptedException e) {
                    return;
                }
                woken = false;
            }
        }
    }

    /** Tasks this incarnation runs now. */
    int runningCount() {
        return running.size();
    }

    /**
     * One pass: renews the heartbeats of running tasks, interrupts runs past their lease, then
     * claims and starts the tasks admitted now, most urgent first. Returns how many it started.
     */
    int poll() {
        long now = clock.millis();
        renew(now);
        AdmissionPolicy.Limits l = limits(now);
        List<Queued> tasks = queue.list(self);
        long ops = userOps.getAsLong();
        int started = 0;
        for (Queued q : tasks) {
            if (closed) {
                break;
            }
            if (running.containsKey(q.id())) {
                continue;
            }
            TaskRecord r = q.task();
            switch (r.state()) {
                case FAILED:
                    continue;
                case QUEUED:
                    if (r.retryAt() > now) {
                        continue;
                    }
                    break;
                case RUNNING:
                    if (!r.runningBy(incarnation) && now - r.heartbeat() <= STALE.toMillis()) {
                        continue; // its runner is alive
                    }
                    break; // its runner stopped (or, for this incarnation, the listing predates its end: the claim's CAS tells)
                default:
                    continue;
            }
            AdmissionPolicy.Decision d = policy.admit(q.priority(), running.size(), ops, clock.nanoTime(), l);
            if (!d.admitted()) {
                break; // the rest are no more urgent
            }
            if (claim(q, now)) {
                started++;
                if (r.state() == TaskRecord.State.RUNNING) {
                    logger.info("Chronos task {} was claimed by runner {} at {} (last heartbeat {} ms ago) and did not finish; running it again",
                            q.id(), r.runner(), java.time.Instant.ofEpochMilli(r.started()), now - r.heartbeat());
                }
            }
        }
        return started;
    }

    private AdmissionPolicy.Limits limits(long now) {
        if (limits == null || now - limitsReadAt >= SETTINGS_EVERY.toMillis() || now < limitsReadAt) {
            try {
                limits = settings.get();
            } catch (RuntimeException e) {
                if (limits == null) {
                    throw e;
                }
                logger.debug("Chronos keeps its admission limits; the settings are not readable now: {}", e.toString());
            }
            limitsReadAt = now;
        }
        return limits;
    }

    private boolean claim(Queued q, long now) {
        Run run = new Run(null);
        running.put(q.id(), run); // before the claim: a pass never takes a task claimed here for an abandoned one
        Optional<Queued> claimed;
        try {
            claimed = queue.update(q, q.task().claimed(incarnation, now));
        } catch (RuntimeException e) {
            running.remove(q.id(), run);
            throw e;
        }
        if (claimed.isEmpty()) {
            running.remove(q.id(), run);
            return false; // changed meanwhile
        }
        run.claimed = claimed.get();
        try {
            executor.execute(() -> execute(run));
        } catch (RuntimeException e) { // the executor is shutting down: a later pass takes it again
            running.remove(q.id(), run);
            logger.info("Chronos task {} was claimed but not started ({}); the next pass takes it again", q.id(), e.toString());
            return false;
        }
        return true;
    }

    private void execute(Run run) {
        Queued q = run.claimed;
        run.thread = Thread.currentThread();
        try {
            if (closed) {
                return; // stopping: left claimed, taken again after the claim goes stale
            }
            String error = null;
            try {
                runner.run(q.id(), q.task());
            } catch (InterruptedException e) {
                error = run.interrupted ? "ran longer than " + LEASE.toMinutes() + " min" : "interrupted";
            } catch (Exception e) {
                error = e.getMessage() == null ? e.toString() : e.getMessage();
            }
            Thread.interrupted(); // a finish after an interrupt must still reach Medusa
            if (closed && error != null) {
                return; // stopped mid-run: left claimed, taken again after the claim goes stale
            }
            finish(run, error);
        } catch (RuntimeException e) {
            logger.info("Chronos task {}: its outcome was not recorded ({}); it runs again", q.id(), e.toString());
        } finally {
            running.remove(q.id(), run);
            wake();
        }
    }

    private void finish(Run run, String error) {
        synchronized (run) {
            run.finishing = true;
            Queued q = run.claimed;
            TaskRecord t = q.task();
            String kind = t.kind();
            TaskRecord next;
            java.util.function.UnaryOperator<ChronosQueue.Counters> count;
            if (error == null) {
                next = null;
                count = c -> c.plusDone(kind);
            } else if (t.attempts() + 1 >= MAX_ATTEMPTS) {
                next = t.failed(error);
                count = c -> c.plusFailed(kind);
            } else {
                next = t.retry(error, clock.millis() + backoff(t.attempts() + 1).toMillis());
                count = null;
            }
            if (run.lost || !queue.finish(q, next, count)) {
                logger.info("Chronos task {}: its claim was taken over while it ran; its outcome ({}) is left to the new runner", q.id(),
                        error == null ? "done" : error);
                return;
            }
            if (error == null) {
                logger.debug("Chronos task {} done", q.id());
            } else if (next.state() == TaskRecord.State.FAILED) {
                logger.info("Chronos task {} failed {} times and is given up (the next scan emits it again if still needed): {}", q.id(),
                        next.attempts(), error);
            } else {
                logger.info("Chronos task {} failed (attempt {} of {}); retrying in {} s: {}", q.id(), next.attempts(), MAX_ATTEMPTS,
                        backoff(next.attempts()).toSeconds(), error);
            }
        }
    }

    /** Renews the heartbeat of every task running here whose last one is {@link #HEARTBEAT} old; interrupts runs past the lease. */
    private void renew(long now) {
        for (Map.Entry<String, Run> e : running.entrySet()) {
            Run run = e.getValue();
            synchronized (run) {
                Queued q = run.claimed;
                if (q == null || run.lost || run.finishing) {
                    continue;
                }
                if (now - q.task().started() > LEASE.toMillis() && !run.interrupted && run.thread != null) {
                    run.interrupted = true;
                    logger.info("Chronos task {} has run for more than {} min; interrupting it", q.id(), LEASE.toMinutes());
                    run.thread.interrupt();
                }
                if (now - q.task().heartbeat() < HEARTBEAT.toMillis()) {
                    continue;
                }
                try {
                    Optional<Queued> renewed = queue.update(q, q.task().renewed(now));
                    if (renewed.isPresent()) {
                        run.claimed = renewed.get();
                    } else {
                        run.lost = true;
                        logger.warn("Chronos task {}: its claim was taken over while it runs here (its heartbeat was late)", q.id());
                    }
                } catch (MedusaException ex) {
                    logger.info("Chronos task {}: could not renew its claim: {}", q.id(), ex.getMessage());
                }
            }
        }
    }
}
