package io.cairn.cluster.genesis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.common.alerts.Severity;

/** The node certificate's renewal by {@link NodeCertRenewer}: when, with which certificate, retries and alerts. */
class NodeCertRenewerTest {

    private static final Duration LEAF = Duration.ofDays(730);

    private final List<String> alerts = new ArrayList<>();
    private final NodeCertRenewer.Alerts sink = (severity, title, message) -> alerts.add(severity + " " + title);

    @Test
    void givenNodeCertificate_whenClockIs31Then29DaysBeforeExpiry_thenRenewedOnceWithNewSerialLaterEndAndRecorded() {
        ClusterCa ca = ClusterCa.create("t", Duration.ofDays(7300));
        PkiKeeperTest.FakeTrust trust = new PkiKeeperTest.FakeTrust(ca.issueCredentials("node:n1", List.of("127.0.1.86"), LEAF), ca);
        X509Certificate old = trust.node.certificate();
        NodeCertRenewer r = new NodeCertRenewer(Duration.ofDays(30), LEAF);

        r.check(trust, old.getNotAfter().toInstant().minus(Duration.ofDays(31)), sink);
        assertThat(trust.node.certificate()).isEqualTo(old);

        Instant t = old.getNotAfter().toInstant().minus(Duration.ofDays(29));
        r.check(trust, t, sink);
        X509Certificate next = trust.node.certificate();
        assertThat(next.getSerialNumber()).isNotEqualTo(old.getSerialNumber());
        assertThat(next.getNotAfter()).isAfter(old.getNotAfter());
        assertThat(next.getPublicKey()).isEqualTo(old.getPublicKey());
        assertThat(trust.issuedHere()).as("recorded for revocation").contains(next.getSerialNumber());

        r.check(trust, t.plus(Duration.ofMinutes(1)), sink);
        assertThat(trust.node.certificate()).as("not renewed again").isEqualTo(next);
        assertThat(alerts).isEmpty();
    }

    @Test
    void givenNoCaKey_whenDue_thenRetriedHourlyWarningAt14DaysCriticalAt3AndRenewedOnceTheKeyIsBack() {
        ClusterCa ca = ClusterCa.create("t", Duration.ofDays(7300));
        PkiKeeperTest.FakeTrust trust = new PkiKeeperTest.FakeTrust(ca.issueCredentials("node:n1", List.of("127.0.1.86"), LEAF), ca);
        X509Certificate old = trust.node.certificate();
        Instant end = old.getNotAfter().toInstant();
        NodeCertRenewer r = new NodeCertRenewer(Duration.ofDays(30), LEAF);
        trust.holdsKey = false;

        Instant t = end.minus(Duration.ofDays(29));
        r.check(trust, t, sink);
        assertThat(trust.node.certificate()).isEqualTo(old);
        assertThat(r.retryAt()).isEqualTo(t.plus(Duration.ofHours(1)));
        assertThat(alerts).isEmpty();

        trust.holdsKey = true;
        r.check(trust, t.plus(Duration.ofMinutes(30)), sink);
        assertThat(trust.node.certificate()).as("no attempt before the hour is up").isEqualTo(old);
        trust.holdsKey = false;

        r.check(trust, end.minus(Duration.ofDays(14)), sink);
        assertThat(alerts).containsExactly(Severity.WARNING + " Node certificate expires in 14 days");
        r.check(trust, end.minus(Duration.ofDays(13)), sink);
        assertThat(alerts).as("raised once per level").hasSize(1);
        r.check(trust, end.minus(Duration.ofDays(3)), sink);
        assertThat(alerts).hasSize(2).last().isEqualTo(Severity.CRITICAL + " Node certificate expires in 3 days");

        trust.holdsKey = true;
        Instant later = end.minus(Duration.ofDays(2));
        r.check(trust, later, sink);
        assertThat(trust.node.certificate().getSerialNumber()).isNotEqualTo(old.getSerialNumber());
        assertThat(r.retryAt()).isNull();
        assertThat(alerts).hasSize(2);
    }
}
