package io.cairn.cluster.rpc.internal;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * The node's transport identity kept in {@code <cairn.home>/data/pki}: {@code key.pem} (generated
 * on first start, mode 0600), {@code cert.pem} (self-signed {@code node-factory:<ip>} in factory
 * state, issued by the cluster CA once clustered) and {@code ca.pem} (present only once clustered;
 * written last, so its presence means the node holds cluster credentials).
 */
final class NodeTrustImpl implements NodeTrust {

    static final Duration FACTORY_VALIDITY = Duration.ofDays(3650);
    static final String FACTORY_PREFIX = "node-factory:";

    /** What the node serves: the TLS setup and, once clustered, its credentials. */
    private record State(Tls.Setup setup, Credentials credentials) {
    }

    private final Logger logger = LoggerFactory.getLogger(NodeTrustImpl.class);
    private final Path dir;
    private final String nodeIp;
    private final InstantSource clock;
    private final PrivateKey key;
    private final PublicKey publicKey;
    private final Consumer<Credentials> onInstall;
    private final Object installLock = new Object();
    private volatile State state;
    /** The cluster CA with its key, once loaded or handed over; guarded by installLock. */
    private ClusterCa authority;
    /** The serials the cluster CRL revokes, checked by the transport's trust manager at every handshake. */
    private final Revocations revocations = new Revocations();
    /** The CRL applied last; guarded by installLock. */
    private java.security.cert.X509CRL crl;
    /** Serials of what this member's CA copy issued (issued.txt); guarded by installLock. */
    private final java.util.Set<java.math.BigInteger> issued = new java.util.TreeSet<>();
    static final String ISSUED = "issued.txt";

    /**
     * Loads (or on first start creates) the node key and determines the state.
     *
     * @param onInstall told of new credentials after {@link #install} stored them
     * @throws CairnException FAILED_PRECONDITION when {@code ca.pem} exists but {@code cert.pem} does not match it or the key
     */
    NodeTrustImpl(Path dir, String nodeIp, InstantSource clock, Consumer<Credentials> onInstall) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.nodeIp = Objects.requireNonNull(nodeIp, "nodeIp");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.onInstall = Objects.requireNonNull(onInstall, "onInstall");
        Path keyFile = dir.resolve(Pem.KEY);
        if (Files.exists(keyFile)) {
            this.key = Pem.readPrivateKey(keyFile);
        } else {
            KeyPair kp = Pki.newKeyPair();
            Pem.writePrivateKey(keyFile, kp.getPrivate());
            logger.info("generated this controller's transport key in {}", keyFile);
            this.key = kp.getPrivate();
        }
        this.publicKey = Pki.publicKeyOf(key);
        this.state = initialState();
        loadIssued();
        if (state.credentials() != null && Files.exists(dir.resolve(Pem.CRL))) {
            try {
                String pem = Files.readString(dir.resolve(Pem.CRL), java.nio.charset.StandardCharsets.US_ASCII);
                applyCrl(Pem.parseCrl(pem, dir.resolve(Pem.CRL).toString()));
            } catch (java.io.IOException | CairnException e) {
                logger.warn("the kept cluster CRL {} is not usable ({}); revocations apply again once the cluster's is read from Zeus",
                        dir.resolve(Pem.CRL), e.getMessage());
            }
        }
    }

    /** The revoked serials the transport checks. */
    Revocations revocations() {
        return revocations;
    }

    private void loadIssued() {
        Path f = dir.resolve(ISSUED);
        if (!Files.exists(f)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(f, java.nio.charset.StandardCharsets.US_ASCII)) {
                String l = line.strip();
                if (!l.isEmpty()) {
                    issued.add(new java.math.BigInteger(l, 16));
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            logger.warn("cannot read {} ({}); certificates issued on this node before are not all known for revocation", f, e.toString());
        }
    }

    private void recordIssued(X509Certificate c) {
        synchronized (installLock) {
            if (issued.add(c.getSerialNumber())) {
                StringBuilder b = new StringBuilder();
                issued.forEach(s -> b.append(s.toString(16)).append('\n'));
                Pem.writeAtomically(dir.resolve(ISSUED), b.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII), false);
            }
        }
    }

    @Override
    public java.util.Set<java.math.BigInteger> issuedHere() {
        synchronized (installLock) {
            return java.util.Set.copyOf(issued);
        }
    }

    @Override
    public boolean applyCrl(java.security.cert.X509CRL next) {
        Objects.requireNonNull(next, "crl");
        Credentials c = state.credentials();
        if (c == null) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "controller " + nodeIp + " is not clustered; it has no cluster CRL to apply");
        }
        try {
            next.verify(c.ca().getPublicKey());
        } catch (GeneralSecurityException e) {
            throw CairnException.invalid("the CRL of '" + next.getIssuerX500Principal().getName() + "' is not signed by the cluster CA '"
                    + Pem.commonName(c.ca()) + "' (" + e.getMessage() + ")");
        }
        synchronized (installLock) {
            if (crl != null) {
                long have = Pki.crlNumber(crl);
                long got = Pki.crlNumber(next);
                if (got < have || (got == have && Arrays.equals(encoded(crl), encoded(next)))) {
                    return false;
                }
            }
            Pem.writeCrl(dir.resolve(Pem.CRL), next);
            crl = next;
            java.util.Set<java.math.BigInteger> serials = Pki.revokedSerials(next);
            logger.info("controller {} applies cluster CRL number {} ({} revoked serials)", nodeIp, Pki.crlNumber(next), serials.size());
            revocations.set(serials);
            return true;
        }
    }

    private static byte[] encoded(java.security.cert.X509CRL c) {
        try {
            return c.getEncoded();
        } catch (java.security.cert.CRLException e) {
            return new byte[0];
        }
    }

    @Override
    public Optional<java.security.cert.X509CRL> crl() {
        synchronized (installLock) {
            return Optional.ofNullable(crl);
        }
    }

    private State initialState() {
        Path caFile = dir.resolve(Pem.CA);
        Path certFile = dir.resolve(Pem.CERT);
        if (Files.exists(caFile)) {
            X509Certificate ca = Pem.readCertificate(caFile);
            X509Certificate cert = Pem.readCertificate(certFile);
            String problem = mismatch(ca, cert);
            if (problem != null) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, certFile + " " + problem + "; restore this controller's credentials"
                        + ", or delete " + caFile + " and " + certFile + " to return it to factory state");
            }
            String expiry = validity(cert);
            if (expiry != null) {
                logger.warn("the transport certificate {} {}; other controllers will refuse it until the cluster CA issues a new one", certFile,
                        expiry);
            }
            if (!namesNodeIp(cert)) {
                logger.warn("the transport certificate {} names {} but this controller's address is {}; peers dialling {} will refuse it",
                        certFile, Tls.ipAddresses(cert), nodeIp, nodeIp);
            }
            logger.info("transport credentials of {} loaded: {} (cluster CA {})", nodeIp, Pem.commonName(cert), Pem.commonName(ca));
            return cluster(new Credentials(key, cert, ca));
        }
        X509Certificate selfSigned = null;
        if (Files.exists(certFile)) {
            try {
                X509Certificate c = Pem.readCertificate(certFile);
                if (reusableFactoryCertificate(c)) {
                    selfSigned = c;
                }
            } catch (CairnException e) {
                logger.info("replacing unreadable factory certificate {}: {}", certFile, e.getMessage());
            }
        }
        if (selfSigned == null) {
            selfSigned = Pki.selfSigned(new KeyPair(publicKey, key), FACTORY_PREFIX + nodeIp, List.of(nodeIp), FACTORY_VALIDITY);
            Pem.writeCertificate(certFile, selfSigned);
        }
        logger.info("controller {} is in factory state; serving bootstrap calls with certificate {}", nodeIp, Pem.fingerprint(selfSigned));
        return new State(Tls.factorySetup(key, selfSigned), null);
    }

    private State cluster(Credentials c) {
        // the key manager reads the credentials at each handshake: a renewed certificate is served from the next one on
        return new State(Tls.clusterSetup(c, () -> {
            Credentials now = state.credentials();
            return now != null ? now : c;
        }, revocations), c);
    }

    /** The credentials presented now (cluster state). */
    Credentials current() {
        Credentials c = state.credentials();
        if (c == null) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "controller " + nodeIp + " is not clustered");
        }
        return c;
    }

    @Override
    public javax.net.ssl.X509ExtendedKeyManager keyManager() {
        current();
        return (javax.net.ssl.X509ExtendedKeyManager) Tls.keyManager(this::current)[0];
    }

    @Override
    public javax.net.ssl.SSLContext tlsContext() {
        Credentials c = current();
        try {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(new javax.net.ssl.KeyManager[] {keyManager()}, Tls.trustOnly(c.ca()), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new CairnException(ErrorCode.INTERNAL, "this JVM cannot set up TLS with the credentials of " + c.principal() + ": " + e, e);
        }
    }

    @Override
    public void renew(X509Certificate nodeCertificate) {
        Objects.requireNonNull(nodeCertificate, "nodeCertificate");
        synchronized (installLock) {
            Credentials c = state.credentials();
            if (c == null) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, "controller " + nodeIp + " is not clustered; there is no certificate to renew");
            }
            String problem = mismatch(c.ca(), nodeCertificate);
            if (problem == null) {
                problem = validity(nodeCertificate);
            }
            if (problem == null && !namesNodeIp(nodeCertificate)) {
                problem = "names " + Tls.ipAddresses(nodeCertificate) + " but this controller's address is " + nodeIp;
            }
            if (problem == null && !nodeCertificate.getNotAfter().after(c.certificate().getNotAfter())) {
                problem = "ends " + nodeCertificate.getNotAfter().toInstant() + ", not later than the current one ("
                        + c.certificate().getNotAfter().toInstant() + ")";
            }
            if (problem != null) {
                throw CairnException.invalid("the renewed certificate for " + Pem.commonName(nodeCertificate) + " " + problem);
            }
            Pem.writeCertificate(dir.resolve(Pem.CERT), nodeCertificate); // temporary file + atomic rename
            state = new State(state.setup(), new Credentials(key, nodeCertificate, c.ca()));
            logger.info("controller {} renewed its transport certificate: serial {} (until {}) replaces {} (until {}, still accepted until then)",
                    nodeIp, nodeCertificate.getSerialNumber().toString(16), nodeCertificate.getNotAfter().toInstant(),
                    c.certificate().getSerialNumber().toString(16), c.certificate().getNotAfter().toInstant());
        }
    }

    /** The TLS setup the server should use now. */
    Tls.Setup setup() {
        return state.setup();
    }

    @Override
    public boolean clustered() {
        return state.credentials() != null;
    }

    @Override
    public PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public String fingerprint() {
        State s = state;
        return Pem.fingerprint(s.credentials() != null ? s.credentials().certificate() : s.setup().certificate());
    }

    @Override
    public Optional<Credentials> credentials() {
        return Optional.ofNullable(state.credentials());
    }

    @Override
    public void installAuthority(ClusterCa ca) {
        synchronized (installLock) {
            Credentials c = state.credentials();
            if (c == null) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, "controller " + nodeIp + " is not clustered yet; it takes the cluster CA "
                        + "key only after its own certificate");
            }
            if (!c.ca().equals(ca.certificate())) {
                throw CairnException.invalid("the CA handed over (" + Pem.commonName(ca.certificate()) + ") is not the one controller " + nodeIp
                        + " trusts (" + Pem.commonName(c.ca()) + ")");
            }
            ca.store(dir); // ca.key.pem 0600; ca.pem rewritten with the same certificate
            authority = ca.observed(this::recordIssued);
            logger.info("controller {} holds the cluster CA key ({})", nodeIp, dir.resolve(Pem.CA_KEY));
        }
    }

    @Override
    public void removeAuthority() {
        synchronized (installLock) {
            authority = null;
            try {
                if (Files.deleteIfExists(dir.resolve(Pem.CA_KEY))) {
                    logger.info("controller {} no longer holds the cluster CA key ({} deleted)", nodeIp, dir.resolve(Pem.CA_KEY));
                }
            } catch (java.io.IOException e) {
                throw new CairnException(ErrorCode.INTERNAL, "cannot delete " + dir.resolve(Pem.CA_KEY) + ": " + e.getMessage());
            }
        }
    }

    @Override
    public Optional<ClusterCa> authority() {
        synchronized (installLock) {
            if (authority == null && state.credentials() != null && Files.exists(dir.resolve(Pem.CA_KEY))) {
                authority = ClusterCa.load(dir).observed(this::recordIssued);
            }
            return Optional.ofNullable(authority);
        }
    }

    @Override
    public void install(X509Certificate ca, X509Certificate nodeCertificate) {
        if (ca == null || nodeCertificate == null) {
            throw CairnException.invalid("install needs the cluster CA certificate and this controller's certificate");
        }
        String problem = mismatch(ca, nodeCertificate);
        if (problem == null) {
            problem = validity(nodeCertificate);
        }
        if (problem == null && !namesNodeIp(nodeCertificate)) {
            problem = "names " + Tls.ipAddresses(nodeCertificate) + " but this controller's address is " + nodeIp
                    + "; issue it with " + nodeIp + " as subject alternative name";
        }
        if (problem != null) {
            throw CairnException.invalid("the certificate for " + Pem.commonName(nodeCertificate) + " " + problem);
        }
        synchronized (installLock) {
            // ca.pem last: its presence means the node is clustered
            Pem.writeCertificate(dir.resolve(Pem.CERT), nodeCertificate);
            Pem.writeCertificate(dir.resolve(Pem.CA), ca);
            Credentials c = new Credentials(key, nodeCertificate, ca);
            state = cluster(c);
            logger.info("controller {} joined the cluster of CA '{}' as {}", nodeIp, Pem.commonName(ca), Pem.commonName(nodeCertificate));
            onInstall.accept(c);
        }
    }

    /** Why {@code cert} is not this node's certificate from {@code ca}, or null. */
    private String mismatch(X509Certificate ca, X509Certificate cert) {
        if (ca.getBasicConstraints() < 0) {
            return "comes with '" + Pem.commonName(ca) + "', which is not a CA certificate";
        }
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            return "is not signed by the cluster CA '" + Pem.commonName(ca) + "' (" + e.getMessage() + ")";
        }
        if (!Arrays.equals(cert.getPublicKey().getEncoded(), publicKey.getEncoded())) {
            return "certifies another key than this controller's (" + dir.resolve(Pem.KEY)
                    + "); the CA must sign the public key this controller reports";
        }
        return null;
    }

    private String validity(X509Certificate cert) {
        try {
            cert.checkValidity(Date.from(clock.instant()));
            return null;
        } catch (CertificateExpiredException e) {
            return "expired on " + cert.getNotAfter().toInstant();
        } catch (CertificateNotYetValidException e) {
            return "is not valid before " + cert.getNotBefore().toInstant() + " (is this controller's clock right?)";
        }
    }

    private boolean namesNodeIp(X509Certificate cert) {
        InetAddress self = InetAddress.ofLiteral(nodeIp);
        for (String ip : Tls.ipAddresses(cert)) {
            try {
                if (InetAddress.ofLiteral(ip).equals(self)) {
                    return true;
                }
            } catch (IllegalArgumentException e) {
                // not an address
            }
        }
        return false;
    }

    private boolean reusableFactoryCertificate(X509Certificate c) {
        try {
            c.verify(publicKey);
        } catch (GeneralSecurityException e) {
            return false;
        }
        return (FACTORY_PREFIX + nodeIp).equals(Pem.commonName(c)) && validity(c) == null && namesNodeIp(c);
    }
}
