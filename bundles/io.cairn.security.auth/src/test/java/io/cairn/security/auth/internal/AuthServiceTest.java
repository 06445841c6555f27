package io.cairn.security.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.clock.ManualClock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.security.auth.AccountAdmin;
import io.cairn.security.auth.Action;
import io.cairn.security.auth.AuditQuery;
import io.cairn.security.auth.AuditRecord;
import io.cairn.security.auth.AuditResult;
import io.cairn.security.auth.Caller;
import io.cairn.security.auth.EntityTypes;
import io.cairn.security.auth.Permission;
import io.cairn.security.auth.Principal;
import io.cairn.security.auth.Role;
import io.cairn.security.auth.Session;
import io.cairn.security.auth.UserInfo;

class AuthServiceTest {

    static final String IP = "192.0.2.10";
    static final AuthSettings FAST = new AuthSettings(5, Duration.ofSeconds(900), Duration.ofSeconds(900), Duration.ofHours(8), 1024, 1, 1,
            false);

    @TempDir
    Path dir;
    FakeZeus zeus;
    ManualClock clock;
    FileAuditLog audit;
    AuthService auth;
    Caller admin;

    @BeforeEach
    void setUp() {
        zeus = new FakeZeus();
        clock = new ManualClock(Instant.parse("2026-12-05T10:00:00Z"));
        audit = new FileAuditLog(dir.resolve("audit"), "node-1", clock, 1 << 20, 10);
        auth = new AuthService(zeus, clock, audit, FAST);
        auth.createInitialAdmin("Adm1n-Secret!");
        admin = new Caller(auth.authenticate("admin", "Adm1n-Secret!", IP), IP);
    }

    private List<AuditRecord> records(String action) {
        return audit.read(new AuditQuery(null, null, null, action, 0));
    }

    @Test
    void givenGeneratedInitialAdmin_whenFirstLogin_thenNothingAllowedUntilPasswordChanged() {
        FakeZeus z = new FakeZeus();
        AuthService a = new AuthService(z, clock, audit, FAST);
        String pw = a.createInitialAdmin();
        assertThat(pw).hasSize(20);
        assertThat(new String(z.docs.get("auth/users/admin").data())).doesNotContain(pw).contains("$argon2id$v=19$m=1024,t=1,p=1$");
        assertThatThrownBy(a::createInitialAdmin).isInstanceOf(CairnException.class)
                .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.ALREADY_EXISTS));

        Principal first = a.authenticate("admin", pw, IP);
        assertThat(first.passwordChangeRequired()).isTrue();
        assertThat(a.authorize(first, Permission.of(EntityTypes.VM, Action.VIEW))).isFalse();
        assertThatThrownBy(() -> a.users(new Caller(first, IP))).hasMessageContaining("must change the password first");

        a.changePassword("admin", pw, "N3w-Admin-Pass", IP);
        Principal after = a.authenticate("admin", "N3w-Admin-Pass", IP);
        assertThat(after.passwordChangeRequired()).isFalse();
        assertThat(a.authorize(after, Permission.of(EntityTypes.CLUSTER_SETTINGS, Action.UPDATE))).isTrue();
        assertThatThrownBy(() -> a.authenticate("admin", pw, IP)).hasMessage("wrong user name or password");
    }

    @Test
    void givenNoPassword_whenInitialAdminCreated_thenRefused() {
        AuthService a = new AuthService(new FakeZeus(), clock, audit, FAST);
        assertThatThrownBy(() -> a.createInitialAdmin((String) null)).hasMessageContaining("at least 8");
        assertThatThrownBy(() -> a.createInitialAdmin("")).hasMessageContaining("at least 8");
    }

    @Test
    void givenFiveBadPasswords_whenSixthLogin_thenLockedEvenWithTheRightPasswordUntilFifteenMinutes() {
        auth.createUser(admin, "alice", "Al1ce-Password", Set.of(Role.OPERATOR));
        for (int i = 1; i <= 5; i++) {
            assertThatThrownBy(() -> auth.authenticate("alice", "wrong", IP)).hasMessage("wrong user name or password");
        }
        CairnException locked = (CairnException) org.assertj.core.api.Assertions.catchThrowable(() -> auth.authenticate("alice",
                "Al1ce-Password", IP));
        assertThat(locked.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
        assertThat(locked.getMessage()).isEqualTo("account alice is locked until 2026-12-05T10:15:00Z");
        assertThatThrownBy(() -> auth.authenticate("alice", "wrong", IP)).hasMessage(locked.getMessage());
        assertThat(auth.user(admin, "alice").lockedUntil()).isEqualTo(Instant.parse("2026-12-05T10:15:00Z"));

        clock.advance(Duration.ofMinutes(15).minusSeconds(1));
        assertThatThrownBy(() -> auth.authenticate("alice", "Al1ce-Password", IP)).hasMessageContaining("locked until");
        clock.advance(Duration.ofSeconds(1));
        Principal alice = auth.authenticate("alice", "Al1ce-Password", IP);
        assertThat(alice.roles()).containsExactly(Role.OPERATOR);
        assertThat(auth.user(admin, "alice").failures()).isZero();

        List<AuditRecord> logins = records("auth.login").stream().filter(r -> r.user().equals("alice")).toList();
        assertThat(logins).extracting(AuditRecord::result).containsExactly(AuditResult.FAILURE, AuditResult.FAILURE, AuditResult.FAILURE,
                AuditResult.FAILURE, AuditResult.FAILURE, AuditResult.FAILURE, AuditResult.FAILURE, AuditResult.FAILURE, AuditResult.SUCCESS);
        assertThat(logins.get(4).details()).containsEntry("failures", "5").containsEntry("lockedUntil", "2026-12-05T10:15:00Z");
        assertThat(logins.get(5).details()).containsEntry("reason", "locked");
    }

    @Test
    void givenLockedUser_whenAdminUnlocks_thenLoginWorks() {
        auth.createUser(admin, "bob", "B0b-Password!", Set.of(Role.VIEWER));
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> auth.authenticate("bob", "nope", IP)).isInstanceOf(CairnException.class);
        }
        assertThatThrownBy(() -> auth.authenticate("bob", "B0b-Password!", IP)).hasMessageContaining("locked until");
        UserInfo u = auth.unlock(admin, "bob");
        assertThat(u.lockedUntil()).isNull();
        assertThat(auth.authenticate("bob", "B0b-Password!", IP).username()).isEqualTo("bob");
        assertThat(records("user.unlock")).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("admin");
            assertThat(r.target()).isEqualTo("user/bob");
            assertThat(r.result()).isEqualTo(AuditResult.SUCCESS);
        });
    }

    @Test
    void givenUnknownUser_whenLogin_thenSame401AndAudited() {
        assertThatThrownBy(() -> auth.authenticate("nobody", "whatever", IP)).hasMessage("wrong user name or password");
        assertThatThrownBy(() -> auth.authenticate("x".repeat(10_000), "whatever", IP)).hasMessage("wrong user name or password");
        assertThat(records("auth.login")).last().satisfies(r -> assertThat(r.user()).hasSize(AuthService.MAX_LOGIN + 3));
        assertThatThrownBy(() -> auth.authenticate("admin", "x".repeat(AuthService.MAX_PASSWORD + 1), IP))
                .hasMessage("wrong user name or password");
        assertThat(records("auth.login")).filteredOn(r -> r.user().equals("nobody")).last().satisfies(r -> {
            assertThat(r.user()).isEqualTo("nobody");
            assertThat(r.result()).isEqualTo(AuditResult.FAILURE);
            assertThat(r.sourceIp()).isEqualTo(IP);
        });
    }

    @Test
    void givenSession_whenReplayedAndIdle15Minutes_thenValidThenExpired() {
        auth.createUser(admin, "carol", "C4rol-Password", Set.of(Role.VIEWER));
        Session s = auth.createSession(auth.authenticate("carol", "C4rol-Password", IP), IP);
        assertThat(s.token()).hasSizeGreaterThanOrEqualTo(43);
        assertThat(zeus.docs.keySet()).noneMatch(k -> k.contains(s.token()));
        assertThat(s.idleExpiresAt()).isEqualTo(clock.now().plusSeconds(900));

        clock.advance(Duration.ofMinutes(14));
        Session again = auth.validateSession(s.token(), IP);
        assertThat(again.principal().username()).isEqualTo("carol");
        assertThat(again.token()).isNull();
        clock.advance(Duration.ofMinutes(14));
        assertThat(auth.validateSession(s.token(), IP).principal().roles()).containsExactly(Role.VIEWER);

        clock.advance(Duration.ofMinutes(15));
        assertThatThrownBy(() -> auth.validateSession(s.token(), IP)).hasMessageContaining("idle timeout")
                .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
        assertThatThrownBy(() -> auth.validateSession(s.token(), IP)).hasMessageContaining("no valid session");
        assertThat(records("auth.session.expire")).hasSize(1);
    }

    @Test
    void givenBusySession_whenEightHoursPass_thenAbsoluteExpiry() {
        Session s = auth.createSession(admin.principal(), IP);
        for (int i = 0; i < 8 * 6 - 1; i++) {
            clock.advance(Duration.ofMinutes(10));
            auth.validateSession(s.token(), IP);
        }
        clock.advance(Duration.ofMinutes(10));
        assertThatThrownBy(() -> auth.validateSession(s.token(), IP)).hasMessageContaining("absolute lifetime");
    }

    @Test
    void givenLogout_whenTokenReplayed_then401AndRolesFollowChanges() {
        auth.createUser(admin, "dave", "D4ve-Password", Set.of(Role.VIEWER));
        Session s = auth.createSession(auth.authenticate("dave", "D4ve-Password", IP), IP);
        auth.setRoles(admin, "dave", Set.of(Role.OPERATOR));
        assertThat(auth.validateSession(s.token(), IP).principal().roles()).containsExactly(Role.OPERATOR);
        auth.revokeSession(s.token(), IP);
        assertThatThrownBy(() -> auth.validateSession(s.token(), IP)).hasMessageContaining("no valid session");
        assertThatThrownBy(() -> auth.validateSession("forged", IP)).hasMessageContaining("no valid session");
        assertThat(records("auth.logout")).singleElement().satisfies(r -> assertThat(r.user()).isEqualTo("dave"));
    }

    @Test
    void givenBuiltInRoles_whenAuthorised_thenSpec10Rights() {
        auth.createUser(admin, "op", "Op3rator-Pass", Set.of(Role.OPERATOR));
        auth.createUser(admin, "view", "V1ewer-Pass!", Set.of(Role.VIEWER));
        Principal op = auth.authenticate("op", "Op3rator-Pass", IP);
        Principal view = auth.authenticate("view", "V1ewer-Pass!", IP);
        assertThat(op.permits(Permission.parse("vm:operate"))).isTrue();
        assertThat(op.permits(Permission.parse("volume_group:create"))).isTrue();
        assertThat(op.permits(Permission.parse("alert:update"))).isTrue();
        assertThat(op.permits(Permission.parse("container:view"))).isTrue();
        assertThat(op.permits(Permission.parse("role:create"))).isFalse();
        assertThat(op.permits(Permission.parse("user:update"))).isFalse();
        assertThat(op.permits(Permission.parse("upgrade:operate"))).isFalse();
        assertThat(op.permits(Permission.parse("cluster_settings:update"))).isFalse();
        assertThat(view.permits(Permission.parse("vm:view"))).isTrue();
        assertThat(view.permits(Permission.parse("vm:operate"))).isFalse();
        assertThat(view.permits(Permission.parse("audit:view"))).isFalse();
        assertThat(admin.principal().permits(Permission.parse("audit:view"))).isTrue();
        assertThatThrownBy(() -> auth.createRole(new Caller(op, IP), "x", "", Set.of(Permission.parse("vm:view"))))
                .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
                .hasMessage("permission denied: op may not create role");
        assertThatThrownBy(() -> auth.check(new Caller(view, IP), Permission.parse("vm:operate"))).hasMessageContaining("permission denied");
        assertThat(records("role.create")).singleElement().satisfies(r -> assertThat(r.result()).isEqualTo(AuditResult.DENIED));
        assertThat(records("auth.check")).singleElement().satisfies(r -> assertThat(r.target()).isEqualTo("vm:operate"));
    }

    @Test
    void givenCustomRoleVmViewOperate_whenUsed_thenPowersVmsButCannotCreate() {
        Role r = auth.createRole(admin, "vm-power", "power VMs", Set.of(Permission.parse("vm:view"), Permission.parse("vm:operate")));
        assertThat(r.builtIn()).isFalse();
        auth.createUser(admin, "eve", "Ev3-Password!", Set.of("vm-power"));
        Principal eve = auth.authenticate("eve", "Ev3-Password!", IP);
        assertThat(eve.permits(Permission.parse("vm:operate"))).isTrue();
        assertThat(eve.permits(Permission.parse("vm:create"))).isFalse();
        assertThat(eve.permits(Permission.parse("image:view"))).isFalse();

        auth.updateRole(admin, "vm-power", "and create", Set.of(Permission.parse("vm:view"), Permission.parse("vm:create")));
        assertThat(auth.authenticate("eve", "Ev3-Password!", IP).permits(Permission.parse("vm:create"))).isTrue();
        assertThatThrownBy(() -> auth.deleteRole(admin, "vm-power")).hasMessageContaining("still bound (users [eve]");
        assertThatThrownBy(() -> auth.updateRole(admin, Role.VIEWER, "", Set.of(Permission.parse("vm:create"))))
                .hasMessageContaining("built-in role and cannot be changed");
        assertThatThrownBy(() -> auth.createRole(admin, "bad", "", Set.of(Permission.parse("vm:fly")))).hasMessageContaining("unknown action");
        assertThatThrownBy(() -> Permission.parse("spaceship:view")).hasMessageContaining("unknown entity type");
        auth.setRoles(admin, "eve", Set.of(Role.VIEWER));
        auth.deleteRole(admin, "vm-power");
        assertThat(auth.roles(admin)).extracting(Role::name).containsExactly(Role.CLUSTER_ADMIN, Role.OPERATOR, Role.USER_ADMIN, Role.VIEWER);
    }

    @Test
    void givenUserAdmin_whenGrantingClusterAdmin_thenRefused() {
        auth.createUser(admin, "ua", "Us3r-Admin-Pass", Set.of(Role.USER_ADMIN));
        Caller ua = new Caller(auth.authenticate("ua", "Us3r-Admin-Pass", IP), IP);
        auth.createUser(ua, "frank", "Fr4nk-Password", Set.of(Role.VIEWER));
        assertThatThrownBy(() -> auth.createUser(ua, "gil", "G1l-Password!", Set.of(Role.OPERATOR)))
                .hasMessageContaining("cannot grant role operator");
        assertThatThrownBy(() -> auth.setRoles(ua, "ua", Set.of(Role.CLUSTER_ADMIN))).hasMessageContaining("cannot grant role cluster-admin");
        assertThatThrownBy(() -> auth.resetPassword(ua, "admin", "Tak3over-Pass")).hasMessageContaining("cannot grant role cluster-admin");
        assertThatThrownBy(() -> auth.createRole(ua, "sneaky", "", Set.of(Permission.parse("vm:operate"))))
                .hasMessageContaining("without holding it");
    }

    @Test
    void givenLastClusterAdmin_whenDeletedOrDemoted_thenRefused() {
        assertThatThrownBy(() -> auth.deleteUser(admin, "admin")).hasMessageContaining("last local Cluster Admin");
        assertThatThrownBy(() -> auth.setRoles(admin, "admin", Set.of(Role.VIEWER))).hasMessageContaining("last local Cluster Admin");
    }

    @Test
    void givenPasswordChanges_whenReusedOrReset_thenPolicyAndSessionsFollow() {
        auth.createUser(admin, "gina", "G1na-Password", Set.of(Role.VIEWER));
        assertThatThrownBy(() -> auth.createUser(admin, "gina", "G1na-Password", Set.of())).hasMessageContaining("exists already");
        assertThatThrownBy(() -> auth.createUser(admin, "Bad Name", "G1na-Password", Set.of())).hasMessageContaining("must be 1-64");
        assertThatThrownBy(() -> auth.changePassword("gina", "G1na-Password", "G1na-Password", IP)).hasMessageContaining("different");
        auth.changePassword("gina", "G1na-Password", "Xyz-7890-Qwe", IP);
        assertThatThrownBy(() -> auth.changePassword("gina", "Xyz-7890-Qwe", "G1na-Password", IP)).hasMessageContaining("last 5");
        Session s = auth.createSession(auth.authenticate("gina", "Xyz-7890-Qwe", IP), IP);
        auth.resetPassword(admin, "gina", "Rst-Pass-4567");
        assertThatThrownBy(() -> auth.validateSession(s.token(), IP)).hasMessageContaining("no valid session");
        assertThat(auth.authenticate("gina", "Rst-Pass-4567", IP).passwordChangeRequired()).isTrue();
        auth.deleteUser(admin, "gina");
        assertThatThrownBy(() -> auth.authenticate("gina", "Rst-Pass-4567", IP)).hasMessage("wrong user name or password");
    }

    @Test
    void givenALoginRacingAPasswordChange_whenItsSessionIsUsed_thenItEndsWithTheOldPassword() {
        auth.createUser(admin, "rita", "R1ta-Password", Set.of(Role.VIEWER));
        auth.changePassword("rita", "R1ta-Password", "R1ta-Second-1", IP); // no forced change pending
        // the password is checked, then (before the session document is written) it is changed elsewhere
        zeus.beforeWrite = () -> auth.changePassword("rita", "R1ta-Second-1", "R1ta-Third-22", IP);
        Session raced = auth.login("rita", "R1ta-Second-1", IP);
        assertThat(zeus.beforeWrite).isNull(); // the change really ran between the check and the session's write
        assertThatThrownBy(() -> auth.validateSession(raced.token(), IP)).isInstanceOf(CairnException.class)
                .hasMessageContaining("the password changed after this session was opened");
        assertThatThrownBy(() -> auth.validateSession(raced.token(), IP)).hasMessageContaining("no valid session"); // and it is gone

        Session fresh = auth.login("rita", "R1ta-Third-22", IP);
        assertThat(auth.validateSession(fresh.token(), IP).principal().username()).isEqualTo("rita");
        assertThatThrownBy(() -> auth.login("rita", "R1ta-Second-1", IP)).hasMessage("wrong user name or password");
        // a session opened by createSession is bound to the password current at that moment
        Session made = auth.createSession(auth.authenticate("rita", "R1ta-Third-22", IP), IP);
        assertThat(auth.validateSession(made.token(), IP).principal().username()).isEqualTo("rita");
    }

    @Test
    void givenEveryMutation_whenDone_thenOneAuditRecordEachAndTheChainVerifies() {
        auth.createUser(admin, "hank", "H4nk-Password", Set.of(Role.VIEWER));
        auth.setRoles(admin, "hank", Set.of(Role.OPERATOR));
        auth.resetPassword(admin, "hank", "Hnk-New-Pass1");
        auth.changePassword("hank", "Hnk-New-Pass1", "Zqw-Fresh-987", IP);
        auth.unlock(admin, "hank");
        auth.createRole(admin, "r1", "", Set.of(Permission.parse("vm:view")));
        auth.updateRole(admin, "r1", "", Set.of(Permission.parse("vm:operate")));
        auth.deleteRole(admin, "r1");
        auth.deleteUser(admin, "hank");
        assertThatThrownBy(() -> auth.deleteUser(admin, "hank")).hasMessageContaining("no local user named hank");

        List<String> mutations = audit.read(AuditQuery.all()).stream().filter(r -> !r.action().startsWith("auth."))
                .map(r -> r.action() + " " + r.target() + " " + r.result() + " by " + r.user()).toList();
        assertThat(mutations).containsExactly(
                "user.create user/admin SUCCESS by -",
                "user.create user/hank SUCCESS by admin",
                "user.set_roles user/hank SUCCESS by admin",
                "user.reset_password user/hank SUCCESS by admin",
                "user.change_password user/hank SUCCESS by hank",
                "user.unlock user/hank SUCCESS by admin",
                "role.create role/r1 SUCCESS by admin",
                "role.update role/r1 SUCCESS by admin",
                "role.delete role/r1 SUCCESS by admin",
                "user.delete user/hank SUCCESS by admin",
                "user.delete user/hank FAILURE by admin");
        assertThat(audit.read(AuditQuery.all())).allSatisfy(r -> assertThat(r.details().values()).noneMatch(v -> v.contains("Pass")));
        assertThat(audit.verify().intact()).isTrue();
    }

    @Test
    void givenAuditLogNotWritable_whenChangeOrLogin_thenChangeRefusedLoginAllowed() {
        audit.close();
        assertThatThrownBy(() -> auth.createUser(admin, "jill", "J1ll-Password", Set.of(Role.VIEWER)))
                .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE)).hasMessageContaining("refused");
        assertThat(zeus.docs).doesNotContainKey("auth/users/jill");
        assertThat(auth.authenticate("admin", "Adm1n-Secret!", IP).username()).isEqualTo("admin");
        assertThatThrownBy(() -> auth.authenticate("admin", "wrong", IP)).hasMessage("wrong user name or password");
    }

    @Test
    void givenConcurrentWriteOnAnotherNode_whenFailureCounted_thenNotLost() {
        auth.createUser(admin, "ivan", "Iv4n-Password", Set.of(Role.VIEWER));
        AuthService otherNode = new AuthService(zeus, clock, audit, FAST);
        zeus.beforeWrite = () -> assertThatThrownBy(() -> otherNode.authenticate("ivan", "bad", IP)).isInstanceOf(CairnException.class);
        assertThatThrownBy(() -> auth.authenticate("ivan", "bad", IP)).isInstanceOf(CairnException.class);
        assertThat(auth.user(admin, "ivan").failures()).isEqualTo(2);
        assertThat(AccountAdmin.ADMIN).isEqualTo("admin");
    }
}
