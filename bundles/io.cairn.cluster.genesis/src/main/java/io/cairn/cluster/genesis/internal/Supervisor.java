package io.cairn.cluster.genesis.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

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
import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.Presence;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.Role;
import io.cairn.cluster.api.RoleContext;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.clock.Clock;
import io.cairn.common.clock.Timer;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.metrics.MetricsRegistry;

/**
 * Genesis' supervisor: runs every {@link Role} registered on this node unless it is stopped
 * cluster-wide (Zeus document {@value #SERVICES}) or locally ({@code genesis stop}, kept in
 * {@code data/genesis/state.json} so it stays down across restarts until {@code cluster start}).
 * A role that fails is restarted after 1 s, doubling to 60 s. The state of every role is published
 * as the node's {@code Genesis} presence, which {@code cluster status} reads.
 */
@Component(service = Supervisor.class, immediate = true, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class Supervisor {

    static final String SERVICES = "services";
    static final long BACKOFF_START_MS = 1000;
    static final long BACKOFF_MAX_MS = 60_000;

    /** The cluster-wide service document. */
    record ServicesDoc(List<String> stopped, long startGeneration, String startTarget) {
        ServicesDoc {
            stopped = stopped == null ? List.of() : List.copyOf(stopped);
            startTarget = startTarget == null ? "*" : startTarget;
        }
    }

    /** What this node keeps across restarts. */
    record LocalState(List<String> stopped, long seenStartGeneration) {
        LocalState {
            stopped = stopped == null ? List.of() : List.copyOf(stopped);
        }
    }

    private final class Entry {
        final String name;
        final Role role;
        String state = "DOWN";
        long pid;
        int failures;
        long startedAt;
        String note = "";
        Timer restart;
        Ctx ctx;

        Entry(String name, Role role) {
            this.name = name;
            this.role = role;
        }
    }

    private final Logger logger = LoggerFactory.getLogger(Supervisor.class);
    private final Zeus zeus;
    private final Clock clock;
    private final Path stateFile;
    private final String address;
    private final ExecutorService loop = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("genesis").daemon(true).factory());
    private final Map<String, Entry> roles = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final AtomicLong pidSeq = new AtomicLong();
    private final long jvmPid = ProcessHandle.current().pid();
    private volatile List<String> clusterStopped = List.of();
    private LocalState local;
    private Presence presence;
    private Registration watch;
    private Registration configWatch;
    private final Bootstrap bootstrap;
    private volatile boolean active;
    private final MetricsRegistry metrics;
    private final io.cairn.common.metrics.Counter restarts;

    @Activate
    public Supervisor(@Reference Zeus zeus, @Reference LocalNode node, @Reference Clock clock, @Reference MetricsRegistry metrics,
            @Reference Bootstrap bootstrap) throws IOException {
        this.bootstrap = bootstrap;
        this.metrics = metrics;
        this.zeus = zeus;
        this.clock = clock;
        this.address = node.identity().address();
        this.stateFile = node.home().resolve("data/genesis/state.json");
        this.local = Files.exists(stateFile) ? Codec.MAPPER.readValue(stateFile.toFile(), LocalState.class) : new LocalState(List.of(), 0);
        active = true;
        metrics.gauge("cairn_genesis_roles_up", "Roles running on this node", () -> roles.values().stream()
                .filter(e -> e.state.equals("UP")).count());
        metrics.gauge("cairn_genesis_roles_failed", "Roles waiting for a restart after a failure", () -> roles.values().stream()
                .filter(e -> e.state.equals("FAILED")).count());
        restarts = metrics.counter("cairn_genesis_role_restarts_total", "Role failures Genesis restarted");
        loop.execute(() -> {
            presence = announceWhenReachable();
            watch = zeus.watch(SERVICES, doc -> loop.execute(() -> onServices(doc)));
            configWatch = zeus.watch(ClusterConfig.DOCUMENT, doc -> doc.ifPresent(d -> bootstrap.refresh(
                    Codec.read(Codec.tree(d.data(), "cluster"), ClusterConfig.class, "the cluster configuration"))));
            reconcile();
        });
    }

    private Presence announceWhenReachable() {
        return zeus.announce("Genesis", attributes());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addRole(Role role, Map<String, Object> props) {
        Object n = props.get(Role.NAME);
        if (!(n instanceof String name) || name.isBlank()) {
            logger.warn("role service {} has no {} property; ignored", role, Role.NAME);
            return;
        }
        if (loop.isShutdown()) {
            return; // Genesis is stopping
        }
        loop.execute(() -> {
            if (roles.containsKey(name)) {
                logger.warn("a second role named {} was registered; ignored", name);
                return;
            }
            roles.put(name, new Entry(name, role));
            reconcile();
        });
    }

    void removeRole(Role role, Map<String, Object> props) {
        Object n = props.get(Role.NAME);
        if (loop.isShutdown()) {
            return; // deactivate already stopped every role
        }
        loop.execute(() -> {
            Entry e = roles.get(n);
            if (e != null && e.role == role) {
                stop(e, "DOWN", "role bundle stopped");
                roles.remove(n);
                publish();
            }
        });
    }

    // ---- commands

    /** Local roles and their states, for {@code genesis status}. */
    List<Map<String, Object>> status() {
        return call(() -> {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Entry e : roles.values()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("service", e.name);
                m.put("state", e.state);
                m.put("pid", e.state.equals("UP") ? e.pid : 0);
                m.put("restarts", e.failures);
                m.put("note", e.note);
                out.add(m);
            }
            return out;
        });
    }

    /** Every service name known on any node. */
    TreeSet<String> knownServices() {
        TreeSet<String> names = new TreeSet<>(call(() -> new ArrayList<>(roles.keySet())));
        for (ServicePresence p : zeus.presences()) {
            if (p.service().equals("Genesis")) {
                p.attributes().keySet().stream().filter(k -> k.startsWith("role.")).forEach(k -> names.add(k.substring(5)));
            }
        }
        names.add("Genesis");
        names.add("Zookeeper");
        return names;
    }

    String canonical(String service) {
        if (service == null || service.isBlank()) {
            throw CairnException.invalid("name a service; known services: " + String.join(", ", knownServices()));
        }
        for (String s : knownServices()) {
            if (s.equalsIgnoreCase(service)) {
                if (s.equals("Genesis") || s.equals("Zookeeper")) {
                    throw new CairnException(ErrorCode.FAILED_PRECONDITION, s + " cannot be stopped: the node would leave the cluster; "
                            + "stop the node with cairn node stop instead");
                }
                return s;
            }
        }
        throw CairnException.notFound("unknown service '" + service + "'; known services: " + String.join(", ", knownServices()));
    }

    void stopLocal(String service) {
        String name = canonical(service);
        call(() -> {
            TreeSet<String> s = new TreeSet<>(local.stopped);
            s.add(name);
            saveLocal(new LocalState(new ArrayList<>(s), local.seenStartGeneration()));
            reconcile();
            return null;
        });
    }

    void clusterStop(String service) {
        String name = canonical(service);
        updateServices(doc -> {
            TreeSet<String> s = new TreeSet<>(doc.stopped());
            s.add(name);
            return new ServicesDoc(new ArrayList<>(s), doc.startGeneration(), doc.startTarget());
        });
    }

    void clusterStart(String service) {
        String name = service == null || service.isBlank() ? "*" : canonical(service);
        updateServices(doc -> {
            List<String> s = new ArrayList<>(doc.stopped());
            if (name.equals("*")) {
                s.clear();
            } else {
                s.remove(name);
            }
            return new ServicesDoc(s, doc.startGeneration() + 1, name);
        });
    }

    private void updateServices(java.util.function.UnaryOperator<ServicesDoc> change) {
        for (int i = 0; i < 20; i++) {
            Optional<VersionedDocument> cur = zeus.read(SERVICES);
            ServicesDoc doc = cur.map(d -> Codec.read(Codec.tree(d.data(), "services"), ServicesDoc.class, "services"))
                    .orElse(new ServicesDoc(List.of(), 0, "*"));
            try {
                zeus.write(SERVICES, Codec.write(change.apply(doc)), cur.map(VersionedDocument::version).orElse(VersionedDocument.ABSENT));
                return;
            } catch (CairnException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    throw e;
                }
            }
        }
        throw new CairnException(ErrorCode.CONFLICT, "the services document kept changing; retry");
    }

    // ---- the loop

    private void onServices(Optional<VersionedDocument> doc) {
        ServicesDoc d = doc.map(v -> Codec.read(Codec.tree(v.data(), "services"), ServicesDoc.class, "services"))
                .orElse(new ServicesDoc(List.of(), 0, "*"));
        clusterStopped = d.stopped();
        if (d.startGeneration() > local.seenStartGeneration()) {
            List<String> still = new ArrayList<>(local.stopped());
            if (d.startTarget().equals("*")) {
                still.clear();
            } else {
                still.remove(d.startTarget());
            }
            saveLocal(new LocalState(still, d.startGeneration()));
        }
        reconcile();
    }

    private boolean desired(String name) {
        return !clusterStopped.contains(name) && !local.stopped().contains(name);
    }

    private void reconcile() {
        for (Entry e : roles.values()) {
            boolean want = desired(e.name);
            if (want && e.state.equals("DOWN")) {
                start(e);
            } else if (!want && !e.state.equals("DOWN")) {
                stop(e, "DOWN", clusterStopped.contains(e.name) ? "stopped cluster-wide (cluster stop)" : "stopped on this node (genesis stop)");
            }
        }
        publish();
    }

    private void start(Entry e) {
        e.pid = jvmPid * 1000 + pidSeq.incrementAndGet();
        e.ctx = new Ctx(e, e.pid);
        e.startedAt = clock.millis();
        try {
            e.role.start(e.ctx);
            e.state = "UP";
            e.note = "";
            logger.info("Started {} (pid {})", e.name, e.pid);
        } catch (Exception | LinkageError x) {
            failed(e, e.ctx, x);
        }
    }

    private void stop(Entry e, String state, String note) {
        if (e.restart != null) {
            e.restart.cancel();
            e.restart = null;
        }
        if (e.state.equals("UP")) {
            try {
                e.role.stop();
            } catch (RuntimeException x) {
                logger.warn("stopping {} failed: {}", e.name, x.toString());
            }
            logger.info("Stopped {} (pid {}): {}", e.name, e.pid, note);
        }
        e.ctx = null;
        e.state = state;
        e.note = note;
    }

    private void failed(Entry e, Ctx ctx, Throwable cause) {
        if (e.ctx != ctx || !active) {
            return; // a report from an earlier run
        }
        if (e.state.equals("UP") && clock.millis() - e.startedAt > BACKOFF_MAX_MS) {
            e.failures = 0;
        }
        stop(e, "FAILED", "");
        e.failures++;
        restarts.increment();
        long delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS << Math.min(20, e.failures - 1));
        e.note = "failed (" + cause + "); restart in " + delay / 1000 + " s";
        logger.info("{} failed: {}; restarting in {} ms (failure {})", e.name, cause.toString(), delay, e.failures);
        e.restart = clock.schedule(Duration.ofMillis(delay), () -> loop.execute(() -> {
            e.restart = null;
            if (active && e.state.equals("FAILED") && desired(e.name)) {
                start(e);
                publish();
            }
        }));
        publish();
    }

    private Map<String, String> attributes() {
        Map<String, String> attrs = new TreeMap<>();
        attrs.put("address", address);
        attrs.put("pid", Long.toString(jvmPid));
        for (Entry e : roles.values()) {
            attrs.put("role." + e.name, e.state.equals("UP") ? "UP " + e.pid : e.state + (e.note.isEmpty() ? "" : " " + e.note));
        }
        return attrs;
    }

    private void publish() {
        if (presence != null) {
            try {
                presence.update(attributes());
            } catch (CairnException x) {
                logger.info("Publishing the role states failed ({}); retrying in 2 s", x.getMessage());
                clock.schedule(Duration.ofSeconds(2), () -> loop.execute(() -> {
                    if (active) {
                        publish();
                    }
                }));
            }
        }
    }

    private void saveLocal(LocalState s) {
        local = s;
        try {
            Files.createDirectories(stateFile.getParent());
            Path tmp = stateFile.resolveSibling("state.json.tmp");
            Files.write(tmp, Codec.write(s));
            Files.move(tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException x) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot save Genesis state in " + stateFile + ": " + x.getMessage(), x);
        }
    }

    private interface Step<T> {
        T run();
    }

    private <T> T call(Step<T> step) {
        try {
            return loop.submit(step::run).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException x) {
            if (x.getCause() instanceof CairnException c) {
                throw c;
            }
            throw new CairnException(ErrorCode.INTERNAL, "genesis: " + x.getCause(), x.getCause());
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new CairnException(ErrorCode.UNAVAILABLE, "interrupted", x);
        } catch (java.util.concurrent.TimeoutException x) {
            throw new CairnException(ErrorCode.TIMEOUT, "Genesis is busy (a role's start or stop takes longer than 30 s)");
        }
    }

    private final class Ctx implements RoleContext {
        private final Entry entry;
        private final long pid;

        Ctx(Entry entry, long pid) {
            this.entry = entry;
            this.pid = pid;
        }

        @Override
        public String role() {
            return entry.name;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public void failed(Throwable cause) {
            loop.execute(() -> Supervisor.this.failed(entry, this, cause));
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        active = false;
        metrics.remove("cairn_genesis_roles_up");
        metrics.remove("cairn_genesis_roles_failed");
        loop.execute(() -> {
            for (Entry e : roles.values()) {
                stop(e, "DOWN", "node stopping");
            }
            if (watch != null) {
                watch.close();
            }
            if (configWatch != null) {
                configWatch.close();
            }
            if (presence != null) {
                presence.close();
            }
        });
        loop.shutdown();
        loop.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    }
}
