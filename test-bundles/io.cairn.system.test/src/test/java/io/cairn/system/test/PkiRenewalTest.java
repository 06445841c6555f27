package io.cairn.system.test;

import static io.cairn.system.test.LoopbackCluster.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;

/**
 * Spec 30 §2 "Clock to 29 days before leaf expiry -> new leaf served on next handshake": four real controllers on
 * 127.0.1.86-89; the cluster clock (every node's {@code io.cairn.common.clock} {@code wall_offset_seconds}, applied at
 * run time from {@code etc/config}) is moved to 29 days before node 0's certificate expires; within a bounded wait a
 * new TLS handshake with the real {@code openssl s_client} to node 0's RPC port (2100) and to its Prism (9440) is
 * served a certificate ({@code openssl x509}) with a new serial and a later notAfter, without any restart, and so are
 * Medusa's Ratis gRPC (2120) and Zookeeper's client port (9876, when node 0 is a member); the new
 * serials are recorded in {@code security/pki}, and the admin and the nodes still talk over mutual TLS.
 */
class PkiRenewalTest {

    private static final Duration RENEWAL = Duration.ofSeconds(150);

    @Test
    void givenFourNodes_whenTheClusterClockIs29DaysBeforeLeafExpiry_thenNewLeavesAreServedOnTheNextHandshake() throws Exception {
        try (LoopbackCluster c = new LoopbackCluster(Files.createTempDirectory("cairn-renew"), "127.0.1", 85, 4)) {
            RpcClient admin = null;
            try {
                c.startAll();
                Proc create = c.create();
                assertThat(create.exitCode()).as(create.output()).isZero();
                c.awaitOnEveryNode("data/pki/crl.pem", Duration.ofSeconds(90), "crl.pem on every node (PKI keeper running)");
                Path work = Files.createDirectories(c.dir.resolve("openssl"));
                String ip = c.ip(0);
                Served rpcBefore = served(c, work, ip, 2100, "rpc-before");
                Served prismBefore = waitServed(c, work, ip, 9440, "prism-before");
                X509Certificate nodeCert = certificate(Files.readString(c.home(0).resolve("data/pki/cert.pem")));
                assertThat(rpcBefore.serial()).isEqualTo(nodeCert.getSerialNumber());

                // the cluster clock: 29 days before node 0's certificate expires
                Instant target = nodeCert.getNotAfter().toInstant().minus(Duration.ofDays(29));
                long offset = Duration.between(Instant.now(), target).toSeconds();
                for (int i = 0; i < 4; i++) {
                    Files.writeString(c.home(i).resolve("etc/config/io.cairn.common.clock.json"), "{\"wall_offset_seconds\": " + offset + "}");
                }
                long t0 = System.nanoTime();
                // calls carry absolute deadlines the nodes check on their (moved) clock: the admin reckons them on the same
                java.time.InstantSource cluster = java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofSeconds(offset));
                RpcClient moved = Rpc.client(Credentials.load(c.admin), cluster);
                admin = moved;

                AtomicReference<Served> rpcAfter = new AtomicReference<>();
                waitFor(RENEWAL, () -> {
                    try {
                        Served s = served(c, work, ip, 2100, "rpc-after");
                        rpcAfter.set(s);
                        return !s.serial().equals(rpcBefore.serial());
                    } catch (Exception e) {
                        return false;
                    }
                }, "a new node certificate served on " + ip + ":2100");
                System.out.println("[measure] new RPC certificate served " + (System.nanoTime() - t0) / 1_000_000 + " ms after the clock moved");
                assertThat(rpcAfter.get().notAfter()).isAfter(rpcBefore.notAfter());
                AtomicReference<Served> prismAfter = new AtomicReference<>();
                waitFor(RENEWAL, () -> {
                    try {
                        Served s = served(c, work, ip, 9440, "prism-after");
                        prismAfter.set(s);
                        return !s.serial().equals(prismBefore.serial());
                    } catch (Exception e) {
                        return false;
                    }
                }, "a new Prism certificate served on " + ip + ":9440");
                assertThat(prismAfter.get().notAfter()).isAfter(prismBefore.notAfter());
                // Medusa's Ratis gRPC (key manager per handshake) and, on a Zookeeper member, its client port (files reloaded)
                Served ratis = waitServed(c, work, ip, 2120, "ratis-after");
                assertThat(ratis.serial()).as("Medusa's gRPC on " + ip + ":2120").isEqualTo(rpcAfter.get().serial());
                JsonNode clusterDoc = LoopbackCluster.JSON.readTree(call(moved, ip, "zeus.read", Map.of("document", "cluster")).get("data").asText());
                String uuid0 = null;
                for (JsonNode n : clusterDoc.get("nodes")) {
                    if (n.get("address").asText().equals(ip)) {
                        uuid0 = n.get("uuid").asText();
                    }
                }
                boolean zkMember = false;
                for (JsonNode z : clusterDoc.get("zookeeper")) {
                    zkMember |= z.asText().equals(uuid0);
                }
                if (zkMember) {
                    waitFor(Duration.ofSeconds(90), () -> {
                        try {
                            return served(c, work, ip, 9876, "zookeeper-after").serial().equals(rpcAfter.get().serial());
                        } catch (Exception e) {
                            return false;
                        }
                    }, "the renewed node certificate on Zookeeper's client port " + ip + ":9876");
                } else {
                    System.out.println("[info] " + ip + " holds no Zookeeper member role; its client port is not checked");
                }
                // written atomically where the node's credentials live
                assertThat(certificate(Files.readString(c.home(0).resolve("data/pki/cert.pem"))).getSerialNumber())
                        .isEqualTo(rpcAfter.get().serial());

                // recorded in security/pki (so a removal revokes it too)
                waitFor(Duration.ofSeconds(90), () -> {
                    try {
                        JsonNode pki = LoopbackCluster.JSON.readTree(call(moved, c.ip(1), "zeus.read", Map.of("document", "security/pki")).get("data").asText());
                        Set<String> all = new TreeSet<>();
                        pki.path("issued").forEach(list -> list.forEach(s -> all.add(s.asText())));
                        return all.contains(rpcAfter.get().serial().toString(16)) && all.contains(prismAfter.get().serial().toString(16));
                    } catch (Exception e) {
                        return false;
                    }
                }, "the renewed serials in security/pki issued");

                // the cluster stays healthy: the admin reaches every node over mutual TLS, nodes answer each other
                for (int i = 0; i < 4; i++) {
                    assertThat(call(moved, c.ip(i), "cluster.status", Map.of()).get("nodes").size()).isEqualTo(4);
                }
                // node 1 writes through Zeus, node 0 reads it: inter-node traffic after the renewal
                call(moved, c.ip(1), "zeus.write", Map.of("document", "test/renewal", "expectedVersion", -1, "data", "{\"ok\":true}"));
                assertThat(call(moved, ip, "zeus.read", Map.of("document", "test/renewal")).get("data").asText()).contains("ok");
            } finally {
                if (admin != null) {
                    admin.close();
                }
                c.closeKeepingLogs("pki-renewal-logs");
            }
        }
    }

    private static JsonNode call(RpcClient client, String ip, String method, Object body) throws Exception {
        return LoopbackCluster.JSON.readTree(client.call(ip, method, LoopbackCluster.JSON.writeValueAsBytes(body), Duration.ofSeconds(20)));
    }

    /** What a server presents: serial and notAfter as {@code openssl x509} prints them. */
    record Served(BigInteger serial, Instant notAfter) {
    }

    private static Served waitServed(LoopbackCluster c, Path work, String ip, int port, String name) throws Exception {
        AtomicReference<Served> s = new AtomicReference<>();
        waitFor(Duration.ofSeconds(60), () -> {
            try {
                s.set(served(c, work, ip, port, name));
                return true;
            } catch (Exception e) {
                return false;
            }
        }, "a TLS handshake with " + ip + ":" + port);
        return s.get();
    }

    /** A new handshake with the real openssl s_client (admin certificate as client), its server certificate read by openssl x509. */
    private static Served served(LoopbackCluster c, Path work, String ip, int port, String name) throws Exception {
        Path out = work.resolve(name + ".txt");
        Proc handshake = Proc.run(Duration.ofSeconds(20), work, Map.of(), List.of("openssl", "s_client", "-connect", ip + ":" + port,
                "-servername", ip, "-cert", c.admin.resolve("cert.pem").toString(), "-key", c.admin.resolve("key.pem").toString(),
                "-CAfile", c.admin.resolve("ca.pem").toString()), Path.of("/dev/null"));
        Files.writeString(out, handshake.output());
        if (!handshake.output().contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalStateException("no server certificate from " + ip + ":" + port + ": " + handshake.output());
        }
        Proc x509 = Proc.run(Duration.ofSeconds(20), work, Map.of(), List.of("openssl", "x509", "-in", out.toString(), "-noout", "-serial",
                "-enddate", "-dateopt", "iso_8601"));
        assertThat(x509.exitCode()).as(x509.output()).isZero();
        BigInteger serial = null;
        Instant notAfter = null;
        for (String line : x509.output().split("\n")) {
            String l = line.strip();
            if (l.startsWith("serial=")) {
                serial = new BigInteger(l.substring("serial=".length()), 16);
            } else if (l.startsWith("notAfter=")) {
                notAfter = Instant.parse(l.substring("notAfter=".length()).replace(' ', 'T'));
            }
        }
        assertThat(serial).as(x509.output()).isNotNull();
        assertThat(notAfter).as(x509.output()).isNotNull();
        return new Served(serial, notAfter);
    }

    private static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem.getBytes()));
    }
}
