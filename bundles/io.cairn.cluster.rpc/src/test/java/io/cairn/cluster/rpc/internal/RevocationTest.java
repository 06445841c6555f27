package io.cairn.cluster.rpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.X509ExtendedTrustManager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;

/** The cluster CRL (issue, parse, apply) and the transport's trust manager (revocation and extended key usage). */
@Timeout(30)
class RevocationTest {

    private static final String LOCAL = "127.0.0.1";
    private static final Duration YEAR = Duration.ofDays(365);

    private final ClusterCa ca = ClusterCa.create("revocation-test", YEAR);

    @Test
    void crlRoundTripsThroughPemWithItsSerialsNumberAndNextUpdate() {
        Instant now = Instant.now();
        Set<BigInteger> serials = Set.of(BigInteger.valueOf(0x1234), new BigInteger("8000000000000000000000000000abcd", 16));
        X509CRL crl = ca.issueCrl(serials, 7, now, now.plus(Duration.ofDays(7)));
        X509CRL back = ClusterCa.parseCrl(ClusterCa.crlPem(crl), "test CRL");
        assertThat(ClusterCa.revokedSerials(back)).containsExactlyInAnyOrderElementsOf(serials);
        assertThat(ClusterCa.crlNumber(back)).isEqualTo(7);
        assertThat(back.getVersion()).isEqualTo(2);
        assertThat(back.getNextUpdate().toInstant()).isEqualTo(now.plus(Duration.ofDays(7)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertThat(back.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        assertThat(ClusterCa.crlPem(crl)).startsWith("-----BEGIN X509 CRL-----\n");
        assertThatThrownBy(() -> ClusterCa.parseCrl("not a crl", "the document's crl")).isInstanceOf(CairnException.class)
                .hasMessageContaining("the document's crl is not a PEM X.509 CRL");
        Instant t = Instant.now();
        assertThatThrownBy(() -> ca.issueCrl(Set.of(), 1, t, t)).isInstanceOf(CairnException.class).hasMessageContaining("next update");
    }

    @Test
    void serverCredentialsCarryOnlyServerAuthAndNodeCredentialsBoth() throws Exception {
        Credentials prism = ca.issueServerCredentials("prism:" + LOCAL, List.of(LOCAL), YEAR);
        Credentials node = ca.issueCredentials("node:x", List.of(LOCAL), YEAR);
        assertThat(prism.certificate().getExtendedKeyUsage()).containsExactly(Tls.ClusterTrustManager.SERVER_AUTH);
        assertThat(node.certificate().getExtendedKeyUsage()).containsExactlyInAnyOrder(Tls.ClusterTrustManager.SERVER_AUTH,
                Tls.ClusterTrustManager.CLIENT_AUTH);
    }

    @Test
    void trustManagerRefusesRevokedSerialsAndWrongPurposeAndAcceptsTheRest() throws Exception {
        Revocations revocations = new Revocations();
        X509ExtendedTrustManager tm = (X509ExtendedTrustManager) Tls.clusterTrust(ca.certificate(), revocations)[0];
        Credentials node = ca.issueCredentials("node:a", List.of(LOCAL), YEAR);
        Credentials prism = ca.issueServerCredentials("prism:" + LOCAL, List.of(LOCAL), YEAR);
        X509Certificate[] nodeChain = {node.certificate(), ca.certificate()};
        X509Certificate[] prismChain = {prism.certificate(), ca.certificate()};

        tm.checkClientTrusted(nodeChain, "UNKNOWN");
        tm.checkServerTrusted(nodeChain, "ECDHE_ECDSA");
        tm.checkServerTrusted(prismChain, "ECDHE_ECDSA");
        assertThatThrownBy(() -> tm.checkClientTrusted(prismChain, "UNKNOWN")).isInstanceOf(CertificateException.class);

        revocations.set(Set.of(node.certificate().getSerialNumber()));
        assertThatThrownBy(() -> tm.checkClientTrusted(nodeChain, "UNKNOWN")).isInstanceOf(CertificateException.class)
                .hasMessageContaining("revoked by the cluster CRL");
        assertThatThrownBy(() -> tm.checkServerTrusted(nodeChain, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class)
                .hasMessageContaining("revoked");
        tm.checkServerTrusted(prismChain, "ECDHE_ECDSA");

        // issuer and signature stay checked by the wrapped PKIX trust
        ClusterCa other = ClusterCa.create("other", YEAR);
        Credentials stranger = other.issueCredentials("node:b", List.of(LOCAL), YEAR);
        assertThatThrownBy(() -> tm.checkClientTrusted(new X509Certificate[] {stranger.certificate(), other.certificate()}, "UNKNOWN"))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void revocationRefusesNewConnectionsAndClosesOpenOnes(@TempDir Path home) throws Exception {
        Path pki = home.resolve("pki");
        NodeTrustImpl trust = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        trust.install(ca.certificate(), ca.issue(trust.publicKey(), "node:server", List.of(LOCAL), YEAR));
        Credentials server = trust.credentials().orElseThrow();
        Map<String, TlsServer.Method> methods = new ConcurrentHashMap<>();
        RpcHandler whoami = call -> call.principal().getBytes(StandardCharsets.UTF_8);
        methods.put("whoami", new TlsServer.Method("whoami", whoami, null, false));
        Credentials removed = ca.issueCredentials("node:removed", List.of(LOCAL), YEAR);
        Credentials member = ca.issueCredentials("node:member", List.of(LOCAL), YEAR);
        Credentials prism = ca.issueServerCredentials("prism:" + LOCAL, List.of(LOCAL), YEAR);
        try (TlsServer s = new TlsServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), trust.setup(), methods::get,
                new TlsServer.Limits(8, 16), InstantSource.system(), LOCAL);
                TlsRpcClient removedClient = TlsRpcClient.mutual(removed);
                TlsRpcClient memberClient = TlsRpcClient.mutual(member);
                TlsRpcClient prismClient = TlsRpcClient.mutual(prism)) {
            trust.revocations().listen(() -> s.closeRevoked(trust.revocations()));
            String address = LOCAL + ":" + s.port();
            assertThat(new String(removedClient.call(address, "whoami", new byte[0], Duration.ofSeconds(5)), StandardCharsets.UTF_8))
                    .isEqualTo("node:removed");
            // Prism's key (serverAuth only) is no client identity on the transport
            assertThatThrownBy(() -> prismClient.call(address, "whoami", new byte[0], Duration.ofSeconds(5)))
                    .isInstanceOf(RpcException.class).extracting(e -> ((RpcException) e).reason()).isEqualTo(RpcException.Reason.UNAUTHENTICATED);

            Instant now = Instant.now();
            X509CRL crl = ca.issueCrl(Set.of(removed.certificate().getSerialNumber()), 1, now, now.plus(Duration.ofDays(7)));
            assertThat(trust.applyCrl(crl)).isTrue();
            assertThat(trust.applyCrl(crl)).isFalse();
            assertThat(s.acceptedConnections()).isGreaterThanOrEqualTo(1);
            // the open connection was closed; the reconnect is refused at the handshake
            assertThatThrownBy(() -> removedClient.call(address, "whoami", new byte[0], Duration.ofSeconds(5)))
                    .isInstanceOf(RpcException.class);
            assertThatThrownBy(() -> removedClient.call(address, "whoami", new byte[0], Duration.ofSeconds(5)))
                    .isInstanceOf(RpcException.class).extracting(e -> ((RpcException) e).reason()).isEqualTo(RpcException.Reason.UNAUTHENTICATED);
            assertThat(new String(memberClient.call(address, "whoami", new byte[0], Duration.ofSeconds(5)), StandardCharsets.UTF_8))
                    .isEqualTo("node:member");
            assertThat(Files.readString(pki.resolve(Pem.CRL))).startsWith("-----BEGIN X509 CRL-----");

            // an older CRL number does not undo a revocation; a CRL from another CA is refused
            assertThat(trust.applyCrl(ca.issueCrl(Set.of(), 0, now, now.plus(Duration.ofDays(7))))).isFalse();
            ClusterCa other = ClusterCa.create("other", YEAR);
            assertThatThrownBy(() -> trust.applyCrl(other.issueCrl(Set.of(), 5, now, now.plus(Duration.ofDays(7)))))
                    .isInstanceOf(CairnException.class).hasMessageContaining("not signed by the cluster CA");
        }
        // the kept crl.pem applies again after a restart
        NodeTrustImpl again = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        assertThat(again.revocations().revoked(removed.certificate().getSerialNumber())).isTrue();
        assertThat(again.crl()).isPresent();
        assertThat(server).isNotNull();
    }

    @Test
    void certificatesTheMembersCaIssuedAreRecorded(@TempDir Path home) {
        Path pki = home.resolve("pki");
        NodeTrustImpl trust = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        trust.install(ca.certificate(), ca.issue(trust.publicKey(), "node:self", List.of(LOCAL), YEAR));
        trust.installAuthority(ca);
        Credentials prism = trust.authority().orElseThrow().issueServerCredentials("prism:" + LOCAL, List.of(LOCAL), YEAR);
        assertThat(trust.issuedHere()).containsExactly(prism.certificate().getSerialNumber());
        NodeTrustImpl again = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        assertThat(again.issuedHere()).containsExactly(prism.certificate().getSerialNumber());
    }
}
