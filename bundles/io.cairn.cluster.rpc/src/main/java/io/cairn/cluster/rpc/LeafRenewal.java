package io.cairn.cluster.rpc;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When a leaf certificate of the cluster CA is renewed (spec 30 §2): once fewer than {@code renewBefore}
 * ({@value #RENEW_BEFORE_DAYS} days by default, {@code cluster_ca_renew_before_days}) remain, judged on the cluster's
 * clock; after a failed attempt, again only after {@link #RETRY} (hourly); an alert is due at {@value #WARNING_DAYS}
 * days left (warning) and {@value #CRITICAL_DAYS} days left (critical). One instance per certificate kept renewed; not
 * thread-safe (its owner calls it from one thread).
 *
 * @since 1.5.0
 */
public final class LeafRenewal {

    public static final int LEAF_VALIDITY_DAYS = 730;
    public static final int RENEW_BEFORE_DAYS = 30;
    public static final int WARNING_DAYS = 14;
    public static final int CRITICAL_DAYS = 3;
    public static final Duration RETRY = Duration.ofHours(1);

    /** The alert a certificate's remaining time calls for. */
    public enum Alert {
        NONE, WARNING, CRITICAL
    }

    private final Duration renewBefore;
    private Instant lastFailure;

    public LeafRenewal(Duration renewBefore) {
        Objects.requireNonNull(renewBefore, "renewBefore");
        if (renewBefore.isNegative() || renewBefore.isZero()) {
            throw io.cairn.common.error.CairnException.invalid("cluster_ca_renew_before_days must be at least 1 (is " + renewBefore.toDays()
                    + ")");
        }
        this.renewBefore = renewBefore;
    }

    /** Whether {@code certificate} is within its renewal window at {@code now}. */
    public boolean due(X509Certificate certificate, Instant now) {
        return Duration.between(now, certificate.getNotAfter().toInstant()).compareTo(renewBefore) < 0;
    }

    /** Whether to try renewing {@code certificate} at {@code now}: due, and no failure within the last hour. */
    public boolean attempt(X509Certificate certificate, Instant now) {
        return due(certificate, now) && (lastFailure == null || !now.isBefore(lastFailure.plus(RETRY)));
    }

    /** An attempt failed at {@code now}: the next one waits {@link #RETRY}. */
    public void failed(Instant now) {
        lastFailure = now;
    }

    /** An attempt succeeded: the next failure starts a new retry interval. */
    public void succeeded() {
        lastFailure = null;
    }

    /** When the next attempt may run after a failure, or null. */
    public Instant retryAt() {
        return lastFailure == null ? null : lastFailure.plus(RETRY);
    }

    /** The alert {@code certificate}'s remaining time at {@code now} calls for (an expired one is critical). */
    public static Alert alert(X509Certificate certificate, Instant now) {
        Duration left = Duration.between(now, certificate.getNotAfter().toInstant());
        if (left.compareTo(Duration.ofDays(CRITICAL_DAYS)) <= 0) {
            return Alert.CRITICAL;
        }
        if (left.compareTo(Duration.ofDays(WARNING_DAYS)) <= 0) {
            return Alert.WARNING;
        }
        return Alert.NONE;
    }
}
