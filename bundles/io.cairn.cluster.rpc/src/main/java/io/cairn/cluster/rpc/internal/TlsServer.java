package io.cairn.cluster.rpc.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.cluster.rpc.RpcStreamHandler;

/**
 * The transport server without OSGi: listens on one address, runs TLS 1.3 on every accepted
 * socket with the current {@link Tls.Setup} (switched atomically by {@link #use}), and serves each
 * connection on virtual threads. {@link RpcServer} wraps it as a component; tests start it directly.
 */
final class TlsServer implements AutoCloseable {

    /** A served method: exactly one of {@code unary} and {@code stream} is set. */
    public record Method(String name, RpcHandler unary, RpcStreamHandler stream, boolean bootstrap) {
        public Method {
            Objects.requireNonNull(name, "name");
            if ((unary == null) == (stream == null)) {
                throw new IllegalArgumentException("a method has either a handler or a stream handler");
            }
        }
    }

    /** Per-connection limits. */
    public record Limits(int maxConcurrentCallsPerConnection, int initialStreamCredit) {
        public Limits {
            if (maxConcurrentCallsPerConnection < 1 || initialStreamCredit < 1) {
                throw io.cairn.common.error.CairnException.invalid("maxConcurrentCallsPerConnection and initialStreamCredit must be at least 1, got "
                        + maxConcurrentCallsPerConnection + " and " + initialStreamCredit);
            }
        }
    }

    static final int HANDSHAKE_TIMEOUT_MILLIS = 5_000;

    private final Logger logger = LoggerFactory.getLogger(TlsServer.class);
    private final ServerSocket listener;
    private final String nodeIp;
    private final Function<String, Method> methods;
    private final Limits limits;
    private final InstantSource clock;
    private final ExecutorService threads;
    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    /** The serial of each open connection's client certificate (cluster mode only). */
    private final java.util.Map<ServerConnection, java.math.BigInteger> peerSerials = new ConcurrentHashMap<>();
    private final AtomicLong accepted = new AtomicLong();
    private volatile Tls.Setup setup;
    private volatile boolean closed;

    /**
     * Binds {@code bind} and starts accepting.
     *
     * @param nodeIp  this controller's address, for messages
     * @param methods the handler for a method name, or null
     */
    public TlsServer(InetSocketAddress bind, Tls.Setup setup, Function<String, Method> methods, Limits limits, InstantSource clock,
            String nodeIp) throws IOException {
        this.setup = Objects.requireNonNull(setup, "setup");
        this.methods = Objects.requireNonNull(methods, "methods");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nodeIp = Objects.requireNonNull(nodeIp, "nodeIp");
        this.listener = new ServerSocket();
        try {
            listener.setReuseAddress(true);
            listener.bind(bind, 128);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        this.threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("cairn-rpc-server-", 0).factory());
        threads.execute(this::acceptLoop);
        logger.info("rpc transport listening on {} ({} mode)", listener.getLocalSocketAddress(), setup.clustered() ? "cluster" : "factory");
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Serves new connections with {@code next}; connections already open keep what they negotiated. */
    public void use(Tls.Setup next) {
        this.setup = Objects.requireNonNull(next, "setup");
        logger.info("rpc transport on {} now serves {} mode", listener.getLocalSocketAddress(), next.clustered() ? "cluster" : "factory");
    }

    Tls.Setup setup() {
        return setup;
    }

    /** Connections accepted so far (tests). */
    long acceptedConnections() {
        return accepted.get();
    }

    String nodeIp() {
        return nodeIp;
    }

    InstantSource clock() {
        return clock;
    }

    Limits limits() {
        return limits;
    }

    Method method(String name) {
        return methods.apply(name);
    }

    void execute(Runnable task) throws RejectedExecutionException {
        threads.execute(task);
    }

    void closed(ServerConnection c) {
        connections.remove(c);
        peerSerials.remove(c);
    }

    /** Closes the open connections of clients whose certificate {@code revocations} now revokes; returns how many. */
    int closeRevoked(Revocations revocations) {
        int n = 0;
        for (var e : peerSerials.entrySet()) {
            if (revocations.revoked(e.getValue())) {
                logger.info("closing the connection of {} on {}: its certificate {} was revoked", e.getKey(), nodeIp, e.getValue().toString(16));
                e.getKey().close();
                n++;
            }
        }
        return n;
    }

    /** Closes the listener and every connection (peers see the connection drop) and interrupts running handlers. */
    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (ServerConnection c : connections) {
            c.close();
        }
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(2, TimeUnit.SECONDS)) {
                logger.info("rpc handlers still running 2 s after the transport on {} stopped; they were interrupted", nodeIp);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket raw;
            try {
                raw = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    logger.warn("rpc transport on {} stopped accepting: {}", nodeIp, e.toString());
                }
                return;
            }
            accepted.incrementAndGet();
            try {
                threads.execute(() -> serve(raw));
            } catch (RejectedExecutionException e) {
                closeQuietly(raw);
                return;
            }
        }
    }

    private void serve(Socket raw) {
        String peer = raw.getInetAddress().getHostAddress() + ":" + raw.getPort();
        Tls.Setup s = setup;
        SSLSocket ssl;
        String principal;
        try {
            raw.setTcpNoDelay(true);
            Tls.keepAlive(raw);
            ssl = (SSLSocket) s.context().getSocketFactory().createSocket(raw, raw.getInetAddress().getHostAddress(), raw.getPort(), true);
            ssl.setUseClientMode(false);
            Tls.restrict(ssl);
            if (s.clustered()) {
                ssl.setNeedClientAuth(true);
            } else {
                ssl.setWantClientAuth(true);
            }
            ssl.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            ssl.startHandshake();
            if (s.clustered()) {
                Tls.checkSession(ssl, s.revocations(), true);
            }
            principal = s.clustered() ? principal(ssl) : "anonymous";
        } catch (SocketTimeoutException e) {
            logger.debug("{} did not complete the TLS handshake within {} ms", peer, HANDSHAKE_TIMEOUT_MILLIS);
            closeQuietly(raw);
            return;
        } catch (SSLException e) {
            logger.info("rejected connection from {}: TLS handshake failed: {}", peer, e.getMessage());
            closeQuietly(raw);
            return;
        } catch (IOException e) {
            logger.debug("connection from {} failed during the TLS handshake: {}", peer, e.toString());
            closeQuietly(raw);
            return;
        }
        ServerConnection c;
        try {
            c = new ServerConnection(this, raw, ssl, peer, principal, s.clustered());
        } catch (IOException e) {
            closeQuietly(raw);
            return;
        }
        connections.add(c);
        if (s.clustered()) {
            try {
                peerSerials.put(c, ((java.security.cert.X509Certificate) ssl.getSession().getPeerCertificates()[0]).getSerialNumber());
            } catch (SSLPeerUnverifiedException e) {
                // cluster mode requires a client certificate: not reached
            }
        }
        if (closed) {
            c.close();
            return;
        }
        c.run();
    }

    private static String principal(SSLSocket ssl) {
        try {
            var certs = ssl.getSession().getPeerCertificates();
            return Pem.commonName((java.security.cert.X509Certificate) certs[0]);
        } catch (SSLPeerUnverifiedException e) {
            return "anonymous";
        }
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
