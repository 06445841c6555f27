package io.cairn.iscsi.internal.redirector;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;

/**
 * Failback over the cluster RPC (TLS 1.3 with the node's own certificate from
 * {@code <home>/data/pki}, as the controller itself calls its peers): asks the Stargate at the
 * remote portal's address ({@code iscsi.end_sessions} on the default RPC port) to end the sessions
 * of the given initiator and target pairs. The credentials are loaded at the first call, so the
 * agent may start before the node has joined a cluster.
 */
final class RpcSessionEnder implements SessionEnder, AutoCloseable {

    static final String METHOD = "iscsi.end_sessions";
    static final Duration DEADLINE = Duration.ofSeconds(10);

    private final Logger logger = LoggerFactory.getLogger(RpcSessionEnder.class);
    private final Path pki;
    private RpcClient client;

    /** @param pki the node's credentials directory ({@code <home>/data/pki}: key.pem, cert.pem, ca.pem) */
    RpcSessionEnder(Path pki) {
        this.pki = Objects.requireNonNull(pki, "pki");
    }

    @Override
    public void endRedirectedSessions(InetSocketAddress remotePortal, Set<RedirectedLogin> logins) throws Exception {
        String host = remotePortal.getAddress() != null ? remotePortal.getAddress().getHostAddress() : remotePortal.getHostString();
        byte[] reply = client().call(host, METHOD, body(logins), DEADLINE);
        logger.info("iSCSI redirector: Stargate {} ended the redirected sessions of {}: {}", host, logins,
                new String(reply, StandardCharsets.UTF_8));
    }

    private synchronized RpcClient client() {
        if (client == null) {
            client = Rpc.client(Credentials.load(pki));
        }
        return client;
    }

    /** {@code {"sessions": [{"initiator": .., "target": ..}, ...]}}. */
    static byte[] body(Set<RedirectedLogin> logins) {
        StringBuilder b = new StringBuilder("{\"sessions\":[");
        boolean first = true;
        for (RedirectedLogin l : logins) {
            b.append(first ? "" : ",").append("{\"initiator\":").append(jsonString(l.initiatorName())).append(",\"target\":")
                    .append(jsonString(l.targetName())).append('}');
            first = false;
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
