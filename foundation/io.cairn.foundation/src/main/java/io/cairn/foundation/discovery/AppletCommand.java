package io.cairn.foundation.discovery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.cairn.cluster.rpc.discovery.DiscoveryClient;
import io.cairn.cluster.rpc.discovery.DiscoveryClient.Found;
import io.cairn.cluster.rpc.discovery.DiscoveryProtocol;
import io.cairn.cluster.rpc.discovery.NodeAdvert;
import io.cairn.foundation.NodeFoundation;

/**
 * {@code foundation applet}: the discovery applet of spec 10 §5. Finds factory-state nodes on this
 * workstation's links by IPv6 link-local multicast ({@link DiscoveryClient}, the same query as
 * {@code foundation discover --multicast}), lists them, selects one ({@code --node UUID},
 * {@code --pick N}, or by number when standard input is a terminal), then proxies
 * {@code 127.0.0.1:9442} to that node's {@code [fe80::…%if]:8000} (its Foundation) until stopped. It
 * only discovers and proxies.
 */
public final class AppletCommand {

    public static final String DEFAULT_LISTEN = "127.0.0.1:9442";

    static final String USAGE = """
            usage: foundation applet [--interface IF]... [--node UUID | --pick N] [--listen ADDR:PORT] [--timeout S]
              finds factory-state nodes on this machine's links by IPv6 link-local multicast (group %s, UDP %d;
              every up, multicast interface with a link-local address, or those named with --interface), lists
              them, and after one is chosen (--node UUID, --pick N, or typed when standard input is a terminal)
              proxies %s (--listen) to that node's Foundation at [fe80::...%%IF]:%d until stopped (Ctrl-C):
              browse http://%s/gui/index.html. Discovery does not cross routers: browse
              http://<CVM_IP>:%d/gui/index.html directly there.
            """.formatted(DiscoveryProtocol.GROUP, DiscoveryProtocol.PORT, DEFAULT_LISTEN, NodeFoundation.PORT, DEFAULT_LISTEN,
            NodeFoundation.PORT);

    private AppletCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.in, System.console() != null, System.out, System.err));
    }

    /**
     * Exit 0 when stopped, 1 on failure (nothing found, unknown node, busy port), 2 on usage errors.
     * {@code terminal}: whether {@code in} is a terminal (then the user picks by number).
     */
    public static int run(List<String> args, InputStream in, boolean terminal, PrintStream out, PrintStream err) {
        List<String> interfaces = new ArrayList<>();
        String node = null;
        Integer pick = null;
        String listen = DEFAULT_LISTEN;
        Duration timeout = Duration.ofSeconds(3);
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                return 0;
            }
            if (!List.of("--interface", "--node", "--pick", "--listen", "--timeout").contains(a)) {
                return usage(err, "unknown argument '" + a + "'");
            }
            if (i + 1 >= args.size() || args.get(i + 1).isBlank()) {
                return usage(err, a + " needs a value");
            }
            String v = args.get(++i);
            switch (a) {
                case "--interface" -> interfaces.add(v);
                case "--node" -> node = v.trim().toLowerCase(java.util.Locale.ROOT);
                case "--listen" -> listen = v;
                case "--pick" -> {
                    try {
                        pick = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        return usage(err, "--pick must be a node's number in the list (1, 2, ...), not '" + v + "'");
                    }
                }
                default -> {
                    try {
                        timeout = DiscoverCommand.timeout(v);
                    } catch (IllegalArgumentException e) {
                        return usage(err, e.getMessage());
                    }
                }
            }
        }
        if (node != null && pick != null) {
            return usage(err, "give --node UUID or --pick N, not both");
        }
        InetSocketAddress at;
        try {
            at = address(listen);
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        // the port first: a busy one is reported before the links are queried
        try (TcpProxy proxy = TcpProxy.bind(at)) {
            List<NetworkInterface> links = DiscoveryProtocol.interfaces(interfaces);
            if (!interfaces.isEmpty() && links.isEmpty()) {
                err.println("foundation applet: no interface named " + interfaces + " is up, multicast-capable and has an IPv6 link-local "
                        + "address; known: " + String.join(", ", NetworkInterface.networkInterfaces().map(NetworkInterface::getName).sorted().toList()));
                return 1;
            }
            String where = links.isEmpty() ? "(no interface with an IPv6 link-local address)"
                    : String.join(", ", links.stream().map(NetworkInterface::getName).toList());
            List<Found> found = links.isEmpty() ? List.of() : DiscoveryClient.query(links, DiscoveryProtocol.PORT, timeout);
            found = found.stream().filter(f -> f.advert().linkLocal() != null && !f.advert().linkLocal().isBlank()).toList();
            if (found.isEmpty()) {
                err.println("foundation applet: no factory nodes on the links " + where + " (IPv6 link-local multicast, "
                        + timeout.toMillis() / 1000.0 + " s); across a router browse http://<CVM_IP>:" + NodeFoundation.PORT
                        + "/gui/index.html directly");
                return 1;
            }
            out.println(found.size() + " factory node(s) on " + where + ":");
            for (int i = 0; i < found.size(); i++) {
                NodeAdvert a = found.get(i).advert();
                out.printf("  %d) %s  block %s  position %s  %s  %s%n", i + 1, a.uuid(), a.blockSerial(), a.position(), a.linkLocal(),
                        String.join(",", a.addresses()));
            }
            out.flush();
            Found chosen;
            if (node != null) {
                String want = node;
                chosen = found.stream().filter(f -> f.advert().uuid().equalsIgnoreCase(want)).findFirst().orElse(null);
                if (chosen == null) {
                    err.println("foundation applet: no factory node " + node + " on the links " + where + "; found: "
                            + String.join(", ", found.stream().map(f -> f.advert().uuid()).toList()));
                    return 1;
                }
            } else if (pick != null) {
                if (pick < 1 || pick > found.size()) {
                    err.println("foundation applet: --pick " + pick + " is not in the list (1.." + found.size() + ")");
                    return 1;
                }
                chosen = found.get(pick - 1);
            } else if (terminal) {
                chosen = ask(found, in, out, err);
                if (chosen == null) {
                    return 1;
                }
            } else {
                err.println("foundation applet: standard input is not a terminal: choose the node with --node UUID or --pick N");
                return 2;
            }
            InetSocketAddress target;
            try {
                target = new InetSocketAddress(InetAddress.getByName(chosen.advert().linkLocal()), NodeFoundation.PORT);
            } catch (UnknownHostException e) {
                err.println("foundation applet: node " + chosen.advert().uuid() + " has an unusable link-local address '"
                        + chosen.advert().linkLocal() + "': " + e.getMessage());
                return 1;
            }
            CountDownLatch stop = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                proxy.close();
                stop.countDown();
            }, "applet-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            proxy.start(target);
            out.println("node " + chosen.advert().uuid() + ": proxying " + TcpProxy.text(proxy.address()) + " -> [" + chosen.advert().linkLocal()
                    + "]:" + NodeFoundation.PORT + "; browse http://" + TcpProxy.text(proxy.address()) + "/gui/index.html (stop with Ctrl-C)");
            out.flush();
            stop.await();
            return 0;
        } catch (IOException e) {
            err.println("foundation applet: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    static Found ask(List<Found> found, InputStream in, PrintStream out, PrintStream err) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        while (true) {
            out.print("node to proxy to [1-" + found.size() + "]: ");
            out.flush();
            String line = r.readLine();
            if (line == null) {
                err.println("foundation applet: no node chosen");
                return null;
            }
            try {
                int n = Integer.parseInt(line.trim());
                if (n >= 1 && n <= found.size()) {
                    return found.get(n - 1);
                }
            } catch (NumberFormatException ignored) {
                // ask again
            }
            out.println("type a number from 1 to " + found.size());
        }
    }

    static InetSocketAddress address(String listen) {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--listen must be ADDRESS:PORT, e.g. " + DEFAULT_LISTEN + ", not '" + listen + "'");
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(listen.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(InetAddress.ofLiteral(host), port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--listen must be ADDRESS:PORT, e.g. " + DEFAULT_LISTEN + ", not '" + listen + "'");
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("foundation applet: " + message);
        err.print(USAGE);
        return 2;
    }
}
