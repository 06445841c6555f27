package io.cairn.cluster.rpc;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * What a party presents and trusts on the cluster transport: its private key, its certificate
 * (signed by the cluster CA) and the cluster CA certificate.
 *
 * <p>On disk (see {@link #load(Path)} / {@link #store(Path)}) a credentials directory holds
 * {@code key.pem} (PKCS#8, mode 0600), {@code cert.pem} and {@code ca.pem}.
 */
public record Credentials(PrivateKey key, X509Certificate certificate, X509Certificate ca) {

    public Credentials {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(ca, "ca");
    }

    /** Reads a credentials directory; the exception names the missing or unreadable file. */
    public static Credentials load(Path dir) {
        return io.cairn.cluster.rpc.internal.Pem.loadCredentials(dir);
    }

    /** Writes this into {@code dir} (created if needed), the key readable by the owner only. */
    public void store(Path dir) {
        io.cairn.cluster.rpc.internal.Pem.storeCredentials(this, dir);
    }

    /**
     * A TLS context (TLS 1.2 and 1.3) that presents this key with the chain certificate → CA and
     * trusts peer certificates only when the CA issued them: for servers such as NBD and Prism's
     * HTTPS listeners, which decide themselves whether a client certificate is required.
     */
    public javax.net.ssl.SSLContext tlsContext() {
        try {
            java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] none = new char[0];
            keys.setKeyEntry("key", key, none, new java.security.cert.Certificate[] {certificate, ca});
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("cluster-ca", ca);
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new io.cairn.common.error.CairnException(io.cairn.common.error.ErrorCode.INTERNAL, "this JVM cannot set up TLS with the "
                    + "credentials of " + principal() + ": " + e, e);
        }
    }

    /** The certificate subject's common name, e.g. {@code node:<uuid>} or {@code admin}. */
    public String principal() {
        return io.cairn.cluster.rpc.internal.Pem.commonName(certificate);
    }
}
