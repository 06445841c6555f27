package io.cairn.security.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.clock.ManualClock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.security.auth.AuditQuery;
import io.cairn.security.auth.AuditRecord;
import io.cairn.security.auth.AuditResult;
import io.cairn.security.auth.Caller;
import io.cairn.security.auth.DirectoryConfig;
import io.cairn.security.auth.Permission;
import io.cairn.security.auth.Principal;
import io.cairn.security.auth.Role;
import io.cairn.security.auth.RoleMapping;
import io.cairn.security.auth.Session;

/** Directory logins against a real slapd on 127.0.1.189 (spec 10 §9, spec 30 §9 acceptance). */
class LdapLoginTest {

    static final String IP = "192.0.2.20";
    @TempDir
    static Path tmp;
    static Slapd slapd;

    FakeZeus zeus;
    ManualClock clock;
    FileAuditLog audit;
    AuthService auth;
    Caller admin;

    @BeforeAll
    static void startSlapd() throws Exception {
        long t0 = System.nanoTime();
        slapd = new Slapd(tmp);
        System.out.println("slapd up (cert, slapadd, start) in " + (System.nanoTime() - t0) / 1_000_000 + " ms on " + slapd.ldaps()
                + " and " + slapd.ldap());
    }

    @AfterAll
    static void stopSlapd() throws Exception {
        if (slapd != null) {
            slapd.close();
        }
    }

    @BeforeEach
    void setUp() {
        zeus = new FakeZeus();
        clock = new ManualClock(Instant.parse("2026-12-05T10:00:00Z"));
        audit = new FileAuditLog(tmp.resolve("audit-" + System.nanoTime()), "node-1", clock, 1 << 20, 10);
        auth = new AuthService(zeus, clock, audit, AuthServiceTest.FAST);
        auth.createInitialAdmin("Adm1n-Secret!");
        admin = new Caller(auth.authenticate("admin", "Adm1n-Secret!", IP), IP);
    }

    static DirectoryConfig directory(String name, String url, boolean startTls, String ca) {
        return new DirectoryConfig(name, DirectoryConfig.Type.OPEN_LDAP, url, startTls, null, Slapd.BASE, Slapd.SVC_DN, Slapd.SVC_PW, "uid", ca,
                List.of(new RoleMapping(RoleMapping.Kind.GROUP, "ops", Role.OPERATOR),
                        new RoleMapping(RoleMapping.Kind.GROUP, "cn=view,ou=groups," + Slapd.BASE, Role.VIEWER)));
    }

    @Test
    void givenLdapsDirectory_whenMappedUsersLogIn_thenOperatorAndViewerRights() {
        auth.putDirectory(admin, directory("corp", slapd.ldaps(), false, slapd.caPem));
        long t0 = System.nanoTime();
        Principal u1 = auth.authenticate("u1", "U1-Password!", IP);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(u1.provider()).isEqualTo("corp");
        assertThat(u1.roles()).containsExactly(Role.OPERATOR);
        assertThat(u1.permits(Permission.parse("vm:operate"))).isTrue();
        assertThat(u1.permits(Permission.parse("role:create"))).isFalse();
        assertThatThrownBy(() -> auth.createRole(new Caller(u1, IP), "r", "", Set.of(Permission.parse("vm:view"))))
                .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.PERMISSION_DENIED));

        Principal u2 = auth.authenticate("u2", "U2-Password!", IP);
        assertThat(u2.roles()).containsExactly(Role.VIEWER);
        assertThat(u2.permits(Permission.parse("vm:operate"))).isFalse();
        assertThat(u2.permits(Permission.parse("vm:view"))).isTrue();

        Principal u3 = auth.authenticate("u3", "U3-Password!", IP);
        assertThat(u3.roles()).as("unmapped: authenticated, but 403 on everything").isEmpty();
        assertThat(u3.permits(Permission.parse("vm:view"))).isFalse();

        List<AuditRecord> logins = audit.read(new AuditQuery(null, null, null, "auth.login", 0));
        assertThat(logins).filteredOn(r -> r.provider().equals("corp")).extracting(AuditRecord::user).containsExactly("u1", "u2", "u3");
        assertThat(audit.read(new AuditQuery(null, null, null, "auth.directory.put", 0))).singleElement()
                .satisfies(r -> assertThat(r.result()).isEqualTo(AuditResult.SUCCESS));
        assertThat(auth.directories(admin)).singleElement().satisfies(d -> assertThat(d.serviceAccountPassword()).isEqualTo("********"));
        System.out.println("LDAPS search-then-bind login of u1: " + ms + " ms");
    }

    @Test
    void givenStartTlsDirectory_whenWrongPasswordOrUnknownUser_then401AndAudited() {
        auth.putDirectory(admin, directory("corp-starttls", slapd.ldap(), true, slapd.caPem));
        assertThat(auth.authenticate("u2", "U2-Password!", IP).roles()).containsExactly(Role.VIEWER);
        assertThatThrownBy(() -> auth.authenticate("u2", "wrong", IP)).hasMessage("wrong user name or password");
        assertThatThrownBy(() -> auth.authenticate("u2", "", IP)).hasMessage("wrong user name or password");
        assertThatThrownBy(() -> auth.authenticate("nobody", "U2-Password!", IP)).hasMessage("wrong user name or password");
        assertThatThrownBy(() -> auth.authenticate("u1)(uid=*", "U1-Password!", IP)).hasMessage("wrong user name or password");
        List<AuditRecord> failures = audit.read(new AuditQuery(null, null, null, "auth.login", 0)).stream()
                .filter(r -> r.result() == AuditResult.FAILURE).toList();
        assertThat(failures).extracting(AuditRecord::user).containsExactly("u2", "u2", "nobody", "u1)(uid=*");
    }

    @Test
    void givenDirectorySession_whenReplayed_thenValidUntilIdle() {
        auth.putDirectory(admin, directory("corp", slapd.ldaps(), false, slapd.caPem));
        Session s = auth.createSession(auth.authenticate("u1", "U1-Password!", IP), IP);
        clock.advance(Duration.ofMinutes(10));
        Principal again = auth.validateSession(s.token(), IP).principal();
        assertThat(again.provider()).isEqualTo("corp");
        assertThat(again.permits(Permission.parse("vm:operate"))).isTrue();
        clock.advance(Duration.ofMinutes(16));
        assertThatThrownBy(() -> auth.validateSession(s.token(), IP)).hasMessageContaining("idle timeout");
    }

    @Test
    void givenUnsafeOrWrongTls_whenDirectoryAdded_thenRefused() throws Exception {
        assertThatThrownBy(() -> auth.putDirectory(admin, directory("plain", slapd.ldap(), false, slapd.caPem)))
                .hasMessageContaining("plain ldap:// is refused");
        // another CA than the server's: the TLS handshake fails, nothing is stored
        Path other = tmp.resolve("other");
        java.nio.file.Files.createDirectories(other);
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", other.resolve("k.pem").toString(),
                "-out", other.resolve("c.pem").toString(), "-days", "1", "-subj", "/CN=" + Slapd.HOST).redirectErrorStream(true)
                .redirectOutput(other.resolve("log").toFile()).start();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String wrongCa = java.nio.file.Files.readString(other.resolve("c.pem"));
        assertThatThrownBy(() -> auth.putDirectory(admin, directory("corp", slapd.ldaps(), false, wrongCa)))
                .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE)).hasMessageContaining("not reachable over TLS");
        assertThatThrownBy(() -> auth.putDirectory(admin, directory("corp", slapd.ldap(), true, wrongCa)))
                .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE));
        DirectoryConfig badSvc = new DirectoryConfig("corp", DirectoryConfig.Type.OPEN_LDAP, slapd.ldaps(), false, null, Slapd.BASE,
                Slapd.SVC_DN, "not-it", "uid", slapd.caPem, List.of());
        assertThatThrownBy(() -> auth.putDirectory(admin, badSvc)).hasMessageContaining("refused its service account");
        assertThat(auth.directories(admin)).isEmpty();
        assertThat(audit.read(new AuditQuery(null, null, null, "auth.directory.put", 0))).extracting(AuditRecord::result)
                .containsOnly(AuditResult.FAILURE).hasSize(4);
    }

    @Test
    void givenDirectoryDown_whenLogins_thenDirectoryUsers401LocalUsersFine() throws Exception {
        // a second slapd of its own, stopped in the middle
        Path own = tmp.resolve("down");
        java.nio.file.Files.createDirectories(own);
        try (Slapd s2 = new Slapd(own)) {
            auth.putDirectory(admin, directory("corp", s2.ldaps(), false, s2.caPem));
            assertThat(auth.authenticate("u1", "U1-Password!", IP).roles()).containsExactly(Role.OPERATOR);
            s2.close();
            assertThat(s2.alive()).isFalse();
            assertThatThrownBy(() -> auth.authenticate("u1", "U1-Password!", IP)).hasMessage("wrong user name or password")
                    .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
            assertThat(audit.read(new AuditQuery(null, null, "u1", "auth.login", 1))).singleElement().satisfies(r -> {
                assertThat(r.result()).isEqualTo(AuditResult.FAILURE);
                assertThat(r.details()).containsEntry("reason", "directory unreachable").containsKey("directories");
            });
            assertThat(auth.authenticate("admin", "Adm1n-Secret!", IP).permits(Permission.parse("vm:create"))).isTrue();
        }
    }
}
