package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.security.auth.internal.Rsyslogd;

/**
 * Spec 30 §10 over the real surfaces: a 3-node cluster (127.0.1.251-253) and a real rsyslogd on
 * 127.0.1.250. {@code ncli rsyslog-config add-server / add-module / ls-servers / remove-server}
 * configure forwarding through Prism's REST API; a failed and a good login of a local user arrive at
 * rsyslog exactly as the Prism leader's audit.log holds them (same line, same hash);
 * {@code bin/cairn-audit verify} passes on a node's log and names the seq of one edited byte.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditSyslogTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private LoopbackCluster cluster;
    private Rsyslogd rsyslogd;
    private Path work;

    @BeforeAll
    void form() throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        work = Files.createTempDirectory(target, "as");
        rsyslogd = new Rsyslogd(Files.createDirectories(work.resolve("rsyslog")));
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 250, 3);
        cluster.startAll();
        Proc create = cluster.create();
        assertThat(create.exitCode()).as(create.output()).isZero();
        cluster.medusaAvailable(Duration.ofSeconds(150));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (cluster != null) {
                cluster.closeKeepingLogs("auditsyslog-logs");
            }
        } finally {
            if (rsyslogd != null) {
                rsyslogd.close();
            }
        }
    }

    Proc run(String tool, Map<String, String> env, String... args) throws Exception {
        return cluster.bin(work, tool, env, args);
    }

    Proc ncli(String... args) throws Exception {
        return run("ncli", Map.of(), args);
    }

    /** Every node's audit lines. */
    private List<String> localLines() throws Exception {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path f = cluster.home(i).resolve("logs/audit/audit.log");
            if (Files.exists(f)) {
                all.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        }
        return all;
    }

    /** The JSON lines rsyslog received over TCP from cairn-audit. */
    private List<String> remoteLines() throws Exception {
        List<String> out = new ArrayList<>();
        for (String l : rsyslogd.lines("tcp")) {
            String[] p = l.split(" ", 3);
            if (p.length == 3 && p[1].equals("cairn-audit")) {
                out.add(p[2].strip());
            }
        }
        return out;
    }

    @Test
    void givenRsyslogConfiguredWithNcli_whenAUserLogsInWrongThenRight_thenBothLinesArriveWithTheirLocalHash_andVerifyNamesAnEditedSeq()
            throws Exception {
        Proc relp = ncli("rsyslog-config", "add-server", "name=r1", "ip-address=" + Rsyslogd.HOST, "port=2514", "network-protocol=relp");
        assertThat(relp.exitCode()).as(relp.output()).isEqualTo(1);
        assertThat(relp.output()).contains("RELP is not supported yet");
        Proc port = ncli("rsyslog-config", "add-server", "name=p1", "ip-address=" + Rsyslogd.HOST, "port=0", "network-protocol=tcp");
        assertThat(port.exitCode()).isEqualTo(2);
        assertThat(port.output()).contains("port=0 is not a port number 1-65535");

        Proc add = ncli("rsyslog-config", "add-server", "name=loop", "ip-address=" + Rsyslogd.HOST, "port=" + rsyslogd.tcpPort,
                "network-protocol=tcp");
        assertThat(add.exitCode()).as(add.output()).isZero();
        Proc module = ncli("rsyslog-config", "add-module", "server-name=loop", "module-name=AUDIT", "level=INFO");
        assertThat(module.exitCode()).as(module.output()).isZero();
        Proc ls = ncli("-o", "json", "rsyslog-config", "ls-servers");
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        JsonNode servers = JSON.readTree(ls.output());
        assertThat(servers.size()).isEqualTo(1);
        assertThat(servers.get(0).path("spec").path("network_protocol").asText()).isEqualTo("tcp");
        assertThat(servers.get(0).path("spec").path("modules").get(0).path("name").asText()).isEqualTo("AUDIT");

        // forwarding starts within a reload (2 s) on every node: wait until a mutation of ours arrives
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        int k = 0;
        while (remoteLines().stream().noneMatch(l -> l.contains("\"target\":\"user/as-probe"))) {
            assertThat(System.nanoTime()).as("forwarding did not start; rsyslog has %s", remoteLines()).isLessThan(deadline);
            Proc u = run("ncli", Map.of("CAIRN_NEW_PASSWORD", "Probe-Passw0rd!" + k), "user", "create", "user-name=as-probe" + k,
                    "roles=viewer");
            assertThat(u.exitCode()).as(u.output()).isZero();
            k++;
            Thread.sleep(2_000);
        }

        String password = "Alice-Passw0rd!";
        Proc user = run("ncli", Map.of("CAIRN_NEW_PASSWORD", password), "user", "create", "user-name=as-alice", "roles=viewer");
        assertThat(user.exitCode()).as(user.output()).isZero();
        Proc wrong = run("ncli", Map.of("CAIRN_PASSWORD", "Not-the-passw0rd"), "--user", "as-alice", "ctr", "ls");
        assertThat(wrong.exitCode()).isEqualTo(1);
        Proc good = run("ncli", Map.of("CAIRN_PASSWORD", password), "--user", "as-alice", "ctr", "ls");
        assertThat(good.output()).doesNotContain("wrong user name or password");

        List<String> logins = localLines().stream().filter(l -> l.contains("\"action\":\"auth.login\"") && l.contains("\"user\":\"as-alice\""))
                .toList();
        assertThat(logins).as("a failed and a good login recorded locally").anyMatch(l -> l.contains("\"result\":\"FAILURE\""))
                .anyMatch(l -> l.contains("\"result\":\"SUCCESS\""));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!remoteLines().containsAll(logins)) {
            assertThat(System.nanoTime()).as("rsyslog has %s", remoteLines()).isLessThan(deadline);
            Thread.sleep(200);
        }
        for (String l : logins) {
            String hash = JSON.readTree(l).path("hash").asText();
            assertThat(remoteLines().stream().filter(r -> r.contains("\"hash\":\"" + hash + "\"")).toList()).as("same line, same hash")
                    .containsExactly(l);
        }

        // cairn-audit verify on a node's log, then on a copy with one byte edited
        int node = -1;
        for (int i = 0; i < 3 && node < 0; i++) {
            Path f = cluster.home(i).resolve("logs/audit/audit.log");
            if (Files.exists(f) && Files.readString(f).contains("\"user\":\"as-alice\"")) {
                node = i;
            }
        }
        assertThat(node).isNotNegative();
        Proc intact = run("cairn-audit", Map.of(), "verify", "--home", cluster.home(node).toString());
        assertThat(intact.exitCode()).as(intact.output()).isZero();
        assertThat(intact.output()).contains("intact:");
        Path copy = work.resolve("audit.log.edited");
        List<String> lines = Files.readAllLines(cluster.home(node).resolve("logs/audit/audit.log"), StandardCharsets.UTF_8);
        int at = lines.size() / 2;
        long seq = JSON.readTree(lines.get(at)).path("seq").asLong();
        lines.set(at, lines.get(at).replaceFirst("\"ts\":\"2", "\"ts\":\"3"));
        Files.write(copy, lines, StandardCharsets.UTF_8);
        Proc broken = run("cairn-audit", Map.of(), "verify", copy.toString());
        assertThat(broken.exitCode()).as(broken.output()).isEqualTo(1);
        assertThat(broken.output()).contains("BROKEN at seq " + seq + ":");

        Proc rm = ncli("rsyslog-config", "remove-server", "name=loop");
        assertThat(rm.exitCode()).as(rm.output()).isZero();
        assertThat(ncli("rsyslog-config", "ls-servers").output()).doesNotContain("loop");
        Proc again = ncli("rsyslog-config", "remove-server", "name=loop");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.output()).contains("no syslog server loop");
    }
}
