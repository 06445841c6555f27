package io.cairn.cluster.zeus.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.ready.ReadyMarker;
import io.cairn.cluster.api.Leadership;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.Registration;
import io.cairn.common.clock.Clock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.tasks.TaskContext;
import io.cairn.common.tasks.TaskHandler;
import io.cairn.common.tasks.TaskInfo;
import io.cairn.common.tasks.TaskService;
import io.cairn.common.tasks.TaskState;

/**
 * Tasks persisted in Zookeeper ({@code /cairn/tasks/task-N}), run by the leader of the
 * {@value #ROLE} role. Every state change the leader makes is fenced by its epoch, so a former
 * leader can neither start nor finish a task; the next leader marks a task that was running under
 * an older epoch FAILED instead of running it again.
 */
@Component(service = TaskService.class, immediate = true, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class TaskServiceImpl implements TaskService, LeadershipListener {

    static final String ROLE = "Tasks";
    static final String TASKS = "/cairn/tasks";
    private static final int PARALLEL = 4;

    /** The persisted form (times in epoch milliseconds). */
    record TaskDoc(String id, String type, String parent, String params, TaskState state, int percent, String message,
            String result, String executor, long epoch, int attempts, long created, long updated, boolean abortRequested) {

        TaskInfo info() {
            return new TaskInfo(id, type, parent, params, state, percent, message, result, executor, epoch, attempts,
                    Instant.ofEpochMilli(created), Instant.ofEpochMilli(updated));
        }

        TaskDoc with(TaskState s, int pct, String msg, String res, long now) {
            return new TaskDoc(id, type, parent, params, s, pct, msg, res, executor, epoch, attempts, created, now, abortRequested);
        }
    }

    private final Logger logger = LoggerFactory.getLogger(TaskServiceImpl.class);
    private final ZeusService zeus;
    private final CuratorFramework curator;
    private final Clock clock;
    private final Map<String, TaskHandler> handlers = new ConcurrentHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Registration candidacy;
    private volatile Leadership leading;

    @Activate
    public TaskServiceImpl(@Reference ZeusService zeus, @Reference Clock clock) {
        this.zeus = zeus;
        this.curator = zeus.curator();
        this.clock = clock;
        this.candidacy = zeus.elect(ROLE, this);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addHandler(TaskHandler handler, Map<String, Object> props) {
        Object type = props.get(TaskHandler.TYPE);
        if (type instanceof String t && !t.isBlank()) {
            handlers.put(t, handler);
        } else {
            logger.warn("task handler {} has no {} property; ignored", handler, TaskHandler.TYPE);
        }
    }

    void removeHandler(TaskHandler handler, Map<String, Object> props) {
        Object type = props.get(TaskHandler.TYPE);
        if (type instanceof String t) {
            handlers.remove(t, handler);
        }
    }

    @Override
    public TaskInfo submit(String type, String params, String parent) {
        if (type == null || !handlers.containsKey(type)) {
            throw CairnException.invalid("unknown task type '" + type + "'; known types: " + String.join(", ", new java.util.TreeSet<>(handlers.keySet())));
        }
        if (parent != null && !parent.isEmpty() && get(parent).isEmpty()) {
            throw CairnException.invalid("parent task '" + parent + "' does not exist");
        }
        long now = clock.millis();
        return zeus.call("submit a task", () -> {
            TaskDoc draft = new TaskDoc("", type, parent, params, TaskState.QUEUED, 0, "queued", "", "", 0, 0, now, now, false);
            String path = curator.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .forPath(TASKS + "/task-", Json.write(draft));
            String id = path.substring(path.lastIndexOf('/') + 1);
            TaskDoc doc = new TaskDoc(id, type, parent, params, TaskState.QUEUED, 0, "queued", "", "", 0, 0, now, now, false);
            curator.setData().forPath(path, Json.write(doc));
            logger.info("Task {} ({}) queued", id, type);
            return doc.info();
        });
    }

    @Override
    public Optional<TaskInfo> get(String id) {
        return read(id).map(v -> v.doc.info());
    }

    @Override
    public List<TaskInfo> list() {
        return zeus.call("list tasks", () -> {
            List<TaskInfo> out = new ArrayList<>();
            for (String id : children()) {
                read(id).ifPresent(v -> out.add(v.doc.info()));
            }
            return out;
        });
    }

    @Override
    public TaskInfo abort(String id) {
        for (int i = 0; i < 20; i++) {
            Versioned v = read(id).orElseThrow(() -> CairnException.notFound("task '" + id + "' does not exist"));
            TaskDoc d = v.doc;
            if (d.state().finished()) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, "task " + id + " already " + d.state() + "; nothing to abort");
            }
            long now = clock.millis();
            TaskDoc next = d.state() == TaskState.QUEUED ? d.with(TaskState.ABORTED, d.percent(), "aborted before it ran", "", now)
                    : new TaskDoc(d.id(), d.type(), d.parent(), d.params(), d.state(), d.percent(), "abort requested", d.result(),
                            d.executor(), d.epoch(), d.attempts(), d.created(), now, true);
            try {
                zeus.call("abort task", () -> curator.setData().withVersion(v.version).forPath(TASKS + "/" + id, Json.write(next)));
                return next.info();
            } catch (CairnException e) {
                if (!(e.getCause() instanceof KeeperException.BadVersionException)) {
                    throw e;
                }
            }
        }
        throw new CairnException(ErrorCode.CONFLICT, "task " + id + " kept changing; retry the abort");
    }

    // ---- leader side

    @Override
    public void acquired(Leadership leadership) {
        leading = leadership;
        Thread.ofVirtual().name("tasks-leader-" + leadership.epoch()).start(() -> lead(leadership));
    }

    @Override
    public void lost(Leadership leadership) {
        if (leading == leadership) {
            leading = null;
        }
    }

    /**
     * The leader's loop: first marks tasks a lost leader left RUNNING as FAILED (never run twice), then starts queued
     * tasks every 200 ms. A Zeus error (a Zookeeper leader election, a session being re-established) does not end it
     * while this node still leads: it retries after a second, so a leader that survives a blip keeps running tasks.
     */
    private void lead(Leadership l) {
        ZeusService.Fence fence = Election.fenceOf(l);
        boolean recovered = false;
        try {
            while (leading == l && l.valid()) {
                try {
                    if (!recovered) {
                        failLostTasks(l, fence);
                        recovered = true;
                    }
                    for (String id : children()) {
                        if (inFlight.size() >= PARALLEL || leading != l) {
                            break;
                        }
                        if (inFlight.contains(id)) {
                            continue;
                        }
                        Optional<Versioned> v = read(id);
                        if (v.isEmpty() || v.get().doc.state() != TaskState.QUEUED) {
                            continue;
                        }
                        start(l, fence, v.get());
                    }
                    clock.sleep(java.time.Duration.ofMillis(200));
                } catch (CairnException e) {
                    if (leading != l || !l.valid()) {
                        logger.info("Tasks leader epoch {} stops: {}", l.epoch(), e.getMessage());
                        return;
                    }
                    logger.warn("Tasks leader epoch {}: {}; retrying in 1 s", l.epoch(), e.getMessage());
                    clock.sleep(java.time.Duration.ofSeconds(1));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void failLostTasks(Leadership l, ZeusService.Fence fence) {
        for (String id : children()) {
            Optional<Versioned> v = read(id);
            if (v.isPresent() && v.get().doc.state() == TaskState.RUNNING && v.get().doc.epoch() < l.epoch()) {
                TaskDoc d = v.get().doc;
                TaskDoc failed = d.with(TaskState.FAILED, d.percent(), "interrupted: the tasks leader " + d.executor() + " (epoch "
                        + d.epoch() + ") was lost while the task ran; it is not run again, so it never runs twice; "
                        + "resubmit it if it is still needed", "", clock.millis());
                update(fence, id, v.get().version, failed);
                logger.info("Task {} ({}) marked FAILED: its leader (epoch {}) was lost while it ran", id, d.type(), d.epoch());
            }
        }
    }

    private void start(Leadership l, ZeusService.Fence fence, Versioned v) {
        TaskDoc d = v.doc;
        TaskHandler handler = handlers.get(d.type());
        long now = clock.millis();
        if (handler == null) {
            update(fence, d.id(), v.version, d.with(TaskState.FAILED, 0, "no handler for task type " + d.type() + " on the tasks leader", "", now));
            return;
        }
        TaskDoc running = new TaskDoc(d.id(), d.type(), d.parent(), d.params(), TaskState.RUNNING, 0, "running",
                "", zeus.self().address(), l.epoch(), d.attempts() + 1, d.created(), now, d.abortRequested());
        int version;
        try {
            version = update(fence, d.id(), v.version, running);
        } catch (CairnException e) {
            if (e.code() == ErrorCode.CONFLICT) {
                return; // aborted meanwhile
            }
            throw e;
        }
        inFlight.add(d.id());
        AtomicInteger ver = new AtomicInteger(version);
        Thread.ofVirtual().name("task-" + d.id()).start(() -> {
            Context ctx = new Context(l, fence, running, ver);
            try {
                logger.info("Task {} ({}) running under epoch {}", d.id(), d.type(), l.epoch());
                String result = handler.run(ctx);
                finish(ctx, ctx.aborted() ? TaskState.ABORTED : TaskState.SUCCEEDED, ctx.aborted() ? "aborted" : "succeeded",
                        result == null ? "" : result);
            } catch (Exception e) {
                finish(ctx, TaskState.FAILED, e.getMessage() == null ? e.toString() : e.getMessage(), "");
            } finally {
                inFlight.remove(d.id());
            }
        });
    }

    private void finish(Context ctx, TaskState state, String message, String result) {
        for (int i = 0; i < 10; i++) {
            try {
                Versioned now = read(ctx.doc.id()).orElseThrow();
                TaskDoc d = now.doc.with(state, state == TaskState.SUCCEEDED ? 100 : now.doc.percent(), message, result,
                        clock.millis());
                update(ctx.fence, d.id(), now.version, d);
                logger.info("Task {} ({}) {}", d.id(), d.type(), state);
                return;
            } catch (CairnException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    logger.info("Task {} result not recorded: {}", ctx.doc.id(), e.getMessage());
                    return;
                }
            }
        }
    }

    /** Fenced compare-and-set of a task; returns the new version. */
    private int update(ZeusService.Fence fence, String id, int version, TaskDoc doc) {
        return zeus.call("update task " + id, () -> {
            try {
                var results = curator.transaction().forOperations(
                        curator.transactionOp().check().withVersion(fence.version()).forPath(fence.path()),
                        curator.transactionOp().setData().withVersion(version).forPath(TASKS + "/" + id, Json.write(doc)));
                return results.get(1).getResultStat().getVersion();
            } catch (KeeperException e) {
                List<OpResult> r = e.getResults();
                if (r != null && !r.isEmpty() && r.get(0) instanceof OpResult.ErrorResult err && err.getErr() != 0) {
                    throw new CairnException(ErrorCode.FAILED_PRECONDITION, "leadership of " + ROLE + " epoch " + fence.epoch()
                            + " was lost; task " + id + " belongs to the next leader");
                }
                throw new CairnException(ErrorCode.CONFLICT, "task " + id + " changed meanwhile", e);
            }
        });
    }

    private record Versioned(TaskDoc doc, int version) {
    }

    private List<String> children() {
        return zeus.call("list tasks", () -> {
            try {
                return curator.getChildren().forPath(TASKS).stream().sorted().toList();
            } catch (KeeperException.NoNodeException e) {
                return List.of();
            }
        });
    }

    private Optional<Versioned> read(String id) {
        if (id == null || !id.matches("task-[0-9]{10}")) {
            throw CairnException.invalid("'" + id + "' is not a task id (task-0000000001)");
        }
        return zeus.call("read task", () -> {
            try {
                Stat stat = new Stat();
                byte[] data = curator.getData().storingStatIn(stat).forPath(TASKS + "/" + id);
                return Optional.of(new Versioned(Json.read(data, TaskDoc.class, "task " + id), stat.getVersion()));
            } catch (KeeperException.NoNodeException e) {
                return Optional.empty();
            }
        });
    }

    private final class Context implements TaskContext {
        private final Leadership leadership;
        private final ZeusService.Fence fence;
        private final TaskDoc doc;
        private final AtomicInteger version;

        Context(Leadership leadership, ZeusService.Fence fence, TaskDoc doc, AtomicInteger version) {
            this.leadership = leadership;
            this.fence = fence;
            this.doc = doc;
            this.version = version;
        }

        @Override
        public TaskInfo task() {
            return doc.info();
        }

        @Override
        public void progress(int percent, String message) {
            if (!leadership.valid()) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, "this node no longer leads " + ROLE + "; task " + doc.id()
                        + " must stop");
            }
            for (int i = 0; i < 10; i++) {
                Versioned now = read(doc.id()).orElseThrow();
                TaskDoc d = now.doc.with(TaskState.RUNNING, Math.max(0, Math.min(100, percent)), message, "",
                        clock.millis());
                try {
                    version.set(update(fence, doc.id(), now.version, d));
                    return;
                } catch (CairnException e) {
                    if (e.code() != ErrorCode.CONFLICT) {
                        throw e;
                    }
                }
            }
        }

        @Override
        public boolean aborted() {
            return read(doc.id()).map(v -> v.doc.abortRequested()).orElse(true);
        }

        @Override
        public TaskInfo submitChild(String type, String params) {
            return submit(type, params, doc.id());
        }
    }

    @Deactivate
    void deactivate() {
        leading = null;
        candidacy.close();
    }
}
