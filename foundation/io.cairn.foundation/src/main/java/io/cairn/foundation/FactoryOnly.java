package io.cairn.foundation;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Least privilege for the Foundation of a node: it has no authentication, so it answers only while
 * the node is in factory state (no {@code data/cluster/cluster.json}). A configured node does not
 * start it; a node that joins a cluster closes it (the watch below) once no Foundation run of its own
 * is in progress or waiting for its result to be fetched. {@code cairn.foundation.serve=always}
 * (stand-alone or lab use) keeps it answering on configured nodes.
 *
 * <p>The watch is event driven (a {@link WatchService} on {@code data/cluster}, or on {@code data}
 * until that exists: inotify on Linux) and re-checks every {@link #RECHECK_SECONDS} s as a bound, in
 * case an event is missed or the watch service is unavailable.
 */
final class FactoryOnly implements AutoCloseable {

    static final String CONFIG = "data/cluster/cluster.json";
    static final long RECHECK_SECONDS = 1;

    /** {@code cairn.foundation.serve}: when a node's Foundation answers. */
    enum Serve {
        /** Only in factory state (the default). */
        FACTORY,
        /** Also on a configured node: no authentication, lab and stand-alone use only. */
        ALWAYS;

        static Serve parse(String value) {
            String v = value == null ? "factory" : value.trim().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "factory" -> FACTORY;
                case "always" -> ALWAYS;
                default -> throw new IllegalArgumentException("cairn.foundation.serve must be factory (the default: Foundation "
                        + "answers only while the node is in factory state) or always (also once it is in a cluster), not '" + value + "'");
            };
        }
    }

    /** What the watch does when it looks. */
    enum Action {
        /** Keep answering: the node is in factory state (or Foundation serves always). */
        SERVE,
        /** The node is configured, but a run of this Foundation is in progress or its result not yet fetched. */
        DEFER,
        /** The node is configured: close the listener. */
        STOP
    }

    /** Whether Foundation starts at boot: {@code configured} = the node has a cluster configuration. */
    static boolean startsAtBoot(Serve serve, boolean configured) {
        return serve == Serve.ALWAYS || !configured;
    }

    static Action decide(Serve serve, boolean configured, boolean busy) {
        if (serve == Serve.ALWAYS || !configured) {
            return Action.SERVE;
        }
        return busy ? Action.DEFER : Action.STOP;
    }

    /**
     * The cluster the node at {@code home} belongs to (the name in its cluster configuration), empty in
     * factory state; a configuration that cannot be read still counts (named {@code "(unreadable
     * data/cluster/cluster.json)"}): the safe answer is "configured".
     */
    static Optional<String> cluster(Path home) {
        Path f = home.resolve(CONFIG);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            JsonNode n = Json.MAPPER.readTree(f.toFile());
            String name = n == null ? null : n.path("name").asText(null);
            return Optional.of(name == null || name.isBlank() ? "(unnamed)" : name);
        } catch (IOException e) {
            return Optional.of("(unreadable " + CONFIG + ")");
        }
    }

    static String stoppedLine(String cluster) {
        return "Foundation stopped: node joined cluster " + cluster + "; expand the cluster through Prism (ncli cluster add-node)";
    }

    static String notStartedLine(String cluster) {
        return "Foundation not started: node is a member of cluster " + cluster
                + "; expand the cluster through Prism (ncli cluster add-node)";
    }

    private final Path home;
    private final BooleanSupplier busy;
    private final Runnable stop;
    private final Consumer<String> log;
    private final Thread thread;
    private volatile boolean closed;

    private FactoryOnly(Path home, BooleanSupplier busy, Runnable stop, Consumer<String> log) {
        this.home = home;
        this.busy = busy;
        this.stop = stop;
        this.log = log;
        this.thread = Thread.ofPlatform().daemon(true).name("foundation-factory-only").unstarted(this::watch);
    }

    /**
     * Watches the node at {@code home}: when it is configured and {@code busy} is false, runs
     * {@code stop} once, logs {@link #stoppedLine} and ends.
     */
    static FactoryOnly watch(Path home, BooleanSupplier busy, Runnable stop, Consumer<String> log) {
        FactoryOnly f = new FactoryOnly(home, busy, stop, log);
        f.thread.start();
        return f;
    }

    private void watch() {
        WatchService ws;
        try {
            ws = home.getFileSystem().newWatchService();
        } catch (IOException | UnsupportedOperationException e) {
            ws = null; // the bounded re-check alone
        }
        Path watched = null;
        boolean deferred = false;
        try {
            while (!closed) {
                if (ws != null) {
                    Path dir = home.resolve(CONFIG).getParent();
                    Path want = Files.isDirectory(dir) ? dir : Files.isDirectory(dir.getParent()) ? dir.getParent() : null;
                    if (want != null && !want.equals(watched)) {
                        try {
                            want.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
                            watched = want;
                        } catch (IOException e) {
                            // re-check only
                        }
                    }
                }
                Optional<String> c = cluster(home);
                Action a = decide(Serve.FACTORY, c.isPresent(), c.isPresent() && busy.getAsBoolean());
                if (a == Action.STOP) {
                    stop.run();
                    log.accept(stoppedLine(c.orElseThrow()));
                    return;
                }
                if (a == Action.DEFER && !deferred) {
                    deferred = true;
                    log.accept("Foundation: node joined cluster " + c.orElseThrow() + " while a Foundation run is in progress here; "
                            + "Foundation stops when the run has ended and its result was fetched");
                }
                if (ws == null) {
                    TimeUnit.SECONDS.sleep(RECHECK_SECONDS);
                } else {
                    WatchKey k = ws.poll(RECHECK_SECONDS, TimeUnit.SECONDS);
                    if (k != null) {
                        k.pollEvents();
                        k.reset();
                    }
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        } finally {
            if (ws != null) {
                try {
                    ws.close();
                } catch (IOException ignored) {
                    // nothing left to release
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
