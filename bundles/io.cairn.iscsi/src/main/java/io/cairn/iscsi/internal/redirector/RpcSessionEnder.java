package io.cairn.iscsi.internal.redirector;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;

/**
 * Failback over the cluster RPC (TLS 1.3 with the node's own certificate from
 * {@code <home>/data/pki}, as the controller itself calls its peers): asks the Stargate at the
 * remote portal's address ({@code iscsi.end_sessions} on the default RPC port) to end the sessions
 * of the given initiator and target pairs, and the other remote Stargates when that one had none. The credentials are loaded at the first call, so the
 * agent may start before the node has joined a cluster.
 */
final class RpcSessionEnder implements SessionEnder, AutoCloseable {

    static final String METHOD = "iscsi.end_sessions";
    static final Duration DEADLINE = Duration.ofSeconds(10);

    private final Logger logger = LoggerFactory.getLogger(RpcSessionEnder.class);
    private static final Pattern ENDED = Pattern.compile("\"ended\"\\s*:\\s*(\\d+)");
    private final Path pki;
    private final Supplier<List<InetSocketAddress>> remotes;
    private RpcClient client;

    /**
     * @param pki     the node's credentials directory ({@code <home>/data/pki}: key.pem, cert.pem, ca.pem)
     * @param remotes every remote Stargate portal (asked when the chosen one ended nothing)
     */
    RpcSessionEnder(Path pki, Supplier<List<InetSocketAddress>> remotes) {
        this.pki = Objects.requireNonNull(pki, "pki");
        this.remotes = Objects.requireNonNull(remotes, "remotes");
    }

    /**
     * Asks the Stargate the logins were redirected to; when it ended none, asks every other remote
     * Stargate too: the one the redirector chose may have redirected the login on to the vDisk's
     * owner (a remote Stargate that took the vDisk over), and the session is there. Throws only when
     * no Stargate could be asked.
     */
    @Override
    public void endRedirectedSessions(InetSocketAddress remotePortal, Set<RedirectedLogin> logins) throws Exception {
        byte[] body = body(logins);
        RuntimeException failed = null;
        int asked = 0;
        List<InetSocketAddress> order = new ArrayList<>();
        order.add(remotePortal);
        try {
            for (InetSocketAddress other : remotes.get()) {
                if (!order.contains(other)) {
                    order.add(other);
                }
            }
        } catch (RuntimeException e) {
            logger.debug("iSCSI redirector: only {} asked to fail back; the portal list cannot be read: {}", remotePortal, e.toString());
        }
        for (InetSocketAddress portal : order) {
            String host = portal.getAddress() != null ? portal.getAddress().getHostAddress() : portal.getHostString();
            try {
                String reply = new String(client().call(host, METHOD, body, DEADLINE), StandardCharsets.UTF_8);
                asked++;
                int ended = ended(reply);
                logger.info("iSCSI redirector: Stargate {} ended {} redirected session(s) of {}", host, ended, logins);
                if (ended > 0) {
                    return;
                }
            } catch (RuntimeException e) {
                failed = e;
                logger.info("iSCSI redirector: cannot ask Stargate {} to end the redirected sessions: {}", host, e.toString());
            }
        }
        if (asked == 0 && failed != null) {
            throw failed;
        }
    }

    /** The {@code ended} count of an {@code iscsi.end_sessions} reply (0 when absent). */
    static int ended(String reply) {
        Matcher m = ENDED.matcher(reply);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
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
