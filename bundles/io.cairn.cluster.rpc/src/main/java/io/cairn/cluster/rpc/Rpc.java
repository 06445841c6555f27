package io.cairn.cluster.rpc;

/**
 * Clients outside a controller (the {@code cairn} CLI, Foundation, tests). Inside a controller use
 * the {@link RpcClient} service, which carries the node's own credentials.
 */
public final class Rpc {

    /** The default port of the inter-node transport on every controller address. */
    public static final int DEFAULT_PORT = 2100;

    private Rpc() {
    }

    /** A mutual-TLS client presenting {@code credentials} and trusting only their CA. */
    public static RpcClient client(Credentials credentials) {
        return io.cairn.cluster.rpc.internal.TlsRpcClient.mutual(credentials);
    }

    /**
     * As {@link #client(Credentials)}, with call deadlines (absolute, checked by the server on its clock) reckoned on
     * {@code clock}: for a caller whose clock differs from the cluster's, e.g. a test that moved the cluster clock.
     *
     * @since 1.5.0
     */
    public static RpcClient client(Credentials credentials, java.time.InstantSource clock) {
        return io.cairn.cluster.rpc.internal.TlsRpcClient.mutual(credentials, clock);
    }

    /**
     * A client for factory-state nodes: TLS without a client certificate, accepting the node's
     * self-signed certificate (the node has no CA yet); only bootstrap methods answer. The
     * certificate fingerprints seen are reported by {@link #lastFingerprint(RpcClient, String)}.
     */
    public static RpcClient bootstrapClient() {
        return io.cairn.cluster.rpc.internal.TlsRpcClient.bootstrap();
    }

    /** The SHA-256 fingerprint of the certificate {@code address} presented to a bootstrap client. */
    public static String lastFingerprint(RpcClient bootstrapClient, String address) {
        return ((io.cairn.cluster.rpc.internal.TlsRpcClient) bootstrapClient).fingerprint(address);
    }
}
