package io.cairn.cluster.rpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

@Timeout(10)
class PemTest {

    @TempDir
    Path dir;

    @Test
    void givenCredentials_whenStoredAndLoaded_thenEqualAndKeyIsOwnerOnly() throws Exception {
        ClusterCa ca = ClusterCa.create("alpha", Duration.ofDays(10));
        Credentials c = ca.issueCredentials("node:abc", List.of("127.0.0.1"), Duration.ofDays(1));

        c.store(dir.resolve("creds"));
        Credentials loaded = Credentials.load(dir.resolve("creds"));

        assertThat(loaded.key().getEncoded()).isEqualTo(c.key().getEncoded());
        assertThat(loaded.certificate()).isEqualTo(c.certificate());
        assertThat(loaded.ca()).isEqualTo(c.ca());
        assertThat(loaded.principal()).isEqualTo("node:abc");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("creds/key.pem")))).isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("creds/key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Files.readString(dir.resolve("creds/cert.pem"))).startsWith("-----BEGIN CERTIFICATE-----\n");
        try (var files = Files.list(dir.resolve("creds"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("key.pem", "cert.pem", "ca.pem");
        }
    }

    @Test
    void givenCa_whenStoredAndLoaded_thenSameCaIssuesVerifiableCertificates() throws Exception {
        ClusterCa ca = ClusterCa.create("alpha", Duration.ofDays(10));
        ca.store(dir);
        ClusterCa loaded = ClusterCa.load(dir);

        assertThat(loaded.certificate()).isEqualTo(ca.certificate());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key.pem")))).isEqualTo("rw-------");
        loaded.issueCredentials("admin", List.of(), Duration.ofDays(1)).certificate().verify(ca.certificate().getPublicKey());
    }

    @Test
    void givenMissingCertificate_whenLoading_thenNotFoundNamingTheFile() {
        ClusterCa ca = ClusterCa.create("alpha", Duration.ofDays(10));
        ca.issueCredentials("admin", List.of(), Duration.ofDays(1)).store(dir);
        dir.resolve("cert.pem").toFile().delete();

        assertThatThrownBy(() -> Credentials.load(dir))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining(dir.resolve("cert.pem").toString()).hasMessageContaining("does not exist");
    }

    @Test
    void givenGarbageKeyFile_whenLoading_thenInvalidArgumentNamingTheFile() throws Exception {
        ClusterCa ca = ClusterCa.create("alpha", Duration.ofDays(10));
        ca.issueCredentials("admin", List.of(), Duration.ofDays(1)).store(dir);
        Files.writeString(dir.resolve("key.pem"), "not a key");

        assertThatThrownBy(() -> Credentials.load(dir))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining(dir.resolve("key.pem").toString()).hasMessageContaining("PRIVATE KEY");
    }

    @Test
    void givenCertificate_whenFingerprinted_thenSha256UpperHexWithColons() {
        ClusterCa ca = ClusterCa.create("alpha", Duration.ofDays(10));
        String fp = Pem.fingerprint(ca.certificate());
        assertThat(fp).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
    }
}
