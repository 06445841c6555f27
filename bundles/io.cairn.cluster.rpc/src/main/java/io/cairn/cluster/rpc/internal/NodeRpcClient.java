package io.cairn.cluster.rpc.internal;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.cluster.rpc.RpcException.Reason;
import io.cairn.cluster.rpc.RpcStream;

/**
 * The node's own {@link RpcClient} service: a mutual-TLS client with the node's credentials once
 * it has them. Shared by every consumer, so {@link #close()} by a consumer does nothing; the
 * component shuts it down.
 */
final class NodeRpcClient implements RpcClient {

    private final Logger logger = LoggerFactory.getLogger(NodeRpcClient.class);
    private final InstantSource clock;
    private final AtomicReference<TlsRpcClient> delegate = new AtomicReference<>();
    private volatile boolean shutdown;

    private final Revocations revocations;

    NodeRpcClient(InstantSource clock, Revocations revocations) {
        this.clock = clock;
        this.revocations = revocations;
    }

    /** Closes connections to servers whose certificate was just revoked. */
    int closeRevoked() {
        TlsRpcClient d = delegate.get();
        return d == null ? 0 : d.closeRevoked(revocations);
    }

    /** Switches to the credentials {@code credentials} returns at each new connection; calls still running on the previous credentials are cancelled. */
    void use(Credentials credentials) {
        use(() -> credentials);
    }

    void use(java.util.function.Supplier<Credentials> credentials) {
        TlsRpcClient next = TlsRpcClient.mutual(credentials, clock, revocations);
        TlsRpcClient previous = delegate.getAndSet(next);
        if (previous != null) {
            previous.close();
        }
        if (shutdown) {
            shutdown();
        }
    }

    /** Closes every connection; pending calls fail with CANCELLED. */
    void shutdown() {
        shutdown = true;
        TlsRpcClient d = delegate.getAndSet(null);
        if (d != null) {
            d.close();
        }
    }

    private TlsRpcClient client() {
        if (shutdown) {
            throw new RpcException(Reason.CANCELLED, "the transport of this controller is stopping");
        }
        TlsRpcClient d = delegate.get();
        if (d == null) {
            throw new RpcException(Reason.UNAUTHENTICATED,
                    "this controller is not part of a cluster yet; it can call other controllers once it has joined one");
        }
        return d;
    }

    @Override
    public byte[] call(String address, String method, byte[] request, Duration deadline) throws RpcException {
        return client().call(address, method, request, deadline);
    }

    @Override
    public CompletableFuture<byte[]> callAsync(String address, String method, byte[] request, Duration deadline) {
        try {
            return client().callAsync(address, method, request, deadline);
        } catch (RpcException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public RpcStream stream(String address, String method, byte[] request, Duration deadline) throws RpcException {
        return client().stream(address, method, request, deadline);
    }

    /** Does nothing: the node's client is shared and closed by its component. */
    @Override
    public void close() {
        logger.debug("ignoring close() of the node's shared RpcClient");
    }
}
