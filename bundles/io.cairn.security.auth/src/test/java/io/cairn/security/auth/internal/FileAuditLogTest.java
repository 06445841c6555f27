package io.cairn.security.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.clock.ManualClock;
import io.cairn.security.auth.AuditEvent;
import io.cairn.security.auth.AuditQuery;
import io.cairn.security.auth.AuditRecord;
import io.cairn.security.auth.AuditResult;
import io.cairn.security.auth.AuditVerification;

class FileAuditLogTest {

    @TempDir
    Path dir;
    final ManualClock clock = new ManualClock(Instant.parse("2026-12-05T10:00:00Z"));

    private FileAuditLog logWith(int records) {
        FileAuditLog log = new FileAuditLog(dir, "node-1", clock, 1 << 20, 10);
        for (int i = 1; i <= records; i++) {
            clock.advance(Duration.ofMillis(1500));
            log.record(new AuditEvent("alice", "local", "192.0.2.7", "POST /api/v1/vms", "vm/web" + i, AuditResult.SUCCESS,
                    Map.of("status", "201", "method", "POST")));
        }
        return log;
    }

    private Path file() {
        return dir.resolve(FileAuditLog.FILE);
    }

    @Test
    void givenRecords_whenWritten_thenSpecFieldsChainedAndIntact() throws Exception {
        FileAuditLog log = logWith(3);
        List<String> lines = Files.readAllLines(file());
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("{\"ts\":\"2026-12-05T10:00:01.500Z\",\"node\":\"node-1\",\"seq\":1,\"actor\":{\"user\":\"alice\","
                + "\"provider\":\"local\",\"sourceIp\":\"192.0.2.7\"},\"action\":\"POST /api/v1/vms\",\"target\":\"vm/web1\",\"result\":\"SUCCESS\","
                + "\"details\":{\"method\":\"POST\",\"status\":\"201\"},\"prevHash\":\"" + "0".repeat(64) + "\",\"hash\":\""
                + log.read(AuditQuery.all()).get(0).hash() + "\"}");
        List<AuditRecord> rs = log.read(AuditQuery.all());
        assertThat(rs.get(1).prevHash()).isEqualTo(rs.get(0).hash());
        assertThat(rs.get(2).prevHash()).isEqualTo(rs.get(1).hash());
        assertThat(rs.get(0).hash()).isEqualTo(FileAuditLog.sha256(lines.get(0).substring(0, lines.get(0).indexOf(",\"hash\"")) + "}"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-r-----");
        assertThat(log.verify()).isEqualTo(new AuditVerification(true, 3, -1, "intact"));
        assertThat(log.read(new AuditQuery(Instant.parse("2026-12-05T10:00:02Z"), null, "alice", null, 1))).singleElement()
                .satisfies(r -> assertThat(r.seq()).isEqualTo(3));
    }

    @Test
    void givenOneEditedByte_whenVerified_thenThatSeqNamed() throws Exception {
        logWith(5).close();
        String text = Files.readString(file());
        int at = text.indexOf("vm/web3");
        Files.writeString(file(), text.substring(0, at) + "vm/web8" + text.substring(at + 7));
        AuditVerification v = new FileAuditLog(dir, "node-1", clock, 1 << 20, 10).verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBadSeq()).isEqualTo(3);
        assertThat(v.reason()).contains("modified");
    }

    @Test
    void givenDeletedLine_whenVerified_thenTheGapNamed() throws Exception {
        logWith(5).close();
        List<String> lines = new ArrayList<>(Files.readAllLines(file()));
        lines.remove(1);
        Files.write(file(), lines);
        AuditVerification v = FileAuditLog.verify(List.of(file()));
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBadSeq()).isEqualTo(3);
        assertThat(v.reason()).contains("follows seq 1");
    }

    @Test
    void givenSwappedLines_whenVerified_thenFound() throws Exception {
        logWith(5).close();
        List<String> lines = new ArrayList<>(Files.readAllLines(file()));
        String l = lines.remove(3);
        lines.add(2, l);
        Files.write(file(), lines);
        AuditVerification v = FileAuditLog.verify(List.of(file()));
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBadSeq()).isEqualTo(4);
    }

    @Test
    void givenRecomputedHashButStaleLink_whenVerified_thenFound() throws Exception {
        // rewriting a record and its own hash is not enough: the next record names the old hash
        logWith(4).close();
        List<String> lines = new ArrayList<>(Files.readAllLines(file()));
        String body = lines.get(1).substring(0, lines.get(1).indexOf(",\"hash\"")).replace("vm/web2", "vm/evil") + "}";
        lines.set(1, body.substring(0, body.length() - 1) + ",\"hash\":\"" + FileAuditLog.sha256(body) + "\"}");
        Files.write(file(), lines);
        AuditVerification v = FileAuditLog.verify(List.of(file()));
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBadSeq()).isEqualTo(3);
        assertThat(v.reason()).contains("does not link to seq 2");
    }

    @Test
    void givenRotationAndRestart_whenMoreRecords_thenChainSpansFilesAndOldestDropped() throws Exception {
        FileAuditLog log = new FileAuditLog(dir, "node-1", clock, 2048, 3);
        for (int i = 0; i < 40; i++) {
            log.record(new AuditEvent("bob", "local", "", "user.create", "user/u" + i, AuditResult.SUCCESS, Map.of()));
        }
        log.close();
        FileAuditLog again = new FileAuditLog(dir, "node-1", clock, 2048, 3);
        AuditRecord next = again.record(new AuditEvent("bob", "local", "", "user.delete", "user/u0", AuditResult.SUCCESS, Map.of()));
        assertThat(next.seq()).isEqualTo(41);
        assertThat(Files.exists(dir.resolve("audit.log.1"))).isTrue();
        assertThat(Files.exists(dir.resolve("audit.log.2"))).isTrue();
        assertThat(Files.exists(dir.resolve("audit.log.3"))).isFalse();
        List<AuditRecord> kept = again.read(AuditQuery.all());
        assertThat(kept.get(kept.size() - 1).seq()).isEqualTo(41);
        assertThat(kept.get(0).seq()).isGreaterThan(1);
        AuditVerification v = again.verify();
        assertThat(v.intact()).isTrue();
        assertThat(v.records()).isEqualTo(kept.size());
        System.out.println("rotation at 2 KiB, 3 files: " + kept.size() + " of 41 records kept, seq " + kept.get(0).seq() + "..41, "
                + Files.size(file()) + " B in the current file");
        // a middle file removed: the chain shows the gap
        Files.delete(dir.resolve("audit.log.1"));
        assertThat(again.verify().intact()).isFalse();
    }

    @Test
    void givenClosedLog_whenRecording_thenUnavailableNotSilent() throws Exception {
        FileAuditLog log = logWith(1);
        log.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.record(new AuditEvent("a", "local", "", "x", "", AuditResult.SUCCESS,
                Map.of()))).hasMessageContaining("closed; nothing was recorded");
        assertThat(Files.readAllLines(file(), StandardCharsets.UTF_8)).hasSize(1);
    }
}
