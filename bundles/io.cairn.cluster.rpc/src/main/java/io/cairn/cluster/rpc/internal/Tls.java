package io.cairn.cluster.rpc.internal;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** TLS 1.3 contexts of the transport: one fixed key, and trust in exactly one CA (or, for bootstrap, in anything). */
final class Tls {

    static final String PROTOCOL = "TLSv1.3";
    private static final String[] PROTOCOLS = {PROTOCOL};

    private Tls() {
    }

    /** What the server serves: its context and whether it requires client certificates from the cluster CA. */
    record Setup(SSLContext context, boolean clustered, X509Certificate certificate, Revocations revocations) {
    }

    /**
     * The peer's certificate checked again after the handshake: a resumed TLS 1.3 session (pre-shared key from an
     * earlier connection) skips the trust manager, so a peer revoked since would otherwise get back in.
     *
     * @throws SSLException when the session's peer certificate is revoked or not meant for its side
     */
    static void checkSession(SSLSocket ssl, Revocations revocations, boolean peerIsClient) throws javax.net.ssl.SSLException {
        java.security.cert.Certificate[] certs;
        try {
            certs = ssl.getSession().getPeerCertificates();
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new javax.net.ssl.SSLHandshakeException("the peer presented no certificate");
        }
        X509Certificate[] chain = new X509Certificate[certs.length];
        for (int i = 0; i < certs.length; i++) {
            chain[i] = (X509Certificate) certs[i];
        }
        try {
            ClusterTrustManager.check(chain, revocations, peerIsClient);
        } catch (java.security.cert.CertificateException e) {
            ssl.getSession().invalidate();
            throw new javax.net.ssl.SSLHandshakeException(e.getMessage());
        }
    }

    static Setup clusterSetup(PrivateKey key, X509Certificate certificate, X509Certificate ca) {
        return clusterSetup(key, certificate, ca, Revocations.NONE);
    }

    static Setup clusterSetup(PrivateKey key, X509Certificate certificate, X509Certificate ca, Revocations revocations) {
        return new Setup(context(keyManager(key, certificate, ca), clusterTrust(ca, revocations)), true, certificate, revocations);
    }

    /**
     * A cluster setup whose key manager reads {@code current} at every handshake, so that a renewed certificate is
     * presented from the next handshake on (the context and the CA of {@code c}, the initial credentials, stay).
     */
    static Setup clusterSetup(io.cairn.cluster.rpc.Credentials c, java.util.function.Supplier<io.cairn.cluster.rpc.Credentials> current,
            Revocations revocations) {
        return new Setup(context(keyManager(current), clusterTrust(c.ca(), revocations)), true, c.certificate(), revocations);
    }

    /** A key manager presenting, at every handshake, the credentials {@code current} returns then (certificate → CA). */
    static KeyManager[] keyManager(java.util.function.Supplier<io.cairn.cluster.rpc.Credentials> current) {
        return new KeyManager[] {new CurrentKeyManager(() -> {
            io.cairn.cluster.rpc.Credentials c = current.get();
            return new Identity(c.key(), new X509Certificate[] {c.certificate(), c.ca()});
        })};
    }

    /**
     * Trust of the cluster transport: certificates the cluster CA issued (chain, signature and validity checked by the
     * JDK's PKIX trust manager), not revoked by the cluster CRL, and meant for their side: a client certificate must
     * carry the clientAuth extended key usage, a server certificate serverAuth (so Prism's HTTPS key, serverAuth only,
     * is no client identity here).
     */
    static TrustManager[] clusterTrust(X509Certificate ca, Revocations revocations) {
        for (TrustManager tm : trustOnly(ca)) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return new TrustManager[] {new ClusterTrustManager(x, revocations)};
            }
        }
        throw new CairnException(ErrorCode.INTERNAL, "this JVM's PKIX trust manager is not an X509ExtendedTrustManager");
    }

    /** Factory state: a self-signed certificate; a client certificate is optional and proves nothing. */
    static Setup factorySetup(PrivateKey key, X509Certificate selfSigned) {
        return new Setup(context(keyManager(key, selfSigned), trustAnything()), false, selfSigned, Revocations.NONE);
    }

    static SSLContext context(KeyManager[] keyManagers, TrustManager[] trustManagers) {
        try {
            SSLContext ctx = SSLContext.getInstance(PROTOCOL);
            ctx.init(keyManagers, trustManagers, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new CairnException(ErrorCode.INTERNAL, "this JVM cannot set up TLS 1.3: " + e, e);
        }
    }

    static KeyManager[] keyManager(PrivateKey key, X509Certificate... chain) {
        Identity fixed = new Identity(key, chain.clone());
        return new KeyManager[] {new CurrentKeyManager(() -> fixed)};
    }

    /** A key and the chain presented with it. */
    record Identity(PrivateKey key, X509Certificate[] chain) {
        String alias() {
            return "cairn-" + chain[0].getSerialNumber().toString(16);
        }
    }

    static KeyManager[] noKey() {
        return new KeyManager[0];
    }

    static TrustManager[] trustOnly(X509Certificate ca) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("cluster-ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot trust the cluster CA " + ca.getSubjectX500Principal() + ": " + e, e);
        }
    }

    static TrustManager[] trustAnything() {
        return new TrustManager[] {new TrustAnything()};
    }

    static void restrict(SSLSocket socket) {
        socket.setEnabledProtocols(PROTOCOLS);
    }

    /**
     * TCP keep-alive probing after 10 s of silence, every 3 s, 3 probes: a peer that vanished
     * without closing (power loss, partition) breaks the connection within about 20 s, so the
     * next call reconnects instead of waiting on a dead connection. The interval options are
     * looked up by name (they are JDK extensions) and skipped where the platform lacks them.
     */
    static void keepAlive(Socket socket) {
        try {
            socket.setKeepAlive(true);
            for (java.net.SocketOption<?> o : socket.supportedOptions()) {
                int value = switch (o.name()) {
                    case "TCP_KEEPIDLE" -> 10;
                    case "TCP_KEEPINTERVAL", "TCP_KEEPCOUNT" -> 3;
                    default -> -1;
                };
                if (value > 0 && o.type() == Integer.class) {
                    @SuppressWarnings("unchecked")
                    java.net.SocketOption<Integer> option = (java.net.SocketOption<Integer>) o;
                    socket.setOption(option, value);
                }
            }
        } catch (java.io.IOException | UnsupportedOperationException e) {
            // keep-alive is an optimisation; deadlines still bound every call
        }
    }

    /** The IP addresses a certificate names as subject alternative names. */
    static List<String> ipAddresses(X509Certificate certificate) {
        List<String> ips = new ArrayList<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    if (n.size() >= 2 && Integer.valueOf(7).equals(n.get(0)) && n.get(1) instanceof String s) {
                        ips.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // a malformed SAN names nothing
        }
        return ips;
    }

    /**
     * Presents the identity its supplier returns at each handshake, whatever the peer asks for. The alias names the
     * certificate's serial, and the identity chosen last is kept, so that the chain and key looked up by alias during a
     * handshake belong together even when the supplier switches to a renewed certificate meanwhile.
     */
    static final class CurrentKeyManager extends X509ExtendedKeyManager {
        private final java.util.function.Supplier<Identity> current;
        private volatile Identity chosen;

        CurrentKeyManager(java.util.function.Supplier<Identity> current) {
            this.current = current;
        }

        private Identity choose(String keyType) {
            Identity id = current.get();
            if (keyType != null && !keyType.startsWith(id.key().getAlgorithm())) {
                return null;
            }
            chosen = id;
            return id;
        }

        private String alias(String[] keyTypes) {
            if (keyTypes == null) {
                return choose(null).alias();
            }
            for (String t : keyTypes) {
                Identity id = choose(t);
                if (id != null) {
                    return id.alias();
                }
            }
            return null;
        }

        private Identity byAlias(String alias) {
            Identity id = current.get();
            if (id.alias().equals(alias)) {
                return id;
            }
            Identity c = chosen;
            return c != null && c.alias().equals(alias) ? c : null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            Identity id = choose(keyType);
            return id == null ? null : new String[] {id.alias()};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias(keyType);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias(keyType);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            Identity id = choose(keyType);
            return id == null ? null : new String[] {id.alias()};
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            Identity id = choose(keyType);
            return id == null ? null : id.alias();
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            Identity id = choose(keyType);
            return id == null ? null : id.alias();
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            Identity id = byAlias(alias);
            return id == null ? null : id.chain().clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            Identity id = byAlias(alias);
            return id == null ? null : id.key();
        }
    }

    /** The cluster trust: the wrapped PKIX checks, then revocation and extended key usage. */
    static final class ClusterTrustManager extends X509ExtendedTrustManager {
        static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
        static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
        private final X509ExtendedTrustManager pkix;
        private final Revocations revocations;

        ClusterTrustManager(X509ExtendedTrustManager pkix, Revocations revocations) {
            this.pkix = pkix;
            this.revocations = revocations;
        }

        void checkPeer(X509Certificate[] chain, boolean client) throws java.security.cert.CertificateException {
            check(chain, revocations, client);
        }

        /** Revocation and purpose of the peer's certificate; {@code client} when the peer is the client. */
        static void check(X509Certificate[] chain, Revocations revocations, boolean client) throws java.security.cert.CertificateException {
            if (chain == null || chain.length == 0) {
                throw new java.security.cert.CertificateException("the peer presented no certificate");
            }
            X509Certificate leaf = chain[0];
            if (revocations.revoked(leaf.getSerialNumber())) {
                throw new java.security.cert.CertificateRevokedException(new java.util.Date(), java.security.cert.CRLReason.UNSPECIFIED,
                        leaf.getIssuerX500Principal(), java.util.Map.of()) {
                    private static final long serialVersionUID = 1L;

                    @Override
                    public String getMessage() {
                        return "certificate " + leaf.getSerialNumber().toString(16) + " of '" + Pem.commonName(leaf)
                                + "' is revoked by the cluster CRL";
                    }
                };
            }
            String purpose = client ? CLIENT_AUTH : SERVER_AUTH;
            List<String> eku = leaf.getExtendedKeyUsage();
            if (eku == null || !eku.contains(purpose)) {
                throw new java.security.cert.CertificateException("certificate " + leaf.getSerialNumber().toString(16) + " of '"
                        + Pem.commonName(leaf) + "' is not meant for TLS " + (client ? "clients (no clientAuth" : "servers (no serverAuth")
                        + " extended key usage)");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
            pkix.checkClientTrusted(chain, authType);
            checkPeer(chain, true);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
            pkix.checkServerTrusted(chain, authType);
            checkPeer(chain, false);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws java.security.cert.CertificateException {
            pkix.checkClientTrusted(chain, authType, socket);
            checkPeer(chain, true);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws java.security.cert.CertificateException {
            pkix.checkServerTrusted(chain, authType, socket);
            checkPeer(chain, false);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws java.security.cert.CertificateException {
            pkix.checkClientTrusted(chain, authType, engine);
            checkPeer(chain, true);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws java.security.cert.CertificateException {
            pkix.checkServerTrusted(chain, authType, engine);
            checkPeer(chain, false);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }

    /**
     * Accepts any certificate: the bootstrap client (which records the fingerprint for the operator
     * to compare) and a factory-state server (which treats every caller as anonymous).
     */
    private static final class TrustAnything extends X509ExtendedTrustManager {
        private static final X509Certificate[] NONE = new X509Certificate[0];

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return NONE;
        }
    }
}
