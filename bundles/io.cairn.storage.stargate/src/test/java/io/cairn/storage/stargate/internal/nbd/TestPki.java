package io.cairn.storage.stargate.internal.nbd;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throw-away CA with one server and one client certificate (ECDSA P-256) for the TLS tests.
 * The key usages satisfy both Java's TLS and QEMU's/GnuTLS's certificate checks (QEMU wants
 * digital signature and key encipherment on end-entity certificates).
 */
final class TestPki {

    record Party(KeyPair keys, X509Certificate certificate) {
    }

    private static final AtomicLong SERIALS = new AtomicLong(1);
    private static final char[] PASSWORD = "test".toCharArray();

    final Party ca;
    final Party server;
    final Party client;

    private TestPki(Party ca, Party server, Party client) {
        this.ca = ca;
        this.server = server;
        this.client = client;
    }

    /** A CA named {@code caName}, a server certificate for 127.0.0.1/localhost and a client certificate. */
    static TestPki create(String caName) throws Exception {
        KeyPair caKeys = newKeyPair();
        Instant now = Instant.now();
        X500Name caSubject = new X500Name("CN=" + caName);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caSubject, serial(), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))), caSubject, caKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        Party ca = new Party(caKeys, sign(b, caKeys));
        return new TestPki(ca, issue(ca, "nbd-server", true), issue(ca, "nbd-client", false));
    }

    private static Party issue(Party ca, String commonName, boolean server) throws Exception {
        KeyPair keys = newKeyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), serial(), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + commonName), keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
        if (server) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        }
        return new Party(keys, sign(b, ca.keys()));
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(System.nanoTime()).shiftLeft(16).add(BigInteger.valueOf(SERIALS.getAndIncrement()));
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
    }

    /** The server's context: its key and certificate, trusting this CA for client certificates. */
    SSLContext serverContext() throws Exception {
        return context(server);
    }

    /** A client context presenting the client certificate and trusting this CA. */
    SSLContext clientContext() throws Exception {
        return context(client);
    }

    /** A client context trusting this CA but presenting no certificate. */
    SSLContext anonymousClientContext() throws Exception {
        return context(null, ca.certificate());
    }

    /** A client context presenting this PKI's client certificate but trusting {@code serverCa}. */
    SSLContext clientContextTrusting(X509Certificate serverCa) throws Exception {
        return context(client, serverCa);
    }

    private SSLContext context(Party identity) throws Exception {
        return context(identity, ca.certificate());
    }

    private SSLContext context(Party identity, X509Certificate trusted) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (identity != null) {
            keys.setKeyEntry("me", identity.keys().getPrivate(), PASSWORD, new X509Certificate[] {identity.certificate(), ca.certificate()});
        }
        kmf.init(keys, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        KeyManager[] keyManagers = identity == null ? kmf.getKeyManagers()
                : new KeyManager[] {new AlwaysPresenting((X509ExtendedKeyManager) kmf.getKeyManagers()[0])};
        context.init(keyManagers, tmf.getTrustManagers(), null);
        return context;
    }

    /**
     * Presents the one identity even when the server asks for certificates of another CA (the
     * JDK's key manager would then send none), so tests reach the server's own verification.
     */
    private static final class AlwaysPresenting extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;

        AlwaysPresenting(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "me";
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "me";
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"me"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return keys.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return keys.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return keys.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }

    /**
     * Writes the client side in the layout of QEMU's {@code tls-creds-x509} and libnbd's
     * {@code tls-certificates}: {@code ca-cert.pem}, {@code client-cert.pem}, {@code client-key.pem}.
     */
    void writeClientDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("ca-cert.pem"), pem(ca.certificate()));
        Files.writeString(dir.resolve("client-cert.pem"), pem(client.certificate()));
        Files.writeString(dir.resolve("client-key.pem"), pem(sec1(client.keys())));
    }

    /**
     * The key as an "EC PRIVATE KEY" (SEC 1) that names its curve and carries its public key:
     * Java's own encoding leaves both out of the inner structure, which GnuTLS cannot read.
     */
    private static PemObject sec1(KeyPair keys) {
        ECPrivateKey key = (ECPrivateKey) keys.getPrivate();
        X962Parameters curve = new X962Parameters(SECObjectIdentifiers.secp256r1);
        ASN1BitString publicKey = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData();
        try {
            return new PemObject("EC PRIVATE KEY",
                    new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS(), publicKey, curve).getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        }
        return s.toString();
    }
}
