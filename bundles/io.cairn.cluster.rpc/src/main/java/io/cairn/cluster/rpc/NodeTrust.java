package io.cairn.cluster.rpc;

import java.security.PublicKey;
import java.security.cert.X509Certificate;

/**
 * This controller's transport identity. A node in factory state serves TLS with a self-signed
 * certificate and answers only bootstrap methods; once {@link #install} has given it a certificate
 * from the cluster CA, every call must present a client certificate from the same CA.
 */
@org.osgi.annotation.versioning.ProviderType
public interface NodeTrust {

    /** True once the node holds cluster credentials. */
    boolean clustered();

    /** The node's own public key (its private key never leaves the node): what the CA signs. */
    PublicKey publicKey();

    /** SHA-256 fingerprint of the certificate the node currently serves, hex with colons. */
    String fingerprint();

    /**
     * Installs the cluster CA and the node's certificate (which must certify {@link #publicKey()}),
     * persists them under the node home and switches the server and client to mutual TLS.
     *
     * @throws io.cairn.common.error.CairnException INVALID_ARGUMENT when the certificate does not
     *         match the node key or is not signed by {@code ca}
     */
    void install(X509Certificate ca, X509Certificate nodeCertificate);

    /** The node's credentials, once clustered. */
    java.util.Optional<Credentials> credentials();

    /**
     * Keeps the cluster CA's key on this member (spec 30 §2: {@code ca.key.pem}, mode 0600, next to
     * {@code ca.pem}), handed over once the node has joined, over its mutual-TLS RPC (never with the join
     * itself, which travels over the trust-on-first-use bootstrap channel), so that the cluster issues its own service
     * certificates (Prism's with the virtual IP, new members', renewals).
     *
     * @throws io.cairn.common.error.CairnException FAILED_PRECONDITION before the node is clustered,
     *         INVALID_ARGUMENT when {@code ca} is not the CA this node trusts
     */
    void installAuthority(ClusterCa ca);

    /** The cluster CA with its key, when this member holds it. */
    java.util.Optional<ClusterCa> authority();

    /**
     * Forgets the cluster CA's key: deletes {@code ca.key.pem} (the node keeps its own certificate and
     * {@code ca.pem}); called when the node is no longer a member. Nothing happens when it holds no key.
     *
     * @since 1.3.0
     */
    void removeAuthority();

    /**
     * Applies the cluster CRL (spec 30 §2): the transport then refuses peers (clients and servers) whose certificate
     * serial it lists, and closes the connections already open with them. Kept as {@code crl.pem} next to {@code ca.pem},
     * so that it applies again after a restart without Zeus. A CRL with a lower CRL number than the one applied is
     * ignored.
     *
     * @return true when this CRL replaced the one applied before
     * @throws io.cairn.common.error.CairnException FAILED_PRECONDITION before the node is clustered, INVALID_ARGUMENT
     *         when the CRL is not signed by the cluster CA
     * @since 1.4.0
     */
    boolean applyCrl(java.security.cert.X509CRL crl);

    /** The cluster CRL this node applies, if any. @since 1.4.0 */
    java.util.Optional<java.security.cert.X509CRL> crl();

    /**
     * The serials of the certificates this member's copy of the cluster CA ({@link #authority()}) issued, e.g.
     * Prism's, kept across restarts ({@code issued.txt}): revoked with the node's own when it leaves the cluster.
     *
     * @since 1.4.0
     */
    java.util.Set<java.math.BigInteger> issuedHere();

    /**
     * Replaces the node's certificate with its renewal (spec 30 §2): one from the same cluster CA for the same node key,
     * naming the node IP, valid now and ending later than the current one. It is written to {@code cert.pem} (temporary
     * file, atomic rename) and presented from the next TLS handshake on by the transport's server and client (open
     * connections keep the one they started with; the old certificate stays valid, not revoked, until it expires).
     *
     * @throws io.cairn.common.error.CairnException FAILED_PRECONDITION before the node is clustered, INVALID_ARGUMENT
     *         when the certificate is not such a renewal
     * @since 1.5.0
     */
    void renew(X509Certificate nodeCertificate);

    /**
     * A key manager presenting the node's current credentials (key, certificate → CA) at each TLS handshake, so that a
     * server or client built on it serves a {@link #renew renewed} certificate from its next handshake without a restart:
     * for other TLS endpoints of the node (Medusa's Ratis gRPC).
     *
     * @throws io.cairn.common.error.CairnException FAILED_PRECONDITION before the node is clustered
     * @since 1.5.0
     */
    javax.net.ssl.X509ExtendedKeyManager keyManager();

    /**
     * As {@link Credentials#tlsContext()} (TLS 1.2 and 1.3, peers trusted when the cluster CA issued them) but presenting
     * the node's current credentials at each handshake ({@link #keyManager()}): for servers such as NBD.
     *
     * @throws io.cairn.common.error.CairnException FAILED_PRECONDITION before the node is clustered
     * @since 1.5.0
     */
    javax.net.ssl.SSLContext tlsContext();
}
