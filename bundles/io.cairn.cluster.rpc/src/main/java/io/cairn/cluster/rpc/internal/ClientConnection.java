package io.cairn.cluster.rpc.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.RpcException;
import io.cairn.cluster.rpc.RpcException.Reason;
import io.cairn.cluster.rpc.RpcStream;

/**
 * One multiplexed TLS connection from a client to a controller. Calls are matched to replies by
 * id on a reader virtual thread; at most {@code maxInFlight} calls are outstanding (callers wait
 * for a slot until their deadline); when the connection breaks every outstanding call fails.
 */
final class ClientConnection {

    /** An outstanding call, completed by frames with its id. */
    interface Call {
        String method();

        void frame(Wire.Frame frame) throws IOException;

        void fail(RpcException e);
    }

    private final Logger logger = LoggerFactory.getLogger(ClientConnection.class);
    private final Wire.Endpoint endpoint;
    private final Socket raw;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Semaphore slots;
    private final int maxInFlight;
    private final ConcurrentHashMap<Long, Call> calls = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final InstantSource clock;
    private final ScheduledExecutorService timer;
    private final Executor tasks;
    private volatile Reason closeReason = Reason.PEER_LOST;
    private volatile String closeCause = "";

    ClientConnection(Wire.Endpoint endpoint, Socket raw, DataInputStream in, DataOutputStream out, int maxInFlight, InstantSource clock,
            ScheduledExecutorService timer, Executor tasks) {
        this.endpoint = endpoint;
        this.raw = raw;
        this.in = in;
        this.out = out;
        this.maxInFlight = maxInFlight;
        this.slots = new Semaphore(maxInFlight);
        this.clock = clock;
        this.timer = timer;
        this.tasks = tasks;
    }

    void startReader() {
        Thread.ofVirtual().name("cairn-rpc-client-" + endpoint).start(this::readLoop);
    }

    boolean usable() {
        return !closed.get();
    }

    /** Starts a request/response call; the future fails with an {@link RpcException}. */
    CompletableFuture<byte[]> unary(String method, byte[] body, Instant deadline, Duration timeout) throws RpcException {
        UnaryCall call = new UnaryCall(method, timeout);
        begin(call, deadline, timeout);
        call.timer = schedule(deadline, () -> {
            if (finish(call.id)) {
                call.future.completeExceptionally(deadlineExceeded(method, timeout));
                cancelAsync(call.id);
            }
        });
        call.future.whenComplete((v, e) -> call.timer.cancel(false));
        send(call, Wire.request(method, deadline.toEpochMilli(), false, 0, body));
        return call.future;
    }

    /** Opens a server stream with an initial credit of {@code credit} messages. */
    RpcStream stream(String method, byte[] body, Instant deadline, Duration timeout, int credit) throws RpcException {
        StreamCall call = new StreamCall(method, deadline, timeout, credit);
        begin(call, deadline, timeout);
        call.timer = schedule(deadline, () -> {
            if (finish(call.id)) {
                call.queue.add(deadlineExceeded(method, timeout));
                cancelAsync(call.id);
            }
        });
        send(call, Wire.request(method, deadline.toEpochMilli(), true, credit, body));
        return call;
    }

    /** Fails every outstanding call with CANCELLED and closes the socket (the client is closing). */
    void cancelAll(String why) {
        close(Reason.CANCELLED, why);
    }

    private void begin(AbstractCall call, Instant deadline, Duration timeout) throws RpcException {
        long waitNanos = Duration.between(clock.instant(), deadline).toNanos();
        if (waitNanos <= 0) {
            throw new RpcException(Reason.DEADLINE_EXCEEDED, "the deadline of " + call.method + " to " + endpoint + " ("
                    + TlsRpcClient.format(timeout) + ") passed before it was sent");
        }
        try {
            if (!slots.tryAcquire(waitNanos, TimeUnit.NANOSECONDS)) {
                throw new RpcException(Reason.DEADLINE_EXCEEDED, "no call slot to " + endpoint + " for " + call.method
                        + " within " + TlsRpcClient.format(timeout) + ": " + maxInFlight + " calls are already in flight");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RpcException(Reason.CANCELLED, call.method + " to " + endpoint + " was interrupted before it was sent");
        }
        call.id = ids.incrementAndGet();
        calls.put(call.id, call);
        if (closed.get() && finish(call.id)) {
            throw failure(call.method);
        }
    }

    private void send(AbstractCall call, byte[][] request) throws RpcException {
        try {
            write(Wire.REQUEST, call.id, request);
        } catch (Wire.FrameTooLargeException e) {
            if (finish(call.id)) {
                call.timer.cancel(false);
            }
            throw io.cairn.common.error.CairnException.invalid("the request for " + call.method + " is too large: " + e.getMessage());
        } catch (IOException e) {
            // the reader, or broken(), fails the call with PEER_LOST
        }
    }

    /** Removes an outstanding call and frees its slot; true for exactly one caller. */
    boolean finish(long id) {
        if (calls.remove(id) != null) {
            slots.release();
            return true;
        }
        return false;
    }

    private void write(byte type, long id, byte[]... parts) throws IOException {
        writeLock.lock();
        try {
            Wire.write(out, type, id, parts);
            out.flush();
        } catch (Wire.FrameTooLargeException e) {
            throw e;
        } catch (IOException e) {
            broken(e);
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    private void writeQuietly(byte type, long id, byte[]... parts) {
        try {
            write(type, id, parts);
        } catch (IOException e) {
            logger.debug("cannot send frame {} for call {} to {}: {}", type, id, endpoint, e.toString());
        }
    }

    private void cancelAsync(long id) {
        if (closed.get()) {
            return;
        }
        try {
            tasks.execute(() -> writeQuietly(Wire.CANCEL, id));
        } catch (RejectedExecutionException e) {
            // the client is closing; the connection goes with it
        }
    }

    private ScheduledFuture<?> schedule(Instant deadline, Runnable task) {
        long nanos = Math.max(0, Duration.between(clock.instant(), deadline).toNanos());
        try {
            return timer.schedule(task, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            task.run();
            return new DoneFuture();
        }
    }

    private void readLoop() {
        try {
            while (true) {
                Wire.Frame f = Wire.read(in);
                Call call = calls.get(f.id());
                if (call != null) {
                    call.frame(f);
                }
                // else: the reply to a call that timed out or was cancelled; dropped
            }
        } catch (Wire.FrameTooLargeException e) {
            logger.warn("closing the connection to controller {}: it {}", endpoint, e.getMessage());
            broken(e);
        } catch (IOException e) {
            broken(e);
        } catch (RuntimeException e) {
            logger.warn("bug while reading from {}", endpoint, e);
            broken(e);
        }
    }

    private void broken(Throwable cause) {
        close(Reason.PEER_LOST, describe(cause));
    }

    private void close(Reason reason, String cause) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeReason = reason;
        closeCause = cause;
        logger.debug("connection to {} closed: {}", endpoint, cause);
        try {
            raw.close();
        } catch (IOException e) {
            // already closed
        }
        for (var e : calls.entrySet()) {
            if (calls.remove(e.getKey(), e.getValue())) {
                slots.release();
                e.getValue().fail(failure(e.getValue().method()));
            }
        }
    }

    private RpcException failure(String method) {
        if (closeReason == Reason.CANCELLED) {
            return new RpcException(Reason.CANCELLED, method + " to " + endpoint + " was cancelled: " + closeCause);
        }
        return new RpcException(Reason.PEER_LOST, "connection to " + endpoint + " lost while waiting for " + method + ": " + closeCause);
    }

    private RpcException deadlineExceeded(String method, Duration timeout) {
        return new RpcException(Reason.DEADLINE_EXCEEDED, "no reply from controller at " + endpoint + " to " + method + " within "
                + TlsRpcClient.format(timeout) + "; it may still run there");
    }

    static String describe(Throwable cause) {
        if (cause instanceof EOFException) {
            return "the controller closed the connection";
        }
        String m = cause.getMessage();
        return m == null || m.isBlank() ? cause.getClass().getSimpleName() : m;
    }

    private abstract static class AbstractCall implements Call {
        final String method;
        /** The caller's deadline as a duration, for messages. */
        final Duration limit;
        volatile long id;
        /** Fails the call at its deadline. */
        volatile ScheduledFuture<?> timer;

        AbstractCall(String method, Duration limit) {
            this.method = method;
            this.limit = limit;
        }

        @Override
        public String method() {
            return method;
        }
    }

    private final class UnaryCall extends AbstractCall {
        final CompletableFuture<byte[]> future = new CompletableFuture<>();

        UnaryCall(String method, Duration timeout) {
            super(method, timeout);
        }

        @Override
        public void frame(Wire.Frame f) throws IOException {
            switch (f.type()) {
                case Wire.RESPONSE -> {
                    if (finish(id)) {
                        future.complete(f.payload());
                    }
                }
                case Wire.ERROR -> {
                    if (finish(id)) {
                        future.completeExceptionally(Wire.toException(f.payload(), endpoint.toString(), method));
                    }
                }
                default -> throw new Wire.ProtocolException("controller sent frame type " + f.type() + " for call " + method);
            }
        }

        @Override
        public void fail(RpcException e) {
            future.completeExceptionally(e);
        }
    }

    private static final Object END = new Object();

    private final class StreamCall extends AbstractCall implements RpcStream {
        final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        final Instant deadline;
        final int grantEvery;
        private int consumed;
        private Object terminal;

        StreamCall(String method, Instant deadline, Duration timeout, int credit) {
            super(method, timeout);
            this.deadline = deadline;
            this.grantEvery = Math.max(1, credit / 2);
        }

        @Override
        public void frame(Wire.Frame f) throws IOException {
            switch (f.type()) {
                case Wire.STREAM_MSG -> queue.add(f.payload());
                case Wire.STREAM_END -> {
                    if (finish(id)) {
                        queue.add(END);
                    }
                }
                case Wire.ERROR -> {
                    if (finish(id)) {
                        queue.add(Wire.toException(f.payload(), endpoint.toString(), method));
                    }
                }
                default -> throw new Wire.ProtocolException("controller sent frame type " + f.type() + " for stream " + method);
            }
        }

        @Override
        public void fail(RpcException e) {
            queue.add(e);
        }

        @Override
        public Optional<byte[]> next() throws RpcException {
            if (terminal == null) {
                Object o;
                try {
                    long nanos = Duration.between(clock.instant(), deadline).toNanos();
                    o = queue.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new RpcException(Reason.CANCELLED, "reading stream " + method + " from " + endpoint + " was interrupted");
                }
                if (o == null) {
                    o = deadlineExceeded(method, limit);
                    if (finish(id)) {
                        cancelAsync(id);
                    }
                }
                if (o instanceof byte[] message) {
                    if (++consumed >= grantEvery && calls.containsKey(id)) {
                        writeQuietly(Wire.CREDIT, id, Wire.credit(consumed));
                        consumed = 0;
                    }
                    return Optional.of(message);
                }
                terminal = o;
                timer.cancel(false);
            }
            if (terminal == END) {
                return Optional.empty();
            }
            throw (RpcException) terminal;
        }

        @Override
        public void close() {
            if (terminal == null) {
                terminal = new RpcException(Reason.CANCELLED, "stream " + method + " from " + endpoint + " was closed by the caller");
            }
            if (timer != null) {
                timer.cancel(false);
            }
            if (finish(id)) {
                cancelAsync(id);
            }
        }
    }

    /** A scheduled task that ran inline because the timer was already shut down. */
    private static final class DoneFuture implements ScheduledFuture<Object> {
        @Override
        public long getDelay(TimeUnit unit) {
            return 0;
        }

        @Override
        public int compareTo(java.util.concurrent.Delayed o) {
            return 0;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return false;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean isDone() {
            return true;
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }
}
