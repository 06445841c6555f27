package io.cairn.cluster.rpc;

/** A streaming method: whiteboard service with {@value RpcHandler#METHOD}, like {@link RpcHandler}. */
@org.osgi.annotation.versioning.ConsumerType
public interface RpcStreamHandler {

    /** Sends the stream's messages through {@code sink}; returning ends the stream. */
    void handle(RpcCall call, StreamSink sink) throws Exception;
}
