package io.cairn.appliance.test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import io.cairn.security.auth.AuditEvent;
import io.cairn.security.auth.AuditLog;
import io.cairn.security.auth.AuditRecord;
import io.cairn.security.auth.AuditResult;
import io.cairn.security.auth.DirectoryConfig;

/**
 * The LDAP provider inside the appliance's real Felix: JNDI finds its context and socket factories
 * from a bundle (not the class path) and logs in against a real slapd over LDAPS and StartTLS. The
 * provider class is called through the security bundle's own class loader, as the component does.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DirectoryLoginInFrameworkTest {

    static final String HOST = "127.0.1.189";
    static final String BASE = "dc=cairn,dc=test";

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() throws IOException {
        File dir = new File(System.getProperty("cairn.image.bundles"));
        File[] jars = dir.listFiles((d, n) -> n.endsWith(".jar"));
        if (jars == null || jars.length == 0) {
            throw new IllegalStateException("no appliance bundles in " + dir + "; build appliance-image first");
        }
        Arrays.sort(jars);
        List<Option> opts = new ArrayList<>();
        opts.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("INFO"));
        // the node home under target/ (cleaned with the build, not left in /tmp)
        Path home = Path.of("target", "paxexam-auth-home").toAbsolutePath();
        Files.createDirectories(home);
        opts.add(frameworkProperty("cairn.home").value(home.toString()));
        opts.add(frameworkProperty("cairn.node.ip").value("127.0.1.199"));
        opts.add(frameworkProperty("cairn.version").value("test"));
        for (File jar : jars) {
            opts.add(bundle(jar.toURI().toString()));
        }
        opts.add(junitBundles());
        return options(opts.toArray(new Option[0]));
    }

    @Test
    public void givenFactoryNode_whenAuditRecorded_thenChainedFileInTheNodeHome() throws Exception {
        org.osgi.framework.ServiceReference<AuditLog> ref = context.getServiceReference(AuditLog.class);
        assertNotNull("AuditLog service registered", ref);
        AuditLog log = context.getService(ref);
        try {
            log.checkWritable();
            AuditRecord a = log.record(new AuditEvent("admin", "local", "192.0.2.1", "POST /api/v1/vms", "vm/a", AuditResult.SUCCESS,
                    java.util.Map.of("status", "201")));
            AuditRecord b = log.record(new AuditEvent("admin", "local", "192.0.2.1", "DELETE /api/v1/vms/a", "vm/a", AuditResult.SUCCESS,
                    java.util.Map.of("status", "204")));
            assertEquals(a.seq() + 1, b.seq());
            assertEquals(a.hash(), b.prevHash());
            assertTrue(log.verify().intact());
            Path file = Path.of(context.getProperty("cairn.home"), "logs", "audit", "audit.log");
            assertTrue(file + " exists", Files.exists(file));
            assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        } finally {
            context.ungetService(ref);
        }
    }

    @Test
    public void givenSlapd_whenDirectoryUserLogsInInsideFelix_thenFoundWithGroups() throws Exception {
        Path tmp = Files.createTempDirectory("cairn-auth-slapd");
        Process slapd = null;
        try {
            run(tmp, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", tmp.resolve("key.pem").toString(), "-out",
                    tmp.resolve("cert.pem").toString(), "-days", "2", "-subj", "/CN=" + HOST, "-addext", "subjectAltName=IP:" + HOST);
            Files.createDirectories(tmp.resolve("db"));
            Files.writeString(tmp.resolve("slapd.conf"), String.join("\n", "include /etc/ldap/schema/core.schema",
                    "include /etc/ldap/schema/cosine.schema", "include /etc/ldap/schema/inetorgperson.schema", "modulepath /usr/lib/ldap",
                    "moduleload back_mdb", "pidfile " + tmp.resolve("slapd.pid"), "TLSCertificateFile " + tmp.resolve("cert.pem"),
                    "TLSCertificateKeyFile " + tmp.resolve("key.pem"), "database mdb", "suffix \"" + BASE + "\"",
                    "directory " + tmp.resolve("db"), "maxsize 10485760", ""), StandardCharsets.UTF_8);
            Files.writeString(tmp.resolve("data.ldif"), String.join("\n",
                    "dn: " + BASE, "objectClass: dcObject", "objectClass: organization", "o: cairn", "dc: cairn", "",
                    "dn: cn=svc," + BASE, "objectClass: person", "cn: svc", "sn: svc", "userPassword: Svc-Secret-1", "",
                    "dn: uid=u1," + BASE, "objectClass: inetOrgPerson", "uid: u1", "cn: u1", "sn: u1", "userPassword: U1-Password!", "",
                    "dn: cn=ops," + BASE, "objectClass: groupOfNames", "cn: ops", "member: uid=u1," + BASE, "", ""), StandardCharsets.UTF_8);
            run(tmp, "/usr/sbin/slapadd", "-f", tmp.resolve("slapd.conf").toString(), "-l", tmp.resolve("data.ldif").toString());
            int ldap = freePort();
            int ldaps = freePort();
            slapd = new ProcessBuilder("/usr/sbin/slapd", "-d", "0", "-f", tmp.resolve("slapd.conf").toString(), "-h",
                    "ldap://" + HOST + ":" + ldap + "/ ldaps://" + HOST + ":" + ldaps + "/").redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("slapd.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(listening(ldap) && listening(ldaps))) {
                assertTrue("slapd starts: " + Files.readString(tmp.resolve("slapd.log")), slapd.isAlive() && System.nanoTime() < deadline);
                TimeUnit.MILLISECONDS.sleep(50);
            }
            String ca = Files.readString(tmp.resolve("cert.pem"));

            Bundle auth = Arrays.stream(context.getBundles()).filter(b -> "io.cairn.security.auth".equals(b.getSymbolicName())).findFirst()
                    .orElseThrow(() -> new AssertionError("io.cairn.security.auth is not in the image"));
            assertEquals(Bundle.ACTIVE, auth.getState());
            Class<?> provider = auth.loadClass("io.cairn.security.auth.internal.LdapDirectory");
            Method login = provider.getDeclaredMethod("authenticate", DirectoryConfig.class, String.class, String.class);
            login.setAccessible(true);
            for (String url : List.of("ldaps://" + HOST + ":" + ldaps, "ldap://" + HOST + ":" + ldap)) {
                DirectoryConfig d = new DirectoryConfig("corp", DirectoryConfig.Type.OPEN_LDAP, url, url.startsWith("ldap:"), null, BASE,
                        "cn=svc," + BASE, "Svc-Secret-1", "uid", ca, List.of());
                Object user = invoke(login, d, "u1", "U1-Password!");
                assertNotNull(url + ": u1 logs in", user);
                Method groups = user.getClass().getDeclaredMethod("groupDns");
                groups.setAccessible(true);
                assertEquals(url, Set.of("cn=ops," + BASE), groups.invoke(user));
                assertNull(url + ": a wrong password is refused", invoke(login, d, "u1", "wrong"));
            }
        } finally {
            if (slapd != null) {
                slapd.destroy();
                if (!slapd.waitFor(10, TimeUnit.SECONDS)) {
                    slapd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            try (var files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Object invoke(Method m, Object... args) throws Exception {
        try {
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    private static void run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("cmd.log").toFile()).start();
        assertTrue(command[0] + " finishes", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(command[0] + ": " + Files.readString(dir.resolve("cmd.log")), 0, p.exitValue());
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(HOST, 0));
            return s.getLocalPort();
        }
    }
}
