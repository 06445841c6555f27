package io.cairn.cluster.zeus.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Base64;

import org.apache.zookeeper.client.ZKClientConfig;

import io.cairn.cluster.rpc.Credentials;

/**
 * ZooKeeper speaks TLS 1.3 only, client and quorum, with the node's cluster certificate: every
 * peer and client must present a certificate from the cluster CA, and clients check that a
 * server's certificate names its address. The PEM files ZooKeeper reads live in
 * {@code data/zeus/tls} ({@code node.pem}: key and certificate, owner-only; {@code ca.pem}).
 */
final class ZkTls {

    record Paths(Path node, Path ca) {
    }

    private ZkTls() {
    }

    /** Writes the node's key, certificate and the CA for ZooKeeper (again on every start). */
    static Paths write(Path home, Credentials c) {
        Path dir = home.resolve("data/zeus/tls");
        try {
            Files.createDirectories(dir);
            Path node = dir.resolve("node.pem");
            Path ca = dir.resolve("ca.pem");
            atomic(node, pem("PRIVATE KEY", c.key().getEncoded()) + pem("CERTIFICATE", c.certificate().getEncoded()), true);
            atomic(ca, pem("CERTIFICATE", encoded(c.ca())), false);
            return new Paths(node, ca);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot write the Zookeeper TLS files in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static byte[] encoded(X509Certificate c) throws GeneralSecurityException {
        return c.getEncoded();
    }

    private static void atomic(Path file, String content, boolean secret) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (secret) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The zoo.cfg lines: TLS-only client port on the node address, TLS quorum, client certificates required. */
    static String serverConfig(Paths f, String address, int clientPort) {
        return "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n"
                + "secureClientPortAddress=" + address + "\nsecureClientPort=" + clientPort + "\n"
                + "sslQuorum=true\nsslQuorumReloadCertFiles=true\nclient.certReload=true\n"
                + "ssl.quorum.keyStore.location=" + f.node() + "\nssl.quorum.keyStore.type=PEM\n"
                + "ssl.quorum.trustStore.location=" + f.ca() + "\nssl.quorum.trustStore.type=PEM\n"
                + "ssl.quorum.enabledProtocols=TLSv1.3\nssl.quorum.protocol=TLSv1.3\n"
                + "ssl.quorum.clientHostnameVerification=false\n"
                + "ssl.keyStore.location=" + f.node() + "\nssl.keyStore.type=PEM\n"
                + "ssl.trustStore.location=" + f.ca() + "\nssl.trustStore.type=PEM\n"
                + "ssl.enabledProtocols=TLSv1.3\nssl.protocol=TLSv1.3\n"
                + "ssl.clientAuth=need\nssl.clientHostnameVerification=false\n"
                // every session must be x509-authenticated: the plain-text port the reconfiguration
                // format forces on each member serves nothing
                + "authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider\n"
                + "enforce.auth.enabled=true\nenforce.auth.schemes=x509\n";
    }

    /** A client configuration presenting the node's certificate and trusting only the cluster CA. */
    static ZKClientConfig clientConfig(Paths f) {
        ZKClientConfig c = new ZKClientConfig();
        c.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
        c.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        c.setProperty("zookeeper.ssl.keyStore.location", f.node().toString());
        c.setProperty("zookeeper.ssl.keyStore.type", "PEM");
        c.setProperty("zookeeper.ssl.trustStore.location", f.ca().toString());
        c.setProperty("zookeeper.ssl.trustStore.type", "PEM");
        c.setProperty("zookeeper.ssl.protocol", "TLSv1.3");
        c.setProperty("zookeeper.ssl.enabledProtocols", "TLSv1.3");
        return c;
    }
}
