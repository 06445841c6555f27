package io.cairn.iscsi.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.iscsi.internal.scsi.ScsiEngine;
import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalOptions;
import io.cairn.storage.api.iscsi.SessionInfo;
import io.cairn.storage.api.iscsi.TargetCatalog;

/**
 * One listening portal: an accept loop on a virtual thread, one virtual thread per connection,
 * and the sessions (keyed by TSIH, and by initiator, ISID and target for reinstatement).
 */
final class PortalImpl implements Portal {

    /** How long {@link #close} waits for the connections to end their sessions. */
    static final long CLOSE_WAIT_MS = 10_000;

    private final Logger logger = LoggerFactory.getLogger(PortalImpl.class);
    private final ServerSocketChannel server;
    private final InetSocketAddress address;
    private final TargetCatalog catalog;
    private final PortalOptions options;
    private final ScsiEngine engine;
    private final java.util.function.Consumer<PortalImpl> onClose;
    private final SecureRandom random = new SecureRandom();
    private final Map<Connection, Thread> connections = new ConcurrentHashMap<>();
    /** Idle time before a NOP-In keepalive (tests shorten it). */
    volatile int keepaliveMillis = Connection.KEEPALIVE_MS;
    private final Thread acceptor;
    /** Connections that ended on an unexpected exception (a bug: each is logged with its stack trace). */
    final java.util.concurrent.atomic.LongAdder connectionFailures = new java.util.concurrent.atomic.LongAdder();
    // guarded by this
    private final Map<Integer, Session> byTsih = new HashMap<>();
    private final Map<Session.SessionKey, Session> byKey = new HashMap<>();
    private final Set<Integer> reservedTsih = new java.util.HashSet<>();
    private int nextTsih = 1;
    private volatile boolean closed;

    PortalImpl(InetSocketAddress bind, TargetCatalog catalog, PortalOptions options, ScsiEngine engine,
            java.util.function.Consumer<PortalImpl> onClose) throws IOException {
        this.onClose = onClose;
        this.catalog = catalog;
        this.options = options;
        this.engine = engine;
        this.server = ServerSocketChannel.open();
        try {
            server.bind(bind, 64);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen for iSCSI on " + bind + ": " + e.getMessage(), e);
        }
        this.address = (InetSocketAddress) server.getLocalAddress();
        this.acceptor = Thread.ofVirtual().name("iscsi-accept-" + address.getPort()).start(this::accept);
        logger.info("iSCSI portal listening on {} (TPGT {})", address, options.portalGroupTag());
    }

    private void accept() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    logger.info("iSCSI portal {}: accept failed: {}", address, e.getMessage());
                }
                continue;
            }
            try {
                Connection c = new Connection(this, channel);
                Thread t = Thread.ofVirtual().name("iscsi-conn").unstarted(() -> {
                    try {
                        c.run();
                    } finally {
                        connections.remove(c);
                    }
                });
                connections.put(c, t);
                t.start();
                if (closed) {
                    c.close("portal closed");
                }
            } catch (IOException e) {
                closeQuietly(channel);
            }
        }
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    TargetCatalog catalog() {
        return catalog;
    }

    PortalOptions options() {
        return options;
    }

    ScsiEngine engine() {
        return engine;
    }

    SecureRandom random() {
        return random;
    }

    synchronized int allocateTsih() {
        for (int i = 0; i < 65535; i++) {
            int t = nextTsih;
            nextTsih = nextTsih == 65535 ? 1 : nextTsih + 1;
            if (!byTsih.containsKey(t) && !reservedTsih.contains(t)) {
                reservedTsih.add(t);
                return t;
            }
        }
        throw new IllegalStateException("all 65535 TSIHs of portal " + address + " are in use");
    }

    synchronized void releaseTsih(int tsih) {
        reservedTsih.remove(tsih);
    }

    synchronized boolean hasSession(int tsih) {
        return byTsih.containsKey(tsih);
    }

    /** Registers a new session; an existing one of the same initiator, ISID and target is reinstated (closed). */
    void addSession(Session s) {
        Session old;
        synchronized (this) {
            reservedTsih.remove(s.tsih);
            byTsih.put(s.tsih, s);
            old = byKey.put(s.key(), s);
            if (old != null) {
                byTsih.remove(old.tsih);
            }
        }
        if (old != null) {
            old.connection.close("reinstated by a new login with the same ISID (TSIH " + s.tsih + ")");
        }
        if (closed) {
            s.connection.close("portal closed");
        }
    }

    synchronized void removeSession(Session s) {
        byTsih.remove(s.tsih, s);
        byKey.remove(s.key(), s);
    }

    @Override
    public synchronized List<SessionInfo> sessions() {
        List<SessionInfo> out = new ArrayList<>();
        for (Session s : byTsih.values()) {
            out.add(s.info());
        }
        return out;
    }

    @Override
    public int endSessions(Predicate<SessionInfo> which, long quiesceMillis) {
        List<Session> matching = new ArrayList<>();
        synchronized (this) {
            for (Session s : byTsih.values()) {
                if (which.test(s.info())) {
                    matching.add(s);
                }
            }
        }
        matching.forEach(s -> s.quiescing = true);
        List<Thread> closers = new ArrayList<>();
        for (Session s : matching) {
            closers.add(Thread.ofVirtual().start(() -> {
                boolean drained = s.connection.drain(quiesceMillis);
                s.connection.close(drained ? "ended by the portal owner" : "ended by the portal owner (commands in flight aborted after "
                        + quiesceMillis + " ms)");
            }));
        }
        for (Thread t : closers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return matching.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(server);
        Map<Connection, Thread> open = Map.copyOf(connections);
        open.keySet().forEach(c -> c.close("portal closed"));
        try {
            acceptor.join(5000);
            // each connection ends its session (commands drained, SCSI target closed) on its own thread
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
            for (Thread t : open.values()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || !t.join(java.time.Duration.ofMillis(left))) {
                    logger.info("iSCSI portal {}: connections still ending after {} ms", address, CLOSE_WAIT_MS);
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        onClose.accept(this);
        logger.info("iSCSI portal {} closed", address);
    }

    private void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            logger.debug("closing {}: {}", c, e.toString());
        }
    }
}
