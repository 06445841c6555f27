package io.cairn.foundation.discovery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The test-only layer-2 segment the discovery tests share (spec 10 §5 acceptance), in network namespaces
 * named by {@code p} (namespace prefix), with links named by {@code d} (link prefix), on the /24 {@code N.0/24}
 * from 198.18.0.0/15:
 * <ul>
 * <li>{@code <p>sw}: the switch, bridge {@code <d>br} with ports {@code <d>p1..5};</li>
 * <li>{@code <p>1..3}: the nodes, link {@code <d>1..3} on the bridge, IPv6 link-local only; node 1 also has
 * {@code N.11/25} with a default route via the router;</li>
 * <li>{@code <p>q}: the querier (Foundation, the applet), link {@code <d>q} on the bridge, link-local only;</li>
 * <li>{@code <p>rt}: the router, {@code <d>r0} on the bridge ({@code N.1/25}) and {@code <d>r1} ({@code N.129/25})
 * towards {@code <p>far} ({@code <d>far}, {@code N.130/25}, default route via the router): one routed hop
 * away, where multicast discovery does not reach.</li>
 * </ul>
 * Duplicate address detection is off and every link-local address is usable when {@link #create} returns.
 * Nothing is connected to a real interface; {@link #close()} removes every namespace (and with them the
 * links). Needs root and iproute2. Each test class takes its own prefixes and /24, so they never collide.
 *
 * <p>Shipped in io.cairn.foundation's test-jar for io.cairn.system.test, with the process helpers both use.
 */
public final class DiscoveryTopology implements AutoCloseable {

    private static final Pattern NET = Pattern.compile("198\\.1[89]\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]{0,7}");

    private final String ns;
    private final String dev;
    private final String net;

    private DiscoveryTopology(String nsPrefix, String devPrefix, String net) {
        if (!NAME.matcher(nsPrefix).matches() || !NAME.matcher(devPrefix).matches()) {
            throw new IllegalArgumentException("prefixes must be 1-8 lower-case letters and digits, starting with a letter: '"
                    + nsPrefix + "', '" + devPrefix + "'");
        }
        if (!NET.matcher(net).matches()) {
            throw new IllegalArgumentException("net must be the first three octets of a /24 in 198.18.0.0/15 (e.g. 198.18.9), not '"
                    + net + "'");
        }
        this.ns = nsPrefix;
        this.dev = devPrefix;
        this.net = net;
    }

    /**
     * Removes what an earlier run left with these names, builds the segment and waits (15 s at most per
     * link) until every link-local address is usable. On a failure, removes what it built and throws.
     */
    public static DiscoveryTopology create(String nsPrefix, String devPrefix, String net) throws Exception {
        DiscoveryTopology t = new DiscoveryTopology(nsPrefix, devPrefix, net);
        try {
            t.build();
            return t;
        } catch (Exception | Error e) {
            t.close();
            throw e;
        }
    }

    private void build() throws Exception {
        close();
        for (String n : all()) {
            must("ip", "netns", "add", n);
            must("ip", "netns", "exec", n, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            must("ip", "netns", "exec", n, "ip", "link", "set", "lo", "up");
        }
        must("ip", "netns", "exec", switchNs(), "ip", "link", "add", bridge(), "type", "bridge");
        must("ip", "netns", "exec", switchNs(), "ip", "link", "set", bridge(), "up");
        int k = 1;
        for (String n : List.of(node(1), node(2), node(3), querier(), router())) {
            String port = dev + "p" + k++;
            must("ip", "link", "add", dev(n), "netns", n, "type", "veth", "peer", "name", port, "netns", switchNs());
            must("ip", "netns", "exec", switchNs(), "ip", "link", "set", port, "master", bridge(), "up");
            must("ip", "netns", "exec", n, "ip", "link", "set", dev(n), "up");
        }
        String farSide = dev + "r1";
        must("ip", "link", "add", farSide, "netns", router(), "type", "veth", "peer", "name", dev(far()), "netns", far());
        must("ip", "netns", "exec", router(), "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
        must("ip", "netns", "exec", router(), "ip", "addr", "add", net + ".1/25", "dev", dev(router()));
        must("ip", "netns", "exec", router(), "ip", "addr", "add", net + ".129/25", "dev", farSide);
        must("ip", "netns", "exec", router(), "ip", "link", "set", farSide, "up");
        must("ip", "netns", "exec", far(), "ip", "addr", "add", net + ".130/25", "dev", dev(far()));
        must("ip", "netns", "exec", far(), "ip", "link", "set", dev(far()), "up");
        must("ip", "netns", "exec", far(), "ip", "route", "add", "default", "via", net + ".129");
        must("ip", "netns", "exec", node(1), "ip", "addr", "add", node1Ip() + "/25", "dev", dev(node(1)));
        must("ip", "netns", "exec", node(1), "ip", "route", "add", "default", "via", net + ".1");
        for (String n : List.of(node(1), node(2), node(3), querier(), far())) {
            waitForLinkLocal(n);
        }
    }

    /** The switch namespace (holds the bridge). */
    public String switchNs() {
        return ns + "sw";
    }

    public String bridge() {
        return dev + "br";
    }

    /** The querier's namespace, on the bridge. */
    public String querier() {
        return ns + "q";
    }

    public String router() {
        return ns + "rt";
    }

    /** The namespace behind the router. */
    public String far() {
        return ns + "far";
    }

    /** Node {@code i}'s namespace, 1 to 3. */
    public String node(int i) {
        if (i < 1 || i > 3) {
            throw new IllegalArgumentException("nodes are 1 to 3, not " + i);
        }
        return ns + i;
    }

    public List<String> nodes() {
        return List.of(node(1), node(2), node(3));
    }

    /** Node 1's IPv4 address ({@code N.11}). */
    public String node1Ip() {
        return net + ".11";
    }

    /** The link of namespace {@code n} (the bridge side for the router). */
    public String dev(String n) {
        if (n.equals(querier())) {
            return dev + "q";
        } else if (n.equals(router())) {
            return dev + "r0";
        } else if (n.equals(far())) {
            return dev + "far";
        } else if (nodes().contains(n)) {
            return dev + n.substring(ns.length());
        }
        throw new IllegalArgumentException(n + " is not a namespace of this segment with a link of its own");
    }

    /** The IPv6 link-local address (without zone) of namespace {@code n}'s link. */
    public String linkLocal(String n) throws Exception {
        String d = dev(n);
        Matcher m = Pattern.compile("inet6 (fe80::[0-9a-f:]+)/64").matcher(run("ip", "netns", "exec", n, "ip", "-6", "addr", "show", "dev", d).out());
        if (!m.find()) {
            throw new AssertionError("no link-local address on " + d + " in " + n);
        }
        return m.group(1);
    }

    private void waitForLinkLocal(String n) throws Exception {
        String d = dev(n);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String out = "";
        while (System.nanoTime() < end) {
            out = run("ip", "netns", "exec", n, "ip", "-6", "addr", "show", "dev", d, "scope", "link").out();
            if (out.contains("fe80::") && !out.contains("tentative")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(d + " in " + n + " has no usable IPv6 link-local address after 15 s: " + out);
    }

    private List<String> all() {
        return List.of(switchNs(), querier(), router(), far(), node(1), node(2), node(3));
    }

    /** Removes every namespace of the segment (those that exist); the links go with them. */
    @Override
    public void close() throws Exception {
        for (String n : all()) {
            run("ip", "netns", "del", n);
        }
    }

    // --- process helpers the discovery tests share -----------------------------------------------

    /** A finished command: its exit status and its whole output. */
    public record Run(int exit, String out, String err) {
    }

    /** Runs {@code cmd} to its end (60 s at most: then it and its descendants are killed and this fails). */
    public static Run run(String... cmd) throws Exception {
        Path out = Files.createTempFile("l2run", ".out");
        Path err = Files.createTempFile("l2run", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", cmd));
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** {@link #run}, failing unless the command exits 0; its standard output. */
    public static String must(String... cmd) throws Exception {
        Run r = run(cmd);
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.err() + r.out());
        }
        return r.out();
    }

    /** The {@code java} of the running JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Copies {@code p}'s output, line by line, to standard output (prefixed {@code [name]}) and to {@code lines}, until it ends. */
    public static void pipe(String name, Process p, BlockingQueue<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null;) {
                System.out.println("[" + name + "] " + l);
                lines.add(l);
            }
        } catch (IOException e) {
            // process gone
        }
    }

    /** Waits until {@code p} ({@code what}, for messages) printed a line starting with {@code prefix}; fails if it exits first or after {@code timeout}. */
    public static void awaitLine(String what, Process p, BlockingQueue<String> lines, String prefix, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            String l = lines.poll(500, TimeUnit.MILLISECONDS);
            if (l != null && l.startsWith(prefix)) {
                return;
            }
            if (l == null && !p.isAlive() && lines.isEmpty()) {
                throw new AssertionError(what + " exited (" + p.exitValue() + ") before '" + prefix + "'");
            }
        }
        throw new AssertionError(what + " did not print '" + prefix + "' within " + timeout.toSeconds() + " s");
    }

    /** Ends processes that serve until their standard input ends: closes every stdin, then kills what is still running after {@code grace}. */
    public static void endAll(List<Process> processes, Duration grace) throws Exception {
        for (Process p : processes) {
            p.getOutputStream().close();
        }
        for (Process p : processes) {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }
}
