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
}
