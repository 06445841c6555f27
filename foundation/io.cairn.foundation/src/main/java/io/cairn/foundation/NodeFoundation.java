package io.cairn.foundation;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.common.clock.ThreadClock;

/**
 * Foundation as a service of a node (spec 10 §5: "service in every CVM"): the same
 * {@link FoundationServer} as {@code foundation serve}, started by the controller's launcher in the
 * controller JVM (from the slot's {@code tools/foundation/}, see the launcher readme), with roots
 * taken from the node's home, plus {@code GET /foundation/v1/node} naming the node that answers.
 *
 * <p>Where it listens ({@code cairn.foundation.listen}, default {@code auto}):
 * <ul>
 * <li>a node on a loopback address (one machine, node i on 127.0.1.i): {@code <node ip>:8000}, so
 * nodes sharing a host never collide;</li>
 * <li>otherwise the wildcard {@code [::]:8000} (dual stack): the node's IPv4 address and every IPv6
 * link-local address of its interfaces, which is what the discovery applet proxies to;</li>
 * <li>{@code ADDR:PORT}: exactly there; {@code off}: not at all.</li>
 * </ul>
 * Roots: node folder {@code cairn.foundation.nodes} (default: the folder holding the node's home, so
 * the nodes of a one-machine cluster folder are its neighbours); installer store
 * {@code cairn.foundation.store} (default {@code <home>/data/foundation/store}); trusted image keys
 * {@code cairn.foundation.trust} (default {@code <home>/data/foundation/trust}, a folder of
 * {@code .pub} files). The store and trust folders are created when missing.
 *
 * <p>When it answers ({@code cairn.foundation.serve}, default {@code factory}): only while the node
 * is in factory state. A configured node ({@code data/cluster/cluster.json}) does not start it, and
 * a node that joins a cluster closes it within about a second ({@link FactoryOnly}); {@code always}
 * keeps it answering on a configured node (no authentication: lab and stand-alone use only).
 */
public final class NodeFoundation {

    public static final int PORT = 8000;

    private NodeFoundation() {
    }

    /**
     * Starts Foundation for the node at {@code home} with address {@code ip}; {@code props} may hold the
     * {@code cairn.foundation.*} settings above. Returns what stops it, or null when {@code listen=off} or
     * the node is configured (a cluster member) and {@code cairn.foundation.serve} is not {@code always}.
     * Entry point of the launcher (called reflectively: keep the signature).
     */
    public static AutoCloseable start(Path home, String ip, Map<String, String> props) throws IOException {
        String listen = props.getOrDefault("cairn.foundation.listen", "auto").trim();
        if (listen.equals("off")) {
            return null;
        }
        FactoryOnly.Serve serve = FactoryOnly.Serve.parse(props.getOrDefault("cairn.foundation.serve", "factory"));
        InetSocketAddress at = listenAddress(listen, ip);
        Path root = home.toAbsolutePath().normalize();
        java.util.Optional<String> cluster = FactoryOnly.cluster(root);
        if (!FactoryOnly.startsAtBoot(serve, cluster.isPresent())) {
            log(FactoryOnly.notStartedLine(cluster.orElseThrow()));
            return null;
        }
        Path parent = root.getParent() == null ? root : root.getParent();
        Path nodes = Path.of(props.getOrDefault("cairn.foundation.nodes", parent.toString()));
        Path store = Path.of(props.getOrDefault("cairn.foundation.store", root.resolve("data/foundation/store").toString()));
        Path trust = Path.of(props.getOrDefault("cairn.foundation.trust", root.resolve("data/foundation/trust").toString()));
        Files.createDirectories(store);
        Files.createDirectories(trust);
        ThreadClock clock = new ThreadClock("foundation", 1);
        FoundationServer server;
        try {
            server = new FoundationServer(at, nodes, store, trust, clock).self(() -> describe(root, ip))
                    .reimage(new SelfReimage(root, store, trust, SelfReimage::relaunch));
            server.start();
        } catch (IOException | RuntimeException e) {
            clock.close();
            throw new IOException("Foundation cannot listen on " + text(at) + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = server.address();
        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
        Runnable stop = () -> {
            if (open.compareAndSet(true, false)) {
                server.close();
                clock.close();
            }
        };
        FactoryOnly guard = serve == FactoryOnly.Serve.ALWAYS ? null : FactoryOnly.watch(root, server::busy, stop, NodeFoundation::log);
        return new AutoCloseable() {
            @Override
            public void close() {
                if (guard != null) {
                    guard.close();
                }
                stop.run();
            }

            @Override
            public String toString() {
                return "http://" + text(bound) + "/gui/index.html";
            }
        };
    }

    /** A line on standard error, as the launcher writes its own (the controller log). */
    static void log(String message) {
        System.err.println(java.time.Instant.now() + " [foundation] " + message);
    }

    /** {@code auto}: the node's own address on loopback, the wildcard otherwise; else {@code ADDR:PORT}. */
    static InetSocketAddress listenAddress(String listen, String ip) {
        if (listen.equals("auto")) {
            InetAddress a = InetAddress.ofLiteral(ip);
            return a.isLoopbackAddress() ? new InetSocketAddress(a, PORT) : new InetSocketAddress(PORT);
        }
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("cairn.foundation.listen must be auto, off or ADDRESS:PORT, not '" + listen + "'");
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new InetSocketAddress(InetAddress.ofLiteral(host), Integer.parseInt(listen.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cairn.foundation.listen must be auto, off or ADDRESS:PORT, not '" + listen + "'");
        }
    }

    static String text(InetSocketAddress a) {
        String h = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        if (h.contains(":")) {
            h = "[" + (h.equals("0:0:0:0:0:0:0:0") ? "::" : h) + "]";
        }
        return h + ":" + a.getPort();
    }

    /**
     * The node that answers: its UUID (the controller's {@code data/identity/node.json}), its hardware
     * ({@code node.json}: serial, block, position) where the home has one, address and state.
     */
    static JsonNode describe(Path home, String ip) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("ip", ip);
        n.put("home", home.toString());
        JsonNode id = readJson(home.resolve("data/identity/node.json"));
        n.put("uuid", id == null ? null : id.path("uuid").asText(null));
        JsonNode hw = readJson(home.resolve(NodeHome.MANIFEST));
        n.put("serial", hw == null ? null : hw.path("serial").asText(null));
        n.put("block", hw != null && hw.has("block") ? hw.path("block").asText() : id == null ? null : id.path("block").asText(null));
        n.put("position", hw == null ? null : hw.path("position").asText(null));
        n.put("state", Files.isRegularFile(home.resolve("data/cluster/cluster.json")) ? "configured" : "factory");
        return n;
    }

    private static JsonNode readJson(Path f) {
        try {
            return Files.isRegularFile(f) ? Json.MAPPER.readTree(f.toFile()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Stand-alone, as a node runs it: {@code --home H --ip IP [--listen auto|ADDR:PORT]}; prints
     * {@code foundation ready <url>} and serves until standard input ends (tests in network namespaces).
     */
    public static void main(String[] args) throws Exception {
        System.exit(run(List.of(args), System.in, System.out, System.err));
    }

    static int run(List<String> args, java.io.InputStream stdin, PrintStream out, PrintStream err) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String k = args.get(i);
            if (!List.of("--home", "--ip", "--listen").contains(k) || i + 1 >= args.size()) {
                err.println("usage: NodeFoundation --home DIR --ip ADDRESS [--listen auto|ADDRESS:PORT]");
                return 2;
            }
            o.put(k, args.get(++i));
        }
        if (!o.containsKey("--home") || !o.containsKey("--ip")) {
            err.println("usage: NodeFoundation --home DIR --ip ADDRESS [--listen auto|ADDRESS:PORT]");
            return 2;
        }
        Map<String, String> props = new LinkedHashMap<>();
        props.put("cairn.foundation.listen", o.getOrDefault("--listen", "auto"));
        try (AutoCloseable f = start(Path.of(o.get("--home")), o.get("--ip"), props)) {
            out.println("foundation ready " + f);
            out.flush();
            while (stdin.read() >= 0) {
                // serve until standard input ends
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("foundation: " + e.getMessage());
            return 1;
        }
        return 0;
    }
}
