package io.cairn.cluster.genesis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.NodeTrust;

/** The revocation ledger in Zeus: union on merge, revocation of removed nodes, CRL issue and reissue. */
class PkiKeeperTest {

    private static final Duration YEAR = Duration.ofDays(365);
    private final ClusterCa ca = ClusterCa.create("pki-keeper-test", YEAR);
    private final UUID a = UUID.randomUUID();
    private final UUID b = UUID.randomUUID();

    @Test
    void mergeIsAUnionAndKeepsTheNewerCrl() {
        PkiDocument one = PkiDocument.EMPTY.withIssued("n1", List.of("a1")).revokeAllBut(Set.of()).withCrl("crl-1", 1, Instant.EPOCH);
        PkiDocument two = PkiDocument.EMPTY.withIssued("n2", List.of("b1")).withIssued("n1", List.of("a2")).revokeAllBut(Set.of("n1"))
                .withCrl("crl-3", 3, Instant.EPOCH);
        PkiDocument merged = one.merge(two);
        assertThat(merged.issued().get("n1")).containsExactly("a1", "a2");
        assertThat(merged.revoked()).containsExactly("a1", "b1");
        assertThat(merged.crl()).isEqualTo("crl-3");
        assertThat(two.merge(one)).isEqualTo(merged);
        // revoking never shrinks: a node back in the member list keeps its old serials revoked
        assertThat(merged.revokeAllBut(Set.of("n1", "n2")).revoked()).containsExactly("a1", "b1");
        // JSON round trip (what Zeus holds)
        PkiDocument back = Codec.read(Codec.tree(Codec.write(merged), "test"), PkiDocument.class, "test");
        assertThat(back).isEqualTo(merged);
    }

    @Test
    void removedNodesSerialsAreRevokedAndTheCrlIsIssuedDailyAndOnEachRevocation() {
        FakeTrust trustA = new FakeTrust(ca.issueCredentials("node:" + a, List.of("127.0.1.86"), YEAR), ca);
        Credentials prismA = trustA.authority().orElseThrow().issueServerCredentials("prism:127.0.1.86", List.of("127.0.1.86"), YEAR);
        FakeTrust trustB = new FakeTrust(ca.issueCredentials("node:" + b, List.of("127.0.1.87"), YEAR), ca);
        Instant t0 = Instant.parse("2026-12-06T15:00:00Z");
        ClusterConfig both = config(a, b);

        PkiDocument d = PkiKeeper.update(trustA, a.toString(), PkiDocument.EMPTY, both, t0);
        d = PkiKeeper.update(trustB, b.toString(), d, both, t0);
        assertThat(d.issued().get(a.toString())).containsExactlyInAnyOrder(hex(trustA.node.certificate()), hex(prismA.certificate()));
        assertThat(d.revoked()).isEmpty();
        assertThat(d.crl()).isNotNull();
        long first = d.crlNumber();
        assertThat(PkiKeeper.update(trustB, b.toString(), d, both, t0.plusSeconds(3600))).isEqualTo(d); // nothing due

        // node a removed: its node and Prism serials revoked, a new CRL listing them issued by b
        ClusterConfig onlyB = config(b);
        PkiDocument after = PkiKeeper.update(trustB, b.toString(), d, onlyB, t0.plusSeconds(60));
        assertThat(after.revoked()).containsExactlyInAnyOrder(hex(trustA.node.certificate()), hex(prismA.certificate()));
        assertThat(after.crlNumber()).isEqualTo(first + 1);
        X509CRL crl = ClusterCa.parseCrl(after.crl(), "crl");
        assertThat(ClusterCa.revokedSerials(crl)).containsExactlyInAnyOrder(trustA.node.certificate().getSerialNumber(),
                prismA.certificate().getSerialNumber());
        assertThat(crl.getNextUpdate().toInstant()).isEqualTo(t0.plusSeconds(60).plus(Duration.ofDays(7)));
        // the removed node itself records nothing more and issues no CRL
        assertThat(PkiKeeper.update(trustA, a.toString(), after, onlyB, t0.plusSeconds(61))).isEqualTo(after);
        // daily reissue
        PkiDocument nextDay = PkiKeeper.update(trustB, b.toString(), after, onlyB, t0.plusSeconds(60).plus(Duration.ofDays(1)));
        assertThat(nextDay.crlNumber()).isEqualTo(first + 2);
        assertThat(nextDay.revoked()).isEqualTo(after.revoked());
    }

    private static String hex(X509Certificate c) {
        return c.getSerialNumber().toString(16);
    }

    private static ClusterConfig config(UUID... nodes) {
        List<NodeIdentity> ids = java.util.Arrays.stream(nodes)
                .map(u -> new NodeIdentity(u, "127.0.1.86", new FaultDomain("r", "b", u.toString()), "0.1.0")).toList();
        return new ClusterConfig(UUID.nameUUIDFromBytes(new byte[] {1}), "c", 1, 1, ids, List.of());
    }

    /** A member's trust: its node credentials and a CA copy that records what it issues. */
    static final class FakeTrust implements NodeTrust {
        Credentials node;
        final ClusterCa authority;
        final Set<BigInteger> issued = new TreeSet<>();
        boolean holdsKey = true;

        FakeTrust(Credentials node, ClusterCa ca) {
            this.node = node;
            this.authority = ca.observed(c -> issued.add(c.getSerialNumber()));
        }

        @Override
        public boolean clustered() {
            return true;
        }

        @Override
        public PublicKey publicKey() {
            return node.certificate().getPublicKey();
        }

        @Override
        public String fingerprint() {
            return "";
        }

        @Override
        public void install(X509Certificate ca, X509Certificate nodeCertificate) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Credentials> credentials() {
            return Optional.of(node);
        }

        @Override
        public void installAuthority(ClusterCa ca) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ClusterCa> authority() {
            return holdsKey ? Optional.of(authority) : Optional.empty();
        }

        @Override
        public void removeAuthority() {
        }

        @Override
        public boolean applyCrl(X509CRL crl) {
            return true;
        }

        @Override
        public Optional<X509CRL> crl() {
            return Optional.empty();
        }

        @Override
        public Set<BigInteger> issuedHere() {
            return Set.copyOf(issued);
        }

        @Override
        public void renew(X509Certificate nodeCertificate) {
            node = new Credentials(node.key(), nodeCertificate, node.ca());
        }

        @Override
        public javax.net.ssl.X509ExtendedKeyManager keyManager() {
            throw new UnsupportedOperationException();
        }

        @Override
        public javax.net.ssl.SSLContext tlsContext() {
            throw new UnsupportedOperationException();
        }
    }
}
