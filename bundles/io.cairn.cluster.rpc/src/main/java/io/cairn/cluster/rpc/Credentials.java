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

    /** The certificate subject's common name, e.g. {@code node:<uuid>} or {@code admin}. */
    public String principal() {
        return io.cairn.cluster.rpc.internal.Pem.commonName(certificate);
    }
}
