package io.cairn.storage.stargate.internal.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NBD server: serves the {@link NbdExport}s of an {@link NbdExports} to standard NBD clients
 * (qemu, qemu-img, libnbd tools, fio) over TCP, or over a Unix domain socket to clients on the
 * same host.
 *
 * <p>Protocol support (NBD protocol document, fixed newstyle only):
 * <ul>
 * <li>options NBD_OPT_EXPORT_NAME, NBD_OPT_ABORT, NBD_OPT_LIST, NBD_OPT_STARTTLS, NBD_OPT_INFO and
 * NBD_OPT_GO (NBD_INFO_EXPORT, NBD_INFO_NAME, NBD_INFO_DESCRIPTION, NBD_INFO_BLOCK_SIZE); every
 * other option, NBD_OPT_STRUCTURED_REPLY included, is answered NBD_REP_ERR_UNSUP;</li>
 * <li>commands NBD_CMD_READ, WRITE, DISC, FLUSH, TRIM and WRITE_ZEROES with simple replies; the
 * FUA flag on every command (it makes write, write-zeroes and trim durable before the reply),
 * NO_HOLE on write-zeroes;</li>
 * <li>transmission flags HAS_FLAGS, SEND_FLUSH, and either READ_ONLY or SEND_FUA, SEND_TRIM,
 * SEND_WRITE_ZEROES; CAN_MULTI_CONN when the export declares
 * {@link NbdExport#multiConnectionConsistent()}.</li>
 * </ul>
 * Malformed requests (unknown command or flag, unaligned, out of range or overflowing, reads over
 * 32 MiB) are answered {@code EINVAL}, except writes and write-zeroes past the end, which get
 * {@code ENOSPC} as the protocol document asks; the connection continues and one line is logged.
 * A write over 32 MiB ends the connection, as its payload cannot be skipped safely.
 *
 * <p>With an {@code SSLContext} in its {@link NbdServerConfig} the server is TLS-required:
 * before NBD_OPT_STARTTLS it answers every option but ABORT with NBD_REP_ERR_TLS_REQD, and
 * negotiates TLS 1.3 or 1.2 only. Without TLS it refuses to listen on anything but loopback.
 *
 * <p>On a Unix domain socket ({@link NbdServerConfig#unixSocket}) connections are plain: the
 * socket file has mode 0600, so only the server's user can connect, and NBD_OPT_STARTTLS is
 * answered NBD_REP_ERR_POLICY (the protocol's NOTLS mode; libnbd clients with {@code tls=allow}
 * continue without TLS). A socket file left by a server that is gone is replaced at start; one
 * another server listens on is refused. {@link #close()} deletes the file. Both kinds share all
 * protocol code through {@link NbdTransport}.
 *
 * <p>Each connection runs on its own virtual thread and executes up to
 * {@link NbdServerConfig#maxRequestsInFlight()} requests concurrently. {@link #start} binds and
 * returns at once; {@link #close()} stops accepting, disconnects every client and waits at most
 * {@link NbdServerConfig#closeTimeout()} for running requests.
 */
public final class NbdServer implements AutoCloseable {

    private final Logger logger = LoggerFactory.getLogger(NbdServer.class);
    private final NbdServerConfig config;
    private final NbdExports exports;
    private final NbdListener listener;
    private final ConcurrentMap<String, NbdExportStats> stats = new ConcurrentHashMap<>();
    private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
    private final ExecutorService connectionThreads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("nbd-connection-", 1).factory());
    private final AtomicLong connectionIds = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closing;

    private NbdServer(NbdServerConfig config, NbdExports exports, NbdListener listener) {
        this.config = config;
        this.exports = exports;
        this.listener = listener;
        this.acceptor = Thread.ofVirtual().name("nbd-accept-" + listener.describe()).unstarted(this::acceptLoop);
    }

    /**
     * Binds to {@code config}'s address (a TCP address and port, or a Unix socket file) and starts
     * accepting clients.
     *
     * @throws IOException if the address cannot be bound (in use, not local, a Unix socket path that
     *         is taken or not a socket); the message names it
     */
    public static NbdServer start(NbdServerConfig config, NbdExports exports) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(exports, "exports");
        NbdListener listener = switch (config.address()) {
            case InetSocketAddress inet -> TcpTransport.Listener.bind(inet);
            case UnixDomainSocketAddress unix -> UnixSocketTransport.Listener.bind(unix.getPath());
            default -> throw new IllegalArgumentException("unsupported NBD address " + config.address());
        };
        NbdServer server = new NbdServer(config, exports, listener);
        server.acceptor.start();
        server.logger.info("NBD server listening on {} ({})", listener.describe(), config.isUnixSocket()
                ? "Unix socket, mode 0600, plain: local clients of this user only"
                : config.tls().isPresent() ? (config.requireClientCertificate() ? "TLS required, client certificates required" : "TLS required")
                        : "plain, loopback only");
        return server;
    }

    /**
     * The TCP port the server listens on (the ephemeral one if the configuration said 0).
     *
     * @throws IllegalStateException if the server listens on a Unix socket
     */
    public int port() {
        if (!(listener.address() instanceof InetSocketAddress inet)) {
            throw new IllegalStateException("the NBD server listens on the Unix socket " + listener.describe() + ", not on a TCP port");
        }
        return inet.getPort();
    }

    /**
     * Where clients connect: an {@link InetSocketAddress} with the bound port, or the
     * {@link UnixDomainSocketAddress} of the socket file.
     */
    public SocketAddress address() {
        return listener.address();
    }

    /** The counters of the export called {@code exportName}, summed over all connections so far. */
    public NbdExportStats stats(String exportName) {
        return stats.computeIfAbsent(exportName, n -> new NbdExportStats());
    }

    /** How many clients are connected now. */
    public int connectionCount() {
        return connections.size();
    }

    private void acceptLoop() {
        while (!closing) {
            NbdTransport transport;
            try {
                transport = listener.accept();
            } catch (IOException e) {
                if (closing || listener.isClosed()) {
                    return;
                }
                logger.warn("NBD server on {} cannot accept a connection: {}; retrying", listener.describe(), e.toString());
                if (!pauseAfterAcceptFailure()) {
                    return;
                }
                continue;
            }
            NbdConnection connection = new NbdConnection(connectionIds.incrementAndGet(), transport, config, exports, this::stats);
            connections.add(connection);
            if (closing) {
                connection.close();
            }
            try {
                connectionThreads.execute(() -> {
                    try {
                        connection.run();
                    } finally {
                        connections.remove(connection);
                    }
                });
            } catch (RejectedExecutionException e) {
                // close() ran between accept and here
                connections.remove(connection);
                connection.close();
            }
        }
    }

    /** Waits briefly so that a persistent accept failure (out of file descriptors) does not spin. */
    private static boolean pauseAfterAcceptFailure() {
        try {
            Thread.sleep(100);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Stops accepting, disconnects every client (requests in progress may complete or not; their
     * replies are lost) and waits at most {@link NbdServerConfig#closeTimeout()} for the
     * connection threads to end. A Unix socket file is deleted.
     */
    @Override
    public void close() {
        closing = true;
        listener.close();
        long waitMillis = config.closeTimeout().toMillis();
        try {
            acceptor.join(config.closeTimeout());
            connections.forEach(NbdConnection::close);
            connectionThreads.shutdown();
            if (!connectionThreads.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
                logger.warn("NBD server on {}: connections still busy after {}; abandoning them", listener.describe(),
                        config.closeTimeout());
                connectionThreads.shutdownNow();
            }
        } catch (InterruptedException e) {
            connectionThreads.shutdownNow();
            Thread.currentThread().interrupt();
        }
        logger.info("NBD server on {} closed", listener.describe());
    }
}
