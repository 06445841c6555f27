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
