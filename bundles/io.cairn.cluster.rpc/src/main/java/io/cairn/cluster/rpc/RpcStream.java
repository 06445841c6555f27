package io.cairn.cluster.rpc;

import java.util.Optional;

/** The client side of a server stream. Not thread-safe: one reader. */
@org.osgi.annotation.versioning.ProviderType
public interface RpcStream extends AutoCloseable {

    /**
     * The next message, or empty when the server ended the stream.
     *
     * @throws RpcException when the stream failed, the peer was lost or the deadline passed
     */
    Optional<byte[]> next() throws RpcException;

    /** Cancels the stream; the server's sink reports {@link StreamSink#cancelled()}. */
    @Override
    void close();
}
