package io.cairn.cluster.genesis.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.cluster.rpc.discovery.DiscoveryClient;
import io.cairn.cluster.rpc.discovery.DiscoveryClient.Found;
import io.cairn.cluster.rpc.discovery.LoopbackRegistry;
import io.cairn.cluster.rpc.discovery.NodeAdvert;
import io.cairn.common.clock.Clock;
import io.cairn.common.error.CairnException;

/**
 * {@code cluster.discover_nodes} ({@code ncli cluster discover-nodes}, spec 10 §6): the factory-state
 * nodes this node can find, by multicast on its links and in the loopback registry (the directory of
 * configuration {@value DiscoveryAdvertiser#PID}), in the {@code ncli} layout as {@code text} and as
 * {@code nodes}. Body: optional {@code timeout} (seconds, 0.1..30, default 2).
 */
@Component(service = RpcHandler.class, immediate = true, configurationPid = DiscoveryAdvertiser.PID,
        property = RpcHandler.METHOD + "=" + DiscoverNodes.METHOD)
public final class DiscoverNodes implements RpcHandler {

    static final String METHOD = "cluster.discover_nodes";
    private final Clock clock;
    private final DiscoveryAdvertiser.Config config;

    @Activate
    public DiscoverNodes(@Reference Clock clock, DiscoveryAdvertiser.Config config) {
        this.clock = clock;
        this.config = config;
    }

    @Override
    public byte[] handle(RpcCall call) throws IOException {
        JsonNode body = Codec.tree(call.body(), METHOD);
        Duration timeout = Duration.ofSeconds(2);
        if (body.hasNonNull("timeout")) {
            double s;
            try {
                s = Double.parseDouble(body.get("timeout").asText());
            } catch (NumberFormatException e) {
                s = -1;
            }
            if (!(s >= 0.1 && s <= 30)) {
                throw CairnException.invalid("timeout must be seconds from 0.1 to 30, not '" + body.get("timeout").asText() + "'");
            }
            timeout = Duration.ofMillis((long) (s * 1000));
        }
        Map<String, Found> found = new LinkedHashMap<>();
        if (config.discovery__multicast()) { // off by default: a query on every link would leave this machine
            List<String> names = List.of(config.discovery__interfaces());
            var links = io.cairn.cluster.rpc.discovery.DiscoveryProtocol.interfaces(names);
            if (!links.isEmpty()) { // an allow-list none of whose interfaces is eligible never widens to every link
                for (Found f : DiscoveryClient.query(links, config.discovery__port(), timeout)) {
                    found.putIfAbsent(f.advert().uuid(), f);
                }
            }
        }
        String dir = config.discovery__registry__dir();
        Path registry = dir == null || dir.isBlank() ? LoopbackRegistry.DEFAULT_DIR : Path.of(dir);
        for (NodeAdvert a : new LoopbackRegistry(registry, clock.asJavaClock()).list()) {
            found.putIfAbsent(a.uuid(), new Found(a, "registry"));
        }
        List<Found> nodes = new ArrayList<>(found.values());
        ObjectNode out = Codec.MAPPER.createObjectNode();
        ArrayNode arr = out.putArray("nodes");
        for (Found f : nodes) {
            ObjectNode n = Codec.MAPPER.valueToTree(f.advert());
            n.put("via", f.via());
            arr.add(n);
        }
        out.put("text", nodes.isEmpty() ? "No unconfigured nodes found (multicast on this node's links, registry " + registry + ")\n"
                : DiscoveryClient.text(nodes));
        return Codec.MAPPER.writeValueAsBytes(out);
    }
}
