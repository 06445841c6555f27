package io.cairn.prism.gateway.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.security.auth.AccountAdmin;

/**
 * Admin RPCs of the gateway until its own REST resources exist: {@value #VIP_SET} {@code {"ip"}}
 * (behind {@code ncli cluster edit-params external-ip-address=IP}) and {@value #STATUS}.
 */
@Component(service = RpcHandler.class, configurationPid = GatewayConfig.PID, property = {ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE,
        RpcHandler.METHOD + "=" + PrismRpc.VIP_SET, RpcHandler.METHOD + "=" + PrismRpc.STATUS, RpcHandler.METHOD + "=" + PrismRpc.BOOTSTRAP_ADMIN})
public final class PrismRpc implements RpcHandler {

    static final String VIP_SET = "prism.vip.set";
    static final String STATUS = "prism.status";
    /**
     * {@code cairn cluster create}'s last step, for the admin certificate only: creates Prism's local
     * user {@code admin} with a generated password, answered once ({@code {"user", "password"}});
     * ALREADY_EXISTS afterwards. The password must be changed at the first login.
     */
    static final String BOOTSTRAP_ADMIN = "prism.admin.bootstrap";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Zeus zeus;
    private final PrismLeader leader;
    private final AccountAdmin accounts;
    private final int port;

    @Activate
    public PrismRpc(@Reference Zeus zeus, @Reference PrismLeader leader, @Reference AccountAdmin accounts, GatewayConfig config) {
        this.zeus = zeus;
        this.accounts = accounts;
        this.leader = leader;
        this.port = config.prism__port();
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        JsonNode body = call.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(call.body());
        Map<String, Object> out = new LinkedHashMap<>();
        switch (call.method()) {
            case VIP_SET -> {
                if (!call.principal().equals(AccountAdmin.ADMIN)) {
                    throw new CairnException(io.cairn.common.error.ErrorCode.PERMISSION_DENIED, VIP_SET
                            + " is for the cluster admin certificate (ncli cluster edit-params external-ip-address=IP)");
                }
                String ip = setVip(zeus, body.path("ip").asText(""));
                out.put("ip", ip);
                out.put("text", "external IP address (cluster virtual IP) set to " + ip + "; Prism answers at https://" + ip + ":" + port + "/\n");
            }
            case STATUS -> {
                PrismLeader.State s = leader.state();
                out.put("node", leader.self());
                out.put("leader", leader.leaderAddress().orElse(null));
                out.put("is_leader", s.leader());
                out.put("vip", s.vip().orElse(null));
                out.put("port", port);
                out.put("text", "Prism leader          : " + leader.leaderAddress().map(a -> a + ":" + port).orElse("none elected") + "\n"
                        + "This node leads        : " + (s.leader() ? "yes" : "no") + "\n"
                        + "Cluster virtual IP     : " + s.vip().map(v -> v + ":" + port).orElse("not set (ncli cluster edit-params "
                                + "external-ip-address=IP)") + "\n");
            }
            case BOOTSTRAP_ADMIN -> {
                if (!call.principal().equals(AccountAdmin.ADMIN)) {
                    throw new CairnException(io.cairn.common.error.ErrorCode.PERMISSION_DENIED, BOOTSTRAP_ADMIN
                            + " is for the cluster admin certificate that cairn cluster create writes");
                }
                out.put("user", AccountAdmin.ADMIN);
                String chosen = body.path("password").asText("");
                if (chosen.isEmpty()) {
                    out.put("password", accounts.createInitialAdmin());
                } else {
                    accounts.createInitialAdmin(chosen, true); // the CLI generated it: a retry after a lost answer keeps it
                }
            }
            default -> throw CairnException.notFound("no method " + call.method());
        }
        return JSON.writeValueAsString(out).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Sets the cluster virtual IP (Zeus document {@value PrismLeader#VIP_DOCUMENT}; the Prism leader
     * takes it): for {@code prism.vip.set} and {@code PUT /api/v1/cluster/external_ip_address}.
     * Answers the address in its canonical form; INVALID_ARGUMENT when it is not an IP address.
     */
    public static String setVip(Zeus zeus, String address) throws java.io.IOException {
        String ip = literal(address);
        for (int attempt = 0; ; attempt++) {
            Optional<VersionedDocument> now = zeus.read(PrismLeader.VIP_DOCUMENT);
            try {
                zeus.write(PrismLeader.VIP_DOCUMENT, JSON.writeValueAsBytes(Map.of("ip", ip)),
                        now.map(VersionedDocument::version).orElse(VersionedDocument.ABSENT));
                return ip;
            } catch (CairnException e) {
                if (e.code() != io.cairn.common.error.ErrorCode.CONFLICT || attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    static String literal(String ip) {
        if (ip.isBlank() || !(ip.matches("[0-9.]+") || ip.contains(":"))) {
            throw CairnException.invalid("external-ip-address='" + ip + "' is not an IP address; give one like 10.0.0.40");
        }
        try {
            return InetAddress.getByName(ip).getHostAddress();
        } catch (UnknownHostException e) {
            throw CairnException.invalid("external-ip-address='" + ip + "' is not an IP address; give one like 10.0.0.40");
        }
    }
}
