package io.cairn.cluster.genesis.internal;

import java.util.Map;
import java.util.UUID;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * {@code genesis.authority.install {"caKey"}}: hands a member the cluster CA's key (spec 30 §2) after it
 * has joined. A mutual-TLS method (no {@code cairn.rpc.bootstrap}), so the node proves it holds a
 * certificate from the CA and the caller must present one too; only the admin certificate (CN
 * {@code admin}) or a current member's node certificate (CN {@code node:<uuid>} of a node in the cluster
 * configuration) may install it. The key must belong to the CA this node trusts.
 */
@Component(service = RpcHandler.class, immediate = true, property = RpcHandler.METHOD + "=genesis.authority.install")
public final class Authority implements RpcHandler {

    private final Logger logger = LoggerFactory.getLogger(Authority.class);
    private final NodeTrust trust;
    private final Bootstrap bootstrap;

    @Activate
    public Authority(@Reference NodeTrust trust, @Reference Bootstrap bootstrap) {
        this.trust = trust;
        this.bootstrap = bootstrap;
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        ClusterConfig c = bootstrap.config().orElseThrow(() -> new CairnException(ErrorCode.FAILED_PRECONDITION,
                "this node is not a cluster member yet; it takes the CA key only after genesis.join"));
        if (!allowed(call.principal(), c)) {
            throw new CairnException(ErrorCode.PERMISSION_DENIED, "permission denied: only the admin certificate or a member node "
                    + "may hand over the cluster CA key, not '" + call.principal() + "'");
        }
        String key = Codec.text(Codec.tree(call.body(), call.method()), "caKey", "genesis.authority.install");
        var ca = trust.credentials().orElseThrow(() -> new CairnException(ErrorCode.FAILED_PRECONDITION, "this node has no cluster "
                + "certificate yet")).ca();
        trust.installAuthority(ClusterCa.of(key, ca));
        logger.info("cluster CA key installed at the request of {} ({})", call.principal(), call.peer());
        return Codec.write(Map.of("installed", true));
    }

    static boolean allowed(String principal, ClusterConfig c) {
        if ("admin".equals(principal)) {
            return true;
        }
        if (principal == null || !principal.startsWith("node:")) {
            return false;
        }
        try {
            return c.node(UUID.fromString(principal.substring(5))).isPresent();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
