package io.cairn.cluster.rpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

@Timeout(10)
class PkiTest {

    @Test
    void givenClusterName_whenCreatingCa_thenSelfSignedP256CaWithPathLenZero() throws Exception {
        Pki.Ca ca = Pki.newCa("alpha", Duration.ofDays(365));
        X509Certificate c = ca.certificate();

        assertThat(Pem.commonName(c)).isEqualTo("Cairn cluster CA alpha");
        assertThat(c.getSubjectX500Principal()).isEqualTo(c.getIssuerX500Principal());
        c.verify(ca.keyPair().getPublic());
        assertThat(c.getBasicConstraints()).isZero();
        assertThat(c.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(c.getKeyUsage()[6]).as("cRLSign").isTrue();
        assertThat(c.getKeyUsage()[0]).as("digitalSignature").isFalse();
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(c.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(c.getSerialNumber().bitLength()).isEqualTo(128);
        assertThat(Pki.newCa("alpha", Duration.ofDays(1)).certificate().getSerialNumber()).isNotEqualTo(c.getSerialNumber());
    }

    @Test
    void givenCa_whenIssuing_thenCertificateHasCnSanEkuAndChainsToCa() throws Exception {
        Pki.Ca ca = Pki.newCa("alpha", Duration.ofDays(365));
        KeyPair node = Pki.newKeyPair();

        X509Certificate c = Pki.issue(ca.keyPair(), ca.certificate(), node.getPublic(), "node:1234", List.of("10.0.0.7", "fd00::7"),
                Duration.ofDays(30));

        c.verify(ca.certificate().getPublicKey());
        assertThat(Pem.commonName(c)).isEqualTo("node:1234");
        assertThat(c.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        assertThat(c.getPublicKey()).isEqualTo(node.getPublic());
        assertThat(Tls.ipAddresses(c)).hasSize(2).contains("10.0.0.7");
        assertThat(c.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(c.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(c.getKeyUsage()[4]).as("keyAgreement").isTrue();
        assertThat(c.getKeyUsage()[5]).as("keyCertSign").isFalse();
        assertThat(c.getExtensionValue("2.5.29.35")).as("authority key identifier").isNotNull();
        assertThat(c.getNotAfter().toInstant()).isBefore(java.time.Instant.now().plus(Duration.ofDays(31)));
    }

    @Test
    void givenClusterCaApi_whenIssuingCredentials_thenPrincipalAndCaMatch() {
        ClusterCa ca = ClusterCa.create("beta", Duration.ofDays(10));
        Credentials admin = ca.issueCredentials("admin", List.of(), Duration.ofDays(1));

        assertThat(admin.principal()).isEqualTo("admin");
        assertThat(admin.ca()).isEqualTo(ca.certificate());
        assertThat(Pki.publicKeyOf(admin.key())).isEqualTo(admin.certificate().getPublicKey());
    }

    @Test
    void givenSelfSigned_whenCreated_thenNotCaAndNamesIp() throws Exception {
        KeyPair kp = Pki.newKeyPair();
        X509Certificate c = Pki.selfSigned(kp, "node-factory:10.1.1.1", List.of("10.1.1.1"), Duration.ofDays(1));
        c.verify(kp.getPublic());
        assertThat(Pem.commonName(c)).isEqualTo("node-factory:10.1.1.1");
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(Tls.ipAddresses(c)).containsExactly("10.1.1.1");
    }

    @Test
    void givenHostNameAsIp_whenIssuing_thenInvalidArgument() {
        Pki.Ca ca = Pki.newCa("alpha", Duration.ofDays(1));
        assertThatThrownBy(() -> Pki.issue(ca.keyPair(), ca.certificate(), Pki.newKeyPair().getPublic(), "node:x", List.of("ctrl1"),
                Duration.ofDays(1)))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("'ctrl1' is not an IP address");
    }
}
