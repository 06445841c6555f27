package io.cairn.security.auth.internal;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.Zeus;
import io.cairn.common.alerts.AlertService;
import io.cairn.common.alerts.Severity;
import io.cairn.common.clock.Clock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.security.auth.AccountAdmin;
import io.cairn.security.auth.AuditForwarding;
import io.cairn.security.auth.SyslogServer;
import io.cairn.security.auth.Action;
import io.cairn.security.auth.AuditEvent;
import io.cairn.security.auth.AuditLog;
import io.cairn.security.auth.AuditResult;
import io.cairn.security.auth.Authenticator;
import io.cairn.security.auth.Caller;
import io.cairn.security.auth.DirectoryConfig;
import io.cairn.security.auth.EntityTypes;
import io.cairn.security.auth.Permission;
import io.cairn.security.auth.Principal;
import io.cairn.security.auth.Role;
import io.cairn.security.auth.RoleMapping;
import io.cairn.security.auth.Session;
import io.cairn.security.auth.UserInfo;
import io.cairn.security.auth.internal.AuthStore.RoleDoc;
import io.cairn.security.auth.internal.AuthStore.SessionDoc;
import io.cairn.security.auth.internal.AuthStore.UserDoc;

/**
 * Authentication, sessions and account administration over the Zeus documents of {@link AuthStore};
 * every login and every change is written to the {@link AuditLog}.
 */
@Component(service = {Authenticator.class, AccountAdmin.class, AuditForwarding.class}, configurationPid = AuthConfig.PID,
        property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
@Designate(ocd = AuthConfig.class)
public final class AuthService implements Authenticator, AccountAdmin, AuditForwarding {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** Lower and upper case letters, digits and symbols without look-alikes, for generated passwords. */
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+-=?@^_";
    private static final int GENERATED_LENGTH = 20;
    /** Longer login names and passwords are refused before any lookup or hashing. */
    static final int MAX_LOGIN = 256;
    static final int MAX_PASSWORD = 1024;
    /** A session's last use is written back at most this often (it is checked against the idle timeout on every use). */
    private static final long TOUCH_MS = 30_000;

    private final Logger logger = LoggerFactory.getLogger(AuthService.class);
    private final AuthStore store;
    private final Clock clock;
    private final AuditLog audit;
    private final AuthSettings settings;
    private final SecureRandom random;
    private final PasswordHasher hasher;

    @Activate
    public AuthService(@Reference Zeus zeus, @Reference Clock clock, @Reference AuditLog audit, AuthConfig config) {
        this(zeus, clock, audit, AuthSettings.of(config));
    }

    AuthService(Zeus zeus, Clock clock, AuditLog audit, AuthSettings settings) {
        this.store = new AuthStore(zeus);
        this.clock = clock;
        this.audit = audit;
        this.settings = settings;
        if (settings.maxFailures() < 1 || settings.lockout().isNegative() || settings.idleTimeout().isZero()
                || settings.absoluteTimeout().isZero()) {
            throw CairnException.invalid("lockout needs at least 1 failure and positive lockout and session timeouts");
        }
        try {
            // spec 30 §1: randomness from the provider's DRBG
            this.random = SecureRandom.getInstance("DEFAULT", new BouncyCastleProvider());
        } catch (NoSuchAlgorithmException e) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "the Bouncy Castle DRBG is not available: " + e.getMessage(), e);
        }
        this.hasher = new PasswordHasher(settings.argon2MemoryKib(), settings.argon2Iterations(), settings.argon2Parallelism(), random);
    }

    // ---------------------------------------------------------------- authentication

    @Override
    public Principal authenticate(String username, String password, String sourceIp) {
        return check(username, password, sourceIp).principal();
    }

    /** Who authenticated, and for a local user the fingerprint of the password hash that was checked (else null). */
    private record Checked(Principal principal, String credential) {
    }

    private Checked check(String username, String password, String sourceIp) {
        if (username == null || username.isBlank() || password == null || username.length() > MAX_LOGIN || password.length() > MAX_PASSWORD) {
            String shown = username == null ? null : username.length() > MAX_LOGIN ? username.substring(0, MAX_LOGIN) + "..." : username;
            recordLogin(new AuditEvent(shown, null, sourceIp, "auth.login", "", AuditResult.FAILURE, Map.of("reason",
                    username == null || username.isBlank() || password == null ? "no credentials" : "credentials too long")));
            throw unauthenticated();
        }
        String login = username.trim();
        String local = login.toLowerCase(Locale.ROOT);
        if (NAME.matcher(local).matches()) {
            Optional<UserDoc> u = store.read(AuthStore.USERS, local, UserDoc.class);
            if (u.isPresent()) {
                return localLogin(u.get(), password, sourceIp);
            }
        }
        List<String> unreachable = new ArrayList<>();
        for (DirectoryConfig d : store.list(AuthStore.DIRECTORIES, DirectoryConfig.class)) {
            if (LdapDirectory.accountName(d, login) == null) {
                continue;
            }
            LdapDirectory.DirectoryUser du;
            try {
                du = LdapDirectory.authenticate(d, login, password);
            } catch (CairnException e) {
                logger.info("directory {} could not check {}: {}", d.name(), login, e.getMessage());
                unreachable.add(d.name() + ": " + e.getMessage());
                continue;
            }
            if (du != null) {
                Principal p = directoryPrincipal(d, du.username(), du.dn(), du.groupDns());
                recordLogin(new AuditEvent(p.username(), d.name(), sourceIp, "auth.login", "user/" + p.username(), AuditResult.SUCCESS,
                        Map.of("roles", String.join(",", new TreeSet<>(p.roles())))));
                return new Checked(p, null);
            }
        }
        if (!NAME.matcher(local).matches() || store.names(AuthStore.DIRECTORIES).isEmpty()) {
            hasher.verifyDecoy(password); // an unknown name costs what a known one does
        }
        Map<String, String> details = new HashMap<>();
        details.put("reason", unreachable.isEmpty() ? "unknown user or bad password" : "directory unreachable");
        if (!unreachable.isEmpty()) {
            details.put("directories", String.join("; ", unreachable));
        }
        recordLogin(new AuditEvent(login, null, sourceIp, "auth.login", "user/" + login, AuditResult.FAILURE, details));
        throw unauthenticated();
    }

    private Checked localLogin(UserDoc u, String password, String sourceIp) {
        long now = clock.millis();
        if (u.lockedUntilMs() > now) {
            hasher.verifyDecoy(password); // the same time whether or not the password is right
            Instant until = Instant.ofEpochMilli(u.lockedUntilMs());
            recordLogin(new AuditEvent(u.username(), Principal.LOCAL, sourceIp, "auth.login", "user/" + u.username(), AuditResult.FAILURE,
                    Map.of("reason", "locked", "lockedUntil", until.toString())));
            throw new CairnException(ErrorCode.UNAUTHENTICATED, "account " + u.username() + " is locked until " + until);
        }
        if (hasher.verify(password, u.hash())) {
            UserDoc after = u;
            if (u.failures() > 0 || u.lockedUntilMs() != 0 || hasher.needsRehash(u.hash())) {
                String rehash = hasher.needsRehash(u.hash()) ? hasher.hash(password) : null;
                after = store.update(AuthStore.USERS, u.username(), UserDoc.class, cur -> new UserDoc(cur.username(),
                        rehash != null && cur.hash().equals(u.hash()) ? rehash : cur.hash(), cur.history(), cur.roles(), 0, 0,
                        cur.mustChange(), cur.createdMs()), missingUser(u.username()));
            }
            Principal p = localPrincipal(after);
            recordLogin(new AuditEvent(p.username(), Principal.LOCAL, sourceIp, "auth.login", "user/" + p.username(), AuditResult.SUCCESS,
                    p.passwordChangeRequired() ? Map.of("passwordChangeRequired", "true") : Map.of()));
            return new Checked(p, credential(after.hash()));
        }
        UserDoc after = store.update(AuthStore.USERS, u.username(), UserDoc.class, cur -> {
            int failures = cur.lockedUntilMs() != 0 && cur.lockedUntilMs() <= now ? 1 : cur.failures() + 1;
            long locked = failures >= settings.maxFailures() ? now + settings.lockout().toMillis() : 0;
            return new UserDoc(cur.username(), cur.hash(), cur.history(), cur.roles(), failures, locked, cur.mustChange(), cur.createdMs());
        }, missingUser(u.username()));
        Map<String, String> details = new HashMap<>();
        details.put("reason", "bad password");
        details.put("failures", String.valueOf(after.failures()));
        if (after.lockedUntilMs() > now) {
            details.put("lockedUntil", Instant.ofEpochMilli(after.lockedUntilMs()).toString());
            logger.info("local user {} locked until {} after {} failed logins", u.username(), Instant.ofEpochMilli(after.lockedUntilMs()),
                    after.failures());
        }
        recordLogin(new AuditEvent(u.username(), Principal.LOCAL, sourceIp, "auth.login", "user/" + u.username(), AuditResult.FAILURE,
                details));
        throw unauthenticated();
    }

    /**
     * Audits a login, logout or session event. Spec 30 §10: logins stay possible when the audit log
     * cannot be written, but raise an alert.
     */
    private void recordLogin(AuditEvent e) {
        try {
            audit.record(e);
        } catch (CairnException ex) {
            logger.warn("audit record of {} for {} not written: {}", e.action(), e.user(), ex.getMessage());
            AlertService a = alerts;
            if (a != null) {
                try {
                    a.raise("auth", Severity.CRITICAL, "Audit log not writable", "A " + e.action() + " of " + e.user()
                            + " could not be audited: " + ex.getMessage());
                } catch (CairnException alertFailure) {
                    logger.info("could not raise the audit alert either: {}", alertFailure.getMessage());
                }
            }
        }
    }

    private volatile AlertService alerts;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setAlerts(AlertService a) {
        alerts = a;
    }

    void unsetAlerts(AlertService a) {
        if (alerts == a) {
            alerts = null;
        }
    }

    private static CairnException unauthenticated() {
        return new CairnException(ErrorCode.UNAUTHENTICATED, "wrong user name or password");
    }

    private Principal localPrincipal(UserDoc u) {
        Set<String> roles = new LinkedHashSet<>(u.roles());
        return new Principal(u.username(), Principal.LOCAL, roles, permissionsOf(roles), u.mustChange());
    }

    private Principal directoryPrincipal(DirectoryConfig d, String username, String dn, Iterable<String> groupDns) {
        Set<String> roles = new LinkedHashSet<>();
        for (RoleMapping m : d.roleMappings()) {
            String v = m.value().trim();
            boolean hit = switch (m.kind()) {
                case USER -> v.equalsIgnoreCase(username) || normDn(v).equals(normDn(dn));
                case GROUP -> {
                    boolean any = false;
                    for (String g : groupDns) {
                        any |= normDn(v).equals(normDn(g)) || v.equalsIgnoreCase(firstRdnValue(g));
                    }
                    yield any;
                }
                case OU -> normDn(dn).endsWith("," + normDn(v));
            };
            if (hit) {
                roles.add(m.role());
            }
        }
        return new Principal(username, d.name(), roles, permissionsOf(roles), false);
    }

    private static String normDn(String dn) {
        return dn.replaceAll("\\s*,\\s*", ",").replaceAll("\\s*=\\s*", "=").toLowerCase(Locale.ROOT);
    }

    private static String firstRdnValue(String dn) {
        int eq = dn.indexOf('=');
        int comma = dn.indexOf(',');
        return eq < 0 ? dn : dn.substring(eq + 1, comma < 0 ? dn.length() : comma).trim();
    }

    /** The union of the named roles' permissions (unknown roles, e.g. deleted ones, grant nothing). */
    private Set<Permission> permissionsOf(Set<String> roles) {
        Set<Permission> out = new HashSet<>();
        for (String r : roles) {
            role(r).ifPresent(role -> out.addAll(role.permissions()));
        }
        return out;
    }

    private Optional<Role> role(String name) {
        Role b = BuiltInRoles.ALL.get(name);
        if (b != null) {
            return Optional.of(b);
        }
        return NAME.matcher(name).matches() ? store.read(AuthStore.ROLES, name, RoleDoc.class).map(AuthService::toRole) : Optional.empty();
    }

    private static Role toRole(RoleDoc d) {
        Set<Permission> perms = new HashSet<>();
        d.permissions().forEach(p -> perms.add(Permission.parse(p)));
        return new Role(d.name(), d.description(), false, perms);
    }

    // ---------------------------------------------------------------- sessions

    @Override
    public Session createSession(Principal principal, String sourceIp) {
        String credential = null;
        if (principal.provider().equals(Principal.LOCAL)) {
            credential = store.read(AuthStore.USERS, principal.username(), UserDoc.class).map(u -> credential(u.hash()))
                    .orElseThrow(() -> new CairnException(ErrorCode.UNAUTHENTICATED, "user " + principal.username()
                            + " no longer exists; log in again"));
        }
        return openSession(principal, sourceIp, credential);
    }

    @Override
    public Session login(String username, String password, String sourceIp) {
        Checked c = check(username, password, sourceIp);
        return openSession(c.principal(), sourceIp, c.credential());
    }

    /** The fingerprint a session keeps of its user's password hash (the hash itself stays in the user document only). */
    static String credential(String hash) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(hash.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Session openSession(Principal principal, String sourceIp, String credential) {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        long now = clock.millis();
        // directory users keep the roles their login established; local users' roles are re-read on each use
        List<String> groups = principal.provider().equals(Principal.LOCAL) ? List.of() : new ArrayList<>(principal.roles());
        store.create(AuthStore.SESSIONS, tokenId(token), new SessionDoc(principal.username(), principal.provider(), groups, now, now, credential),
                "session id collision; log in again");
        recordLogin(new AuditEvent(principal.username(), principal.provider(), sourceIp, "auth.session.create", "session",
                AuditResult.SUCCESS, Map.of()));
        sweepExpired(now);
        return new Session(token, principal, Instant.ofEpochMilli(now), Instant.ofEpochMilli(now + settings.absoluteTimeout().toMillis()),
                Instant.ofEpochMilli(now + settings.idleTimeout().toMillis()));
    }

    @Override
    public Session validateSession(String token, String sourceIp) {
        if (token == null || token.isEmpty() || token.length() > 128) {
            throw new CairnException(ErrorCode.UNAUTHENTICATED, "no valid session; log in again");
        }
        String id = tokenId(token);
        Optional<SessionDoc> s = store.read(AuthStore.SESSIONS, id, SessionDoc.class);
        if (s.isEmpty()) {
            throw new CairnException(ErrorCode.UNAUTHENTICATED, "no valid session; log in again");
        }
        SessionDoc doc = s.get();
        long now = clock.millis();
        String why = now >= doc.createdMs() + settings.absoluteTimeout().toMillis() ? "absolute lifetime over"
                : now >= doc.lastUsedMs() + settings.idleTimeout().toMillis() ? "idle timeout" : null;
        if (why != null) {
            store.delete(AuthStore.SESSIONS, id);
            recordLogin(new AuditEvent(doc.username(), doc.provider(), sourceIp, "auth.session.expire", "session", AuditResult.SUCCESS,
                    Map.of("reason", why)));
            throw new CairnException(ErrorCode.UNAUTHENTICATED, "the session expired (" + why + "); log in again");
        }
        Principal p;
        if (doc.provider().equals(Principal.LOCAL)) {
            Optional<UserDoc> u = store.read(AuthStore.USERS, doc.username(), UserDoc.class);
            if (u.isEmpty() || u.get().lockedUntilMs() > now) {
                store.delete(AuthStore.SESSIONS, id);
                throw new CairnException(ErrorCode.UNAUTHENTICATED, "the session's user no longer exists or is locked; log in again");
            }
            if (doc.credential() != null && !doc.credential().equals(credential(u.get().hash()))) {
                // opened with a password that has changed since (a login that raced the change): it ends with that password
                store.delete(AuthStore.SESSIONS, id);
                throw new CairnException(ErrorCode.UNAUTHENTICATED, "the password changed after this session was opened; log in again");
            }
            p = localPrincipal(u.get());
        } else {
            Optional<DirectoryConfig> d = store.read(AuthStore.DIRECTORIES, doc.provider(), DirectoryConfig.class);
            if (d.isEmpty()) {
                store.delete(AuthStore.SESSIONS, id);
                throw new CairnException(ErrorCode.UNAUTHENTICATED, "the session's directory was removed; log in again");
            }
            Set<String> roles = new LinkedHashSet<>(doc.groups());
            p = new Principal(doc.username(), doc.provider(), roles, permissionsOf(roles), false);
        }
        long last = doc.lastUsedMs();
        if (now - last >= TOUCH_MS) {
            try {
                store.update(AuthStore.SESSIONS, id, SessionDoc.class, cur -> new SessionDoc(cur.username(), cur.provider(), cur.groups(),
                        cur.createdMs(), Math.max(cur.lastUsedMs(), now), cur.credential()), "session ended");
                last = now;
            } catch (CairnException e) {
                if (e.code() == ErrorCode.NOT_FOUND) {
                    throw new CairnException(ErrorCode.UNAUTHENTICATED, "the session ended; log in again");
                }
                throw e;
            }
        }
        return new Session(null, p, Instant.ofEpochMilli(doc.createdMs()),
                Instant.ofEpochMilli(doc.createdMs() + settings.absoluteTimeout().toMillis()),
                Instant.ofEpochMilli(Math.max(last, now) + settings.idleTimeout().toMillis()));
    }

    @Override
    public void revokeSession(String token, String sourceIp) {
        if (token == null || token.isEmpty() || token.length() > 128) {
            return;
        }
        String id = tokenId(token);
        Optional<SessionDoc> s = store.read(AuthStore.SESSIONS, id, SessionDoc.class);
        if (s.isPresent() && store.delete(AuthStore.SESSIONS, id)) {
            recordLogin(new AuditEvent(s.get().username(), s.get().provider(), sourceIp, "auth.logout", "session", AuditResult.SUCCESS,
                    Map.of()));
        }
    }

    /** Ends every session of a local user (deleted, password reset). */
    private void revokeAll(String username) {
        for (String id : store.names(AuthStore.SESSIONS)) {
            store.read(AuthStore.SESSIONS, id, SessionDoc.class)
                    .filter(s -> s.provider().equals(Principal.LOCAL) && s.username().equals(username))
                    .ifPresent(s -> store.delete(AuthStore.SESSIONS, id));
        }
    }

    private long lastSweep;

    /** Deletes sessions past their lifetime or idle timeout, at most once a minute. */
    private void sweepExpired(long now) {
        synchronized (this) {
            if (now - lastSweep < 60_000) {
                return;
            }
            lastSweep = now;
        }
        for (String id : store.names(AuthStore.SESSIONS)) {
            store.read(AuthStore.SESSIONS, id, SessionDoc.class)
                    .filter(s -> now >= s.createdMs() + settings.absoluteTimeout().toMillis()
                            || now >= s.lastUsedMs() + settings.idleTimeout().toMillis())
                    .ifPresent(s -> store.delete(AuthStore.SESSIONS, id));
        }
    }

    static String tokenId(String token) {
        return FileAuditLog.sha256(token);
    }

    // ---------------------------------------------------------------- authorisation

    @Override
    public void check(Caller caller, Permission permission) {
        if (!caller.principal().permits(permission)) {
            audit.record(new AuditEvent(caller.principal().username(), caller.principal().provider(), caller.sourceIp(), "auth.check",
                    permission.toString(), AuditResult.DENIED, Map.of()));
            throw denied(caller.principal(), permission);
        }
    }

    private static CairnException denied(Principal p, Permission permission) {
        return new CairnException(ErrorCode.PERMISSION_DENIED, p.passwordChangeRequired()
                ? "permission denied: " + p.username() + " must change the password first"
                : "permission denied: " + p.username() + " may not " + permission.action().wireName() + " " + permission.entityType());
    }

    /**
     * Runs a change for {@code caller} after checking {@code permission}, and audits it: SUCCESS,
     * DENIED (permission) or FAILURE with the refusal's message. If the record cannot be written the
     * caller gets UNAVAILABLE.
     */
    private <T> T audited(Caller caller, Permission permission, String action, String target, Supplier<T> change) {
        Principal p = caller.principal();
        if (!p.permits(permission)) {
            audit.record(new AuditEvent(p.username(), p.provider(), caller.sourceIp(), action, target, AuditResult.DENIED, Map.of()));
            throw denied(p, permission);
        }
        audit.checkWritable(); // fail closed: no change that cannot be audited
        T result;
        try {
            result = change.get();
        } catch (CairnException e) {
            audit.record(new AuditEvent(p.username(), p.provider(), caller.sourceIp(), action, target,
                    e.code() == ErrorCode.PERMISSION_DENIED ? AuditResult.DENIED : AuditResult.FAILURE,
                    Map.of("error", e.code().name(), "message", e.getMessage())));
            throw e;
        }
        audit.record(new AuditEvent(p.username(), p.provider(), caller.sourceIp(), action, target, AuditResult.SUCCESS, Map.of()));
        return result;
    }

    /** Refuses to hand out rights the caller does not hold itself (no escalation through roles). */
    private void mayGrant(Caller caller, Set<String> roles) {
        for (String r : roles) {
            Role role = role(r).orElseThrow(() -> CairnException.invalid("no role named " + r + "; roles lists them"));
            for (Permission perm : role.permissions()) {
                if (!caller.principal().permits(perm)) {
                    throw new CairnException(ErrorCode.PERMISSION_DENIED, "permission denied: " + caller.principal().username()
                            + " cannot grant role " + r + " (it holds " + perm + ", which the granter lacks)");
                }
            }
        }
    }

    // ---------------------------------------------------------------- users

    @Override
    public String createInitialAdmin() {
        String password = generatePassword();
        createAdmin(password, true);
        return password;
    }

    @Override
    public void createInitialAdmin(String password) {
        createAdmin(password, false);
    }

    @Override
    public void createInitialAdmin(String password, boolean mustChange) {
        createAdmin(password, mustChange);
    }

    private void createAdmin(String password, boolean mustChange) {
        settings.policy().check(ADMIN, password, null, List.of(), hasher::verify);
        audit.checkWritable();
        long now = clock.millis();
        store.create(AuthStore.USERS, ADMIN, new UserDoc(ADMIN, hasher.hash(password), List.of(), List.of(Role.CLUSTER_ADMIN), 0, 0,
                mustChange, now), "the initial admin exists already");
        audit.record(new AuditEvent("-", "-", "", "user.create", "user/" + ADMIN, AuditResult.SUCCESS,
                Map.of("roles", Role.CLUSTER_ADMIN, "initial", "true", "generated", String.valueOf(mustChange))));
    }

    String generatePassword() {
        for (;;) {
            StringBuilder b = new StringBuilder(GENERATED_LENGTH);
            for (int i = 0; i < GENERATED_LENGTH; i++) {
                b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            String s = b.toString();
            try {
                settings.policy().check(ADMIN, s, null, List.of(), (x, y) -> false);
                return s;
            } catch (CairnException e) {
                // missing a character class: draw again
            }
        }
    }

    @Override
    public UserInfo createUser(Caller caller, String username, String password, Set<String> roles) {
        String name = checkName(username, "user");
        return audited(caller, Permission.of(EntityTypes.USER, Action.CREATE), "user.create", "user/" + name, () -> {
            mayGrant(caller, roles);
            settings.policy().check(name, password, null, List.of(), hasher::verify);
            UserDoc u = new UserDoc(name, hasher.hash(password), List.of(), new ArrayList<>(new TreeSet<>(roles)), 0, 0, false,
                    clock.millis());
            store.create(AuthStore.USERS, name, u, "a user named " + name + " exists already");
            return info(u);
        });
    }

    @Override
    public UserInfo user(Caller caller, String username) {
        check(caller, Permission.of(EntityTypes.USER, Action.VIEW));
        String name = checkName(username, "user");
        return info(store.read(AuthStore.USERS, name, UserDoc.class).orElseThrow(() -> CairnException.notFound(missingUser(name))));
    }

    @Override
    public List<UserInfo> users(Caller caller) {
        check(caller, Permission.of(EntityTypes.USER, Action.VIEW));
        return store.list(AuthStore.USERS, UserDoc.class).stream().map(this::info).toList();
    }

    @Override
    public UserInfo setRoles(Caller caller, String username, Set<String> roles) {
        String name = checkName(username, "user");
        return audited(caller, Permission.of(EntityTypes.USER, Action.UPDATE), "user.set_roles", "user/" + name, () -> {
            mayGrant(caller, roles);
            UserDoc u = store.update(AuthStore.USERS, name, UserDoc.class, cur -> {
                if (!roles.contains(Role.CLUSTER_ADMIN) && cur.roles().contains(Role.CLUSTER_ADMIN)) {
                    requireAnotherAdmin(name);
                }
                return new UserDoc(cur.username(), cur.hash(), cur.history(), new ArrayList<>(new TreeSet<>(roles)), cur.failures(),
                        cur.lockedUntilMs(), cur.mustChange(), cur.createdMs());
            }, missingUser(name));
            return info(u);
        });
    }

    @Override
    public void resetPassword(Caller caller, String username, String newPassword) {
        String name = checkName(username, "user");
        audited(caller, Permission.of(EntityTypes.USER, Action.UPDATE), "user.reset_password", "user/" + name, () -> {
            UserDoc cur0 = store.read(AuthStore.USERS, name, UserDoc.class).orElseThrow(() -> CairnException.notFound(missingUser(name)));
            mayGrant(caller, new HashSet<>(cur0.roles())); // a User Admin cannot take over a Cluster Admin
            settings.policy().check(name, newPassword, null, withCurrent(cur0), hasher::verify);
            String hash = hasher.hash(newPassword);
            store.update(AuthStore.USERS, name, UserDoc.class, cur -> new UserDoc(cur.username(), hash, history(cur), cur.roles(), 0, 0, true,
                    cur.createdMs()), missingUser(name));
            revokeAll(name);
            return null;
        });
    }

    @Override
    public void changePassword(String username, String oldPassword, String newPassword, String sourceIp) {
        String name = username == null ? "" : username.trim().toLowerCase(Locale.ROOT);
        Principal self = authenticate(name, oldPassword, sourceIp); // audits the check; locked or wrong -> 401
        if (!self.provider().equals(Principal.LOCAL)) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "directory users change their password in the directory");
        }
        Caller caller = new Caller(self, sourceIp);
        Principal asSelf = new Principal(self.username(), self.provider(), self.roles(), Set.of(Permission.of(EntityTypes.USER, Action.UPDATE)),
                false);
        audited(new Caller(asSelf, caller.sourceIp()), Permission.of(EntityTypes.USER, Action.UPDATE), "user.change_password", "user/" + name,
                () -> {
                    UserDoc cur0 = store.read(AuthStore.USERS, name, UserDoc.class).orElseThrow(() -> CairnException.notFound(missingUser(name)));
                    settings.policy().check(name, newPassword, oldPassword, withCurrent(cur0), hasher::verify);
                    String hash = hasher.hash(newPassword);
                    store.update(AuthStore.USERS, name, UserDoc.class, cur -> new UserDoc(cur.username(), hash, history(cur), cur.roles(), 0, 0,
                            false, cur.createdMs()), missingUser(name));
                    return null;
                });
        revokeAll(name); // sessions opened with the old password end with it
    }

    private List<String> withCurrent(UserDoc u) {
        List<String> h = new ArrayList<>();
        h.add(u.hash());
        h.addAll(u.history());
        return h;
    }

    /** The history after replacing the current hash: it, then the earlier ones, as many as the policy remembers. */
    private List<String> history(UserDoc u) {
        List<String> h = withCurrent(u);
        int keep = Math.max(PasswordPolicy.HIGH_STRENGTH.remember(), settings.policy().remember());
        return h.size() > keep ? List.copyOf(h.subList(0, keep)) : h;
    }

    @Override
    public UserInfo unlock(Caller caller, String username) {
        String name = checkName(username, "user");
        return audited(caller, Permission.of(EntityTypes.USER, Action.UPDATE), "user.unlock", "user/" + name,
                () -> info(store.update(AuthStore.USERS, name, UserDoc.class, cur -> new UserDoc(cur.username(), cur.hash(), cur.history(),
                        cur.roles(), 0, 0, cur.mustChange(), cur.createdMs()), missingUser(name))));
    }

    @Override
    public void deleteUser(Caller caller, String username) {
        String name = checkName(username, "user");
        audited(caller, Permission.of(EntityTypes.USER, Action.DELETE), "user.delete", "user/" + name, () -> {
            UserDoc u = store.read(AuthStore.USERS, name, UserDoc.class).orElseThrow(() -> CairnException.notFound(missingUser(name)));
            mayGrant(caller, new HashSet<>(u.roles()));
            if (u.roles().contains(Role.CLUSTER_ADMIN)) {
                requireAnotherAdmin(name);
            }
            store.delete(AuthStore.USERS, name);
            revokeAll(name);
            return null;
        });
    }

    private void requireAnotherAdmin(String name) {
        boolean other = store.list(AuthStore.USERS, UserDoc.class).stream()
                .anyMatch(o -> !o.username().equals(name) && o.roles().contains(Role.CLUSTER_ADMIN));
        if (!other) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, name + " is the last local Cluster Admin; make another user Cluster Admin "
                    + "first");
        }
    }

    private UserInfo info(UserDoc u) {
        long now = clock.millis();
        return new UserInfo(u.username(), new LinkedHashSet<>(u.roles()), u.mustChange(), u.failures(),
                u.lockedUntilMs() > now ? Instant.ofEpochMilli(u.lockedUntilMs()) : null, Instant.ofEpochMilli(u.createdMs()));
    }

    private static String missingUser(String name) {
        return "no local user named " + name + "; users lists them";
    }

    private static String checkName(String name, String what) {
        String n = name == null ? "" : name.trim();
        if (!NAME.matcher(n).matches()) {
            throw CairnException.invalid(what + " name '" + name + "' must be 1-64 lower-case letters, digits, '.', '_' or '-', starting "
                    + "with a letter or digit");
        }
        return n;
    }

    // ---------------------------------------------------------------- roles

    @Override
    public List<Role> roles(Caller caller) {
        check(caller, Permission.of(EntityTypes.ROLE, Action.VIEW));
        List<Role> out = new ArrayList<>(new java.util.TreeMap<>(BuiltInRoles.ALL).values());
        store.list(AuthStore.ROLES, RoleDoc.class).forEach(d -> out.add(toRole(d)));
        return out;
    }

    @Override
    public Role role(Caller caller, String name) {
        check(caller, Permission.of(EntityTypes.ROLE, Action.VIEW));
        return role(name == null ? "" : name.trim()).orElseThrow(() -> CairnException.notFound("no role named " + name + "; roles lists them"));
    }

    @Override
    public Role createRole(Caller caller, String name, String description, Set<Permission> permissions) {
        String n = checkName(name, "role");
        return audited(caller, Permission.of(EntityTypes.ROLE, Action.CREATE), "role.create", "role/" + n, () -> {
            if (BuiltInRoles.ALL.containsKey(n)) {
                throw new CairnException(ErrorCode.ALREADY_EXISTS, n + " is a built-in role; choose another name");
            }
            RoleDoc d = roleDoc(caller, n, description, permissions);
            store.create(AuthStore.ROLES, n, d, "a role named " + n + " exists already");
            return toRole(d);
        });
    }

    @Override
    public Role updateRole(Caller caller, String name, String description, Set<Permission> permissions) {
        String n = checkName(name, "role");
        return audited(caller, Permission.of(EntityTypes.ROLE, Action.UPDATE), "role.update", "role/" + n, () -> {
            if (BuiltInRoles.ALL.containsKey(n)) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, n + " is a built-in role and cannot be changed; create a custom role");
            }
            RoleDoc d = roleDoc(caller, n, description, permissions);
            store.update(AuthStore.ROLES, n, RoleDoc.class, cur -> d, "no custom role named " + n);
            return toRole(d);
        });
    }

    private RoleDoc roleDoc(Caller caller, String n, String description, Set<Permission> permissions) {
        if (permissions == null || permissions.isEmpty()) {
            throw CairnException.invalid("role " + n + " needs at least one permission, e.g. vm:view");
        }
        for (Permission p : permissions) {
            if (!caller.principal().permits(p)) {
                throw new CairnException(ErrorCode.PERMISSION_DENIED, "permission denied: " + caller.principal().username()
                        + " cannot put " + p + " into a role without holding it");
            }
        }
        return new RoleDoc(n, description == null ? "" : description, permissions.stream().map(Permission::toString).sorted().toList());
    }

    @Override
    public void deleteRole(Caller caller, String name) {
        String n = checkName(name, "role");
        audited(caller, Permission.of(EntityTypes.ROLE, Action.DELETE), "role.delete", "role/" + n, () -> {
            if (BuiltInRoles.ALL.containsKey(n)) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, n + " is a built-in role and cannot be deleted");
            }
            List<String> users = store.list(AuthStore.USERS, UserDoc.class).stream().filter(u -> u.roles().contains(n))
                    .map(UserDoc::username).toList();
            List<String> dirs = store.list(AuthStore.DIRECTORIES, DirectoryConfig.class).stream()
                    .filter(d -> d.roleMappings().stream().anyMatch(m -> m.role().equals(n))).map(DirectoryConfig::name).toList();
            if (!users.isEmpty() || !dirs.isEmpty()) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, "role " + n + " is still bound (users " + users
                        + ", directory mappings " + dirs + "); unbind it first");
            }
            if (!store.delete(AuthStore.ROLES, n)) {
                throw CairnException.notFound("no custom role named " + n);
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- directories

    @Override
    public DirectoryConfig putDirectory(Caller caller, DirectoryConfig d) {
        String n = checkName(d.name(), "directory");
        return audited(caller, Permission.of(EntityTypes.AUTH, Action.UPDATE), "auth.directory.put", "directory/" + n, () -> {
            if (d.type() == null) {
                throw CairnException.invalid("directory " + n + " needs a type: OPEN_LDAP or ACTIVE_DIRECTORY");
            }
            LdapDirectory.validate(d);
            Set<String> mapped = new HashSet<>();
            d.roleMappings().forEach(m -> mapped.add(m.role()));
            mayGrant(caller, mapped);
            LdapDirectory.probe(d);
            store.put(AuthStore.DIRECTORIES, n, d);
            return d.redacted();
        });
    }

    @Override
    public List<DirectoryConfig> directories(Caller caller) {
        check(caller, Permission.of(EntityTypes.AUTH, Action.VIEW));
        return store.list(AuthStore.DIRECTORIES, DirectoryConfig.class).stream().map(DirectoryConfig::redacted).toList();
    }

    @Override
    public void deleteDirectory(Caller caller, String name) {
        String n = checkName(name, "directory");
        audited(caller, Permission.of(EntityTypes.AUTH, Action.DELETE), "auth.directory.delete", "directory/" + n, () -> {
            if (!store.delete(AuthStore.DIRECTORIES, n)) {
                throw CairnException.notFound("no directory named " + n);
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- audit forwarding (spec 30 §10)

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,253}");

    @Override
    public List<SyslogServer> syslogServers(Caller caller) {
        check(caller, Permission.of(EntityTypes.AUDIT, Action.VIEW));
        return store.list(AuthStore.SYSLOG_SERVERS, SyslogServer.class);
    }

    @Override
    public SyslogServer putSyslogServer(Caller caller, SyslogServer s) {
        String n = checkName(s.name(), "syslog server");
        return audited(caller, Permission.of(EntityTypes.AUDIT, Action.UPDATE), "audit.syslog_server.put", "syslog_server/" + n, () -> {
            SyslogServer valid = validSyslogServer(new SyslogServer(n, s.host(), s.port(), s.protocol(), s.caCertificatePem(), s.modules()));
            store.put(AuthStore.SYSLOG_SERVERS, n, valid);
            return valid;
        });
    }

    @Override
    public void deleteSyslogServer(Caller caller, String name) {
        String n = checkName(name, "syslog server");
        audited(caller, Permission.of(EntityTypes.AUDIT, Action.DELETE), "audit.syslog_server.delete", "syslog_server/" + n, () -> {
            if (!store.delete(AuthStore.SYSLOG_SERVERS, n)) {
                throw CairnException.notFound("no syslog server named " + n);
            }
            return null;
        });
    }

    /** The server as stored (levels upper-case), or INVALID_ARGUMENT saying what is wrong. */
    static SyslogServer validSyslogServer(SyslogServer s) {
        String what = "syslog server " + s.name();
        if (s.host() == null || !HOST.matcher(s.host()).matches()) {
            throw CairnException.invalid(what + ": the address '" + s.host() + "' is not an IP address or host name");
        }
        if (s.port() < 1 || s.port() > 65535) {
            throw CairnException.invalid(what + ": port " + s.port() + " is not 1-65535 (syslog: 514, TLS: 6514)");
        }
        if (s.protocol() == null) {
            throw CairnException.invalid(what + " needs a protocol: UDP, TCP or TLS");
        }
        if (s.protocol() == SyslogServer.Protocol.RELP) {
            throw CairnException.invalid(what + ": RELP is not supported yet; use TCP (RFC 6587 octet counting, at-least-once) or TLS");
        }
        if (s.caCertificatePem() != null && s.protocol() != SyslogServer.Protocol.TLS) {
            throw CairnException.invalid(what + ": a CA certificate only applies to TLS; remove it or use TLS");
        }
        if (s.protocol() == SyslogServer.Protocol.TLS) {
            TrustedCa.context(s.caCertificatePem(), what);
        }
        List<SyslogServer.Module> modules = new ArrayList<>();
        for (SyslogServer.Module m : s.modules()) {
            if (m == null || !SyslogServer.AUDIT.equals(m.name())) {
                throw CairnException.invalid(what + ": module " + (m == null ? null : "'" + m.name() + "'") + " does not exist; the only "
                        + "module is AUDIT");
            }
            String level = m.level() == null ? "INFO" : m.level().toUpperCase(Locale.ROOT);
            SyslogMessage.level(level);
            modules.add(new SyslogServer.Module(m.name(), level));
        }
        return new SyslogServer(s.name(), s.host(), s.port(), s.protocol(), s.caCertificatePem(), modules);
    }
}
