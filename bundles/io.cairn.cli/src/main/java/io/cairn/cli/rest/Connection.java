package io.cairn.cli.rest;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Where and as whom a CLI run talks to Prism: {@code --server HOST[:PORT]} (else {@code CAIRN_PRISM},
 * else the nodes {@code cairn cluster create} listed in the admin directory's {@code servers} file),
 * {@code --cacert FILE} (else the admin directory's {@code ca.pem}), and either {@code --user NAME}
 * (else {@code CAIRN_USER}) with the password from {@code CAIRN_PASSWORD} or the console, or the admin
 * client certificate ({@code cert.pem}, {@code key.pem}) of the admin directory ({@code --admin DIR},
 * else {@code CAIRN_ADMIN}, else {@code ~/.cairn/admin}).
 */
record Connection(List<String> servers, Path caFile, Path adminDir, String user) {

    static final int DEFAULT_PORT = 9440;
    /** File in the admin directory naming the cluster's nodes, one address per line (written by {@code cairn cluster create}). */
    static final String SERVERS_FILE = "servers";

    /** Reads the connection options out of {@code args} (which keeps everything else) with {@code env} for the defaults. */
    static Connection parse(List<String> args, Map<String, String> env) {
        String server = null;
        String ca = null;
        String admin = null;
        String user = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String name = a.contains("=") && a.startsWith("--") ? a.substring(0, a.indexOf('=')) : a;
            String inline = a.contains("=") && a.startsWith("--") ? a.substring(a.indexOf('=') + 1) : null;
            switch (name) {
                case "--server", "-s", "--cacert", "--admin", "--user", "-u" -> {
                    String value = inline;
                    if (value == null) {
                        if (i + 1 >= args.size() || args.get(i + 1).startsWith("-")) {
                            throw CliException.usage(name + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    switch (name) {
                        case "--server", "-s" -> server = value;
                        case "--cacert" -> ca = value;
                        case "--admin" -> admin = value;
                        default -> user = value;
                    }
                }
                case "--password", "-p" -> throw CliException.usage("a password is never taken on the command line (others can read it): "
                        + "set CAIRN_PASSWORD or type it when asked");
                default -> rest.add(a);
            }
        }
        args.clear();
        args.addAll(rest);
        if (server == null) {
            server = blankToNull(env.get("CAIRN_PRISM"));
        }
        if (user == null) {
            user = blankToNull(env.get("CAIRN_USER"));
        }
        if (admin == null) {
            admin = blankToNull(env.get("CAIRN_ADMIN"));
        }
        Path adminDir = admin != null ? Path.of(admin) : Path.of(System.getProperty("user.home"), ".cairn", "admin");
        List<String> servers = new ArrayList<>();
        if (server != null) {
            for (String s : server.split(",")) {
                servers.add(hostPort(s.trim()));
            }
        }
        return new Connection(servers, ca != null ? Path.of(ca) : adminDir.resolve("ca.pem"), adminDir, user);
    }

    /** {@code host[:port]} with the port filled in; a bare IPv6 address is bracketed. */
    static String hostPort(String s) {
        if (s.isEmpty() || s.contains("/") || s.contains("@")) {
            throw CliException.usage("--server '" + s + "' is not HOST[:PORT] (e.g. 10.0.0.40 or 10.0.0.40:9440)");
        }
        if (s.startsWith("[")) {
            return s.contains("]:") ? s : s + ":" + DEFAULT_PORT;
        }
        long colons = s.chars().filter(c -> c == ':').count();
        if (colons > 1) {
            return "[" + s + "]:" + DEFAULT_PORT;
        }
        if (colons == 1) {
            String port = s.substring(s.indexOf(':') + 1);
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) == 0 || Integer.parseInt(port) > 65535) {
                throw CliException.usage("--server '" + s + "': the port must be 1-65535");
            }
            return s;
        }
        return s + ":" + DEFAULT_PORT;
    }

    /** The servers to try: the given ones, else those of the admin directory's {@code servers} file. */
    List<String> targets() {
        if (!servers.isEmpty()) {
            return servers;
        }
        Path f = adminDir.resolve(SERVERS_FILE);
        List<String> out = new ArrayList<>();
        if (Files.isReadable(f)) {
            try {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        out.add(hostPort(line.trim()));
                    }
                }
            } catch (IOException e) {
                throw CliException.failed("cannot read " + f + ": " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw CliException.usage("which cluster? pass --server HOST[:PORT] (the cluster virtual IP or any node) or set CAIRN_PRISM"
                    + " (no list of nodes in " + f + ")");
        }
        return out;
    }

    /** A client for this run; {@code password} supplies the password of {@link #user()} when one is needed. */
    PrismClient client(Function<String, char[]> password) {
        List<String> targets = targets();
        X509Certificate ca = readCa();
        String basic = null;
        KeyManager[] keys = null;
        if (user != null) {
            char[] pw = password.apply(user);
            basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + new String(pw)).getBytes(StandardCharsets.UTF_8));
            java.util.Arrays.fill(pw, '\0');
        } else {
            Path cert = adminDir.resolve("cert.pem");
            Path key = adminDir.resolve("key.pem");
            if (!Files.isReadable(cert) || !Files.isReadable(key)) {
                throw CliException.usage("no credentials: give --user NAME (the password comes from CAIRN_PASSWORD or is asked for), or "
                        + "use the admin certificate of 'cairn cluster create' (cert.pem and key.pem in " + adminDir
                        + "; --admin DIR or CAIRN_ADMIN)");
            }
            keys = keyManagers(cert, key, ca);
        }
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(keys, new X509ExtendedTrustManager[] {new ClusterTrust(ca)}, null);
            return new PrismClient(targets, tls, basic, caFile.toString());
        } catch (GeneralSecurityException e) {
            throw CliException.failed("this JVM cannot set up TLS: " + e.getMessage());
        }
    }

    X509Certificate readCa() {
        if (!Files.isReadable(caFile)) {
            throw CliException.usage("no CA certificate at " + caFile + " to verify Prism with: pass --cacert FILE (the cluster's ca.pem) "
                    + "or --admin DIR (the directory cairn cluster create wrote)");
        }
        try (InputStream in = Files.newInputStream(caFile)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | CertificateException | ClassCastException e) {
            throw CliException.failed(caFile + " is not a PEM certificate: " + e.getMessage());
        }
    }

    private static KeyManager[] keyManagers(Path certFile, Path keyFile, X509Certificate ca) {
        try (InputStream in = Files.newInputStream(certFile)) {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            PrivateKey key = privateKey(keyFile);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("admin", key, new char[0], new java.security.cert.Certificate[] {cert, ca});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, new char[0]);
            return kmf.getKeyManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw CliException.failed("cannot use the admin certificate " + certFile + " and key " + keyFile + ": " + e.getMessage());
        }
    }

    /** A PKCS#8 PEM private key (EC, RSA or Ed25519). */
    static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new GeneralSecurityException(file + " holds no PKCS#8 private key (BEGIN PRIVATE KEY)");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        GeneralSecurityException last = null;
        for (String alg : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /**
     * Trusts a server certificate only when it chains to the cluster CA and names the address the
     * CLI dialled (Prism's certificates name the node's address and the cluster virtual IP; spec 30
     * §2), so a redirect or a stale address cannot hand the credentials to another certified party.
     */
    static final class ClusterTrust extends X509ExtendedTrustManager {

        private final X509TrustManager pkix;

        ClusterTrust(X509Certificate ca) throws GeneralSecurityException {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            try {
                trust.load(null, null);
            } catch (IOException e) {
                throw new GeneralSecurityException(e);
            }
            trust.setCertificateEntry("cluster-ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            this.pkix = (X509TrustManager) tmf.getTrustManagers()[0];
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
            if (socket instanceof javax.net.ssl.SSLSocket ssl && ssl.getHandshakeSession() != null) {
                names(chain[0], ssl.getHandshakeSession().getPeerHost());
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
            names(chain[0], engine.getPeerHost());
        }

        /** Refuses a certificate whose subject alternative names do not include {@code host} (an IP literal or DNS name). */
        static void names(X509Certificate cert, String host) throws CertificateException {
            if (host == null || host.isEmpty()) {
                throw new CertificateException("the server's address is unknown, so its certificate cannot be matched to it");
            }
            String want = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            java.util.Collection<java.util.List<?>> sans = cert.getSubjectAlternativeNames();
            java.util.List<String> named = new java.util.ArrayList<>();
            if (sans != null) {
                for (java.util.List<?> san : sans) {
                    String v = String.valueOf(san.get(1));
                    named.add(v);
                    if (same(v, want)) {
                        return;
                    }
                }
            }
            throw new CertificateException("the server at " + want + " presented a cluster certificate for " + named
                    + ", not for " + want + "; use an address the cluster's certificates name (a node's or the virtual IP)");
        }

        private static boolean same(String named, String host) {
            if (named.equalsIgnoreCase(host)) {
                return true;
            }
            try {
                boolean literals = (host.matches("[0-9.]+") || host.contains(":")) && (named.matches("[0-9.]+") || named.contains(":"));
                return literals && java.net.InetAddress.getByName(named).equals(java.net.InetAddress.getByName(host));
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a CLI does not accept clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("a CLI does not accept clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("a CLI does not accept clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }
}
