package io.cairn.storage.curator.internal.chronos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.cairn.storage.curator.internal.chronos.ChronosQueue.Queued;

/** The queues in an in-memory Medusa, workers, and the leader's submit and await. */
class ChronosTest {

    static final UUID N1 = new UUID(0, 1);
    static final UUID N2 = new UUID(0, 2);
    static final UUID N3 = new UUID(0, 3);
    static final List<UUID> NODES = List.of(N1, N2, N3);
    static final Set<UUID> ALL_UP = Set.of(N1, N2, N3);
    static final UUID V1 = new UUID(7, 1);
    static final UUID V2 = new UUID(7, 2);
    static final AdmissionPolicy.Limits FAST = new AdmissionPolicy.Limits(2, 1000, 1000, Long.MAX_VALUE);
    static final Executor INLINE = Runnable::run;

    final FakeMedusa medusa = new FakeMedusa();
    final TestClock clock = new TestClock();
    final ChronosQueue queue = new ChronosQueue(medusa);
    final List<ExecutorService> executors = new ArrayList<>();

    @AfterEach
    void stopExecutors() {
        executors.forEach(ExecutorService::shutdownNow);
    }

    ExecutorService threads() {
        ExecutorService e = Executors.newVirtualThreadPerTaskExecutor();
        executors.add(e);
        return e;
    }

    ChronosWorker worker(UUID node, UUID incarnation, TaskRunner runner, Executor executor, AdmissionPolicy.Limits limits) {
        return new ChronosWorker(queue, node, incarnation, clock, runner, () -> limits, () -> 0, executor);
    }

    ChronosWorker worker(UUID node, TaskRunner runner, Executor executor) {
        return worker(node, UUID.randomUUID(), runner, executor, FAST);
    }

    Chronos leader(UUID self) {
        return new Chronos(medusa, self, clock, (id, t) -> {
        }, () -> FAST, () -> 0, INLINE);
    }

    static Task protect(UUID vdisk, long egroup, UUID owner, Priority p) {
        return Task.protect(vdisk, egroup, owner, p);
    }

    List<Queued> tasksOn(UUID node) {
        return queue.list(node);
    }

    static void waitFor(Duration max, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    // ---------------------------------------------------------------- one task per id

    @Test
    void givenTheSameTaskEmittedTwice_andAgainByANewLeaderAfterFailover_thenOneTaskIsQueued() {
        Task t = protect(V1, 7, N2, Priority.UNDER_REPLICATED);
        Chronos.Submission first = leader(N1).submit(1, List.of(t, t), NODES, ALL_UP);
        assertThat(first.queued()).isEqualTo(1);
        assertThat(first.tasks()).containsOnlyKeys("protect:" + V1 + ":7");

        // the leader dies; the new one re-emits the same work in its first scan
        Chronos.Submission again = leader(N3).submit(2, List.of(t), NODES, ALL_UP);
        assertThat(again.queued()).isZero();
        assertThat(again.adopted()).isEqualTo(1);
        assertThat(again.tasks().get(t.id()).node()).isEqualTo(N2);

        assertThat(medusa.keys(ChronosQueue.PREFIX)).containsExactly("chronos:" + N2 + "#task:1:protect:" + V1 + ":7");
        TaskRecord r = tasksOn(N2).getFirst().task();
        assertThat(r.execution()).as("left alone: still the first scan's").isEqualTo(1);
        assertThat(r.state()).isEqualTo(TaskRecord.State.QUEUED);
        assertThat(r.kind()).isEqualTo("protect");
        assertThat(r.args()).containsEntry("vdisk", V1.toString()).containsEntry("egroup", "7");
        // the queue itself never creates a second one either
        assertThat(queue.enqueue(N2, List.of(t), 3, 0)).isEmpty();
        assertThat(medusa.keys(ChronosQueue.PREFIX)).hasSize(1);
    }

    @Test
    void givenManyTasks_thenTheyAreQueuedInBatches_andThoseQueuedAlreadyAreLeftAlone() {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            tasks.add(protect(V1, i, N1, Priority.UNDER_REPLICATED));
        }
        queue.enqueue(N1, List.of(tasks.get(120)), 1, 0); // one of the middle batch exists already
        int before = medusa.writes.get();
        List<Queued> made = queue.enqueue(N1, tasks, 2, 0);
        assertThat(made).hasSize(249);
        assertThat(medusa.writes.get() - before).as("two batches, and the 99 new ones of the conflicting batch one by one").isEqualTo(2 + 99);
        assertThat(tasksOn(N1)).hasSize(250);
    }

    // ---------------------------------------------------------------- claims

    @Test
    void givenTwoWorkersRacingForOneTask_thenExactlyOneRunsIt() throws Exception {
        leader(N3).submit(1, List.of(protect(V1, 7, N1, Priority.LAST_REPLICA)), NODES, ALL_UP);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        TaskRunner slow = (id, t) -> {
            runs.incrementAndGet();
            release.await();
        };
        ChronosWorker a = worker(N1, slow, threads());
        ChronosWorker b = worker(N1, slow, threads());
        assertThat(a.poll()).isEqualTo(1);
        assertThat(b.poll()).as("claimed by a live runner").isZero();
        release.countDown();
        waitFor(Duration.ofSeconds(10), () -> tasksOn(N1).isEmpty(), "the task done");
        assertThat(b.poll()).isZero();
        assertThat(runs).hasValue(1);
    }

    @Test
    void givenTwoWorkersPollingOneQueueConcurrently_thenEveryTaskRunsExactlyOnce() throws Exception {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            tasks.add(protect(V1, i, N1, Priority.values()[i % 4]));
        }
        leader(N3).submit(1, tasks, NODES, ALL_UP);
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        TaskRunner counting = (id, t) -> runs.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        AdmissionPolicy.Limits four = new AdmissionPolicy.Limits(4, 1e6, 1e6, Long.MAX_VALUE);
        List<ChronosWorker> workers = List.of(worker(N1, UUID.randomUUID(), counting, threads(), four),
                worker(N1, UUID.randomUUID(), counting, threads(), four));
        List<Thread> pollers = new ArrayList<>();
        for (ChronosWorker w : workers) {
            pollers.add(Thread.ofPlatform().start(() -> {
                while (!tasksOn(N1).isEmpty() && !Thread.currentThread().isInterrupted()) {
                    w.poll();
                }
            }));
        }
        waitFor(Duration.ofSeconds(30), () -> tasksOn(N1).isEmpty(), "every task done");
        for (Thread t : pollers) {
            t.join(10_000);
        }
        assertThat(runs).hasSize(200);
        runs.forEach((id, n) -> assertThat(n.get()).as(id).isEqualTo(1));
        assertThat(queue.counters(N1).done()).as("both counted, neither count lost").containsEntry("protect", 200L);
    }

    @Test
    void givenAWorkerThatDiedHoldingATask_thenANewIncarnationRunsItOnceMore_afterTheClaimWentStale() {
        leader(N3).submit(1, List.of(protect(V1, 7, N1, Priority.UNDER_REPLICATED)), NODES, ALL_UP);
        ChronosWorker died = worker(N1, (id, t) -> {
        }, runnable -> {
        }); // claims, then the process dies before the task ran or finished
        assertThat(died.poll()).isEqualTo(1);
        assertThat(tasksOn(N1).getFirst().task().state()).isEqualTo(TaskRecord.State.RUNNING);

        AtomicInteger runs = new AtomicInteger();
        ChronosWorker restarted = worker(N1, (id, t) -> runs.incrementAndGet(), INLINE);
        assertThat(restarted.poll()).as("its runner may still be alive").isZero();
        clock.advance(ChronosWorker.STALE.plusSeconds(1));
        assertThat(restarted.poll()).isEqualTo(1);
        assertThat(runs).hasValue(1);
        assertThat(tasksOn(N1)).isEmpty();
        assertThat(restarted.poll()).isZero();
        assertThat(runs).hasValue(1);
    }

    @Test
    void givenATaskClaimedByThisIncarnationThatNothingHereRuns_thenTheNextPassRunsItAtOnce() {
        leader(N3).submit(1, List.of(protect(V1, 7, N1, Priority.UNDER_REPLICATED)), NODES, ALL_UP);
        UUID incarnation = UUID.randomUUID();
        worker(N1, incarnation, (id, t) -> {
        }, runnable -> {
        }, FAST).poll(); // the claim's reply was lost, say
        AtomicInteger runs = new AtomicInteger();
        assertThat(worker(N1, incarnation, (id, t) -> runs.incrementAndGet(), INLINE, FAST).poll()).isEqualTo(1);
        assertThat(runs).hasValue(1);
        assertThat(tasksOn(N1)).isEmpty();
    }

    @Test
    void givenALongTaskWhoseRunnerRenewsItsClaim_thenNoOtherWorkerTakesIt() throws Exception {
        leader(N3).submit(1, List.of(protect(V1, 7, N1, Priority.UNDER_REPLICATED)), NODES, ALL_UP);
        CountDownLatch release = new CountDownLatch(1);
        ChronosWorker a = worker(N1, (id, t) -> release.await(), threads());
        a.poll();
        waitFor(Duration.ofSeconds(5), () -> a.runningCount() == 1, "the run started");
        for (int i = 0; i < 8; i++) { // 40 s, twice the staleness
            clock.advance(ChronosWorker.HEARTBEAT);
            a.poll();
        }
        AtomicInteger other = new AtomicInteger();
        assertThat(worker(N1, (id, t) -> other.incrementAndGet(), INLINE).poll()).isZero();
        release.countDown();
        waitFor(Duration.ofSeconds(10), () -> tasksOn(N1).isEmpty(), "the task done");
        assertThat(other).hasValue(0);
    }

    @Test
    void givenARunLongerThanTheLease_thenItIsInterruptedAndCountsAsAFailedAttempt() throws Exception {
        leader(N3).submit(1, List.of(protect(V1, 7, N1, Priority.UNDER_REPLICATED)), NODES, ALL_UP);
        CountDownLatch started = new CountDownLatch(1);
        ChronosWorker a = worker(N1, (id, t) -> {
            started.countDown();
            new CountDownLatch(1).await(); // stuck until interrupted
        }, threads());
        a.poll();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        clock.advance(ChronosWorker.LEASE.plusSeconds(1));
        a.poll();
        waitFor(Duration.ofSeconds(10), () -> a.runningCount() == 0, "the run interrupted");
        TaskRecord r = tasksOn(N1).getFirst().task();
        assertThat(r.state()).isEqualTo(TaskRecord.State.QUEUED);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.error()).contains("longer than 5 min");
    }

    // ---------------------------------------------------------------- order and admission

    @Test
    void givenTasksOfEveryPriority_thenTheMostUrgentRunFirst() {
        List<Task> tasks = List.of(Task.deleteReplica(N1, 40, 0), protect(V1, 10, N1, Priority.UNDER_REPLICATED),
                protect(V2, 20, N1, Priority.CHECKSUM), protect(V1, 30, N1, Priority.LAST_REPLICA));
        leader(N3).submit(1, tasks, NODES, ALL_UP);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        assertThat(worker(N1, (id, t) -> order.add(id), INLINE).poll()).isEqualTo(4);
        assertThat(order).containsExactly("protect:" + V1 + ":30", "protect:" + V1 + ":10", "protect:" + V2 + ":20",
                "delete_replica:" + N1 + ":40");
    }

    @Test
    void givenTheMaximumRunning_thenNoMoreStart_andBusyUserIoSlowsTheRest() throws Exception {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tasks.add(protect(V1, i, N1, Priority.UNDER_REPLICATED));
        }
        leader(N3).submit(1, tasks, NODES, ALL_UP);
        CountDownLatch release = new CountDownLatch(1);
        ChronosWorker w = worker(N1, UUID.randomUUID(), (id, t) -> release.await(), threads(), new AdmissionPolicy.Limits(2, 100, 1, 10));
        assertThat(w.poll()).isEqualTo(2);
        assertThat(w.poll()).isZero();
        release.countDown();
        waitFor(Duration.ofSeconds(10), () -> tasksOn(N1).size() == 4, "two done");

        AtomicInteger runs = new AtomicInteger();
        ChronosWorker busy = new ChronosWorker(queue, N1, UUID.randomUUID(), clock, (id, t) -> runs.incrementAndGet(),
                () -> new AdmissionPolicy.Limits(2, 100, 1, 10), () -> 500, INLINE);
        assertThat(busy.poll()).as("busy: one second's worth, one task").isEqualTo(1);
        assertThat(busy.poll()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(busy.poll()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- failures

    @Test
    void givenATaskThatKeepsFailing_thenItIsRetriedLater_thenGivenUpAndCounted_andTheScanCollectsIt() throws Exception {
        Chronos leader = leader(N3);
        Chronos.Submission s = leader.submit(1, List.of(protect(V1, 7, N1, Priority.UNDER_REPLICATED)), NODES, ALL_UP);
        AtomicInteger runs = new AtomicInteger();
        ChronosWorker w = worker(N1, (id, t) -> {
            runs.incrementAndGet();
            throw new IllegalStateException("no live node to copy to");
        }, INLINE);
        w.poll();
        TaskRecord r = tasksOn(N1).getFirst().task();
        assertThat(r.state()).isEqualTo(TaskRecord.State.QUEUED);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.error()).isEqualTo("no live node to copy to");
        w.poll();
        assertThat(runs).as("not before its retry time").hasValue(1);
        clock.advance(ChronosWorker.backoff(1));
        w.poll();
        assertThat(runs).hasValue(2);
        clock.advance(ChronosWorker.backoff(2));
        w.poll();
        assertThat(runs).hasValue(ChronosWorker.MAX_ATTEMPTS);
        assertThat(tasksOn(N1).getFirst().task().state()).isEqualTo(TaskRecord.State.FAILED);
        clock.advance(Duration.ofMinutes(10));
        w.poll();
        assertThat(runs).as("given up: not run again").hasValue(ChronosWorker.MAX_ATTEMPTS);
        assertThat(queue.counters(N1).failed()).containsEntry("protect", 1L);

        Chronos.Outcome o = leader.await(s, Duration.ofSeconds(5), () -> ALL_UP, () -> true);
        assertThat(o.failed(TaskKind.PROTECT)).isEqualTo(1);
        assertThat(o.done(TaskKind.PROTECT)).isZero();
        assertThat(tasksOn(N1)).as("collected").isEmpty();
    }

    @Test
    void givenAGivenUpTask_whenAScanEmitsItAgain_thenItIsQueuedFromScratch_andOneNotEmittedAgainIsDeleted() {
        Chronos leader = leader(N3);
        leader.submit(1, List.of(protect(V1, 7, N1, Priority.UNDER_REPLICATED), protect(V1, 8, N1, Priority.UNDER_REPLICATED)), NODES,
                ALL_UP);
        ChronosWorker w = worker(N1, (id, t) -> {
            throw new IllegalStateException("boom");
        }, INLINE);
        for (int i = 0; i < ChronosWorker.MAX_ATTEMPTS; i++) {
            w.poll();
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(tasksOn(N1)).allMatch(q -> q.task().state() == TaskRecord.State.FAILED).hasSize(2);
        leader.submit(2, List.of(protect(V1, 7, N1, Priority.UNDER_REPLICATED)), NODES, ALL_UP);
        List<Queued> now = tasksOn(N1);
        assertThat(now).hasSize(1);
        assertThat(now.getFirst().id()).isEqualTo("protect:" + V1 + ":7");
        assertThat(now.getFirst().task().state()).isEqualTo(TaskRecord.State.QUEUED);
        assertThat(now.getFirst().task().attempts()).isZero();
        assertThat(now.getFirst().task().execution()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- the leader moves what a dead node holds

    @Test
    void givenTasksOnANodeThatDied_thenTheNextScanMovesTheQueuedOnes_andRunningOnesOnceTheirClaimIsStale() {
        Chronos leader = leader(N1);
        leader.submit(1, List.of(protect(V1, 7, N2, Priority.UNDER_REPLICATED), protect(V2, 8, N2, Priority.UNDER_REPLICATED)), NODES,
                ALL_UP);
        // N2 claimed one and died
        ChronosWorker n2 = worker(N2, UUID.randomUUID(), (id, t) -> {
        }, runnable -> {
        }, new AdmissionPolicy.Limits(1, 100, 100, Long.MAX_VALUE));
        n2.poll();
        Set<UUID> up = Set.of(N1, N3);
        Chronos.Submission s = leader.submit(2, List.of(protect(V1, 7, N2, Priority.UNDER_REPLICATED),
                protect(V2, 8, N2, Priority.UNDER_REPLICATED)), NODES, up);
        assertThat(s.moved()).isEqualTo(1);
        assertThat(tasksOn(N2)).hasSize(1).allMatch(q -> q.task().state() == TaskRecord.State.RUNNING);
        clock.advance(ChronosWorker.STALE.plusSeconds(1));
        s = leader.submit(3, List.of(protect(V1, 7, N2, Priority.UNDER_REPLICATED), protect(V2, 8, N2, Priority.UNDER_REPLICATED)), NODES,
                up);
        assertThat(s.moved()).isEqualTo(1);
        assertThat(tasksOn(N2)).isEmpty();
        assertThat(s.tasks().values()).allMatch(t -> up.contains(t.node()));
        assertThat(tasksOn(N1).size() + tasksOn(N3).size()).isEqualTo(2);
        assertThat(medusa.keys(ChronosQueue.PREFIX).stream().filter(k -> k.contains("#task:"))).hasSize(2);
    }

    @Test
    void givenAQueuedTaskThatBecameMoreUrgent_thenItMovesUpItsQueue_keepingItsAttempts() {
        Chronos leader = leader(N1);
        leader.submit(1, List.of(protect(V1, 7, N2, Priority.GARBAGE)), NODES, ALL_UP);
        Chronos.Submission s = leader.submit(2, List.of(protect(V1, 7, N2, Priority.LAST_REPLICA)), NODES, ALL_UP);
        assertThat(s.moved()).isEqualTo(1);
        assertThat(medusa.keys(ChronosQueue.PREFIX)).containsExactly("chronos:" + N2 + "#task:0:protect:" + V1 + ":7");
        // less urgent now: stays where it is
        s = leader.submit(3, List.of(protect(V1, 7, N2, Priority.GARBAGE)), NODES, ALL_UP);
        assertThat(s.adopted()).isEqualTo(1);
        assertThat(medusa.keys(ChronosQueue.PREFIX)).containsExactly("chronos:" + N2 + "#task:0:protect:" + V1 + ":7");
    }

    @Test
    void givenAnOrphanOnANodeThatIsDown_thenItsDeletionIsNotQueued_andCountsAsFailed() throws Exception {
        Chronos leader = leader(N1);
        Chronos.Submission s = leader.submit(1, List.of(Task.deleteReplica(N3, 5, 0)), NODES, Set.of(N1, N2));
        assertThat(s.unplaced()).containsEntry(TaskKind.DELETE_REPLICA, 1);
        assertThat(medusa.keys(ChronosQueue.PREFIX)).isEmpty();
        assertThat(leader.await(s, Duration.ofSeconds(1), () -> Set.of(N1, N2), () -> true).failed(TaskKind.DELETE_REPLICA)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- the scan waits

    @Test
    void givenAScansTasks_whenTheWorkersRunThem_thenAwaitCountsThemDone() throws Exception {
        Chronos leader = leader(N1);
        Chronos.Submission s = leader.submit(4, List.of(protect(V1, 1, N1, Priority.LAST_REPLICA), protect(V1, 2, N2, Priority.CHECKSUM),
                Task.deleteReplica(N2, 3, 0)), NODES, ALL_UP);
        ChronosWorker n2 = worker(N2, (id, t) -> {
        }, INLINE);
        clock.onSleep = () -> {
            leader.worker().poll();
            n2.poll();
        };
        Chronos.Outcome o = leader.await(s, Duration.ofMinutes(10), () -> ALL_UP, () -> true);
        assertThat(o.done(TaskKind.PROTECT)).isEqualTo(2);
        assertThat(o.done(TaskKind.DELETE_REPLICA)).isEqualTo(1);
        assertThat(o.failed()).isEmpty();
        assertThat(o.pending()).isEmpty();
        assertThat(queue.counters(N2).done()).containsEntry("protect", 1L).containsEntry("delete_replica", 1L);
    }

    @Test
    void givenTasksThatDoNotFinish_thenAwaitGivesUpAtItsDeadline_orWhenTheirNodeGoesDown_orLeadershipIsLost() throws Exception {
        Chronos leader = leader(N1);
        Chronos.Submission s = leader.submit(4, List.of(protect(V1, 1, N2, Priority.LAST_REPLICA), protect(V1, 2, N3, Priority.CHECKSUM)),
                NODES, ALL_UP);
        Chronos.Outcome o = leader.await(s, Duration.ofSeconds(3), () -> Set.of(N1, N2), () -> true);
        assertThat(o.failed(TaskKind.PROTECT)).as("N3 is down").isEqualTo(1);
        assertThat(o.pending(TaskKind.PROTECT)).as("nobody ran N2's").isEqualTo(1);
        assertThat(tasksOn(N3)).as("left for the next scan to move").hasSize(1);

        AtomicInteger checks = new AtomicInteger();
        assertThatThrownBy(() -> leader.await(s, Duration.ofMinutes(10), () -> ALL_UP, () -> checks.incrementAndGet() < 3))
                .isInstanceOf(InterruptedException.class);
        assertThat(tasksOn(N2)).as("a new leader adopts it").hasSize(1);
    }

    // ---------------------------------------------------------------- the 2011 page

    @Test
    void givenQueuedRunningAndDoneTasks_thenTheSnapshotShowsThemPerNode() throws Exception {
        Chronos leader = leader(N1);
        leader.submit(9, List.of(protect(V1, 1, N2, Priority.LAST_REPLICA), protect(V1, 2, N2, Priority.GARBAGE),
                protect(V1, 3, N1, Priority.UNDER_REPLICATED)), NODES, ALL_UP);
        worker(N1, (id, t) -> {
        }, INLINE).poll();
        worker(N2, UUID.randomUUID(), (id, t) -> {
        }, runnable -> {
        }, new AdmissionPolicy.Limits(1, 100, 100, Long.MAX_VALUE)).poll();
        clock.advance(Duration.ofSeconds(30));
        Chronos.Snapshot snap = leader.snapshot(NODES);
        assertThat(snap.nodes()).extracting(Chronos.NodeQueue::node).containsExactly(N1.toString(), N2.toString(), N3.toString());
        Chronos.NodeQueue n1 = snap.nodes().get(0);
        assertThat(n1.tasks()).isEmpty();
        assertThat(n1.done()).containsEntry("protect", 1L);
        Chronos.NodeQueue n2 = snap.nodes().get(1);
        assertThat(n2.running()).isEqualTo(1);
        assertThat(n2.queued()).isEqualTo(1);
        assertThat(n2.queuedByPriority()).as("queued (not running) tasks per priority digit").containsExactly(0, 0, 0, 1);
        assertThat(n2.tasks()).extracting(Chronos.TaskView::priority).containsExactly(0, 3);
        assertThat(n2.tasks().getFirst().state()).isEqualTo("running");
        assertThat(n2.tasks().getFirst().ageSecs()).isEqualTo(30);
        assertThat(n2.tasks().getFirst().execution()).isEqualTo(9);
        assertThat(n2.tasks().getFirst().kind()).isEqualTo("protect");
        // as the curator.chronos RPC sends it
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(snap);
        assertThat(json).contains("\"priority\":0", "\"state\":\"running\"", "\"done\":{\"protect\":1}");
    }
}
