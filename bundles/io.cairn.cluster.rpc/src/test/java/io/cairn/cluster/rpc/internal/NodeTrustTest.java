package io.cairn.cluster.rpc.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.cluster.rpc.RpcException.Reason;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** Factory state, {@code install()} and the switch to cluster mode, with real sockets. */
@Timeout(20)
class NodeTrustTest {

    private static final String LOCAL = "127.0.0.1";
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    @TempDir
    Path pki;

    @Test
    void givenEmptyPkiDirectory_whenStarting_thenKeyIsGeneratedOwnerOnlyAndNodeIsInFactoryState() throws IOException {
        NodeTrustImpl trust = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });

        assertThat(trust.clustered()).isFalse();
        assertThat(trust.credentials()).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.resolve("key.pem")))).isEqualTo("rw-------");
        assertThat(pki.resolve("ca.pem")).doesNotExist();
        X509Certificate served = trust.setup().certificate();
        assertThat(Pem.commonName(served)).isEqualTo("node-factory:127.0.0.1");
        assertThat(Tls.ipAddresses(served)).containsExactly(LOCAL);
        assertThat(served.getPublicKey()).isEqualTo(trust.publicKey());

        NodeTrustImpl again = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        assertThat(again.publicKey()).isEqualTo(trust.publicKey());
        assertThat(again.fingerprint()).as("the factory certificate survives a restart").isEqualTo(trust.fingerprint());
    }

    @Test
    void givenFactoryNode_whenInstallingCertificateFromCa_thenServerSwitchesToClusterMode() throws Exception {
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(1));
        Credentials admin = ca.issueCredentials("admin", List.of(), Duration.ofDays(1));
        Map<String, TlsServer.Method> methods = new ConcurrentHashMap<>();
        RpcHandler whoami = call -> call.principal().getBytes(UTF_8);
        methods.put("join", new TlsServer.Method("join", whoami, null, true));
        methods.put("status", new TlsServer.Method("status", whoami, null, false));
        NodeRpcClient nodeClient = new NodeRpcClient(InstantSource.system(), Revocations.NONE);
        TlsServer[] server = new TlsServer[1];
        NodeTrustImpl trust = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), creds -> {
            server[0].use(Tls.clusterSetup(creds.key(), creds.certificate(), creds.ca()));
            nodeClient.use(creds);
        });
        server[0] = new TlsServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), trust.setup(), methods::get,
                new TlsServer.Limits(64, 16), InstantSource.system(), LOCAL);
        String address = LOCAL + ":" + server[0].port();
        try (TlsRpcClient bootstrap = TlsRpcClient.bootstrap(); TlsRpcClient adminClient = TlsRpcClient.mutual(admin);
                TlsRpcClient lateBootstrap = TlsRpcClient.bootstrap()) {
            assertThat(bootstrap.call(address, "join", new byte[0], DEADLINE)).asString(UTF_8).isEqualTo("anonymous");
            assertThat(bootstrap.fingerprint(address)).isEqualTo(trust.fingerprint());
            assertThatThrownBy(() -> nodeClient.call(address, "status", new byte[0], DEADLINE))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHENTICATED))
                    .hasMessageStartingWith("this controller is not part of a cluster yet");

            X509Certificate cert = ca.issue(trust.publicKey(), "node:n1", List.of(LOCAL), Duration.ofDays(1));
            trust.install(ca.certificate(), cert);

            assertThat(trust.clustered()).isTrue();
            assertThat(trust.fingerprint()).isEqualTo(Pem.fingerprint(cert));
            assertThat(Credentials.load(pki).certificate()).isEqualTo(cert);
            assertThat(adminClient.call(address, "status", new byte[0], DEADLINE)).asString(UTF_8).isEqualTo("admin");
            assertThat(nodeClient.call(address, "status", new byte[0], DEADLINE)).asString(UTF_8).isEqualTo("node:n1");
            assertThatThrownBy(() -> lateBootstrap.call(address, "join", new byte[0], DEADLINE))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHENTICATED));

            NodeTrustImpl restarted = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
            assertThat(restarted.clustered()).isTrue();
            assertThat(restarted.credentials()).hasValueSatisfying(c -> assertThat(c.principal()).isEqualTo("node:n1"));
        } finally {
            nodeClient.shutdown();
            server[0].close();
        }
    }

    @Test
    void givenCertificateForAnotherKey_whenInstalling_thenInvalidArgumentAndStillFactory() {
        NodeTrustImpl trust = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(1));
        X509Certificate wrongKey = ca.issue(Pki.newKeyPair().getPublic(), "node:n1", List.of(LOCAL), Duration.ofDays(1));

        assertThatThrownBy(() -> trust.install(ca.certificate(), wrongKey))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("certifies another key");
        assertThat(trust.clustered()).isFalse();
        assertThat(pki.resolve("ca.pem")).doesNotExist();
    }

    @Test
    void givenCertificateOfAnotherCa_whenInstalling_thenInvalidArgument() {
        NodeTrustImpl trust = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(1));
        ClusterCa other = ClusterCa.create("other", Duration.ofDays(1));
        X509Certificate cert = other.issue(trust.publicKey(), "node:n1", List.of(LOCAL), Duration.ofDays(1));

        assertThatThrownBy(() -> trust.install(ca.certificate(), cert))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("is not signed by the cluster CA");
    }

    @Test
    void givenCaFileWithMismatchedCertificate_whenStarting_thenFailsWithWhatToDo() {
        NodeTrustImpl trust = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(1));
        trust.install(ca.certificate(), ca.issue(trust.publicKey(), "node:n1", List.of(LOCAL), Duration.ofDays(1)));
        Pem.writeCertificate(pki.resolve("ca.pem"), ClusterCa.create("other", Duration.ofDays(1)).certificate());

        assertThatThrownBy(() -> new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { }))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
                .hasMessageContaining("to return it to factory state");
    }

    @Test
    void givenAClusteredNode_whenTheCaKeyIsHandedOver_thenItIsKeptOwnerOnly_survivesARestart_andOnlyTheTrustedCaIsAccepted() {
        ClusterCa ca = ClusterCa.create("test", Duration.ofDays(1));
        NodeTrustImpl trust = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        assertThatThrownBy(() -> trust.installAuthority(ca)).isInstanceOfSatisfying(CairnException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
        trust.install(ca.certificate(), ca.issue(trust.publicKey(), "node:x", List.of(LOCAL), Duration.ofDays(1)));
        assertThat(trust.authority()).isEmpty();

        ClusterCa other = ClusterCa.create("other", Duration.ofDays(1));
        assertThatThrownBy(() -> trust.installAuthority(other)).isInstanceOfSatisfying(CairnException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThat(pki.resolve("ca.key.pem")).doesNotExist();

        ClusterCa handed = ClusterCa.of(ca.exportKey(), ca.certificate());
        trust.installAuthority(handed);
        assertThat(trust.authority()).isPresent();
        assertThat(PosixFilePermissions.toString(uncheckedPermissions(pki.resolve("ca.key.pem")))).isEqualTo("rw-------");
        NodeTrustImpl again = new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { });
        ClusterCa loaded = again.authority().orElseThrow();
        Credentials prism = loaded.issueCredentials("prism:" + LOCAL, List.of(LOCAL, "127.0.0.9"), Duration.ofDays(1));
        assertThat(Tls.ipAddresses(prism.certificate())).containsExactly(LOCAL, "127.0.0.9");
        assertThat(prism.ca()).isEqualTo(ca.certificate());
        assertThatThrownBy(() -> ClusterCa.of(other.exportKey(), ca.certificate())).isInstanceOf(CairnException.class)
                .hasMessageContaining("not the key");
        assertThatThrownBy(() -> ClusterCa.of("junk", ca.certificate())).isInstanceOf(CairnException.class);

        again.removeAuthority(); // the node left the cluster
        assertThat(again.authority()).isEmpty();
        assertThat(pki.resolve("ca.key.pem")).doesNotExist();
        assertThat(pki.resolve("ca.pem")).exists();
        assertThat(new NodeTrustImpl(pki, LOCAL, InstantSource.system(), c -> { }).authority()).as("after a restart too").isEmpty();
        again.removeAuthority(); // nothing to delete: no error
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> uncheckedPermissions(Path file) {
        try {
            return Files.getPosixFilePermissions(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
