package io.cairn.cluster.rpc;

/** Where a {@link RpcStreamHandler} writes its messages. */
@org.osgi.annotation.versioning.ProviderType
public interface StreamSink {

    /**
     * Sends one message. Blocks while the client has granted no credit (back-pressure).
     *
     * @throws RpcException when the client cancelled, the connection is gone or the deadline passed
     */
    void send(byte[] message) throws RpcException;

    /** True once the client cancelled the stream or went away. */
    boolean cancelled();
}
