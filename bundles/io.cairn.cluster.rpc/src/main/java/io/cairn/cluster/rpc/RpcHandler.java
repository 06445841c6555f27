package io.cairn.cluster.rpc;

/**
 * A request/response method, registered as a whiteboard service with the property
 * {@value #METHOD} naming the method(s). Handlers run on virtual threads.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface RpcHandler {

    /** Service property: the method name(s) this handler serves (String or String[]). */
    String METHOD = "cairn.rpc.method";

    /**
     * Service property: {@code true} if the method may also be called on a node in factory state
     * (before it has cluster credentials), by a caller without a client certificate.
     */
    String BOOTSTRAP = "cairn.rpc.bootstrap";

    /**
     * Handles one call. A thrown {@link io.cairn.common.error.CairnException} reaches the caller
     * with its code and message; any other exception as an internal error.
     */
    byte[] handle(RpcCall call) throws Exception;
}
