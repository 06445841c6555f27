package io.cairn.cluster.rpc.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509KeyManager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.LeafRenewal;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** Leaf renewal: the policy, the CA's successor certificates, and the transport presenting them from the next handshake. */
@Timeout(30)
class RenewalTest {

    private static final String LOCAL = "127.0.0.1";

    @TempDir
    Path pki;

    @Test
    void givenLeaf_whenRemainingTimeIs31Or29Days_thenRenewalIsDueOnlyInside30Days() {
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(3650));
        X509Certificate leaf = ca.issueCredentials("node:n1", List.of(LOCAL), Duration.ofDays(730)).certificate();
        Instant end = leaf.getNotAfter().toInstant();
        LeafRenewal r = new LeafRenewal(Duration.ofDays(LeafRenewal.RENEW_BEFORE_DAYS));

        assertThat(r.due(leaf, end.minus(Duration.ofDays(31)))).isFalse();
        assertThat(r.attempt(leaf, end.minus(Duration.ofDays(31)))).isFalse();
        assertThat(r.due(leaf, end.minus(Duration.ofDays(29)))).isTrue();
        assertThat(r.attempt(leaf, end.minus(Duration.ofDays(29)))).isTrue();
    }

    @Test
    void givenRemainingTime_whenJudged_thenWarningAt14DaysCriticalAt3AndAfterExpiry() {
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(3650));
        X509Certificate leaf = ca.issueCredentials("node:n1", List.of(LOCAL), Duration.ofDays(730)).certificate();
        Instant end = leaf.getNotAfter().toInstant();

        assertThat(LeafRenewal.alert(leaf, end.minus(Duration.ofDays(29)))).isEqualTo(LeafRenewal.Alert.NONE);
        assertThat(LeafRenewal.alert(leaf, end.minus(Duration.ofDays(15)))).isEqualTo(LeafRenewal.Alert.NONE);
        assertThat(LeafRenewal.alert(leaf, end.minus(Duration.ofDays(14)))).isEqualTo(LeafRenewal.Alert.WARNING);
        assertThat(LeafRenewal.alert(leaf, end.minus(Duration.ofDays(4)))).isEqualTo(LeafRenewal.Alert.WARNING);
        assertThat(LeafRenewal.alert(leaf, end.minus(Duration.ofDays(3)))).isEqualTo(LeafRenewal.Alert.CRITICAL);
        assertThat(LeafRenewal.alert(leaf, end.plus(Duration.ofDays(1)))).isEqualTo(LeafRenewal.Alert.CRITICAL);
    }

    @Test
    void givenFailedAttempt_whenAskedAgain_thenNextAttemptOnlyAfterAnHour() {
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(3650));
        X509Certificate leaf = ca.issueCredentials("node:n1", List.of(LOCAL), Duration.ofDays(730)).certificate();
        Instant t = leaf.getNotAfter().toInstant().minus(Duration.ofDays(20));
        LeafRenewal r = new LeafRenewal(Duration.ofDays(30));

        assertThat(r.attempt(leaf, t)).isTrue();
        r.failed(t);
        assertThat(r.attempt(leaf, t.plus(Duration.ofMinutes(59)))).isFalse();
        assertThat(r.retryAt()).isEqualTo(t.plus(LeafRenewal.RETRY));
        assertThat(r.attempt(leaf, t.plus(Duration.ofMinutes(60)))).isTrue();
        r.succeeded();
        assertThat(r.retryAt()).isNull();
        assertThatThrownBy(() -> new LeafRenewal(Duration.ZERO)).isInstanceOf(CairnException.class)
                .hasMessageContaining("cluster_ca_renew_before_days");
    }

    @Test
    void givenLeaf_whenRenewed_thenSameNamesAndKeyLaterEndAndCappedAtCaExpiry() throws Exception {
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(800));
        Credentials node = ca.issueCredentials("node:n1", List.of(LOCAL), Duration.ofDays(730));
        X509Certificate old = node.certificate();
        Instant now = old.getNotAfter().toInstant().minus(Duration.ofDays(29));
        X509Certificate next = ca.renew(old, old.getPublicKey(), now, Duration.ofDays(730));

        assertThat(next.getSerialNumber()).isNotEqualTo(old.getSerialNumber());
        assertThat(next.getPublicKey()).isEqualTo(old.getPublicKey());
        assertThat(Pem.commonName(next)).isEqualTo("node:n1");
        assertThat(Tls.ipAddresses(next)).containsExactly(LOCAL);
        assertThat(next.getExtendedKeyUsage()).isEqualTo(old.getExtendedKeyUsage());
        assertThat(next.getNotBefore()).isEqualTo(old.getNotBefore());
        assertThat(next.getNotAfter()).as("capped at the CA's expiry").isEqualTo(ca.certificate().getNotAfter());
        next.verify(ca.certificate().getPublicKey());

        ClusterCa longCa = ClusterCa.create("long", Duration.ofDays(7300));
        X509Certificate o2 = longCa.issueCredentials("node:n2", List.of(LOCAL), Duration.ofDays(730)).certificate();
        Instant n2 = o2.getNotAfter().toInstant().minus(Duration.ofDays(29));
        assertThat(longCa.renew(o2, o2.getPublicKey(), n2, Duration.ofDays(730)).getNotAfter().toInstant())
                .isEqualTo(n2.plus(Duration.ofDays(730)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));

        // a CA that ends before the leaf would gain anything: no renewal, an error naming the CA's expiry
        X509Certificate capped = next;
        assertThatThrownBy(() -> ca.renew(capped, capped.getPublicKey(), now.plus(Duration.ofDays(1)), Duration.ofDays(730)))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
                .hasMessageContaining("the cluster CA itself expires");
    }

    @Test
    void givenServerCertificate_whenRenewedWithFreshKey_thenServerAuthOnlyAndRecorded() throws Exception {
        List<BigInteger> seen = new java.util.ArrayList<>();
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(3650)).observed(c -> seen.add(c.getSerialNumber()));
        Credentials prism = ca.issueServerCredentials("prism:" + LOCAL, List.of(LOCAL), Duration.ofDays(730));
        Credentials next = ca.renewCredentials(prism.certificate(), prism.certificate().getNotAfter().toInstant().minus(Duration.ofDays(29)),
                Duration.ofDays(730));

        assertThat(next.certificate().getPublicKey()).isNotEqualTo(prism.certificate().getPublicKey());
        assertThat(next.certificate().getExtendedKeyUsage()).containsExactly(Tls.ClusterTrustManager.SERVER_AUTH);
        assertThat(seen).containsExactly(prism.certificate().getSerialNumber(), next.certificate().getSerialNumber());
    }

    @Test
    void givenKeyManagerOverCurrentCredentials_whenCredentialsChange_thenNextHandshakeGetsNewChain() {
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(3650));
        Credentials a = ca.issueCredentials("node:n1", List.of(LOCAL), Duration.ofDays(30));
        Credentials b = new Credentials(a.key(), ca.renew(a.certificate(), a.certificate().getPublicKey(), Instant.now(), Duration.ofDays(730)),
                a.ca());
        AtomicReference<Credentials> current = new AtomicReference<>(a);
        X509KeyManager km = (X509KeyManager) Tls.keyManager(current::get)[0];

        String first = km.chooseClientAlias(new String[] {"EC"}, null, null);
        assertThat(km.getCertificateChain(first)[0]).isEqualTo(a.certificate());
        current.set(b);
        // a handshake that chose before the switch still gets a matching chain and key
        assertThat(km.getCertificateChain(first)[0]).isEqualTo(a.certificate());
        String second = km.chooseServerAlias("EC", null, null);
        assertThat(km.getCertificateChain(second)[0]).isEqualTo(b.certificate());
        assertThat(km.getPrivateKey(second)).isEqualTo(a.key());
    }

    @Test
    void givenClusteredNode_whenRenewed_thenNextHandshakeServesNewCertificateWithoutRestartAndFileIsReplaced() throws Exception {
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(3650));
        Credentials admin = ca.issueCredentials("admin", List.of(), Duration.ofDays(1));
        Map<String, TlsServer.Method> methods = new ConcurrentHashMap<>();
        RpcHandler whoami = call -> call.principal().getBytes(UTF_8);
        methods.put("status", new TlsServer.Method("status", whoami, null, false));
        NodeTrustImpl trust = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        trust.install(ca.certificate(), ca.issue(trust.publicKey(), "node:n1", List.of(LOCAL), Duration.ofDays(20)));
        X509Certificate old = trust.credentials().orElseThrow().certificate();
        TlsServer server = new TlsServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), trust.setup(), methods::get,
                new TlsServer.Limits(64, 16), InstantSource.system(), LOCAL);
        NodeRpcClient nodeClient = new NodeRpcClient(InstantSource.system(), Revocations.NONE);
        nodeClient.use(trust::current);
        String address = LOCAL + ":" + server.port();
        try {
            assertThat(served(server, admin).getSerialNumber()).isEqualTo(old.getSerialNumber());
            assertThat(nodeClient.call(address, "status", new byte[0], Duration.ofSeconds(5))).asString(UTF_8).isEqualTo("node:n1");

            X509Certificate next = ca.renew(old, trust.publicKey(), Instant.now(), Duration.ofDays(730));
            trust.renew(next);

            assertThat(served(server, admin).getSerialNumber()).isEqualTo(next.getSerialNumber());
            assertThat(Credentials.load(pki).certificate()).isEqualTo(next);
            assertThat(trust.fingerprint()).isEqualTo(Pem.fingerprint(next));
            assertThat(nodeClient.call(address, "status", new byte[0], Duration.ofSeconds(5))).asString(UTF_8).isEqualTo("node:n1");
            // a restart loads the renewed certificate
            assertThat(new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { }).credentials().orElseThrow().certificate())
                    .isEqualTo(next);
            // not a renewal: another key, or an earlier end
            X509Certificate otherKey = ca.issue(Pki.newKeyPair().getPublic(), "node:n1", List.of(LOCAL), Duration.ofDays(3000));
            assertThatThrownBy(() -> trust.renew(otherKey)).isInstanceOf(CairnException.class).hasMessageContaining("another key");
            assertThatThrownBy(() -> trust.renew(old)).isInstanceOf(CairnException.class).hasMessageContaining("not later than the current one");
        } finally {
            nodeClient.shutdown();
            server.close();
        }
    }

    /** The certificate a new TLS handshake with {@code server} is served (client authenticating as {@code client}). */
    private static X509Certificate served(TlsServer server, Credentials client) throws Exception {
        var ctx = Tls.context(Tls.keyManager(client.key(), client.certificate(), client.ca()), Tls.trustAnything());
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(LOCAL, server.port())) {
            Tls.restrict(s);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }
}
