package io.cairn.security.auth.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test-only: a real OpenLDAP {@code slapd} (Debian package {@code slapd}) in a temporary directory,
 * listening on {@value #HOST} with {@code ldap://} (StartTLS) and {@code ldaps://} on free ports, its
 * certificate from {@code openssl}. Users {@code u1} (in group {@code ops}), {@code u2} (in {@code view}),
 * {@code u3} (no group); the service account {@code cn=svc,ou=services}.
 * Anonymous clients can only bind; only bound clients read.
 */
final class Slapd implements AutoCloseable {

    static final String HOST = "127.0.1.189";
    static final String BASE = "dc=cairn,dc=test";
    static final String SVC_DN = "cn=svc,ou=services," + BASE;
    static final String SVC_PW = "Svc-Secret-1";

    final Path dir;
    final int ldapPort;
    final int ldapsPort;
    final String caPem;
    private Process process;

    Slapd(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        for (String tool : List.of("/usr/sbin/slapd", "/usr/sbin/slapadd", "/usr/bin/openssl")) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException(tool + " is missing: install the Debian packages with "
                        + "'DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils openssl' (bin/setup)");
            }
        }
        TestDaemons.run(dir, List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("key.pem").toString(), "-out",
                dir.resolve("cert.pem").toString(), "-days", "2", "-subj", "/CN=" + HOST, "-addext", "subjectAltName=IP:" + HOST));
        caPem = Files.readString(dir.resolve("cert.pem"));
        Files.createDirectories(dir.resolve("db"));
        Files.writeString(dir.resolve("slapd.conf"), String.join("\n",
                "include /etc/ldap/schema/core.schema",
                "include /etc/ldap/schema/cosine.schema",
                "include /etc/ldap/schema/inetorgperson.schema",
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "pidfile " + dir.resolve("slapd.pid"),
                "TLSCertificateFile " + dir.resolve("cert.pem"),
                "TLSCertificateKeyFile " + dir.resolve("key.pem"),
                "database mdb",
                "suffix \"" + BASE + "\"",
                "rootdn \"cn=admin," + BASE + "\"",
                "directory " + dir.resolve("db"),
                "maxsize 10485760",
                "access to attrs=userPassword by anonymous auth by * none",
                "access to * by users read by * none",
                ""), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("data.ldif"), String.join("\n",
                "dn: " + BASE, "objectClass: dcObject", "objectClass: organization", "o: cairn", "dc: cairn", "",
                "dn: ou=people," + BASE, "objectClass: organizationalUnit", "ou: people", "",
                "dn: ou=groups," + BASE, "objectClass: organizationalUnit", "ou: groups", "",
                "dn: ou=services," + BASE, "objectClass: organizationalUnit", "ou: services", "",
                "dn: " + SVC_DN, "objectClass: person", "cn: svc", "sn: svc", "userPassword: " + SVC_PW, "",
                user("u1", "U1-Password!"), user("u2", "U2-Password!"), user("u3", "U3-Password!"),
                "dn: cn=ops,ou=groups," + BASE, "objectClass: groupOfNames", "cn: ops", "member: uid=u1,ou=people," + BASE, "",
                "dn: cn=view,ou=groups," + BASE, "objectClass: groupOfNames", "cn: view", "member: uid=u2,ou=people," + BASE, "",
                ""), StandardCharsets.UTF_8);
        TestDaemons.run(dir, List.of("/usr/sbin/slapadd", "-f", dir.resolve("slapd.conf").toString(), "-l", dir.resolve("data.ldif").toString()));
        ldapPort = TestDaemons.freePort(HOST);
        ldapsPort = TestDaemons.freePort(HOST);
        process = new ProcessBuilder("/usr/sbin/slapd", "-d", "0", "-f", dir.resolve("slapd.conf").toString(), "-h",
                "ldap://" + HOST + ":" + ldapPort + "/ ldaps://" + HOST + ":" + ldapsPort + "/").redirectErrorStream(true)
                .redirectOutput(dir.resolve("slapd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!(listening(ldapPort) && listening(ldapsPort))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(dir.resolve("slapd.log"));
                close();
                throw new IllegalStateException("slapd did not start: " + log);
            }
            Thread.onSpinWait();
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static String user(String uid, String password) {
        return String.join("\n", "dn: uid=" + uid + ",ou=people," + BASE, "objectClass: inetOrgPerson", "uid: " + uid, "cn: " + uid,
                "sn: " + uid, "userPassword: " + password, "", "");
    }

    String ldaps() {
        return "ldaps://" + HOST + ":" + ldapsPort;
    }

    String ldap() {
        return "ldap://" + HOST + ":" + ldapPort;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops slapd (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            TestDaemons.stop(process);
        }
    }
}
