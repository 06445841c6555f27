package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Foundation's IPMI path (issue #10): three bare nodes whose BMCs are real OpenIPMI {@code ipmi_sim}
 * daemons ({@code foundation bare create --bmc ipmi}; chassis control starts and stops the node's
 * controller) on 127.0.1.241-243 are imaged and formed into a cluster (virtual IP 127.0.1.249) by
 * Foundation over RMCP+. Every power state is cross-checked with {@code ipmitool} and the
 * controller's process: on after imaging; {@code foundation power off} stops the controllers;
 * power on brings them back and the nodes rejoin (3 of 3 CVMs up). The form's {@code ipmi_ip} is
 * applied to each BMC (Set LAN Configuration Parameters) and {@code ipmitool lan print} shows it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FoundationIpmiTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String VIP = "127.0.1.249";
    static final List<String> IPS = List.of("127.0.1.241", "127.0.1.242", "127.0.1.243");
    /** The BMCs' own LAN addresses (configured through IPMI; ipmi_sim stores them, its socket stays on 127.0.0.1). */
    static final List<String> BMC_IPS = List.of("127.0.1.244", "127.0.1.245", "127.0.1.246");

    private Path work;
    private Path config;

    @BeforeAll
    void bare() throws Exception {
        for (String tool : List.of("/usr/bin/ipmi_sim", "/usr/bin/ipmitool")) {
            assertThat(Path.of(tool)).as(tool + " is missing: run bin/setup hal (Debian packages openipmi, ipmitool)").isExecutable();
        }
        work = Files.createTempDirectory("cairn-fipmi");
        Proc p = foundation(Duration.ofSeconds(120), "bare", "create", "--dir", work.toString(), "--count", "3", "--bmc", "ipmi");
        System.out.println("[foundation-ipmi] bare create:\n" + p.output());
        assertThat(p.exitCode()).as(p.output()).isZero();
        assertThat(p.output()).containsPattern("node1: bare node CRN-\\S+ \\(block \\S+, 2 data disk\\(s\\)\\) ipmi_sim started on 127.0.0.1:\\d+");
        for (int i = 1; i <= 3; i++) {
            JsonNode bmc = JSON.readTree(work.resolve("node" + i + "/node.json").toFile()).get("bmc");
            assertThat(bmc.get("type").asText()).isEqualTo("ipmi");
            assertThat(Files.getPosixFilePermissions(work.resolve("node" + i + "/bmc/password")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
            assertThat(ipmitool(i, "chassis", "power", "status")).contains("Chassis Power is off");
        }
        config = work.resolve("cluster.json");
        Files.writeString(config, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(form()));
    }

    @AfterAll
    void down() throws Exception {
        if (work == null) {
            return;
        }
        try {
            if (config != null) {
                Proc off = foundation(Duration.ofSeconds(180), "power", "off", "--config", config.toString());
                System.out.println("[foundation-ipmi] power off: " + off.output().strip());
            }
            Proc stop = foundation(Duration.ofSeconds(60), "bare", "stop", "--dir", work.toString());
            System.out.println("[foundation-ipmi] bare stop: " + stop.output().strip());
        } finally {
            for (int i = 1; i <= 3; i++) { // whatever the BMCs did not stop, by our own pid files
                Path home = work.resolve("node" + i);
                for (String f : List.of("bmc/ipmi_sim.pid", "bmc/starting.pid", "bmc/stopping.pid", "run/node.pid")) {
                    pidIn(home.resolve(f)).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
                }
                Proc.cairn(Duration.ofSeconds(30), "redirector", "stop", "--home", home.toString());
            }
            Path logs = Files.createDirectories(Path.of("target", "foundation-ipmi-logs"));
            for (int i = 1; i <= 3; i++) {
                for (String name : List.of("logs/controller.log", "logs/bmc.log", "bmc/calls.log", "bmc/ipmi_sim.log")) {
                    Path log = work.resolve("node" + i + "/" + name);
                    if (Files.exists(log)) {
                        Files.copy(log, logs.resolve("n" + i + "-" + log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    ObjectNode form() {
        ObjectNode f = FoundationRig.form("fip", VIP, IPS);
        for (int i = 0; i < 3; i++) {
            ((ObjectNode) f.get("nodes").get(i)).put("ipmi_ip", BMC_IPS.get(i));
        }
        return f;
    }

    Proc foundation(Duration timeout, String... args) throws Exception {
        return FoundationRig.foundation(work, timeout, Map.of(), args);
    }

    /** {@code ipmitool -I lanplus} against node {@code i}'s BMC, with the address and credentials of its node.json. */
    String ipmitool(int i, String... args) throws Exception {
        Path home = work.resolve("node" + i);
        JsonNode bmc = JSON.readTree(home.resolve("node.json").toFile()).get("bmc");
        String password = Files.readString(home.resolve(bmc.get("password_file").asText())).strip();
        List<String> cmd = new ArrayList<>(List.of("ipmitool", "-I", "lanplus", "-C", "3", "-H", bmc.get("host").asText(), "-p",
                bmc.get("port").asText(), "-U", bmc.get("user").asText(), "-P", password));
        cmd.addAll(List.of(args));
        return Proc.run(Duration.ofSeconds(60), work, Map.of(), cmd).output();
    }

    static Optional<Long> pidIn(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(Long.parseLong(Files.readString(file).strip())) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** Whether {@code pid} runs (a zombie does not). */
    static boolean running(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
        } catch (Exception e) {
            return false;
        }
    }

    String calls(int i) throws Exception {
        return Files.readString(work.resolve("node" + i + "/bmc/calls.log"));
    }

    @Test
    @Order(1)
    void givenBareNodesWithIpmiSimBmcs_whenImaged_thenTheClusterIsCreatedAndIpmitoolSeesThemOn() throws Exception {
        Proc image = foundation(Duration.ofMinutes(10), "image", "--config", config.toString());
        System.out.println("[foundation-ipmi] image:\n" + image.output());
        assertThat(image.exitCode()).as(image.output()).isZero();
        assertThat(image.output()).contains("cluster fip created").contains("Cluster created. Prism: https://" + VIP + ":9440/")
                .contains("Fault tolerance (node failures tolerable now): 1 (");
        for (int i = 1; i <= 3; i++) {
            assertThat(image.output()).containsPattern("node " + i + " CRN-\\S+ +" + IPS.get(i - 1).replace(".", "\\.") + " +7/7 +checked in");
            assertThat(ipmitool(i, "chassis", "power", "status")).contains("Chassis Power is on");
            long pid = pidIn(work.resolve("node" + i + "/run/node.pid")).orElseThrow();
            assertThat(running(pid)).as("controller of node " + i).isTrue();
            // the power came through ipmi_sim's chassis control, not from anything else
            assertThat(calls(i)).contains("set power 1").contains("do-on");
            // the form's ipmi_ip, applied with Set LAN Configuration Parameters
            assertThat(ipmitool(i, "lan", "print", "1")).containsPattern("IP Address +: " + BMC_IPS.get(i - 1).replace(".", "\\."))
                    .containsPattern("IP Address Source +: Static Address");
        }
        Matcher total = Pattern.compile("Total: ([0-9.]+) s").matcher(image.output());
        assertThat(total.find()).isTrue();
        System.out.println("[foundation-ipmi] bare to healthy cluster through IPMI: " + total.group(1) + " s");
    }

    @Test
    @Order(2)
    void givenTheCluster_whenPoweredOffAndOnThroughIpmi_thenTheControllersStopAndTheNodesRejoin() throws Exception {
        List<Long> pids = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            pids.add(pidIn(work.resolve("node" + i + "/run/node.pid")).orElseThrow());
        }
        long t0 = System.nanoTime();
        Proc off = foundation(Duration.ofMinutes(4), "power", "off", "--config", config.toString());
        System.out.println("[foundation-ipmi] power off (" + (System.nanoTime() - t0) / 1_000_000 + " ms):\n" + off.output());
        assertThat(off.exitCode()).as(off.output()).isZero();
        for (int i = 1; i <= 3; i++) {
            assertThat(ipmitool(i, "chassis", "power", "status")).contains("Chassis Power is off");
            assertThat(running(pids.get(i - 1))).as("controller " + pids.get(i - 1) + " of node " + i).isFalse();
            assertThat(calls(i)).contains("set power 0").contains("do-off");
        }
        Proc status = foundation(Duration.ofSeconds(60), "status", "--config", config.toString());
        assertThat(status.output()).containsPattern("1 +CRN-\\S+ +configured +off");

        t0 = System.nanoTime();
        Proc on = foundation(Duration.ofMinutes(4), "power", "on", "--config", config.toString());
        System.out.println("[foundation-ipmi] power on (" + (System.nanoTime() - t0) / 1_000_000 + " ms):\n" + on.output());
        assertThat(on.exitCode()).as(on.output()).isZero();
        for (int i = 1; i <= 3; i++) {
            assertThat(ipmitool(i, "chassis", "power", "status")).contains("Chassis Power is on");
        }
        String last = "";
        boolean up = false;
        for (int attempt = 0; attempt < 120 && !up; attempt++) { // bounded: at most ~10 minutes
            Proc s = Proc.cairn(Duration.ofSeconds(60), "cluster", "status", "--node", IPS.get(0), "--admin",
                    work.resolve("admin").toString());
            last = s.output();
            up = s.exitCode() == 0 && last.contains("3 of 3 CVMs up");
            if (!up) {
                Thread.sleep(5000);
            }
        }
        System.out.println("[foundation-ipmi] power on to 3 of 3 CVMs up: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(up).as(last).isTrue();
        for (int i = 1; i <= 3; i++) {
            assertThat(last).contains("CVM: " + IPS.get(i - 1) + " Up");
            long pid = pidIn(work.resolve("node" + i + "/run/node.pid")).orElseThrow();
            assertThat(pid).isNotEqualTo(pids.get(i - 1));
            assertThat(running(pid)).isTrue();
        }
    }

    @Test
    @Order(3)
    void givenARunningNode_whenIpmitoolPowersItOffAndOn_thenFoundationAndTheProcessAgree() throws Exception {
        long pid = pidIn(work.resolve("node3/run/node.pid")).orElseThrow();
        assertThat(ipmitool(3, "chassis", "power", "off")).contains("Chassis Power Control: Down/Off");
        String power = "";
        for (int i = 0; i < 120 && !power.contains("is off"); i++) { // bounded: a node stop takes up to 40 s
            Thread.sleep(500);
            power = ipmitool(3, "chassis", "power", "status");
        }
        assertThat(power).contains("Chassis Power is off");
        assertThat(running(pid)).as("controller " + pid + " of node 3").isFalse();
        Proc status = foundation(Duration.ofSeconds(60), "status", "--config", config.toString());
        assertThat(status.output()).containsPattern("3 +CRN-\\S+ +configured +off").containsPattern("1 +CRN-\\S+ +configured +on");

        assertThat(ipmitool(3, "chassis", "power", "on")).contains("Chassis Power Control: Up/On");
        Optional<Long> again = Optional.empty();
        for (int i = 0; i < 360 && again.isEmpty(); i++) { // bounded: at most ~3 minutes
            Thread.sleep(500);
            again = pidIn(work.resolve("node3/run/node.pid")).filter(p -> p != pid && running(p));
        }
        assertThat(again).as("a new controller on node 3").isPresent();
        assertThat(foundation(Duration.ofSeconds(60), "status", "--config", config.toString()).output())
                .containsPattern("3 +CRN-\\S+ +configured +on");
    }
}
