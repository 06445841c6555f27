package io.cairn.cluster.rpc.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.cluster.rpc.RpcException.Reason;
import io.cairn.cluster.rpc.RpcStream;
import io.cairn.common.error.CairnException;

/**
 * The transport client: one multiplexed TLS 1.3 connection per address, opened on the first call
 * and replaced when it breaks. A mutual client presents its credentials and trusts only their CA
 * (and checks that the server's certificate names the address dialled); a bootstrap client
 * presents nothing, accepts any server certificate and records its fingerprint.
 */
public final class TlsRpcClient implements RpcClient {

    static final int MAX_IN_FLIGHT = 256;
    static final int STREAM_CREDIT = 16;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration LONGEST_DEADLINE = Duration.ofDays(365);
    /** Room for the frame's request header inside {@link Wire#MAX_PAYLOAD}. */
    private static final int HEADER_ROOM = 64 * 1024;

    private final Logger logger = LoggerFactory.getLogger(TlsRpcClient.class);
    private final SSLContext context;
    private final boolean bootstrap;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> fingerprints = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService tasks;
    private volatile boolean closed;

    private final Revocations revocations;

    private TlsRpcClient(SSLContext context, boolean bootstrap, InstantSource clock) {
        this(context, bootstrap, clock, Revocations.NONE);
    }

    private TlsRpcClient(SSLContext context, boolean bootstrap, InstantSource clock, Revocations revocations) {
        this.revocations = revocations;
        this.context = context;
        this.bootstrap = bootstrap;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timer = new ScheduledThreadPoolExecutor(1, Thread.ofVirtual().name("cairn-rpc-deadlines").factory());
        this.timer.setRemoveOnCancelPolicy(true);
        this.tasks = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("cairn-rpc-client-", 0).factory());
    }

    /** A client presenting {@code credentials} and trusting only their CA. */
    public static TlsRpcClient mutual(Credentials credentials) {
        return mutual(credentials, InstantSource.system());
    }

    public static TlsRpcClient mutual(Credentials credentials, InstantSource clock) {
        return mutual(credentials, clock, Revocations.NONE);
    }

    /** A client that also refuses servers whose certificate {@code revocations} revokes. */
    static TlsRpcClient mutual(Credentials credentials, InstantSource clock, Revocations revocations) {
        Objects.requireNonNull(credentials, "credentials");
        return mutual(() -> credentials, clock, revocations);
    }

    /**
     * A client presenting, at each new connection's handshake, the credentials {@code current} returns then (a renewed
     * node certificate from the next connection on); it trusts the CA of the credentials it is made with.
     */
    static TlsRpcClient mutual(java.util.function.Supplier<Credentials> current, InstantSource clock, Revocations revocations) {
        Credentials credentials = Objects.requireNonNull(current.get(), "credentials");
        SSLContext ctx = Tls.context(Tls.keyManager(current), Tls.clusterTrust(credentials.ca(), revocations));
        return new TlsRpcClient(ctx, false, clock, revocations);
    }

    /** A client for nodes in factory state: no client certificate, any server certificate (fingerprint recorded). */
    public static TlsRpcClient bootstrap() {
        return bootstrap(InstantSource.system());
    }

    static TlsRpcClient bootstrap(InstantSource clock) {
        return new TlsRpcClient(Tls.context(Tls.noKey(), Tls.trustAnything()), true, clock);
    }

    /** The SHA-256 fingerprint of the certificate {@code address} presented last, or null if never connected. */
    public String fingerprint(String address) {
        return fingerprints.get(Wire.Endpoint.parse(address).toString());
    }

    @Override
    public byte[] call(String address, String method, byte[] request, Duration deadline) throws RpcException {
        CompletableFuture<byte[]> f = start(address, method, request, deadline);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw new RpcException(Reason.CANCELLED, method + " to " + address + " was interrupted while waiting for the reply");
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    @Override
    public CompletableFuture<byte[]> callAsync(String address, String method, byte[] request, Duration deadline) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        try {
            tasks.execute(() -> {
                try {
                    // complete on another virtual thread: callers' callbacks never run on a connection's reader
                    start(address, method, request, deadline).whenCompleteAsync((v, e) -> {
                        if (e == null) {
                            result.complete(v);
                        } else {
                            result.completeExceptionally(e instanceof java.util.concurrent.CompletionException ? e.getCause() : e);
                        }
                    }, this::runAsync);
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(closedException(method, address));
        }
        return result;
    }

    @Override
    public RpcStream stream(String address, String method, byte[] request, Duration deadline) throws RpcException {
        Wire.Endpoint ep = Wire.Endpoint.parse(address);
        checkRequest(method, request);
        Instant until = deadline(deadline);
        return connection(ep, until, method, deadline).stream(method, request, until, deadline, STREAM_CREDIT);
    }

    @Override
    public void close() {
        closed = true;
        for (Slot s : slots.values()) {
            s.close();
        }
        timer.shutdownNow();
        tasks.shutdownNow();
    }

    private void runAsync(Runnable r) {
        try {
            tasks.execute(r);
        } catch (RejectedExecutionException e) {
            r.run();
        }
    }

    private CompletableFuture<byte[]> start(String address, String method, byte[] request, Duration deadline) throws RpcException {
        Wire.Endpoint ep = Wire.Endpoint.parse(address);
        checkRequest(method, request);
        Instant until = deadline(deadline);
        return connection(ep, until, method, deadline).unary(method, request, until, deadline);
    }

    private static void checkRequest(String method, byte[] request) {
        if (method == null || method.isBlank()) {
            throw CairnException.invalid("an rpc call needs a method name");
        }
        Objects.requireNonNull(request, "request");
        if (request.length > Wire.MAX_PAYLOAD - HEADER_ROOM) {
            throw CairnException.invalid("the request for " + method + " is " + request.length + " bytes; the transport carries at most "
                    + (Wire.MAX_PAYLOAD - HEADER_ROOM) + " bytes per message");
        }
    }

    private Instant deadline(Duration deadline) {
        Objects.requireNonNull(deadline, "deadline");
        Duration d = deadline.compareTo(LONGEST_DEADLINE) > 0 ? LONGEST_DEADLINE : deadline;
        return clock.instant().plus(d);
    }

    private ClientConnection connection(Wire.Endpoint ep, Instant deadline, String method, Duration limit) throws RpcException {
        if (closed) {
            throw closedException(method, ep.toString());
        }
        Slot slot = slots.computeIfAbsent(ep.toString(), k -> new Slot(ep));
        return slot.get(deadline, method, limit);
    }

    private RpcException closedException(String method, String address) {
        return new RpcException(Reason.CANCELLED, method + " to " + address + " was not sent: the client is closed");
    }

    private static RpcException rethrow(Throwable t) {
        if (t instanceof RpcException e) {
            return e;
        }
        if (t instanceof CairnException e) {
            throw e;
        }
        return new RpcException(Reason.PEER_LOST, "call failed: " + t, t);
    }

    /** The connection to one address, opened by one caller while the others wait (until their deadline). */
    private final class Slot {
        private final Wire.Endpoint endpoint;
        private final ReentrantLock lock = new ReentrantLock();
        private volatile ClientConnection current;
        /** The serial of the certificate {@link #current}'s server presented. */
        private volatile java.math.BigInteger serial;

        Slot(Wire.Endpoint endpoint) {
            this.endpoint = endpoint;
        }

        ClientConnection get(Instant deadline, String method, Duration limit) throws RpcException {
            ClientConnection c = current;
            if (c != null && c.usable()) {
                return c;
            }
            try {
                long nanos = Duration.between(clock.instant(), deadline).toNanos();
                if (!lock.tryLock(Math.max(0, nanos), TimeUnit.NANOSECONDS)) {
                    throw new RpcException(Reason.DEADLINE_EXCEEDED, "no connection to controller at " + endpoint + " for " + method
                            + " within " + format(limit));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RpcException(Reason.CANCELLED, method + " to " + endpoint + " was interrupted while connecting");
            }
            try {
                c = current;
                if (c != null && c.usable()) {
                    return c;
                }
                java.math.BigInteger[] served = new java.math.BigInteger[1];
                c = open(endpoint, deadline, served);
                serial = served[0];
                if (closed) {
                    c.cancelAll("the client is closed");
                    throw closedException(method, endpoint.toString());
                }
                current = c;
                return c;
            } finally {
                lock.unlock();
            }
        }

        void close() {
            ClientConnection c = current;
            if (c != null) {
                c.cancelAll("the client was closed");
            }
        }
    }

    private ClientConnection open(Wire.Endpoint ep, Instant deadline, java.math.BigInteger[] servedSerial) throws RpcException {
        Socket raw = new Socket();
        long remainingMillis = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
        try {
            raw.setTcpNoDelay(true);
            Tls.keepAlive(raw);
            raw.connect(new InetSocketAddress(ep.host(), ep.port()), (int) Math.min(CONNECT_TIMEOUT.toMillis(), remainingMillis));
        } catch (IOException e) {
            closeQuietly(raw);
            throw new RpcException(Reason.PEER_UNREACHABLE,
                    "cannot reach controller at " + ep + ": " + ClientConnection.describe(e) + "; is it running?", e);
        }
        try {
            SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(raw, ep.host(), ep.port(), true);
            ssl.setUseClientMode(true);
            Tls.restrict(ssl);
            ssl.setSoTimeout((int) HANDSHAKE_TIMEOUT.toMillis());
            ssl.startHandshake();
            if (!bootstrap) {
                Tls.checkSession(ssl, revocations, false);
            }
            DataInputStream in = new DataInputStream(new BufferedInputStream(ssl.getInputStream(), 64 * 1024));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(ssl.getOutputStream(), 64 * 1024));
            // the server answers with HELLO once it has accepted our certificate (TLS 1.3 reports a
            // rejected client certificate only after the client considers the handshake done)
            Wire.Frame hello = Wire.read(in);
            if (hello.type() != Wire.HELLO) {
                throw new Wire.ProtocolException("expected HELLO, got frame type " + hello.type());
            }
            ssl.setSoTimeout(0);
            Certificate[] peer = ssl.getSession().getPeerCertificates();
            X509Certificate served = (X509Certificate) peer[0];
            servedSerial[0] = served.getSerialNumber();
            fingerprints.put(ep.toString(), Pem.fingerprint(served));
            if (!bootstrap) {
                checkNamesAddress(served, raw.getInetAddress(), ep);
            }
            ClientConnection c = new ClientConnection(ep, raw, in, out, MAX_IN_FLIGHT, clock, timer, tasks);
            c.startReader();
            logger.debug("connected to {} ({})", ep, Wire.utf8(hello.payload()));
            return c;
        } catch (SocketTimeoutException e) {
            closeQuietly(raw);
            throw new RpcException(Reason.PEER_UNREACHABLE, "controller at " + ep + " did not complete the TLS handshake within "
                    + format(HANDSHAKE_TIMEOUT) + "; is it overloaded or is something else listening on port " + ep.port() + "?", e);
        } catch (SSLException e) {
            closeQuietly(raw);
            throw unauthenticated(ep, e);
        } catch (Wire.ProtocolException | Wire.FrameTooLargeException e) {
            closeQuietly(raw);
            throw new RpcException(Reason.PEER_UNREACHABLE, "controller at " + ep + " does not speak the Cairn transport: "
                    + e.getMessage(), e);
        } catch (IOException e) {
            // a server rejecting our certificate may reset the connection instead of sending an alert
            // (it closes with our last handshake records unread), so a broken handshake counts as a rejection
            closeQuietly(raw);
            throw unauthenticated(ep, e);
        } catch (RpcException e) {
            closeQuietly(raw);
            throw e;
        }
    }

    /** Closes the connections to servers whose certificate {@code revocations} now revokes; returns how many. */
    int closeRevoked(Revocations revocations) {
        int n = 0;
        for (Slot s : slots.values()) {
            ClientConnection c = s.current;
            java.math.BigInteger serial = s.serial;
            if (c != null && serial != null && revocations.revoked(serial)) {
                logger.info("closing the connection to {}: its certificate {} was revoked", s.endpoint, serial.toString(16));
                c.cancelAll("the controller's certificate was revoked");
                n++;
            }
        }
        return n;
    }

    private RpcException unauthenticated(Wire.Endpoint ep, IOException e) {
        String hint = bootstrap
                ? "the controller already belongs to a cluster and requires a client certificate; use the cluster credentials"
                : "check that this client's credentials were issued by the CA of the cluster the controller belongs to";
        return new RpcException(Reason.UNAUTHENTICATED, "TLS handshake with controller at " + ep + " failed ("
                + ClientConnection.describe(e) + "): the certificates do not match this cluster; " + hint, e);
    }

    private static void checkNamesAddress(X509Certificate served, InetAddress dialled, Wire.Endpoint ep) throws RpcException {
        List<String> ips = Tls.ipAddresses(served);
        for (String ip : ips) {
            try {
                if (InetAddress.ofLiteral(ip).equals(dialled)) {
                    return;
                }
            } catch (IllegalArgumentException e) {
                // not a literal: names nothing
            }
        }
        throw new RpcException(Reason.UNAUTHENTICATED, "server at " + ep + " presented a certificate for " + Pem.commonName(served)
                + " " + ips + ", not for " + dialled.getHostAddress() + "; the address belongs to another controller");
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        return ms < 10_000 ? ms + " ms" : d.toSeconds() + " s";
    }
}
