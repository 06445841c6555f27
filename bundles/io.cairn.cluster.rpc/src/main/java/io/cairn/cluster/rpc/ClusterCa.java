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
    private final java.util.function.Consumer<X509Certificate> observer;

    private ClusterCa(KeyPair keyPair, X509Certificate certificate) {
        this(keyPair, certificate, c -> { });
    }

    private ClusterCa(KeyPair keyPair, X509Certificate certificate, java.util.function.Consumer<X509Certificate> observer) {
        this.keyPair = Objects.requireNonNull(keyPair);
        this.certificate = Objects.requireNonNull(certificate);
        this.observer = Objects.requireNonNull(observer);
    }

    /**
     * This CA, telling {@code observer} of every certificate it issues (after this one's own observer): how a member
     * records the serials it issued, so that they are revoked when it leaves the cluster.
     *
     * @since 1.4.0
     */
    public ClusterCa observed(java.util.function.Consumer<X509Certificate> observer) {
        Objects.requireNonNull(observer, "observer");
        java.util.function.Consumer<X509Certificate> mine = this.observer;
        return new ClusterCa(keyPair, certificate, mine.andThen(observer));
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
        X509Certificate c = io.cairn.cluster.rpc.internal.Pki.issue(keyPair, certificate, publicKey, principal, ipAddresses, validity);
        observer.accept(c);
        return c;
    }

    /**
     * A fresh key pair and a certificate for a TLS server only (extended key usage serverAuth, no clientAuth): e.g.
     * Prism's HTTPS, whose key then cannot act as a client on the cluster transport.
     *
     * @since 1.4.0
     */
    public Credentials issueServerCredentials(String principal, List<String> ipAddresses, Duration validity) {
        KeyPair kp = io.cairn.cluster.rpc.internal.Pki.newKeyPair();
        X509Certificate c = io.cairn.cluster.rpc.internal.Pki.issue(keyPair, certificate, kp.getPublic(), principal, ipAddresses, validity,
                false);
        observer.accept(c);
        return new Credentials(kp.getPrivate(), c, certificate);
    }

    /**
     * The cluster CRL (X.509 v2, signed by this CA): {@code serials} revoked, CRL number {@code number} (higher is newer),
     * issued {@code thisUpdate}, next update {@code nextUpdate}.
     *
     * @since 1.4.0
     */
    public java.security.cert.X509CRL issueCrl(java.util.Collection<java.math.BigInteger> serials, long number, java.time.Instant thisUpdate,
            java.time.Instant nextUpdate) {
        return io.cairn.cluster.rpc.internal.Pki.crl(keyPair, certificate, serials, number, thisUpdate, nextUpdate);
    }

    /** {@code crl} as PEM ({@code -----BEGIN X509 CRL-----}). @since 1.4.0 */
    public static String crlPem(java.security.cert.X509CRL crl) {
        return io.cairn.cluster.rpc.internal.Pem.crlPem(crl);
    }

    /**
     * A PEM CRL; {@code what} names it in the error.
     *
     * @throws io.cairn.common.error.CairnException INVALID_ARGUMENT when it is no PEM X.509 CRL
     * @since 1.4.0
     */
    public static java.security.cert.X509CRL parseCrl(String pem, String what) {
        return io.cairn.cluster.rpc.internal.Pem.parseCrl(pem, what);
    }

    /** The CRL number of {@code crl}, -1 when it has none. @since 1.4.0 */
    public static long crlNumber(java.security.cert.X509CRL crl) {
        return io.cairn.cluster.rpc.internal.Pki.crlNumber(crl);
    }

    /** The serials {@code crl} revokes, ascending. @since 1.4.0 */
    public static java.util.SortedSet<java.math.BigInteger> revokedSerials(java.security.cert.X509CRL crl) {
        return io.cairn.cluster.rpc.internal.Pki.revokedSerials(crl);
    }

    /**
     * The successor of {@code old} (automatic leaf renewal, spec 30 §2): the same subject, IP addresses and extended key
     * usages, for {@code publicKey}, valid from {@code old}'s start (so a peer whose clock lags, or which judges validity
     * on another clock, accepts it at once) until {@code now + validity}, capped at this CA's own expiry.
     *
     * @throws io.cairn.common.error.CairnException INVALID_ARGUMENT when {@code old} is not from this CA,
     *         FAILED_PRECONDITION when the CA expires too soon to give the successor a later end than {@code old}
     * @since 1.5.0
     */
    public X509Certificate renew(X509Certificate old, PublicKey publicKey, java.time.Instant now, Duration validity) {
        Objects.requireNonNull(old, "old");
        Objects.requireNonNull(publicKey, "publicKey");
        try {
            old.verify(certificate.getPublicKey());
        } catch (java.security.GeneralSecurityException e) {
            throw io.cairn.common.error.CairnException.invalid("certificate " + old.getSerialNumber().toString(16) + " of '"
                    + io.cairn.cluster.rpc.internal.Pem.commonName(old) + "' is not from this cluster CA; it cannot be renewed here");
        }
        java.time.Instant notAfter = renewedNotAfter(certificate, now, validity);
        if (!notAfter.isAfter(old.getNotAfter().toInstant())) {
            throw new io.cairn.common.error.CairnException(io.cairn.common.error.ErrorCode.FAILED_PRECONDITION, "cannot renew '"
                    + io.cairn.cluster.rpc.internal.Pem.commonName(old) + "' (expires " + old.getNotAfter().toInstant()
                    + "): the cluster CA itself expires " + certificate.getNotAfter().toInstant() + "; the cluster needs a new CA");
        }
        boolean clientAuth;
        try {
            clientAuth = old.getExtendedKeyUsage() != null && old.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2");
        } catch (java.security.cert.CertificateParsingException e) {
            clientAuth = false;
        }
        X509Certificate c = io.cairn.cluster.rpc.internal.Pki.issue(keyPair, certificate, publicKey, io.cairn.cluster.rpc.internal.Pem.commonName(old),
                ipsOf(old), old.getNotBefore().toInstant(), notAfter, clientAuth);
        observer.accept(c);
        return c;
    }

    /**
     * As {@link #renew} for a fresh key pair: Prism's certificate.
     *
     * @since 1.5.0
     */
    public Credentials renewCredentials(X509Certificate old, java.time.Instant now, Duration validity) {
        KeyPair kp = io.cairn.cluster.rpc.internal.Pki.newKeyPair();
        return new Credentials(kp.getPrivate(), renew(old, kp.getPublic(), now, validity), certificate);
    }

    /** When a leaf renewed at {@code now} ends: {@code now + validity}, but never after {@code ca} does. @since 1.5.0 */
    public static java.time.Instant renewedNotAfter(X509Certificate ca, java.time.Instant now, Duration validity) {
        java.time.Instant want = now.plus(validity);
        java.time.Instant caEnd = ca.getNotAfter().toInstant();
        return want.isAfter(caEnd) ? caEnd : want;
    }

    private static List<String> ipsOf(X509Certificate c) {
        java.util.List<String> ips = new java.util.ArrayList<>();
        try {
            var names = c.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    if (n.size() >= 2 && Integer.valueOf(7).equals(n.get(0)) && n.get(1) instanceof String s) {
                        ips.add(s);
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            // no names
        }
        return ips;
    }

    /** A fresh key pair and a certificate for it: the admin's credentials, or a test party's. */
    public Credentials issueCredentials(String principal, List<String> ipAddresses, Duration validity) {
        KeyPair kp = io.cairn.cluster.rpc.internal.Pki.newKeyPair();
        return new Credentials(kp.getPrivate(), issue(kp.getPublic(), principal, ipAddresses, validity), certificate);
    }
}
