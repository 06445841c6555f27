package io.cairn.cluster.genesis.internal;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.LeafRenewal;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.common.alerts.Severity;

/**
 * Automatic renewal of this node's transport certificate (spec 30 §2): once fewer than the renewal window remains on
 * the cluster clock, this member's copy of the cluster CA issues the successor for the same node key
 * ({@link ClusterCa#renew}: same name and addresses, ending {@code validity} later, capped at the CA's expiry), and
 * {@link NodeTrust#renew} stores it and serves it from the next handshake. The old certificate is not revoked: it
 * stays valid until it expires. A failure is retried hourly; a warning alert is raised at 14 days left and a critical
 * one at 3 (once per certificate and level). Called from one thread ({@link PkiKeeper}'s loop).
 */
final class NodeCertRenewer {

    /** Where alerts go (the AlertService when present). */
    interface Alerts {
        void raise(Severity severity, String title, String message);
    }

    private final Logger logger = LoggerFactory.getLogger(NodeCertRenewer.class);
    private final LeafRenewal renewal;
    private final Duration validity;
    private java.math.BigInteger alertedSerial;
    private LeafRenewal.Alert alerted = LeafRenewal.Alert.NONE;

    NodeCertRenewer(Duration renewBefore, Duration validity) {
        this.renewal = new LeafRenewal(renewBefore);
        this.validity = validity;
    }

    /** Renews the node certificate if due (and not waiting for a retry); raises alerts as it nears expiry. */
    void check(NodeTrust trust, Instant now, Alerts alerts) {
        Optional<Credentials> creds = trust.credentials();
        if (creds.isEmpty()) {
            return;
        }
        X509Certificate current = creds.get().certificate();
        if (renewal.attempt(current, now)) {
            try {
                ClusterCa ca = trust.authority().orElseThrow(() -> new IllegalStateException(
                        "this member holds no cluster CA key (data/pki/ca.key.pem); hand it over with genesis.authority.install"));
                X509Certificate next = ca.renew(current, trust.publicKey(), now, validity);
                trust.renew(next);
                renewal.succeeded();
                current = next;
            } catch (RuntimeException e) {
                renewal.failed(now);
                logger.warn("renewing this node's transport certificate {} (expires {}) failed: {}; retrying at {}",
                        current.getSerialNumber().toString(16), current.getNotAfter().toInstant(), e.getMessage(), renewal.retryAt());
            }
        }
        LeafRenewal.Alert level = LeafRenewal.alert(current, now);
        if (!current.getSerialNumber().equals(alertedSerial)) {
            alertedSerial = current.getSerialNumber();
            alerted = LeafRenewal.Alert.NONE;
        }
        if (level.compareTo(alerted) > 0) {
            alerted = level;
            long days = Duration.between(now, current.getNotAfter().toInstant()).toDays();
            alerts.raise(level == LeafRenewal.Alert.CRITICAL ? Severity.CRITICAL : Severity.WARNING,
                    "Node certificate expires in " + Math.max(days, 0) + " days",
                    "the transport certificate " + current.getSerialNumber().toString(16) + " of this node expires "
                            + current.getNotAfter().toInstant() + " and could not be renewed (retrying hourly; see the node log). Check that "
                            + "data/pki/ca.key.pem is present and readable, or the cluster CA's own expiry.");
        }
    }

    /** The retry time after a failure, or null (tests). */
    Instant retryAt() {
        return renewal.retryAt();
    }
}
