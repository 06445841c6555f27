package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeLifecycleTest {

    private static final Duration START = Duration.ofSeconds(150);
    /** The node's address; {@code -Dcairn.test.node.ip} moves it (a machine shared by several people or runs). */
    private static final String IP = System.getProperty("cairn.test.node.ip", "127.0.1.201");

    @TempDir
    Path tmp;

    /** Controllers this test started; any still alive at the end is killed and fails the test. */
    private final java.util.List<Long> started = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void noControllerLeftBehind() {
        java.util.List<Long> alive = started.stream()
                .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
        alive.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        assertThat(alive).as("controllers still running after the test").isEmpty();
    }

    private long readyPid(Path home) throws java.io.IOException {
        String ready = Files.readString(home.resolve("run/ready"));
        long pid = Long.parseLong(ready.lines().filter(l -> l.startsWith("pid=")).findFirst().orElseThrow().substring(4));
        started.add(pid);
        return pid;
    }

    @Test
    void givenBuiltImage_whenNodeStarted_thenReadyRefusesSecondControllerAndStopsCleanly() throws Exception {
        Path home = tmp.resolve("node");
        try {
            Proc start = Proc.cairn(START, "node", "start", "--home", home.toString(), "--ip", IP);
            assertThat(start.exitCode()).as(start.output()).isZero();
            assertThat(start.output()).contains("node " + IP + " ready in");
            assertThat(home.resolve("boot")).hasContent("A");
            assertThat(home.resolve("slots/A/image.metadata.json")).exists();
            assertThat(Files.readString(home.resolve("run/ready"))).contains("address=" + IP, "slot=A");
            long pid = readyPid(home);
            String log = Files.readString(home.resolve("logs/controller.log"));
            assertThat(log).contains("Node ready:", "bundles installed").doesNotContain("Exception");
            // spec 10 §5: Foundation runs in every controller, on port 8000 of the node's own address on loopback
            assertThat(log).contains("Foundation on http://" + IP + ":8000/gui/index.html");
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            java.net.http.HttpResponse<String> gui = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://" + IP + ":8000/gui/index.html")).timeout(Duration.ofSeconds(30)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(gui.statusCode()).isEqualTo(200);
            assertThat(gui.body()).contains("Foundation");
            java.net.http.HttpResponse<String> self = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://" + IP + ":8000/foundation/v1/node")).timeout(Duration.ofSeconds(30)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            String uuid = json.readTree(home.resolve("data/identity/node.json").toFile()).path("uuid").asText();
            assertThat(json.readTree(self.body()).path("uuid").asText()).as(self.body()).isEqualTo(uuid);
            assertThat(json.readTree(self.body()).path("ip").asText()).isEqualTo(IP);

            Proc again = Proc.cairn(START, "node", "start", "--home", home.toString(), "--ip", IP);
            assertThat(again.exitCode()).isNotZero();
            assertThat(again.output()).contains("already running on node home " + home.toRealPath());

            // bypass the script: the launcher's own lock refuses a second JVM on the same home
            Proc direct = Proc.run(Duration.ofSeconds(60), home, Map.of(), List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    home.resolve("slots/A/launcher/cairn-launcher.jar").toString(), "--home", home.toString(), "--ip", IP));
            assertThat(direct.exitCode()).as(direct.output()).isEqualTo(3);
            assertThat(direct.output()).contains("a controller is already running on node home");
            assertThat(home.resolve("run/ready")).as("a refused launcher leaves the owner's files alone").exists();

            Proc stop = Proc.cairn(Duration.ofSeconds(60), "node", "stop", "--home", home.toString());
            assertThat(stop.exitCode()).as(stop.output()).isZero();
            assertThat(stop.output()).contains("stopped controller " + pid);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("controller process gone").isFalse();
            assertThat(home.resolve("run/ready")).doesNotExist();
            assertThat(home.resolve("run/node.pid")).doesNotExist();
            assertThat(Files.readString(home.resolve("logs/controller.log"))).contains("Framework stopped (stopped)");

            Proc restart = Proc.cairn(START, "node", "start", "--home", home.toString(), "--ip", IP);
            assertThat(restart.exitCode()).as(restart.output()).isZero();
            readyPid(home);
            assertThat(Files.readString(home.resolve("logs/controller.log")))
                    .as("the framework cache survives a restart")
                    .containsPattern("0 bundles installed, 0 updated, 0 removed, [1-9][0-9]* unchanged");
        } finally {
            Proc.cairn(Duration.ofSeconds(60), "node", "stop", "--home", home.toString());
        }
    }

    /**
     * Least privilege (foundation readme, "Foundation in every node"): Foundation, which has no
     * authentication, answers on :8000 only while a node is in factory state. Three nodes ({@code IP},
     * {@code IP+3}, {@code IP+4}: a cluster needs three) serve it; {@code cluster create} makes them
     * configured and each closes its listener (connection refused, time printed); node {@code IP}
     * restarted as a cluster member does not open it again.
     */
    @Test
    void givenFactoryNodes_whenClusterCreated_thenFoundationIsClosedAndStaysClosedAfterRestart() throws Exception {
        List<String> ips = List.of(IP, offset(IP, 3), offset(IP, 4));
        List<Path> homes = List.of(tmp.resolve("f1"), tmp.resolve("f2"), tmp.resolve("f3"));
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<Proc>> starts = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int n = i;
                starts.add(pool.submit(() -> Proc.cairn(START, "node", "start", "--home", homes.get(n).toString(), "--ip", ips.get(n))));
            }
            for (java.util.concurrent.Future<Proc> f : starts) {
                Proc p = f.get();
                assertThat(p.exitCode()).as(p.output()).isZero();
            }
            for (Path h : homes) {
                readyPid(h);
            }
            for (String ip : ips) {
                java.net.http.HttpResponse<String> gui = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://" + ip + ":8000/gui/index.html")).timeout(Duration.ofSeconds(30)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(gui.statusCode()).as("factory node " + ip + " serves Foundation").isEqualTo(200);
            }

            Proc create = Proc.cairn(Duration.ofSeconds(200), "cluster", "create", "--nodes", String.join(",", ips), "--admin",
                    tmp.resolve("admin").toString(), "--name", "fo3");
            assertThat(create.exitCode()).as(create.output()).isZero();
            long created = System.nanoTime();
            for (String ip : ips) {
                awaitRefused(ip, Duration.ofSeconds(30));
                System.out.printf("Foundation on %s:8000 refused %d ms after cluster create returned%n", ip,
                        (System.nanoTime() - created) / 1_000_000);
            }
            for (Path h : homes) {
                String log = Files.readString(h.resolve("logs/controller.log"));
                assertThat(log).contains(
                        "Foundation stopped: node joined cluster fo3; expand the cluster through Prism (ncli cluster add-node)");
                // measured, not asserted: the join (genesis) and the close (foundation), as each logged it
                log.lines().filter(l -> l.contains("Joined cluster fo3") || l.contains("Foundation stopped"))
                        .forEach(l -> System.out.println(h.getFileName() + ": " + l));
            }

            Proc stop = Proc.cairn(Duration.ofSeconds(60), "node", "stop", "--home", homes.get(0).toString());
            assertThat(stop.exitCode()).as(stop.output()).isZero();
            Proc restart = Proc.cairn(START, "node", "start", "--home", homes.get(0).toString(), "--ip", IP);
            assertThat(restart.exitCode()).as(restart.output()).isZero();
            readyPid(homes.get(0));
            String log = Files.readString(homes.get(0).resolve("logs/controller.log"));
            assertThat(log.substring(log.lastIndexOf(") starting on " + IP))).as("the restarted member's log")
                    .contains("Foundation not started: node is a member of cluster fo3; expand the cluster through Prism")
                    .doesNotContain("Foundation on http://");
            assertThat(refused(IP)).as("a configured node does not open :8000 at boot").isTrue();
        } finally {
            pool.shutdownNow();
            for (Path h : homes) {
                Proc.cairn(Duration.ofSeconds(60), "node", "stop", "--home", h.toString());
            }
        }
    }

    /** {@code ip} with its last byte moved by {@code by} (127.0.1.211 + 3 = 127.0.1.214). */
    private static String offset(String ip, int by) {
        int dot = ip.lastIndexOf('.');
        return ip.substring(0, dot + 1) + (Integer.parseInt(ip.substring(dot + 1)) + by);
    }

    private static void awaitRefused(String ip, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!refused(ip)) {
            assertThat(System.nanoTime()).as("Foundation on " + ip + ":8000 still accepts connections after " + timeout)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** True when a TCP connection to {@code ip}:8000 is refused (nobody listens). */
    private static boolean refused(String ip) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(ip, 8000), 5000);
            return false;
        } catch (java.net.ConnectException e) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void givenDebugImage_whenRunAsConsole_thenGogoShellListsTheBundlesAndEndOfInputStopsTheNode() throws Exception {
        Path home = tmp.resolve("debug");
        Path debugImage = Proc.ROOT.resolve("appliance-image/target/cairn-appliance-debug-" + System.getProperty("cairn.version")
                + ".tar.gz");
        Path input = Files.writeString(tmp.resolve("input"), "lb\n");
        Proc console = Proc.run(START, Proc.ROOT, Map.of(), List.of(Proc.ROOT.resolve("bin/cairn").toString(), "node",
                "console", "--home", home.toString(), "--ip", IP, "--image", debugImage.toString()), input);
        assertThat(console.exitCode()).as(console.output()).isZero();
        assertThat(console.output()).contains("Welcome to Apache Felix Gogo", "Cairn common", "Apache Felix Gogo Shell",
                "Framework stopped (stopped)");
        assertThat(home.resolve("run/node.pid")).doesNotExist();
    }

    @Test
    void givenBadAddress_whenNodeStarted_thenClearErrorAndNothingRuns() throws Exception {
        Path home = tmp.resolve("bad");
        try {
            Proc start = Proc.cairn(START, "node", "start", "--home", home.toString(), "--ip", "127.0.1.999");
            assertThat(start.exitCode()).isNotZero();
            assertThat(start.output()).contains("'127.0.1.999' is not an IP address");
            assertThat(Proc.cairn(Duration.ofSeconds(30), "node", "status", "--home", home.toString()).output())
                    .contains("stopped");
        } finally {
            Proc.cairn(Duration.ofSeconds(60), "node", "stop", "--home", home.toString());
        }
    }

    @Test
    void givenMissingArguments_whenNodeStarted_thenUsageSaysWhatIsMissing() throws Exception {
        Proc noHome = Proc.cairn(Duration.ofSeconds(30), "node", "start", "--ip", IP);
        assertThat(noHome.exitCode()).isEqualTo(2);
        assertThat(noHome.output()).contains("--home DIR is required");
        Proc noIp = Proc.cairn(Duration.ofSeconds(30), "node", "start", "--home", tmp.resolve("x").toString());
        assertThat(noIp.exitCode()).isEqualTo(2);
        assertThat(noIp.output()).contains("--ip ADDR is required");
    }
}
