package io.cairn.cluster.rpc;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The cluster certificate authority, created once when the cluster is created (Bouncy Castle,
 * ECDSA P-256). It signs one certificate per controller (CN {@code node:<uuid>}, the node's IP as
 * subject alternative name) and one for the cluster admin (CN {@code admin}).
 */
public final class ClusterCa {

    private final KeyPair keyPair;
    private final X509Certificate certificate;

    private ClusterCa(KeyPair keyPair, X509Certificate certificate) {
        this.keyPair = Objects.requireNonNull(keyPair);
        this.certificate = Objects.requireNonNull(certificate);
    }

    /** A new CA named after the cluster, valid for {@code validity}. */
    public static ClusterCa create(String clusterName, Duration validity) {
        var ca = io.cairn.cluster.rpc.internal.Pki.newCa(clusterName, validity);
        return new ClusterCa(ca.keyPair(), ca.certificate());
    }

    /** Reads {@code ca.key.pem} and {@code ca.pem} from {@code dir}. */
    public static ClusterCa load(Path dir) {
        var ca = io.cairn.cluster.rpc.internal.Pem.loadCa(dir);
        return new ClusterCa(ca.keyPair(), ca.certificate());
    }

    /** Writes {@code ca.key.pem} (mode 0600) and {@code ca.pem} into {@code dir}. */
    public void store(Path dir) {
        io.cairn.cluster.rpc.internal.Pem.storeCa(keyPair, certificate, dir);
    }

    /**
     * The CA key as PKCS#8 PEM: only to hand the CA to a member that has joined, over mutual TLS
     * ({@code genesis.authority.install}, never with {@code genesis.join}); never log or store it elsewhere.
     */
    public String exportKey() {
        return io.cairn.cluster.rpc.internal.Pem.privateKeyPem(keyPair.getPrivate());
    }

    /** The CA from an {@link #exportKey() exported} key and its certificate (they must match). */
    public static ClusterCa of(String keyPem, X509Certificate certificate) {
        var ca = io.cairn.cluster.rpc.internal.Pem.ca(io.cairn.cluster.rpc.internal.Pem.parsePrivateKey(keyPem, "the cluster CA key"), certificate,
                "the cluster CA key handed over");
        return new ClusterCa(ca.keyPair(), ca.certificate());
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * Signs a certificate for {@code publicKey} with common name {@code principal} and the given IP
     * addresses as subject alternative names; usable for both TLS server and client authentication.
     */
    public X509Certificate issue(PublicKey publicKey, String principal, List<String> ipAddresses, Duration validity) {
        return io.cairn.cluster.rpc.internal.Pki.issue(keyPair, certificate, publicKey, principal, ipAddresses, validity);
    }

    /** A fresh key pair and a certificate for it: the admin's credentials, or a test party's. */
    public Credentials issueCredentials(String principal, List<String> ipAddresses, Duration validity) {
        KeyPair kp = io.cairn.cluster.rpc.internal.Pki.newKeyPair();
        return new Credentials(kp.getPrivate(), issue(kp.getPublic(), principal, ipAddresses, validity), certificate);
    }
}
