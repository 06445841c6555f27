package io.cairn.iscsi.internal.redirector;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.clock.Clock;
import io.cairn.common.clock.Timer;
import io.cairn.storage.api.iscsi.Chap;
import io.cairn.storage.api.iscsi.DiscoveredTarget;
import io.cairn.storage.api.iscsi.IscsiPortals;
import io.cairn.storage.api.iscsi.LoginDecision;
import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalOptions;
import io.cairn.storage.api.iscsi.ReservationStore;
import io.cairn.storage.api.iscsi.TargetCatalog;
import io.cairn.storage.api.iscsi.PortalAddresses;

/**
 * The host's iSCSI redirector (spec 40 §7): a portal that serves no target but answers every login
 * with a temporary redirect (0x0101) to the first healthy path of the target: the local Stargate
 * portal, else the first two remote Stargates in the {@link PathOrder} of the target IQN; with none
 * healthy, 0x0301 (service unavailable). It probes every portal each {@code probeInterval}
 * ({@link PortalProbe}), logs {@code Portal <ip>:<port> is up|down} once per transition (SLF4J and
 * the log file), and fails back: once the local portal has been up for {@code failbackDelay} after
 * being down, it has the remote Stargates end the sessions it sent there ({@link SessionEnder}).
 *
 * <p>Discovery (SendTargets) on the redirector answers an empty list: initiators of the VM I/O path
 * name their target, and the Stargate portals answer discovery themselves.
 */
public final class Redirector implements TargetCatalog, AutoCloseable {

    /**
     * What the redirector needs.
     *
     * @param listen             where its portal listens (production {@code 127.0.0.1:3261}, {@code iscsi_redirector_listen}; port 0: any)
     * @param localPortal        the local Stargate portal ({@code <cvm ip>:3261}), the primary path
     * @param remotePortals      the other Stargate portals, read at every probe round and login (from cluster membership; the
     *                           local one may be among them, it is ignored there)
     * @param probeInterval      between probe rounds (spec: 1 s)
     * @param probeTimeout       bound on one probe (1 s)
     * @param missesBeforeDown   consecutive misses that mark a portal down (spec: 3)
     * @param failbackDelay      how long the local portal must be up before failback (spec: 10 s,
     *                           {@code iscsi_redirector_failback_delay_secs})
     * @param logFile            where the up/down lines are appended (production {@code /var/log/iscsi_redirector}, on a node
     *                           {@code <home>/logs/iscsi_redirector})
     * @param probeInitiatorName the InitiatorName of probe sessions
     * @param portalGroupTag     the TPGT in the TargetAddress of redirects (spec 50 §1: 1 everywhere)
     */
    public record Settings(InetSocketAddress listen, InetSocketAddress localPortal, Supplier<List<InetSocketAddress>> remotePortals,
            Duration probeInterval, Duration probeTimeout, int missesBeforeDown, Duration failbackDelay, Path logFile,
            String probeInitiatorName, int portalGroupTag) {

        public static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
        public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
        public static final int MISSES_BEFORE_DOWN = 3;
        public static final Duration FAILBACK_DELAY = Duration.ofSeconds(10);
        public static final String PROBE_INITIATOR = "iqn.2010-06.org.cairn:iscsi-redirector";

        public Settings {
            Objects.requireNonNull(listen, "listen");
            Objects.requireNonNull(localPortal, "localPortal");
            Objects.requireNonNull(remotePortals, "remotePortals");
            Objects.requireNonNull(logFile, "logFile");
            Objects.requireNonNull(probeInitiatorName, "probeInitiatorName");
            if (probeInterval.isNegative() || probeInterval.isZero() || probeTimeout.isNegative() || probeTimeout.isZero()
                    || probeTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("probe interval " + probeInterval + " and timeout " + probeTimeout + " must be positive");
            }
            if (missesBeforeDown < 1) {
                throw new IllegalArgumentException("misses before down must be at least 1, not " + missesBeforeDown);
            }
            if (failbackDelay.isNegative()) {
                throw new IllegalArgumentException("failback delay must not be negative: " + failbackDelay);
            }
            if (portalGroupTag < 1 || portalGroupTag > 65535) {
                throw new IllegalArgumentException("portal group tag must be 1..65535, not " + portalGroupTag);
            }
        }

        /** The spec's numbers. */
        public static Settings defaults(InetSocketAddress listen, InetSocketAddress localPortal,
                Supplier<List<InetSocketAddress>> remotePortals, Path logFile) {
            return new Settings(listen, localPortal, remotePortals, PROBE_INTERVAL, PROBE_TIMEOUT, MISSES_BEFORE_DOWN, FAILBACK_DELAY, logFile,
                    PROBE_INITIATOR, 1);
        }

        public Settings withFailbackDelay(Duration delay) {
            return new Settings(listen, localPortal, remotePortals, probeInterval, probeTimeout, missesBeforeDown, delay, logFile,
                    probeInitiatorName, portalGroupTag);
        }

        public Settings withProbeTimeout(Duration timeout) {
            return new Settings(listen, localPortal, remotePortals, probeInterval, timeout, missesBeforeDown, failbackDelay, logFile,
                    probeInitiatorName, portalGroupTag);
        }
    }

    /** Remote paths per target besides the local one (spec 40 §7). */
    static final int REMOTE_PATHS = 2;

    private static final ReservationStore NO_RESERVATIONS = new ReservationStore() {
        @Override
        public Optional<Versioned> load(String luId) {
            return Optional.empty();
        }

        @Override
        public Optional<Long> compareAndSet(String luId, long expectedVersion, byte[] state) {
            throw new UnsupportedOperationException("the redirector serves no logical unit");
        }
    };

    private final Logger logger = LoggerFactory.getLogger(Redirector.class);
    private final IscsiPortals portals;
    private final Clock clock;
    private final SessionEnder sessionEnder;
    private final Settings settings;
    private final PortalProbe probe;
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("iscsi-redirector-", 0).factory());
    private final Map<InetSocketAddress, PortalHealth> health = new ConcurrentHashMap<>();
    /** What was sent to each remote portal and not failed back yet. */
    private final Map<InetSocketAddress, Set<SessionEnder.RedirectedLogin>> redirected = new ConcurrentHashMap<>();
    private final AtomicBoolean failbackRunning = new AtomicBoolean();
    private final Object logFileLock = new Object();
    private volatile List<InetSocketAddress> lastRemotes = List.of();
    private volatile String remotesProblem;
    private volatile Portal portal;
    private volatile Timer timer;
    private volatile boolean closed;

    public Redirector(IscsiPortals portals, Clock clock, SessionEnder sessionEnder, Settings settings) {
        this.portals = Objects.requireNonNull(portals, "portals");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sessionEnder = Objects.requireNonNull(sessionEnder, "sessionEnder");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.probe = new PortalProbe(settings.probeInitiatorName(), (int) Math.min(Integer.MAX_VALUE, settings.probeTimeout().toMillis()));
    }

    /** Opens the redirector's portal and starts probing (the first round is due at once). */
    public synchronized void start() throws IOException {
        if (portal != null || closed) {
            throw new IllegalStateException("the redirector has already been started");
        }
        Path dir = settings.logFile().toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        portal = portals.open(settings.listen(), this,
                new PortalOptions(settings.portalGroupTag(), NO_RESERVATIONS, 262144, 1048576, 65536, 128));
        logger.info("iSCSI redirector on {}: local Stargate portal {}, log {}", PortalAddresses.hostPort(portal.address()),
                PortalAddresses.hostPort(settings.localPortal()), settings.logFile());
        timer = clock.schedule(Duration.ZERO, this::round);
    }

    /** Where the redirector listens (the real port when started with port 0). */
    public InetSocketAddress address() {
        Portal p = portal;
        if (p == null) {
            throw new IllegalStateException("the redirector is not started");
        }
        return p.address();
    }

    /** The paths of {@code targetName} in order: the local portal, then up to two remote ones. */
    public List<InetSocketAddress> paths(String targetName) {
        List<InetSocketAddress> out = new ArrayList<>();
        out.add(settings.localPortal());
        out.addAll(PathOrder.remotePaths(targetName, remotes(), REMOTE_PATHS));
        return out;
    }

    /** Whether {@code portal} is routable now (not marked down). */
    public boolean usable(InetSocketAddress portal) {
        PortalHealth h = health.get(portal);
        return h == null || h.usable();
    }

    /** Whether {@code portal}'s last transition was to down. */
    public boolean down(InetSocketAddress portal) {
        PortalHealth h = health.get(portal);
        return h != null && h.state() == PortalHealth.State.DOWN;
    }

    /** Whether {@code portal}'s last transition was to up. */
    public boolean up(InetSocketAddress portal) {
        PortalHealth h = health.get(portal);
        return h != null && h.state() == PortalHealth.State.UP;
    }

    /** Logins sent to remote portals and not failed back yet. */
    public Map<InetSocketAddress, Set<SessionEnder.RedirectedLogin>> redirected() {
        Map<InetSocketAddress, Set<SessionEnder.RedirectedLogin>> out = new LinkedHashMap<>();
        redirected.forEach((k, v) -> {
            Set<SessionEnder.RedirectedLogin> copy = Set.copyOf(v);
            if (!copy.isEmpty()) {
                out.put(k, copy);
            }
        });
        return out;
    }

    @Override
    public List<DiscoveredTarget> discover(String initiatorName, InetSocketAddress on) {
        return List.of();
    }

    @Override
    public Optional<Chap> discoveryChap(String initiatorName) {
        return Optional.empty();
    }

    @Override
    public LoginDecision login(String initiatorName, String targetName, InetSocketAddress on) {
        List<InetSocketAddress> paths = paths(targetName);
        for (InetSocketAddress p : paths) {
            if (usable(p)) {
                if (!p.equals(settings.localPortal())) {
                    redirected.computeIfAbsent(p, k -> ConcurrentHashMap.newKeySet())
                            .add(new SessionEnder.RedirectedLogin(initiatorName, targetName));
                }
                return new LoginDecision.Redirect(PortalAddresses.hostPort(p) + "," + settings.portalGroupTag(), false);
            }
        }
        return new LoginDecision.Refuse(3, 1,
                "no healthy Stargate portal among " + paths.stream().map(PortalAddresses::hostPort).toList());
    }

    /** One probe round: every portal in parallel, then the transitions, failback and the next round. */
    private void round() {
        if (closed) {
            return;
        }
        long started = clock.nanoTime();
        Set<InetSocketAddress> targets = new LinkedHashSet<>();
        targets.add(settings.localPortal());
        targets.addAll(remotes());
        health.keySet().retainAll(targets);
        Map<InetSocketAddress, Future<PortalProbe.Result>> running = new LinkedHashMap<>();
        try {
            for (InetSocketAddress p : targets) {
                running.put(p, workers.submit(() -> probe.probe(p)));
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return; // closed meanwhile
        }
        long waitMillis = settings.probeTimeout().toMillis() * 5 + 1000; // PduCodec tolerates a few stalls mid-PDU
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        for (Map.Entry<InetSocketAddress, Future<PortalProbe.Result>> e : running.entrySet()) {
            PortalProbe.Result r;
            try {
                r = e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException ex) {
                e.getValue().cancel(true);
                r = new PortalProbe.Result(PortalProbe.Outcome.MISS, "probe overran its timeout");
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException ex) {
                r = new PortalProbe.Result(PortalProbe.Outcome.MISS, String.valueOf(ex.getCause()));
            }
            apply(e.getKey(), r);
        }
        maybeFailBack();
        if (!closed) {
            long elapsed = clock.nanoTime() - started;
            timer = clock.schedule(Duration.ofNanos(Math.max(0, settings.probeInterval().toNanos() - elapsed)), this::round);
        }
    }

    private void apply(InetSocketAddress p, PortalProbe.Result r) {
        if (closed) {
            return;
        }
        PortalHealth h = health.computeIfAbsent(p, k -> new PortalHealth(settings.missesBeforeDown()));
        PortalHealth.State changed = h.apply(r, clock.nanoTime());
        if (!r.ok()) {
            logger.debug("iSCSI redirector: probe of portal {} failed ({} in a row): {}", PortalAddresses.hostPort(p), h.misses(), r.detail());
        }
        if (changed != null) {
            String line = "Portal " + PortalAddresses.hostPort(p) + " is " + (changed == PortalHealth.State.UP ? "up" : "down");
            if (changed == PortalHealth.State.UP) {
                logger.info(line);
            } else {
                logger.info("{} ({})", line, r.detail());
            }
            appendToLogFile(line);
        }
    }

    /** After the local portal has been up long enough, asks the remote Stargates to end what was sent there. */
    private void maybeFailBack() {
        PortalHealth local = health.get(settings.localPortal());
        if (local == null || !local.upFor(settings.failbackDelay().toNanos(), clock.nanoTime()) || redirected().isEmpty()) {
            return;
        }
        if (!failbackRunning.compareAndSet(false, true)) {
            return;
        }
        Map<InetSocketAddress, Set<SessionEnder.RedirectedLogin>> work = redirected();
        try {
            workers.execute(() -> {
                try {
                    for (Map.Entry<InetSocketAddress, Set<SessionEnder.RedirectedLogin>> e : work.entrySet()) {
                        if (closed || !usable(settings.localPortal())) {
                            return;
                        }
                        logger.info("iSCSI redirector: local portal {} up for {} s, failing back {} login(s) from {}",
                                PortalAddresses.hostPort(settings.localPortal()), settings.failbackDelay().toSeconds(), e.getValue().size(),
                                PortalAddresses.hostPort(e.getKey()));
                        try {
                            sessionEnder.endRedirectedSessions(e.getKey(), e.getValue());
                            Set<SessionEnder.RedirectedLogin> left = redirected.get(e.getKey());
                            if (left != null) {
                                left.removeAll(e.getValue());
                                redirected.computeIfPresent(e.getKey(), (k, v) -> v.isEmpty() ? null : v);
                            }
                        } catch (Exception ex) {
                            logger.info("iSCSI redirector: failback from {} not done, retrying: {}", PortalAddresses.hostPort(e.getKey()),
                                    ex.toString());
                        }
                    }
                } finally {
                    failbackRunning.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            failbackRunning.set(false);
        }
    }

    private List<InetSocketAddress> remotes() {
        List<InetSocketAddress> supplied;
        try {
            supplied = settings.remotePortals().get();
        } catch (RuntimeException e) {
            String why = e.toString();
            if (!why.equals(remotesProblem)) { // once per distinct problem: the supplier is asked every round and login
                remotesProblem = why;
                logger.info("iSCSI redirector: remote portals unavailable, using the last known ones {}: {}",
                        lastRemotes.stream().map(PortalAddresses::hostPort).toList(), why);
            }
            return lastRemotes;
        }
        if (remotesProblem != null) {
            remotesProblem = null;
            logger.info("iSCSI redirector: remote portals available again");
        }
        Set<InetSocketAddress> out = new LinkedHashSet<>();
        if (supplied != null) {
            for (InetSocketAddress a : supplied) {
                if (a != null && !a.equals(settings.localPortal())) {
                    out.add(a);
                }
            }
        }
        List<InetSocketAddress> list = List.copyOf(out);
        if (!list.equals(lastRemotes)) {
            logger.info("iSCSI redirector: remote Stargate portals {}", list.stream().map(PortalAddresses::hostPort).toList());
        }
        lastRemotes = list;
        return list;
    }

    private void appendToLogFile(String line) {
        String stamped = clock.now() + " " + line + "\n";
        synchronized (logFileLock) {
            try {
                Files.writeString(settings.logFile(), stamped, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                logger.info("iSCSI redirector: cannot append to {}: {}", settings.logFile(), e.toString());
            }
        }
    }

    /** Stops probing and closes the portal (its connections, which are only ever logins being redirected). */
    @Override
    public void close() {
        Portal p;
        synchronized (this) {
            closed = true;
            p = portal;
        }
        Timer t = timer;
        if (t != null) {
            t.cancel();
        }
        workers.shutdownNow();
        if (p != null) {
            p.close();
        }
    }
}
