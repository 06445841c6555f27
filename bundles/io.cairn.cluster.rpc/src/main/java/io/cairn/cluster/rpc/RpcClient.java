package io.cairn.cluster.rpc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Calls methods on other controllers over mutual TLS. One multiplexed connection per peer address
 * is kept and re-opened on demand. Addresses are {@code host} (the default rpc port) or
 * {@code host:port}.
 */
@org.osgi.annotation.versioning.ProviderType
public interface RpcClient extends AutoCloseable {

    /**
     * Calls {@code method} on {@code address} and waits for the reply.
     *
     * @throws RpcException with {@link RpcException.Reason#DEADLINE_EXCEEDED} when no reply came
     *         within {@code deadline}, {@link RpcException.Reason#PEER_UNREACHABLE} or
     *         {@link RpcException.Reason#PEER_LOST} when the peer cannot be reached or the
     *         connection broke, {@link RpcException.Reason#REMOTE} when the handler failed
     */
    byte[] call(String address, String method, byte[] request, Duration deadline) throws RpcException;

    /** As {@link #call}, without blocking; the future fails with an {@link RpcException}. */
    CompletableFuture<byte[]> callAsync(String address, String method, byte[] request, Duration deadline);

    /**
     * Opens a server stream: the handler sends any number of messages, then ends. The client
     * grants credit as it consumes, so a slow reader slows the sender down (back-pressure).
     */
    RpcStream stream(String address, String method, byte[] request, Duration deadline) throws RpcException;

    /** Closes every connection; pending calls fail with {@link RpcException.Reason#CANCELLED}. */
    @Override
    void close();
}
