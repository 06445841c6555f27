package io.cairn.foundation.discovery;

import static io.cairn.foundation.discovery.DiscoveryTopology.java;
import static io.cairn.foundation.discovery.DiscoveryTopology.pipe;
import static io.cairn.foundation.discovery.DiscoveryTopology.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.cairn.cluster.rpc.discovery.DiscoveryResponder;
import io.cairn.foundation.discovery.DiscoveryTopology.Run;

/**
 * Multicast discovery on a real layer-2 segment (spec 10 §5 acceptance): network namespaces
 * {@code cdisc1..3} (nodes: the real {@link DiscoveryResponder} as a {@code java} process in each) and
 * {@code cdiscq} (Foundation: {@link DiscoverCommand} as a {@code java} process) on bridge {@code cdbr}
 * in {@code cdiscsw}, IPv6 link-local addresses only. {@code cdiscfar} sits behind router namespace
 * {@code cdiscrt} (198.18.9.0/25 on the bridge side, 198.18.9.128/25 behind it; node 1 also has
 * 198.18.9.11 so direct addressing can be shown). Nothing is connected to a real interface; every
 * namespace is removed in {@link #tearDown()}. The segment is {@link DiscoveryTopology}'s. Needs root and iproute2.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DiscoveryLayer2Test {

    private static final List<Responder> responders = new ArrayList<>();
    private static DiscoveryTopology net;
    private static String querier;
    private static String far;

    record Responder(String ns, String dev, String uuid, Process process, BlockingQueue<String> lines) {
    }

    @BeforeAll
    static void setUp() throws Exception {
        // router: bridge side 198.18.9.1/25, far side 198.18.9.129/25; node 1 also has 198.18.9.11/25
        net = DiscoveryTopology.create("cdisc", "cd", "198.18.9");
        querier = net.querier();
        far = net.far();
        int position = 1;
        for (String ns : net.nodes()) {
            String uuid = UUID.randomUUID().toString();
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, java(), "-cp", System.getProperty("java.class.path"),
                    DiscoveryResponder.class.getName(), "--uuid", uuid, "--block", "BLK-L2TEST", "--position", String.valueOf(position++),
                    "--version", "0.1.0-test").redirectErrorStream(true).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> pipe(ns, p, lines));
            responders.add(new Responder(ns, net.dev(ns), uuid, p, lines));
        }
        for (Responder r : responders) {
            awaitLine(r, "ready " + r.dev());
        }
    }

    @Test
    @Order(1)
    void givenThreeFactoryNodesOnTheBridge_whenDiscovered_thenAllThreeListedWithTheirLinkLocalAddresses() throws Exception {
        long t0 = System.nanoTime();
        Result r = discover(querier);
        System.out.printf("discover from %s: %d nodes in %d ms (timeout 2 s)%n", querier, r.uuids().size(), (System.nanoTime() - t0) / 1_000_000);
        assertThat(r.exit()).isZero();
        assertThat(r.uuids()).containsExactlyInAnyOrderElementsOf(responders.stream().map(Responder::uuid).toList());
        for (Responder n : responders) {
            String ll = net.linkLocal(n.ns());
            String block = r.blocks().get(n.uuid());
            assertThat(block).contains("IPv6 Link-Local Address  : " + ll + "%cdq").contains("Block Serial             : BLK-L2TEST")
                    .contains("Node State               : factory").contains("Discovered Via           : multicast:cdq");
        }
    }

    @Test
    @Order(2)
    void givenQuerierBehindARouter_whenDiscovered_thenNoNodeButDirectAddressingWorks() throws Exception {
        Result r = discover(far);
        assertThat(r.exit()).isZero();
        assertThat(r.uuids()).isEmpty();
        assertThat(r.stderr()).contains("no factory-state node found");
        // the node is reachable by its IPv4 address across the router: direct addressing is the way there
        assertThat(run("ip", "netns", "exec", far, "ping", "-c", "1", "-W", "2", net.node1Ip()).exit()).isZero();
    }

    @Test
    @Order(3)
    void givenANodeTurnsConfigured_whenDiscovered_thenItNoLongerAnswers() throws Exception {
        Responder two = responders.get(1);
        OutputStream in = two.process().getOutputStream();
        in.write("configured\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        awaitLine(two, "state configured");
        Result r = discover(querier);
        assertThat(r.uuids()).containsExactlyInAnyOrder(responders.get(0).uuid(), responders.get(2).uuid());
    }

    @Test
    @Order(4)
    void givenAnInterfaceThatDoesNotExist_whenDiscovered_thenClearError() throws Exception {
        Result r = discoverWith(querier, "--interface", "nope0");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.stderr()).contains("no interface named [nope0]").contains("cdq");
    }

    record Result(int exit, String stdout, String stderr, List<String> uuids, Map<String, String> blocks) {
    }

    private static Result discover(String ns) throws Exception {
        return discoverWith(ns, "--multicast", "--timeout", "2");
    }

    private static Result discoverWith(String ns, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, java(), "-cp", System.getProperty("java.class.path"),
                DiscoverCommand.class.getName(), "--no-registry"));
        cmd.addAll(List.of(extra));
        Run run = run(cmd.toArray(String[]::new));
        System.out.println("[" + ns + "] discover exit " + run.exit() + "\n" + run.out() + run.err());
        List<String> uuids = new ArrayList<>();
        Map<String, String> blocks = new java.util.HashMap<>();
        for (String block : run.out().split("\n\n")) {
            for (String line : block.split("\n")) {
                if (line.contains("Uuid")) { // the spec's one-liner: egrep "Uuid" | awk '{print $4}'
                    String[] f = line.trim().split("\\s+");
                    uuids.add(f[3]);
                    blocks.put(f[3], block);
                }
            }
        }
        return new Result(run.exit(), run.out(), run.err(), uuids, blocks);
    }

    private static void awaitLine(Responder r, String prefix) throws InterruptedException {
        DiscoveryTopology.awaitLine("responder in " + r.ns(), r.process(), r.lines(), prefix, Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() throws Exception {
        DiscoveryTopology.endAll(responders.stream().map(Responder::process).toList(), Duration.ofSeconds(5));
        if (net != null) {
            net.close();
        }
    }
}
