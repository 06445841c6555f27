package io.cairn.foundation.discovery;

import java.io.IOException;
import java.io.PrintStream;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.cluster.rpc.discovery.DiscoveryClient;
import io.cairn.cluster.rpc.discovery.DiscoveryClient.Found;
import io.cairn.cluster.rpc.discovery.DiscoveryProtocol;
import io.cairn.cluster.rpc.discovery.LoopbackRegistry;
import io.cairn.cluster.rpc.discovery.NodeAdvert;

/**
 * {@code foundation discover}: lists factory-state nodes, found by IPv6 link-local multicast on the
 * local links and in the loopback registry (nodes on this machine), one block per node in the
 * {@code ncli cluster discover-nodes} layout ({@code Node Uuid} is field 4 of its line), or JSON.
 * Nodes discovery cannot reach (another L2 segment) are addressed directly by IP.
 */
public final class DiscoverCommand {

    static final String USAGE = """
            usage: foundation discover [--registry DIR | --no-registry] [--multicast | --interface IF...] [--address IP]...
                                       [--timeout S] [--json]
              lists factory-state nodes: IPv6 link-local multicast (group %s, UDP %d) on the interfaces named
              with --interface, or with --multicast on every up, multicast interface with a link-local address
              (off otherwise: a query leaves this machine on every such link), and the loopback registry
              (default %s). Nodes in a cluster are never listed; nodes behind a router are not found:
              address those directly with --address IP (asks the controller at IP, genesis.hello on port 2100).
            """.formatted(DiscoveryProtocol.GROUP, DiscoveryProtocol.PORT, LoopbackRegistry.DEFAULT_DIR);

    private DiscoverCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Exit 0 (also when nothing was found), 1 on failure, 2 on usage errors. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Path registry = LoopbackRegistry.DEFAULT_DIR;
        List<String> interfaces = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        boolean multicast = false;
        boolean json = false;
        Duration timeout = Duration.ofSeconds(2);
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--json" -> json = true;
                case "--no-registry" -> registry = null;
                case "--no-multicast" -> multicast = false;
                case "--multicast" -> multicast = true;
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--registry", "--interface", "--timeout", "--address" -> {
                    if (i + 1 >= args.size() || args.get(i + 1).isBlank()) {
                        err.println("foundation discover: " + a + " needs a value\n" + USAGE);
                        return 2;
                    }
                    String v = args.get(++i);
                    if (a.equals("--registry")) {
                        registry = Path.of(v);
                    } else if (a.equals("--interface")) {
                        interfaces.add(v);
                    } else if (a.equals("--address")) {
                        addresses.add(v);
                    } else {
                        try {
                            timeout = timeout(v);
                        } catch (IllegalArgumentException e) {
                            err.println("foundation discover: " + e.getMessage());
                            return 2;
                        }
                    }
                }
                default -> {
                    err.println("foundation discover: unknown argument '" + a + "'\n" + USAGE);
                    return 2;
                }
            }
        }
        Map<String, Found> found = new LinkedHashMap<>();
        List<String> searched = new ArrayList<>();
        if (!addresses.isEmpty()) {
            searched.add("direct " + String.join(", ", addresses));
            try (RpcClient boot = Rpc.bootstrapClient()) {
                for (String ip : addresses) {
                    direct(boot, ip, err).ifPresent(f -> found.putIfAbsent(f.advert().uuid(), f));
                }
            }
        }
        try {
            if (multicast || !interfaces.isEmpty()) {
                List<NetworkInterface> links = links(interfaces);
                if (links == null) {
                    err.println("foundation discover: no interface named " + interfaces + " is up, multicast-capable and has an IPv6 "
                            + "link-local address; known: " + names());
                    return 1;
                }
                searched.add("multicast on " + (links.isEmpty() ? "no interface" : String.join(", ", links.stream().map(NetworkInterface::getName).toList())));
                for (Found f : DiscoveryClient.query(links, DiscoveryProtocol.PORT, timeout)) {
                    found.putIfAbsent(f.advert().uuid(), f);
                }
            }
            if (registry != null) {
                searched.add("registry " + registry);
                for (NodeAdvert a : new LoopbackRegistry(registry, Clock.systemUTC()).list()) {
                    found.putIfAbsent(a.uuid(), new Found(a, "registry"));
                }
            }
        } catch (IOException e) {
            err.println("foundation discover: " + e.getMessage());
            return 1;
        }
        if (json) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode arr = m.createArrayNode();
            for (Found f : found.values()) {
                ObjectNode n = m.valueToTree(f.advert());
                n.put("via", f.via());
                arr.add(n);
            }
            out.println(arr.toPrettyString());
        } else {
            out.print(DiscoveryClient.text(new ArrayList<>(found.values())));
        }
        if (found.isEmpty()) {
            err.println("foundation discover: no factory-state node found (" + String.join("; ", searched) + ")");
        }
        return 0;
    }

    /** A {@code --timeout} value (of discover and applet): seconds in (0, 60]; else an error naming the option and the value. */
    static Duration timeout(String seconds) {
        try {
            double s = Double.parseDouble(seconds);
            if (s > 0 && s <= 60) {
                return Duration.ofMillis((long) (s * 1000));
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("--timeout must be seconds in (0, 60], not '" + seconds + "'");
    }

    /**
     * Direct addressing, for nodes discovery cannot reach: {@code genesis.hello} over the bootstrap
     * (trust-on-first-use) RPC to the controller at {@code ip}. A node in a cluster is reported on
     * {@code err} and not listed; an unreachable one too.
     */
    static Optional<Found> direct(RpcClient boot, String ip, PrintStream err) {
        JsonNode h;
        try {
            h = new ObjectMapper().readTree(boot.call(ip, "genesis.hello", new byte[0], Duration.ofSeconds(10)));
        } catch (RpcException e) {
            err.println("foundation discover: " + ip + ": " + (e.reason() == RpcException.Reason.UNAUTHENTICATED
                    ? "already in a cluster (it asks for cluster credentials)" : "no controller answers (" + e.getMessage() + ")"));
            return Optional.empty();
        } catch (IOException e) {
            err.println("foundation discover: " + ip + ": bad genesis.hello reply: " + e.getMessage());
            return Optional.empty();
        }
        if (h.path("clustered").asBoolean(false)) {
            err.println("foundation discover: " + ip + ": already in cluster '" + h.path("cluster").asText() + "'; not offered");
            return Optional.empty();
        }
        return Optional.of(new Found(new NodeAdvert(h.path("uuid").asText(), NodeAdvert.FACTORY, List.of(h.path("address").asText(ip)), "",
                h.path("block").asText(), "", "", "", h.path("version").asText(), Rpc.DEFAULT_PORT), "direct"));
    }

    /** The eligible interfaces named (all if none named); null if names were given and none is eligible. */
    private static List<NetworkInterface> links(List<String> names) throws SocketException {
        List<NetworkInterface> l = DiscoveryProtocol.interfaces(names);
        return !names.isEmpty() && l.isEmpty() ? null : l;
    }

    private static String names() throws SocketException {
        return String.join(", ", NetworkInterface.networkInterfaces().map(NetworkInterface::getName).sorted().toList());
    }
}
