package io.cairn.cluster.rpc.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.cluster.rpc.RpcException.Reason;
import io.cairn.cluster.rpc.StreamSink;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * One accepted, authenticated connection. The reader (the connection's own virtual thread) takes
 * requests, credits and cancels; each admitted call runs on its own virtual thread. At most
 * {@code maxConcurrentCallsPerConnection} calls run at once: when all run, the reader stops
 * reading, so the caller's TCP window fills (back-pressure). A stream handler waiting for credit
 * does not count as running.
 */
final class ServerConnection {

    private final Logger logger = LoggerFactory.getLogger(ServerConnection.class);
    private final TlsServer server;
    private final Socket raw;
    private final SSLSocket ssl;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Semaphore running;
    private final ConcurrentHashMap<Long, ServerCall> active = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String peer;
    private final String principal;
    private final boolean clustered;
    private volatile Thread reader;

    ServerConnection(TlsServer server, Socket raw, SSLSocket ssl, String peer, String principal, boolean clustered) throws IOException {
        this.server = server;
        this.raw = raw;
        this.ssl = ssl;
        this.peer = peer;
        this.principal = principal;
        this.clustered = clustered;
        this.running = new Semaphore(server.limits().maxConcurrentCallsPerConnection());
        this.in = new DataInputStream(new BufferedInputStream(ssl.getInputStream(), 64 * 1024));
        this.out = new DataOutputStream(new BufferedOutputStream(ssl.getOutputStream(), 64 * 1024));
    }

    /** Greets the client and reads frames until the connection ends. */
    void run() {
        reader = Thread.currentThread();
        try {
            write(Wire.HELLO, 0, Wire.hello(clustered, server.nodeIp()));
            ssl.setSoTimeout(0);
            while (!closed.get()) {
                Wire.Frame f = Wire.read(in);
                switch (f.type()) {
                    case Wire.REQUEST -> request(f);
                    case Wire.CREDIT -> {
                        ServerCall c = active.get(f.id());
                        if (c != null) {
                            c.grant(Wire.parseCredit(f.payload()));
                        }
                    }
                    case Wire.CANCEL -> {
                        ServerCall c = active.get(f.id());
                        if (c != null) {
                            c.cancel();
                        }
                    }
                    default -> throw new Wire.ProtocolException("unexpected frame type " + f.type());
                }
            }
        } catch (Wire.FrameTooLargeException e) {
            logger.warn("closing the connection from {} ({}): it {}", peer, principal, e.getMessage());
        } catch (Wire.ProtocolException e) {
            logger.info("closing the connection from {} ({}): protocol violation: {}", peer, principal, e.getMessage());
        } catch (InterruptedException e) {
            // the server is stopping
        } catch (IOException e) {
            if (!closed.get()) {
                logger.debug("connection from {} ({}) ended: {}", peer, principal, e.toString());
            }
        } catch (RuntimeException e) {
            logger.warn("bug while serving {} ({})", peer, principal, e);
        } finally {
            close();
        }
    }

    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        TlsServer.closeQuietly(raw);
        for (ServerCall c : active.values()) {
            c.cancel();
        }
        Thread r = reader;
        if (r != null && r != Thread.currentThread()) {
            r.interrupt(); // it may wait for a free call slot
        }
        server.closed(this);
    }

    private void request(Wire.Frame f) throws IOException, InterruptedException {
        long id = f.id();
        Wire.Request r;
        try {
            r = Wire.parseRequest(f.payload());
        } catch (Wire.ProtocolException e) {
            error(id, Reason.REMOTE, ErrorCode.INVALID_ARGUMENT, "controller " + server.nodeIp() + " cannot read the request: " + e.getMessage());
            return;
        }
        String ip = server.nodeIp();
        Instant deadline = Instant.ofEpochMilli(r.deadlineMillis());
        if (!server.clock().instant().isBefore(deadline)) {
            error(id, Reason.DEADLINE_EXCEEDED, ErrorCode.TIMEOUT,
                    "call to '" + r.method() + "' reached controller " + ip + " after its deadline; it was not run");
            return;
        }
        TlsServer.Method m = server.method(r.method());
        if (m == null) {
            error(id, Reason.NO_SUCH_METHOD, ErrorCode.NOT_FOUND, "no method '" + r.method() + "' on controller " + ip);
            return;
        }
        if (r.stream() != (m.stream() != null)) {
            error(id, Reason.NO_SUCH_METHOD, ErrorCode.NOT_FOUND, "method '" + r.method() + "' on controller " + ip + " is "
                    + (r.stream() ? "a request/response method, not a stream" : "a stream; open it as a stream"));
            return;
        }
        if (!clustered && !m.bootstrap()) {
            error(id, Reason.UNAUTHENTICATED, ErrorCode.UNAUTHENTICATED,
                    "controller " + ip + " is not part of a cluster yet; only bootstrap calls are served");
            return;
        }
        running.acquire(); // blocks the reader while the connection is at its limit
        int credit = r.credit() > 0 ? r.credit() : server.limits().initialStreamCredit();
        ServerCall call = new ServerCall(id, m, r, deadline, credit);
        if (active.putIfAbsent(id, call) != null) {
            running.release();
            throw new Wire.ProtocolException("call id " + id + " is already in use");
        }
        try {
            server.execute(call::run);
        } catch (RejectedExecutionException e) {
            active.remove(id, call);
            running.release();
            throw new InterruptedException("server stopping");
        }
    }

    private void error(long id, Reason reason, ErrorCode code, String message) throws IOException {
        write(Wire.ERROR, id, Wire.error(reason, code, message));
    }

    private void write(byte type, long id, byte[]... parts) throws IOException {
        writeLock.lock();
        try {
            Wire.write(out, type, id, parts);
            out.flush();
        } catch (Wire.FrameTooLargeException e) {
            throw e;
        } catch (IOException e) {
            close();
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    /** A call being run: its stream sink, credit and cancellation. */
    private final class ServerCall implements StreamSink {
        private final long id;
        private final TlsServer.Method method;
        private final Wire.Request request;
        private final Instant deadline;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private int credit;
        private boolean cancelledByCaller;
        /** Touched by the handler's thread only. */
        private boolean holdsSlot = true;

        ServerCall(long id, TlsServer.Method method, Wire.Request request, Instant deadline, int credit) {
            this.id = id;
            this.method = method;
            this.request = request;
            this.deadline = deadline;
            this.credit = credit;
        }

        void run() {
            String name = request.method();
            String ip = server.nodeIp();
            try {
                RpcCall call = new RpcCall(name, request.body(), principal, peer, deadline);
                if (method.unary() != null) {
                    byte[] reply = method.unary().handle(call);
                    if (!cancelled()) {
                        write(Wire.RESPONSE, id, reply == null ? Wire.EMPTY : reply);
                    }
                } else {
                    method.stream().handle(call, this);
                    if (!cancelled()) {
                        write(Wire.STREAM_END, id);
                    }
                }
            } catch (CairnException e) {
                logger.debug("{} from {} on {} failed: {}", name, principal, ip, e.toString());
                replyError(e.code(), e.getMessage());
            } catch (Throwable t) {
                if (!(t instanceof InterruptedException) || !cancelled()) {
                    logger.warn("{} failed on {} (called by {} from {})", name, ip, principal, peer, t);
                }
                replyError(ErrorCode.INTERNAL, name + " failed on " + ip + ": " + t);
                if (t instanceof VirtualMachineError vme) {
                    throw vme;
                }
            } finally {
                active.remove(id, this);
                if (holdsSlot) {
                    running.release();
                }
            }
        }

        private void replyError(ErrorCode code, String message) {
            if (cancelled()) {
                return;
            }
            try {
                error(id, Reason.REMOTE, code, message);
            } catch (IOException e) {
                logger.debug("cannot report the failure of {} to {}: {}", request.method(), peer, e.toString());
            }
        }

        @Override
        public void send(byte[] message) throws RpcException {
            Objects.requireNonNull(message, "message");
            if (message.length > Wire.MAX_PAYLOAD) {
                throw CairnException.invalid("a stream message of " + message.length + " bytes exceeds the transport limit of "
                        + Wire.MAX_PAYLOAD + " bytes");
            }
            String name = request.method();
            lock.lock();
            try {
                while (true) {
                    checkOpen();
                    if (credit > 0) {
                        credit--;
                        break;
                    }
                    long nanos = Duration.between(server.clock().instant(), deadline).toNanos();
                    if (nanos <= 0) {
                        throw new RpcException(Reason.DEADLINE_EXCEEDED, "stream " + name + " to " + peer
                                + " passed its deadline while the caller granted no credit");
                    }
                    if (holdsSlot) {
                        holdsSlot = false; // waiting for the caller is not running: let other calls in
                        running.release();
                    }
                    changed.awaitNanos(nanos);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RpcException(Reason.CANCELLED, "stream " + name + " was interrupted: controller " + server.nodeIp() + " is stopping");
            } finally {
                lock.unlock();
            }
            if (!holdsSlot) {
                takeSlot(name);
            }
            try {
                write(Wire.STREAM_MSG, id, message);
            } catch (IOException e) {
                throw new RpcException(Reason.PEER_LOST, "connection to the caller " + peer + " lost while streaming " + name + ": "
                        + ClientConnection.describe(e), e);
            }
        }

        private void takeSlot(String name) {
            try {
                long nanos = Duration.between(server.clock().instant(), deadline).toNanos();
                if (nanos <= 0 || !running.tryAcquire(nanos, TimeUnit.NANOSECONDS)) {
                    throw new RpcException(Reason.DEADLINE_EXCEEDED, "stream " + name + " to " + peer
                            + " passed its deadline waiting for a call slot on controller " + server.nodeIp());
                }
                holdsSlot = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RpcException(Reason.CANCELLED, "stream " + name + " was interrupted: controller " + server.nodeIp() + " is stopping");
            }
        }

        private void checkOpen() {
            if (closed.get()) {
                throw new RpcException(Reason.PEER_LOST, "the caller " + peer + " of stream " + request.method() + " went away");
            }
            if (cancelledByCaller) {
                throw new RpcException(Reason.CANCELLED, "the caller " + peer + " cancelled stream " + request.method());
            }
        }

        @Override
        public boolean cancelled() {
            if (closed.get()) {
                return true;
            }
            lock.lock();
            try {
                return cancelledByCaller;
            } finally {
                lock.unlock();
            }
        }

        void grant(int n) {
            if (n <= 0) {
                return;
            }
            lock.lock();
            try {
                credit = (int) Math.min(Integer.MAX_VALUE, (long) credit + n);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void cancel() {
            lock.lock();
            try {
                cancelledByCaller = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
