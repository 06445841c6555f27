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
 *
 * <p>Before it ends anything it asks the local Stargate ({@code iscsi.claim_targets}, on the node's
 * own address) to take the vDisks of those targets over from their owners (spec 20, ownership
 * follows the VM), so that the initiators' new logins are served locally instead of being
 * redirected on to the owner. A claim that fails is logged; the sessions are ended all the same
 * (the local portal then redirects to the owner, and the follow rule moves the vDisk later).
 */
final class RpcSessionEnder implements SessionEnder, AutoCloseable {

    static final String METHOD = "iscsi.end_sessions";
    static final String CLAIM = "iscsi.claim_targets";
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** A claim waits for the owner's running operations (at most 10 s) and for the takeover's OpLog recovery. */
    static final Duration CLAIM_DEADLINE = Duration.ofSeconds(60);

    private final Logger logger = LoggerFactory.getLogger(RpcSessionEnder.class);
    private static final Pattern ENDED = Pattern.compile("\"ended\"\\s*:\\s*(\\d+)");
    private final Path pki;
    private final Supplier<List<InetSocketAddress>> remotes;
    private final String localHost;
    private RpcClient client;

    /**
     * @param pki     the node's credentials directory ({@code <home>/data/pki}: key.pem, cert.pem, ca.pem)
     * @param remotes every remote Stargate portal (asked when the chosen one ended nothing)
     * @param localHost the node's own address (its Stargate's RPC), asked to claim the targets' vDisks first; null: no claim
     */
    RpcSessionEnder(Path pki, Supplier<List<InetSocketAddress>> remotes, String localHost) {
        this.pki = Objects.requireNonNull(pki, "pki");
        this.remotes = Objects.requireNonNull(remotes, "remotes");
        this.localHost = localHost;
    }

    /** Asks the local Stargate to serve the targets' vDisks (see the class comment); never throws. */
    void claimLocally(Set<RedirectedLogin> logins) {
        if (localHost == null || logins.isEmpty()) {
            return;
        }
        try {
            String reply = new String(client().call(localHost, CLAIM, claimBody(logins), CLAIM_DEADLINE), StandardCharsets.UTF_8);
            logger.info("iSCSI redirector: the local Stargate claimed the vDisks of {}: {}", logins, reply);
        } catch (RuntimeException e) {
            logger.info("iSCSI redirector: the local Stargate did not claim the vDisks of {} (failing back all the same): {}", logins,
                    e.toString());
        }
    }

    /** {@code {"targets": [IQN, ...]}}, each target once. */
    static byte[] claimBody(Set<RedirectedLogin> logins) {
        StringBuilder b = new StringBuilder("{\"targets\":[");
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        logins.forEach(l -> seen.add(l.targetName()));
        boolean first = true;
        for (String t : seen) {
            b.append(first ? "" : ",").append(jsonString(t));
            first = false;
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Asks the Stargate the logins were redirected to; when it ended none, asks every other remote
     * Stargate too: the one the redirector chose may have redirected the login on to the vDisk's
     * owner (a remote Stargate that took the vDisk over), and the session is there. Throws only when
     * no Stargate could be asked.
     */
    @Override
    public void endRedirectedSessions(InetSocketAddress remotePortal, Set<RedirectedLogin> logins) throws Exception {
        claimLocally(logins);
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
