package io.cairn.security.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.common.clock.ManualClock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.security.auth.AuditEvent;
import io.cairn.security.auth.AuditQuery;
import io.cairn.security.auth.AuditRecord;
import io.cairn.security.auth.AuditResult;
import io.cairn.security.auth.Caller;
import io.cairn.security.auth.SyslogServer;
import io.cairn.security.auth.SyslogServer.Module;
import io.cairn.security.auth.SyslogServer.Protocol;

/**
 * Audit forwarding against a real rsyslogd on 127.0.1.250 (spec 30 §10 acceptance): logins reach it
 * over UDP, TCP and TLS with the hash they have locally; records written while it is down arrive in
 * order once it is back; a restart of the forwarders resumes without loss or duplicates; a backlog
 * over the limit drops the oldest with a CRITICAL alert; {@code cairn-audit verify} names an edited seq.
 */
class SyslogForwardingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IP = "192.0.2.10";
    private static final long WAIT_S = 60;

    @TempDir
    Path dir;
    ManualClock clock;
    FileAuditLog audit;
    AuthService auth;
    Caller admin;
    Rsyslogd rsyslogd;
    SyslogForwarders forwarders;
    final List<String> alerts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        clock = new ManualClock(Instant.parse("2026-12-05T10:00:00Z"));
        audit = new FileAuditLog(dir.resolve("audit"), "node-1", clock, 1 << 20, 10);
        auth = new AuthService(new FakeZeus(), clock, audit, AuthServiceTest.FAST);
        auth.createInitialAdmin("Adm1n-Secret!");
        admin = new Caller(auth.authenticate("admin", "Adm1n-Secret!", IP), IP);
        rsyslogd = new Rsyslogd(dir.resolve("rsyslog"));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (forwarders != null) {
                forwarders.close();
            }
        } finally {
            rsyslogd.close();
            audit.close();
        }
    }

    private SyslogForwarders forwarders(long limit) {
        return new SyslogForwarders(dir.resolve("audit"), dir.resolve("audit/syslog"), "127.0.1.250", limit,
                (s, title, message) -> alerts.add(s + " " + title + ": " + message));
    }

    private SyslogServer put(String name, Protocol p, int port, String ca) {
        return auth.putSyslogServer(admin, new SyslogServer(name, Rsyslogd.HOST, port, p, ca, List.of(new Module("AUDIT", "info"))));
    }

    /** Lines of one rsyslog input that carry our app-name, parsed: msgid and the JSON record. */
    private List<Received> received(String input) throws IOException {
        List<Received> out = new ArrayList<>();
        for (String l : rsyslogd.lines(input)) {
            String[] p = l.split(" ", 3);
            if (p.length == 3 && p[1].equals("cairn-audit")) {
                out.add(new Received(p[0], JSON.readTree(p[2].strip()), p[2].strip()));
            }
        }
        return out;
    }

    record Received(String msgid, JsonNode record, String line) {
        long seq() {
            return record.path("seq").asLong();
        }
    }

    private List<Received> await(String input, Predicate<List<Received>> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        List<Received> r = received(input);
        while (!done.test(r)) {
            assertThat(System.nanoTime()).as("rsyslog %s received only %s", input, r).isLessThan(deadline);
            Thread.sleep(100);
            r = received(input);
        }
        return r;
    }

    private static Predicate<List<Received>> hasSeq(long seq) {
        return l -> l.stream().anyMatch(x -> x.seq() == seq);
    }

    @Test
    void loginsArriveOverUdpTcpAndTlsWithTheirLocalHash() throws Exception {
        put("udp", Protocol.UDP, rsyslogd.udpPort, null);
        put("tcp", Protocol.TCP, rsyslogd.tcpPort, null);
        put("tls", Protocol.TLS, rsyslogd.tlsPort, rsyslogd.caPem);
        long before = lastSeq();
        forwarders = forwarders(SyslogForwarders.LIMIT_BYTES);
        forwarders.apply(auth.syslogServers(admin));
        awaitStarted(before);

        assertThatThrownBy(() -> auth.authenticate("admin", "wrong-Passw0rd!", IP)).isInstanceOf(CairnException.class);
        auth.authenticate("admin", "Adm1n-Secret!", IP);
        List<AuditRecord> logins = audit.read(new AuditQuery(null, null, null, "auth.login", 2));
        assertThat(logins).extracting(AuditRecord::result).containsExactly(AuditResult.FAILURE, AuditResult.SUCCESS);

        for (String input : List.of("udp", "tcp", "tls")) {
            List<Received> got = await(input, hasSeq(logins.get(1).seq()));
            for (AuditRecord local : logins) {
                Received remote = got.stream().filter(x -> x.seq() == local.seq()).findFirst().orElseThrow();
                assertThat(remote.msgid()).isEqualTo("auth.login");
                assertThat(remote.record().path("hash").asText()).as(input).isEqualTo(local.hash());
                assertThat(remote.record().path("result").asText()).isEqualTo(local.result().name());
                // the whole stored line arrives: it still verifies
                assertThat(FileAuditLog.sha256(remote.line().substring(0, remote.line().lastIndexOf(",\"hash\":")) + "}"))
                        .isEqualTo(local.hash());
            }
            // records from before the server was configured are not sent
            assertThat(got).allMatch(x -> x.seq() > before);
        }
    }

    /** Waits until every forwarder has read its starting point (records after it are forwarded). */
    private void awaitStarted(long seq) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!forwarders.delivered().values().stream().allMatch(d -> d >= seq)) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private long lastSeq() {
        List<AuditRecord> all = audit.read(new AuditQuery(null, null, null, null, 1));
        return all.isEmpty() ? 0 : all.get(0).seq();
    }

    private List<Long> change(int n, String what) {
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            seqs.add(audit.record(new AuditEvent("admin", "local", IP, "vm.update", "vm/" + what + i, AuditResult.SUCCESS,
                    Map.of("status", "200"))).seq());
        }
        return seqs;
    }

    @Test
    void tenChangesWhileRsyslogIsDownArriveInOrderWhenItIsBackAndARestartResumes() throws Exception {
        put("tcp", Protocol.TCP, rsyslogd.tcpPort, null);
        put("tls", Protocol.TLS, rsyslogd.tlsPort, rsyslogd.caPem);
        forwarders = forwarders(SyslogForwarders.LIMIT_BYTES);
        forwarders.apply(auth.syslogServers(admin));
        awaitStarted(lastSeq());
        List<Long> first = change(2, "up");
        await("tcp", hasSeq(first.get(1)));
        await("tls", hasSeq(first.get(1)));

        rsyslogd.close();
        List<Long> ten = change(10, "down");
        Thread.sleep(1_000); // let the forwarders find the server gone
        rsyslogd.start();
        for (String input : List.of("tcp", "tls")) {
            List<Received> got = await(input, hasSeq(ten.get(9)));
            List<Long> seqs = got.stream().map(Received::seq).toList();
            assertThat(seqs).as(input).containsSubsequence(ten);
            assertThat(seqs.subList(seqs.indexOf(ten.get(0)), seqs.size())).as(input + ": in order, each once").isEqualTo(ten);
        }

        // a controller restart: the new forwarders resume after the last record sent
        forwarders.close();
        List<Long> three = change(3, "restart");
        forwarders = forwarders(SyslogForwarders.LIMIT_BYTES);
        forwarders.apply(auth.syslogServers(admin));
        for (String input : List.of("tcp", "tls")) {
            List<Long> seqs = await(input, hasSeq(three.get(2))).stream().map(Received::seq).toList();
            assertThat(seqs).as(input + ": nothing lost or sent twice").doesNotHaveDuplicates().containsSubsequence(three);
        }
        assertThat(alerts).isEmpty();
    }

    @Test
    void aBacklogOverTheLimitDropsTheOldestWithAnAlert() throws Exception {
        rsyslogd.close();
        put("tcp", Protocol.TCP, rsyslogd.tcpPort, null);
        forwarders = forwarders(4096);
        forwarders.apply(auth.syslogServers(admin));
        awaitStarted(lastSeq());
        List<Long> seqs = change(40, "backlog"); // about 400 bytes each: far more than 4 KiB
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (alerts.isEmpty()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(alerts.get(0)).startsWith("CRITICAL Audit records not forwarded to syslog").contains("the oldest were dropped");
        rsyslogd.start();
        List<Long> got = await("tcp", hasSeq(seqs.get(39))).stream().map(Received::seq).toList();
        assertThat(got).as("only the newest, in order").isSorted().doesNotHaveDuplicates()
                .doesNotContain(seqs.get(0)).hasSizeLessThan(15).contains(seqs.get(39));
    }

    @Test
    void configurationIsValidatedAndAudited() {
        assertThatThrownBy(() -> put("r", Protocol.RELP, 2514, null)).hasMessageContaining("RELP is not supported yet");
        assertThatThrownBy(() -> put("p", Protocol.TCP, 70000, null)).hasMessageContaining("port 70000 is not 1-65535");
        assertThatThrownBy(() -> put("BAD NAME", Protocol.TCP, 514, null)).hasMessageContaining("name 'BAD NAME'");
        assertThatThrownBy(() -> put("c", Protocol.TCP, 514, rsyslogd.caPem)).hasMessageContaining("only applies to TLS");
        assertThatThrownBy(() -> put("t", Protocol.TLS, 6514, "not a pem")).hasMessageContaining("CA certificate");
        assertThatThrownBy(() -> auth.putSyslogServer(admin, new SyslogServer("h", "a b", 514, Protocol.UDP, null, List.of())))
                .hasMessageContaining("'a b' is not an IP address or host name");
        assertThatThrownBy(() -> auth.putSyslogServer(admin, new SyslogServer("m", "10.0.0.1", 514, Protocol.UDP, null,
                List.of(new Module("KERNEL", "INFO"))))).hasMessageContaining("the only module is AUDIT");
        assertThatThrownBy(() -> auth.putSyslogServer(admin, new SyslogServer("l", "10.0.0.1", 514, Protocol.UDP, null,
                List.of(new Module("AUDIT", "LOUD"))))).hasMessageContaining("level 'LOUD'");
        SyslogServer s = put("ok", Protocol.TLS, 6514, rsyslogd.caPem);
        assertThat(s.modules()).containsExactly(new Module("AUDIT", "INFO"));
        assertThat(auth.syslogServers(admin)).containsExactly(s);
        auth.deleteSyslogServer(admin, "ok");
        assertThatThrownBy(() -> auth.deleteSyslogServer(admin, "ok")).isInstanceOf(CairnException.class)
                .matches(e -> ((CairnException) e).code() == ErrorCode.NOT_FOUND);
        assertThat(audit.read(new AuditQuery(null, null, null, "audit.syslog_server.put", 0))).extracting(AuditRecord::result)
                .contains(AuditResult.FAILURE, AuditResult.SUCCESS);
        assertThat(audit.read(new AuditQuery(null, null, null, "audit.syslog_server.delete", 0))).extracting(AuditRecord::result)
                .containsExactly(AuditResult.SUCCESS, AuditResult.FAILURE);
    }

    @Test
    void msgidIsCutToTheRfcCharactersAndLength() {
        assertThat(SyslogMessage.msgid("auth.login")).isEqualTo("auth.login");
        assertThat(SyslogMessage.msgid("POST /api/v1/audit/syslog-servers/x")).isEqualTo("POST_/api/v1/audit/syslog-server").hasSize(32);
        assertThat(SyslogMessage.msgid("é")).isEqualTo("_");
        assertThat(SyslogMessage.msgid("")).isEqualTo("-");
    }

    @Test
    void verifyToolNamesTheEditedSeq() throws Exception {
        change(5, "v");
        Path log = dir.resolve("audit").resolve(FileAuditLog.FILE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(AuditTool.run(new String[] {"verify", log.toString()}, null, new PrintStream(out), new PrintStream(err))).isZero();
        assertThat(out.toString()).startsWith("intact:");

        List<String> lines = Files.readAllLines(log);
        int k = 3;
        long seq = FileAuditLog.seqOf(lines.get(k));
        lines.set(k, lines.get(k).replace("vm/v", "vm/w")); // one byte
        Files.write(log, lines, StandardCharsets.UTF_8);
        out.reset();
        assertThat(AuditTool.run(new String[] {"verify"}, dir.toString(), new PrintStream(out), new PrintStream(err)))
                .as("no home with logs/audit").isEqualTo(2);
        assertThat(AuditTool.run(new String[] {"verify", log.toString()}, null, new PrintStream(out), new PrintStream(err))).isEqualTo(1);
        assertThat(out.toString()).contains("BROKEN at seq " + seq + ":");
    }
}
