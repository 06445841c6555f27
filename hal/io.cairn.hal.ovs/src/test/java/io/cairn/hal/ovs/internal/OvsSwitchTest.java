package io.cairn.hal.ovs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.hal.api.vswitch.BondSpec;
import io.cairn.hal.api.vswitch.PortInfo;
import io.cairn.hal.api.vswitch.PortSpec;
import io.cairn.hal.api.vswitch.PortSpec.PortType;

/**
 * Against a real Open vSwitch started privately for this test (userspace datapath), with two
 * network namespaces on veth pairs (198.18.0.0/24, never connected to a real interface).
 */
class OvsSwitchTest {

    static final String NS_A = "cairn-t-a";
    static final String NS_B = "cairn-t-b";
    static final String IP_B = "198.18.0.2";

    @TempDir
    static Path tmp;
    static OvsDaemons daemons;
    static OvsSwitch ovs;

    record Result(int code, String out) {
    }

    static Result sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    static void must(String... cmd) throws Exception {
        Result r = sh(cmd);
        assertThat(r.code()).as(String.join(" ", cmd) + ": " + r.out()).isZero();
    }

    @BeforeAll
    static void start() throws Exception {
        cleanupNamespaces();
        daemons = OvsDaemons.start(tmp.resolve("ovs"));
        ovs = new OvsSwitch(daemons.dbSocket(), daemons.runDir(), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (ovs != null) {
                ovs.close();
            }
        } finally {
            try {
                cleanupNamespaces();
            } finally {
                if (daemons != null) {
                    daemons.close();
                }
            }
        }
    }

    static void cleanupNamespaces() throws Exception {
        sh("ip", "netns", "del", NS_A);
        sh("ip", "netns", "del", NS_B);
        sh("ip", "link", "del", "cva");
        sh("ip", "link", "del", "cvb");
    }

    @Test
    void givenBridge_whenPortsVlansBondMirrorAndIpfixConfigured_thenReadBackFromOvsdb() throws Exception {
        ovs.createBridge("br-cfg");
        try {
            assertThat(ovs.bridges()).contains("br-cfg");
            ovs.addPort("br-cfg", new PortSpec("acc0", PortType.INTERNAL, 10, List.of(), Map.of()));
            ovs.addPort("br-cfg", new PortSpec("trk0", PortType.INTERNAL, null, List.of(20, 10), Map.of()));
            ovs.addPort("br-cfg", new PortSpec("patch0", PortType.PATCH, null, List.of(), Map.of("peer", "patch1")));
            ovs.addPort("br-cfg", new PortSpec("vx0", PortType.VXLAN, null, List.of(), Map.of("remote_ip", "198.18.1.2", "key", "42")));
            ovs.addBond("br-cfg", new BondSpec("bond0", List.of("bm0", "bm1"), BondSpec.Mode.BALANCE_TCP, BondSpec.Lacp.ACTIVE));
            ovs.addMirror("br-cfg", "mir0", "acc0");
            ovs.setIpfix("br-cfg", "127.0.0.1:4739");
            List<PortInfo> ports = ovs.ports("br-cfg");
            assertThat(ports).extracting(PortInfo::name).containsExactly("acc0", "bond0", "br-cfg", "patch0", "trk0", "vx0");
            assertThat(port(ports, "acc0").tag()).isEqualTo(10);
            assertThat(port(ports, "trk0").trunks()).containsExactly(10, 20);
            assertThat(port(ports, "patch0").type()).isEqualTo("patch");
            assertThat(port(ports, "vx0").type()).isEqualTo("vxlan");
            assertThat(port(ports, "bond0").bondMode()).isEqualTo("balance-tcp");
            assertThat(port(ports, "bond0").interfaces()).containsExactlyInAnyOrder("bm0", "bm1");
            Result mirrors = sh("ovs-vsctl", "--db=unix:" + daemons.dbSocket(), "--columns=name,select_all", "list", "Mirror");
            assertThat(mirrors.out()).contains("mir0").contains("true");
            Result ipfix = sh("ovs-vsctl", "--db=unix:" + daemons.dbSocket(), "--columns=targets", "list", "IPFIX");
            assertThat(ipfix.out()).contains("127.0.0.1:4739");

            assertThatThrownBy(() -> ovs.addPort("br-cfg", PortSpec.of("acc0", PortType.INTERNAL)))
                    .hasMessageContaining("already has a port acc0");
            assertThatThrownBy(() -> ovs.addPort("nope", PortSpec.of("x0", PortType.INTERNAL))).hasMessageContaining("no bridge nope");
            assertThatThrownBy(() -> new PortSpec("bad", PortType.INTERNAL, 5000, List.of(), Map.of()))
                    .hasMessageContaining("outside 1-4094");
            ovs.deletePort("br-cfg", "vx0");
            assertThat(ovs.ports("br-cfg")).extracting(PortInfo::name).doesNotContain("vx0");
        } finally {
            ovs.deleteBridge("br-cfg");
        }
        assertThat(ovs.bridges()).doesNotContain("br-cfg");
    }

    private static PortInfo port(List<PortInfo> ports, String name) {
        return ports.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void givenTwoNamespacesOnABridge_thenPingAndTcpPass_dropRuleBlocksExactlyItsTraffic_andReplaceIsAtomic() throws Exception {
        ovs.createBridge("br-ns");
        Process server = null;
        try {
            namespace(NS_A, "cva", "198.18.0.1");
            namespace(NS_B, "cvb", IP_B);
            ovs.addPort("br-ns", PortSpec.of("cva", PortType.SYSTEM));
            ovs.addPort("br-ns", PortSpec.of("cvb", PortType.SYSTEM));
            server = new ProcessBuilder("ip", "netns", "exec", NS_B, "/usr/bin/python3", "-c", """
                    import socket, threading, time
                    def serve(port):
                        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                        s.bind(('198.18.0.2', port)); s.listen()
                        while True:
                            c, _ = s.accept(); c.sendall(b'ok'); c.close()
                    for p in (5001, 5002):
                        threading.Thread(target=serve, args=(p,), daemon=True).start()
                    time.sleep(120)
                    """).redirectErrorStream(true).start();

            assertThat(waitForPing()).as("ping across the bridge").isTrue();
            assertThat(waitForTcp(5001)).as("TCP 5001 passes (server up)").isTrue();

            ovs.replaceFlows("br-ns", List.of("priority=100,tcp,nw_dst=" + IP_B + ",tp_dst=5001,actions=drop",
                    "priority=0,actions=NORMAL"));
            assertThat(ovs.dumpFlows("br-ns")).anyMatch(f -> f.contains("tp_dst=5001") && f.contains("actions=drop"));
            assertThat(tcp(5001)).as("TCP 5001 is dropped").isFalse();
            assertThat(tcp(5002)).as("TCP 5002 still passes").isTrue();
            assertThat(ping(1)).as("ping still passes").isTrue();

            // atomic replace: both tables drop ICMP; a non-atomic delete-then-add would let some through
            List<String> a = List.of("priority=100,icmp,actions=drop", "priority=0,actions=NORMAL");
            List<String> b = List.of("priority=200,icmp,actions=drop", "priority=50,tcp,tp_dst=9,actions=drop",
                    "priority=0,actions=NORMAL");
            ovs.replaceFlows("br-ns", a);
            Process pinger = new ProcessBuilder("ip", "netns", "exec", NS_A, "ping", "-i", "0.01", "-c", "300", "-W", "1", IP_B)
                    .redirectErrorStream(true).start();
            for (int i = 0; i < 30 && pinger.isAlive(); i++) {
                ovs.replaceFlows("br-ns", i % 2 == 0 ? b : a);
            }
            assertThat(pinger.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String pings = new String(pinger.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(pings).as("no echo passed during 30 atomic replacements").contains(" 0 received");

            assertThatThrownBy(() -> ovs.replaceFlows("br-ns", List.of("priority=1,nonsense=1,actions=drop")))
                    .hasMessageContaining("ovs-ofctl rejected the flows");
        } finally {
            if (server != null) {
                server.destroyForcibly();
            }
            ovs.deleteBridge("br-ns");
            cleanupNamespaces();
        }
    }

    private static void namespace(String ns, String veth, String ip) throws Exception {
        must("ip", "netns", "add", ns);
        must("ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "-ns");
        must("ip", "link", "set", veth + "-ns", "netns", ns);
        must("ip", "link", "set", veth, "up");
        must("ip", "netns", "exec", ns, "ip", "addr", "add", ip + "/24", "dev", veth + "-ns");
        must("ip", "netns", "exec", ns, "ip", "link", "set", veth + "-ns", "up");
        must("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        // the userspace datapath does not complete checksums offloaded by veth
        must("ethtool", "-K", veth, "tx", "off");
        must("ip", "netns", "exec", ns, "ethtool", "-K", veth + "-ns", "tx", "off");
    }

    private static boolean ping(int count) throws Exception {
        return sh("ip", "netns", "exec", NS_A, "ping", "-c", Integer.toString(count), "-W", "2", IP_B).code() == 0;
    }

    private static boolean waitForPing() throws Exception {
        for (int i = 0; i < 10; i++) {
            if (ping(1)) {
                return true;
            }
        }
        return false;
    }

    /** The echo server in the namespace needs a moment to bind; bounded retries. */
    private static boolean waitForTcp(int port) throws Exception {
        for (int i = 0; i < 20; i++) {
            if (tcp(port)) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static boolean tcp(int port) throws Exception {
        return sh("ip", "netns", "exec", NS_A, "/usr/bin/python3", "-c",
                "import socket,sys; s=socket.create_connection(('" + IP_B + "'," + port + "),timeout=2); sys.exit(0 if s.recv(2)==b'ok' else 1)")
                .code() == 0;
    }
}
