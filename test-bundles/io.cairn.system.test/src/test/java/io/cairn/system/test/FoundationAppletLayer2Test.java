package io.cairn.system.test;

import static io.cairn.foundation.discovery.DiscoveryTopology.awaitLine;
import static io.cairn.foundation.discovery.DiscoveryTopology.java;
import static io.cairn.foundation.discovery.DiscoveryTopology.must;
import static io.cairn.foundation.discovery.DiscoveryTopology.pipe;
import static io.cairn.foundation.discovery.DiscoveryTopology.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.rpc.discovery.DiscoveryProtocol;
import io.cairn.cluster.rpc.discovery.DiscoveryResponder;
import io.cairn.cluster.rpc.discovery.NodeAdvert;
import io.cairn.foundation.NodeFoundation;
import io.cairn.foundation.discovery.DiscoveryTopology;
import io.cairn.foundation.discovery.DiscoveryTopology.Run;

/**
 * The discovery applet (spec 10 §5 acceptance): node namespaces {@code capl1..3}, each running one
 * {@code java} process with the real {@link DiscoveryResponder} and the real node Foundation
 * ({@link NodeFoundation}, the class the controller's launcher starts; port 8000), and the applet's
 * namespace {@code caplq} on bridge {@code capbr} in {@code caplsw}, IPv6 link-local only (node 1
 * also has 198.18.20.11/25, nodes 2 and 3 have no IPv4 at all). {@code caplfar} sits behind router
 * {@code caplrt} (198.18.20.1/25 on the bridge, 198.18.20.129/25 behind it). The applet
 * ({@code foundation applet}, a {@code java} process) lists the 3 nodes, proxies 127.0.0.1:9442 of
 * its namespace to the chosen node's {@code [fe80::…%capq]:8000}, and {@code curl} there gets the GUI
 * and {@code /foundation/v1/node} of that node. Behind the router: 0 nodes, but node 1's
 * {@code http://198.18.20.11:8000/gui/index.html} answers directly. Nothing touches a real interface;
 * every namespace goes in {@link #tearDown()}. The segment is foundation's {@link DiscoveryTopology} (its test-jar).
 * Needs root, iproute2 and curl.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FoundationAppletLayer2Test {

    private static final List<Node> nodes = new ArrayList<>();
    private static DiscoveryTopology net;
    private static String appletNs;
    private static String far;
    private static String node1Ip;
    private static Path work;

    record Node(String ns, String dev, String uuid, String serial, Process process, BlockingQueue<String> lines) {
    }

    @BeforeAll
    static void setUp() throws Exception {
        net = DiscoveryTopology.create("capl", "cap", "198.18.20");
        appletNs = net.querier();
        far = net.far();
        node1Ip = net.node1Ip();
        work = Files.createTempDirectory("capl");
        int position = 1;
        for (String ns : net.nodes()) {
            String uuid = UUID.randomUUID().toString();
            String serial = "SN-" + ns.toUpperCase();
            // the node's home as a controller has it: its identity (data/identity/node.json) and its hardware (node.json)
            Path home = Files.createDirectories(work.resolve(ns).resolve("home"));
            Files.createDirectories(home.resolve("data/identity"));
            Files.writeString(home.resolve("data/identity/node.json"),
                    "{\"uuid\":\"" + uuid + "\",\"rack\":\"rack-1\",\"block\":\"BLK-APPLET\"}");
            Files.writeString(home.resolve("node.json"), "{\"serial\":\"" + serial + "\",\"block\":\"BLK-APPLET\",\"position\":\""
                    + position + "\"}");
            String ip = ns.equals(net.node(1)) ? node1Ip : net.linkLocal(ns);
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, java(), "-cp", System.getProperty("java.class.path"),
                    FactoryNode.class.getName(), uuid, String.valueOf(position++), home.toString(), ip).redirectErrorStream(true).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> pipe(ns, p, lines));
            nodes.add(new Node(ns, net.dev(ns), uuid, serial, p, lines));
        }
        for (Node n : nodes) {
            awaitLine("node in " + n.ns(), n.process(), n.lines(), "node ready", Duration.ofSeconds(60));
        }
        // the bridge snoops MLD: a node is reachable by the group once the bridge has seen its report; wait (bounded) until
        // `foundation discover` sees all three, so the applet's checks below start from a settled link
        System.out.println("[" + net.switchNs() + "] bridge mdb: " + run("ip", "netns", "exec", net.switchNs(), "bridge", "mdb", "show").out());
        long t0 = System.nanoTime();
        for (int attempt = 1;; attempt++) {
            Run d = run("ip", "netns", "exec", appletNs, java(), "-cp", System.getProperty("java.class.path"), io.cairn.foundation.Main.class.getName(),
                    "discover", "--no-registry", "--interface", "capq", "--timeout", "2");
            long seen = nodes.stream().filter(n -> d.out().contains(n.uuid())).count();
            System.out.printf("discover attempt %d: %d of 3 nodes after %d ms%n", attempt, seen, (System.nanoTime() - t0) / 1_000_000);
            if (seen == 3) {
                break;
            }
            if (attempt == 10) {
                throw new AssertionError("the 3 nodes are not all discoverable from " + appletNs + " after 10 queries:\n" + d.out() + d.err());
            }
        }
    }

    /**
     * One factory node as the tests need it, in one JVM: the discovery responder (as genesis'
     * DiscoveryAdvertiser runs it) and Foundation (as the launcher runs it). Args: uuid position home ip.
     * Prints {@code node ready} and serves until standard input ends.
     */
    static final class FactoryNode {
        public static void main(String[] a) throws Exception {
            NodeAdvert advert = new NodeAdvert(a[0], NodeAdvert.FACTORY, a[3].contains(":") ? List.of() : List.of(a[3]), "", "BLK-APPLET",
                    a[1], "KVM", System.getProperty("os.version"), "0.1.0-test", 2100);
            try (DiscoveryResponder r = new DiscoveryResponder(() -> Optional.of(advert), DiscoveryProtocol.PORT, List.of());
                    AutoCloseable f = NodeFoundation.start(Path.of(a[2]), a[3], Map.of())) {
                System.out.println("foundation " + f + "; discovery on " + r.interfaces());
                System.out.println("node ready");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // until stdin ends
                }
            }
        }
    }

    @Test
    @Order(1)
    void givenThreeFactoryNodesOnTheLink_whenTheAppletPicksOne_thenLocalhost9442ServesThatNodesFoundation() throws Exception {
        Node chosen = nodes.get(1);
        long t0 = System.nanoTime();
        Applet applet = applet(appletNs, "--node", chosen.uuid(), "--timeout", "2");
        try {
            String listing = applet.await("proxying");
            System.out.printf("applet: listed and proxying in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(listing).contains("3 factory node(s) on capq");
            for (Node n : nodes) {
                assertThat(listing).contains(n.uuid() + "  block BLK-APPLET").contains(net.linkLocal(n.ns()) + "%capq");
            }
            assertThat(listing).contains("node " + chosen.uuid() + ": proxying 127.0.0.1:9442 -> [" + net.linkLocal(chosen.ns())
                    + "%capq]:8000");

            Run gui = run("ip", "netns", "exec", appletNs, "curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://127.0.0.1:9442/gui/index.html");
            assertThat(gui.out()).as(gui.err()).isEqualTo("200");
            JsonNode who = new ObjectMapper().readTree(must("ip", "netns", "exec", appletNs, "curl", "-sS", "-m", "10",
                    "http://127.0.0.1:9442/foundation/v1/node"));
            assertThat(who.path("uuid").asText()).isEqualTo(chosen.uuid());
            assertThat(who.path("serial").asText()).isEqualTo(chosen.serial());

            // a second applet on the same port: a clear error, before any discovery
            Run busy = runApplet(appletNs, "--pick", "1", "--timeout", "1");
            assertThat(busy.exit()).isEqualTo(1);
            assertThat(busy.err()).contains("127.0.0.1:9442 is busy");
        } finally {
            applet.stop();
        }
        // the applet stopped: nothing listens on 9442 any more
        assertThat(run("ip", "netns", "exec", appletNs, "curl", "-sS", "-m", "5", "http://127.0.0.1:9442/gui/index.html").exit()).isNotZero();
    }

    @Test
    @Order(2)
    void givenPickByNumber_whenProxying_thenTheListedNodeAnswers() throws Exception {
        Applet applet = applet(appletNs, "--pick", "3", "--interface", "capq", "--timeout", "2");
        try {
            String listing = applet.await("proxying");
            Matcher m = Pattern.compile("  3\\) (\\S+)  ").matcher(listing);
            assertThat(m.find()).as(listing).isTrue();
            JsonNode who = new ObjectMapper().readTree(must("ip", "netns", "exec", appletNs, "curl", "-sS", "-m", "10",
                    "http://127.0.0.1:9442/foundation/v1/node"));
            assertThat(who.path("uuid").asText()).isEqualTo(m.group(1));
            assertThat(nodes.stream().map(Node::uuid)).contains(m.group(1));
        } finally {
            applet.stop();
        }
    }

    @Test
    @Order(3)
    void givenAnUnknownNode_whenTheAppletRuns_thenItSaysSoAndListsWhatItFound() throws Exception {
        String unknown = UUID.randomUUID().toString();
        Run r = runApplet(appletNs, "--node", unknown, "--timeout", "2");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no factory node " + unknown + " on the links capq").contains(nodes.get(0).uuid());
        Run noIf = runApplet(appletNs, "--interface", "nope0", "--pick", "1");
        assertThat(noIf.exit()).isEqualTo(1);
        assertThat(noIf.err()).contains("no interface named [nope0]");
    }

    @Test
    @Order(4)
    void givenTheAppletBehindARouter_whenRun_thenNoNodeButTheGuiAnswersOnTheNodesIpv4() throws Exception {
        Run r = runApplet(far, "--pick", "1", "--timeout", "2");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no factory nodes on the links capfar")
                .contains("across a router browse http://<CVM_IP>:8000/gui/index.html directly");
        Run gui = run("ip", "netns", "exec", far, "curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}",
                "http://" + node1Ip + ":8000/gui/index.html");
        assertThat(gui.out()).as(gui.err()).isEqualTo("200");
        JsonNode who = new ObjectMapper().readTree(must("ip", "netns", "exec", far, "curl", "-sS", "-m", "10",
                "http://" + node1Ip + ":8000/foundation/v1/node"));
        assertThat(who.path("uuid").asText()).isEqualTo(nodes.get(0).uuid());
    }

    // ---------------------------------------------------------------------------------------------

    /** A running applet: its merged output lines. */
    record Applet(String ns, Process process, BlockingQueue<String> lines, StringBuilder seen) {
        /** Everything printed until a line containing {@code marker}; fails if the applet exits first or after 60 s. */
        String await(String marker) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < end) {
                String l = lines.poll(500, TimeUnit.MILLISECONDS);
                if (l != null) {
                    seen.append(l).append('\n');
                    if (l.contains(marker)) {
                        return seen.toString();
                    }
                } else if (!process.isAlive() && lines.isEmpty()) {
                    throw new AssertionError("applet in " + ns + " exited (" + process.exitValue() + ") before '" + marker + "':\n" + seen);
                }
            }
            throw new AssertionError("applet in " + ns + " did not print '" + marker + "' within 60 s:\n" + seen);
        }

        void stop() throws InterruptedException {
            process.destroy(); // SIGTERM: the applet closes its proxy and exits
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("applet in " + ns + " did not stop on SIGTERM within 15 s");
            }
        }
    }

    private static List<String> appletCommand(String ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, java(), "-cp", System.getProperty("java.class.path"),
                io.cairn.foundation.Main.class.getName(), "applet"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Applet applet(String ns, String... args) throws IOException {
        Process p = new ProcessBuilder(appletCommand(ns, args)).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> pipe("applet " + ns, p, lines));
        return new Applet(ns, p, lines, new StringBuilder());
    }

    private static Run runApplet(String ns, String... args) throws Exception {
        Run r = run(appletCommand(ns, args).toArray(String[]::new));
        System.out.println("[applet " + ns + "] exit " + r.exit() + "\n" + r.out() + r.err());
        return r;
    }

    @AfterAll
    static void tearDown() throws Exception {
        DiscoveryTopology.endAll(nodes.stream().map(Node::process).toList(), Duration.ofSeconds(10));
        if (net != null) {
            net.close();
        }
        if (work != null) {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
