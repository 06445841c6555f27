package io.cairn.system.test;

import static io.cairn.system.test.LoopbackCluster.waitFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcException;

/**
 * Spec 30 §2 "Remove node 3 -> its serial is in the CRL; mTLS with its cert is refused": four real controllers on
 * 127.0.1.86-89; a node that is not a Zookeeper member is taken out of the {@code cluster} document (compare-and-set,
 * as {@code cluster add-node} undoes a failed join); within 60 s every remaining member's {@code data/pki/crl.pem}
 * lists its node certificate's serial (and its Prism certificate's), a new mutual-TLS connection with its key and
 * certificate is refused, {@code GET /api/v1/security/crl} serves the CRL, and the real {@code openssl crl} lists the
 * serial and verifies the CRL against {@code ca.pem}.
 */
class PkiRevocationTest {

    private static final Duration SPEC = Duration.ofSeconds(60);

    @Test
    void givenFourNodes_whenOneIsRemoved_thenItsSerialsAreRevokedOnEveryMemberAndItsCertificateIsRefused() throws Exception {
        try (LoopbackCluster c = new LoopbackCluster(Files.createTempDirectory("cairn-pki"), "127.0.1", 85, 4)) {
            try {
                c.startAll();
                Proc create = c.create();
                assertThat(create.exitCode()).as(create.output()).isZero();
                // the first CRL (empty) is issued by a member holding the CA key and applied everywhere
                c.awaitOnEveryNode("data/pki/crl.pem", Duration.ofSeconds(90), "crl.pem on every node");

                JsonNode clusterDoc = c.call(0, "zeus.read", Map.of("document", "cluster"));
                ObjectNode config = (ObjectNode) LoopbackCluster.JSON.readTree(clusterDoc.get("data").asText());
                Set<String> zookeeper = new TreeSet<>();
                config.get("zookeeper").forEach(z -> zookeeper.add(z.asText()));
                int removed = -1;
                String removedUuid = null;
                for (JsonNode n : config.get("nodes")) {
                    if (!zookeeper.contains(n.get("uuid").asText())) {
                        removed = c.indexOf(n.get("address").asText());
                        removedUuid = n.get("uuid").asText();
                    }
                }
                assertThat(removed).as("a node that holds no Zookeeper member role in " + config).isNotNegative();
                int gone = removed;
                Path removedPki = c.home(gone).resolve("data/pki");
                X509Certificate removedCert = certificate(Files.readString(removedPki.resolve("cert.pem")));
                BigInteger serial = removedCert.getSerialNumber();
                // its Prism certificate, issued by its copy of the CA, is recorded too
                waitFor(Duration.ofSeconds(60), () -> Files.exists(removedPki.resolve("issued.txt")), "the removed node's Prism serial recorded");
                Set<BigInteger> expected = new TreeSet<>(List.of(serial));
                for (String line : Files.readAllLines(removedPki.resolve("issued.txt"))) {
                    if (!line.isBlank()) {
                        expected.add(new BigInteger(line.strip(), 16));
                    }
                }
                assertThat(expected).hasSizeGreaterThanOrEqualTo(2);
                String uuid = removedUuid;
                waitFor(Duration.ofSeconds(60), () -> {
                    try {
                        JsonNode pki = LoopbackCluster.JSON.readTree(c.call(0, "zeus.read", Map.of("document", "security/pki")).get("data").asText());
                        Set<String> recorded = new TreeSet<>();
                        pki.path("issued").path(uuid).forEach(s -> recorded.add(s.asText()));
                        return expected.stream().allMatch(s -> recorded.contains(s.toString(16)));
                    } catch (Exception e) {
                        return false;
                    }
                }, "the removed node's serials in security/pki");

                // before the removal its certificate opens mutual-TLS connections
                Credentials removedCreds = Credentials.load(removedPki);
                int member = gone == 0 ? 1 : 0;
                try (RpcClient before = Rpc.client(removedCreds)) {
                    JsonNode status = LoopbackCluster.JSON.readTree(before.call(c.ip(member), "cluster.status", "{}".getBytes(),
                            Duration.ofSeconds(20)));
                    assertThat(status.get("nodes").size()).isEqualTo(4);
                }

                // remove it from the cluster document (compare-and-set)
                ArrayNode kept = LoopbackCluster.JSON.createArrayNode();
                config.get("nodes").forEach(n -> {
                    if (!n.get("uuid").asText().equals(uuid)) {
                        kept.add(n);
                    }
                });
                config.set("nodes", kept);
                c.call(member, "zeus.write", Map.of("document", "cluster", "expectedVersion", clusterDoc.get("version").asInt(), "data",
                        LoopbackCluster.JSON.writeValueAsString(config)));
                long t0 = System.nanoTime();

                List<Integer> members = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    if (i != gone) {
                        members.add(i);
                    }
                }
                waitFor(SPEC, () -> {
                    for (int i : members) {
                        try {
                            X509CRL crl = crl(Files.readString(c.home(i).resolve("data/pki/crl.pem")));
                            for (BigInteger s : expected) {
                                if (crl.getRevokedCertificate(s) == null) {
                                    return false;
                                }
                            }
                        } catch (Exception e) {
                            return false;
                        }
                    }
                    return true;
                }, "the removed node's serials in crl.pem on every remaining member");
                System.out.println("[measure] revocation applied on every member " + (System.nanoTime() - t0) / 1_000_000 + " ms after the removal");

                // a new mutual-TLS connection with the removed node's key and certificate is refused by every member
                for (int i : members) {
                    try (RpcClient after = Rpc.client(removedCreds)) {
                        String ip = c.ip(i);
                        assertThatThrownBy(() -> after.call(ip, "cluster.status", "{}".getBytes(), Duration.ofSeconds(20)))
                                .isInstanceOf(RpcException.class)
                                .satisfies(e -> assertThat(((RpcException) e).reason()).isEqualTo(RpcException.Reason.UNAUTHENTICATED));
                    }
                }
                // members still talk to each other and to the admin
                assertThat(c.status(members.get(0)).get("nodes").size()).isEqualTo(3);

                // Prism serves the CRL without authentication
                Path work = Files.createDirectories(c.dir.resolve("openssl"));
                Path ca = work.resolve("ca.pem");
                Files.copy(c.home(members.get(0)).resolve("data/pki/ca.pem"), ca);
                Path served = work.resolve("crl.pem");
                String prism = "https://" + c.ip(members.get(0)) + ":9440/api/v1/security/crl";
                waitFor(Duration.ofSeconds(30), () -> {
                    try {
                        Proc get = Proc.run(Duration.ofSeconds(20), work, Map.of(), List.of("curl", "-sS", "-L", "--max-time", "10",
                                "--cacert", ca.toString(), "-o", served.toString(), "-w", "%{http_code}", prism));
                        return get.output().trim().equals("200") && crl(Files.readString(served)).getRevokedCertificate(serial) != null;
                    } catch (Exception e) {
                        return false;
                    }
                }, "GET /api/v1/security/crl listing the serial");

                // the real openssl reads it, lists the serial and verifies it against the cluster CA
                Proc text = Proc.run(Duration.ofSeconds(20), work, Map.of(), List.of("openssl", "crl", "-in", served.toString(), "-noout",
                        "-text"));
                assertThat(text.exitCode()).as(text.output()).isZero();
                String hex = HexFormat.of().withUpperCase().formatHex(serial.toByteArray());
                if (hex.startsWith("00")) {
                    hex = hex.substring(2);
                }
                assertThat(text.output()).contains("Serial Number: " + hex).contains("Certificate Revocation List (CRL)")
                        .contains("Next Update");
                Proc verify = Proc.run(Duration.ofSeconds(20), work, Map.of(), List.of("openssl", "crl", "-in", served.toString(), "-CAfile",
                        ca.toString(), "-noout"));
                assertThat(verify.exitCode()).as(verify.output()).isZero();
                assertThat(verify.output()).contains("verify OK");
            } finally {
                c.closeKeepingLogs("pki-revocation-logs");
            }
        }
    }

    private static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem.getBytes()));
    }

    private static X509CRL crl(String pem) throws Exception {
        return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(pem.getBytes()));
    }
}
