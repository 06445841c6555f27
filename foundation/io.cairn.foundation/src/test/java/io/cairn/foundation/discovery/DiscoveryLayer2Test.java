package io.cairn.foundation.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

import io.cairn.cluster.rpc.discovery.DiscoveryResponder;

/**
 * Multicast discovery on a real layer-2 segment (spec 10 §5 acceptance): network namespaces
 * {@code cdisc1..3} (nodes: the real {@link DiscoveryResponder} as a {@code java} process in each) and
 * {@code cdiscq} (Foundation: {@link DiscoverCommand} as a {@code java} process) on bridge {@code cdbr}
 * in {@code cdiscsw}, IPv6 link-local addresses only. {@code cdiscfar} sits behind router namespace
 * {@code cdiscrt} (198.18.9.0/25 on the bridge side, 198.18.9.128/25 behind it; node 1 also has
 * 198.18.9.11 so direct addressing can be shown). Nothing is connected to a real interface; every
 * namespace is removed in {@link #tearDown()}. Needs root and iproute2.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DiscoveryLayer2Test {

    private static final String SWITCH = "cdiscsw";
    private static final String BRIDGE = "cdbr";
    private static final String QUERIER = "cdiscq";
    private static final String ROUTER = "cdiscrt";
    private static final String FAR = "cdiscfar";
    private static final List<String> NODES = List.of("cdisc1", "cdisc2", "cdisc3");
    private static final List<String> ALL = List.of(SWITCH, QUERIER, ROUTER, FAR, "cdisc1", "cdisc2", "cdisc3");
    private static final List<Responder> responders = new ArrayList<>();

    record Responder(String ns, String dev, String uuid, Process process, BlockingQueue<String> lines) {
    }

    @BeforeAll
    static void setUp() throws Exception {
        tearDownNamespaces();
        for (String ns : ALL) {
            must("ip", "netns", "add", ns);
            must("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            must("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        }
        must("ip", "netns", "exec", SWITCH, "ip", "link", "add", BRIDGE, "type", "bridge");
        must("ip", "netns", "exec", SWITCH, "ip", "link", "set", BRIDGE, "up");
        int k = 1;
        for (String ns : List.of("cdisc1", "cdisc2", "cdisc3", QUERIER, ROUTER)) {
            String dev = dev(ns);
            must("ip", "link", "add", dev, "netns", ns, "type", "veth", "peer", "name", "cdp" + k, "netns", SWITCH);
            must("ip", "netns", "exec", SWITCH, "ip", "link", "set", "cdp" + k, "master", BRIDGE, "up");
            must("ip", "netns", "exec", ns, "ip", "link", "set", dev, "up");
            k++;
        }
        // router: bridge side 198.18.9.1/25, far side 198.18.9.129/25; node 1 also has 198.18.9.11/25
        must("ip", "link", "add", "cdr1", "netns", ROUTER, "type", "veth", "peer", "name", "cdfar", "netns", FAR);
        must("ip", "netns", "exec", ROUTER, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
        must("ip", "netns", "exec", ROUTER, "ip", "addr", "add", "198.18.9.1/25", "dev", dev(ROUTER));
        must("ip", "netns", "exec", ROUTER, "ip", "addr", "add", "198.18.9.129/25", "dev", "cdr1");
        must("ip", "netns", "exec", ROUTER, "ip", "link", "set", "cdr1", "up");
        must("ip", "netns", "exec", FAR, "ip", "addr", "add", "198.18.9.130/25", "dev", "cdfar");
        must("ip", "netns", "exec", FAR, "ip", "link", "set", "cdfar", "up");
        must("ip", "netns", "exec", FAR, "ip", "route", "add", "default", "via", "198.18.9.129");
        must("ip", "netns", "exec", "cdisc1", "ip", "addr", "add", "198.18.9.11/25", "dev", dev("cdisc1"));
        must("ip", "netns", "exec", "cdisc1", "ip", "route", "add", "default", "via", "198.18.9.1");
        for (String ns : List.of("cdisc1", "cdisc2", "cdisc3", QUERIER, FAR)) {
            waitForLinkLocal(ns, ns.equals(FAR) ? "cdfar" : dev(ns));
        }
        int position = 1;
        for (String ns : NODES) {
            String uuid = UUID.randomUUID().toString();
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, java(), "-cp", System.getProperty("java.class.path"),
                    DiscoveryResponder.class.getName(), "--uuid", uuid, "--block", "BLK-L2TEST", "--position", String.valueOf(position++),
                    "--version", "0.1.0-test").redirectErrorStream(true).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null;) {
                        System.out.println("[" + ns + "] " + l);
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // process gone
                }
            });
            responders.add(new Responder(ns, dev(ns), uuid, p, lines));
        }
        for (Responder r : responders) {
            awaitLine(r, "ready " + r.dev());
        }
    }

    private static String dev(String ns) {
        return switch (ns) {
            case QUERIER -> "cdq";
            case ROUTER -> "cdr0";
            default -> "cd" + ns.substring(ns.length() - 1);
        };
    }

    @Test
    @Order(1)
    void givenThreeFactoryNodesOnTheBridge_whenDiscovered_thenAllThreeListedWithTheirLinkLocalAddresses() throws Exception {
        long t0 = System.nanoTime();
        Result r = discover(QUERIER);
        System.out.printf("discover from %s: %d nodes in %d ms (timeout 2 s)%n", QUERIER, r.uuids().size(), (System.nanoTime() - t0) / 1_000_000);
        assertThat(r.exit()).isZero();
        assertThat(r.uuids()).containsExactlyInAnyOrderElementsOf(responders.stream().map(Responder::uuid).toList());
        for (Responder n : responders) {
            String ll = linkLocal(n.ns(), n.dev());
            String block = r.blocks().get(n.uuid());
            assertThat(block).contains("IPv6 Link-Local Address  : " + ll + "%cdq").contains("Block Serial             : BLK-L2TEST")
                    .contains("Node State               : factory").contains("Discovered Via           : multicast:cdq");
        }
    }

    @Test
    @Order(2)
    void givenQuerierBehindARouter_whenDiscovered_thenNoNodeButDirectAddressingWorks() throws Exception {
        Result r = discover(FAR);
        assertThat(r.exit()).isZero();
        assertThat(r.uuids()).isEmpty();
        assertThat(r.stderr()).contains("no factory-state node found");
        // the node is reachable by its IPv4 address across the router: direct addressing is the way there
        assertThat(run("ip", "netns", "exec", FAR, "ping", "-c", "1", "-W", "2", "198.18.9.11").exit()).isZero();
    }

    @Test
    @Order(3)
    void givenANodeTurnsConfigured_whenDiscovered_thenItNoLongerAnswers() throws Exception {
        Responder two = responders.get(1);
        OutputStream in = two.process().getOutputStream();
        in.write("configured\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        awaitLine(two, "state configured");
        Result r = discover(QUERIER);
        assertThat(r.uuids()).containsExactlyInAnyOrder(responders.get(0).uuid(), responders.get(2).uuid());
    }

    @Test
    @Order(4)
    void givenAnInterfaceThatDoesNotExist_whenDiscovered_thenClearError() throws Exception {
        Result r = discoverWith(QUERIER, "--interface", "nope0");
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

    private static String linkLocal(String ns, String dev) throws Exception {
        Matcher m = Pattern.compile("inet6 (fe80::[0-9a-f:]+)/64").matcher(run("ip", "netns", "exec", ns, "ip", "-6", "addr", "show", "dev", dev).out());
        assertThat(m.find()).as("link-local address of %s in %s", dev, ns).isTrue();
        return m.group(1);
    }

    private static void waitForLinkLocal(String ns, String dev) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String out = "";
        while (System.nanoTime() < end) {
            out = run("ip", "netns", "exec", ns, "ip", "-6", "addr", "show", "dev", dev, "scope", "link").out();
            if (out.contains("fe80::") && !out.contains("tentative")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(dev + " in " + ns + " has no usable IPv6 link-local address after 15 s: " + out);
    }

    private static void awaitLine(Responder r, String prefix) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            String l = r.lines().poll(500, TimeUnit.MILLISECONDS);
            if (l != null && l.startsWith(prefix)) {
                return;
            }
            if (l == null && !r.process().isAlive() && r.lines().isEmpty()) {
                throw new AssertionError("responder in " + r.ns() + " exited (" + r.process().exitValue() + ") before '" + prefix + "'");
            }
        }
        throw new AssertionError("responder in " + r.ns() + " did not print '" + prefix + "' within 30 s");
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    record Run(int exit, String out, String err) {
    }

    private static Run run(String... cmd) throws Exception {
        Path out = Files.createTempFile("cdisc", ".out");
        Path err = Files.createTempFile("cdisc", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", cmd));
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static void must(String... cmd) throws Exception {
        Run r = run(cmd);
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.err() + r.out());
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (Responder r : responders) {
            r.process().getOutputStream().close(); // stdin ends: the responder exits
        }
        for (Responder r : responders) {
            if (!r.process().waitFor(5, TimeUnit.SECONDS)) {
                r.process().descendants().forEach(ProcessHandle::destroyForcibly);
                r.process().destroyForcibly();
            }
        }
        tearDownNamespaces();
    }

    private static void tearDownNamespaces() throws Exception {
        for (String ns : ALL) {
            run("ip", "netns", "del", ns);
        }
    }
}
