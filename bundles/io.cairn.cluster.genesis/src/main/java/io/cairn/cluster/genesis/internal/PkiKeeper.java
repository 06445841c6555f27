package io.cairn.cluster.genesis.internal;

import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.common.clock.Clock;
import io.cairn.common.clock.Timer;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.ready.ReadyMarker;

/**
 * Certificate revocation (spec 30 §2) on every member, kept in the Zeus document {@value PkiDocument#DOCUMENT}:
 * <ul>
 * <li>records the serials of this member's certificates: its node certificate and those its copy of the cluster CA
 * issued (Prism's), so they can be revoked once it leaves;</li>
 * <li>revokes every serial recorded for a node that is no longer in the {@code cluster} document (node removal);</li>
 * <li>on a member holding the CA key, (re)issues the CRL when it misses a revoked serial and at least daily
 * (next update 7 days);</li>
 * <li>applies the document's CRL to the transport ({@link NodeTrust#applyCrl}, kept in {@code data/pki/crl.pem}).</li>
 * </ul>
 * It runs on changes of either document (Zeus watches) and every {@value #POLL_SECONDS} s as a backstop, one pass at a
 * time; updates are compare-and-set and merge what another member wrote meanwhile (the revoked set only grows).
 */
@Component(service = PkiKeeper.class, immediate = true, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE,
        configurationPid = PkiKeeper.PID)
@org.osgi.service.metatype.annotations.Designate(ocd = PkiKeeper.Config.class)
public final class PkiKeeper {

    static final int POLL_SECONDS = 30;
    static final String PID = "io.cairn.cluster.genesis.pki";

    @org.osgi.service.metatype.annotations.ObjectClassDefinition(name = "Cairn cluster PKI", description = "Renewal of node certificates "
            + "(spec 30 §2)")
    public @interface Config {
        @org.osgi.service.metatype.annotations.AttributeDefinition(description = "Validity of a renewed node certificate, days "
                + "(capped at the cluster CA's expiry)", min = "31")
        int cluster__ca__leaf__validity__days() default io.cairn.cluster.rpc.LeafRenewal.LEAF_VALIDITY_DAYS;

        @org.osgi.service.metatype.annotations.AttributeDefinition(description = "Renew a node certificate when fewer than this many "
                + "days remain", min = "1")
        int cluster__ca__renew__before__days() default io.cairn.cluster.rpc.LeafRenewal.RENEW_BEFORE_DAYS;
    }
    private static final int ATTEMPTS = 5;

    private final Logger logger = LoggerFactory.getLogger(PkiKeeper.class);
    private final Zeus zeus;
    private final NodeTrust trust;
    private final Clock clock;
    private final String self;
    private final ExecutorService loop = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("genesis-pki").daemon(true).factory());
    private volatile boolean closed;
    private Registration pkiWatch;
    private Registration clusterWatch;
    private Timer poll;
    /** Node certificate renewal, on the loop thread. */
    private final NodeCertRenewer renewer;
    private volatile io.cairn.common.alerts.AlertService alerts;

    @Activate
    public PkiKeeper(@Reference Zeus zeus, @Reference NodeTrust trust, @Reference Clock clock, @Reference ClusterJoin join, Config config) {
        if (config.cluster__ca__leaf__validity__days() <= config.cluster__ca__renew__before__days()) {
            throw io.cairn.common.error.CairnException.invalid("cluster_ca_leaf_validity_days (" + config.cluster__ca__leaf__validity__days()
                    + ") must exceed cluster_ca_renew_before_days (" + config.cluster__ca__renew__before__days() + ") in configuration " + PID
                    + ", or every renewed certificate would be due for renewal at once");
        }
        this.renewer = new NodeCertRenewer(Duration.ofDays(config.cluster__ca__renew__before__days()),
                Duration.ofDays(config.cluster__ca__leaf__validity__days()));
        this.zeus = zeus;
        this.trust = trust;
        this.clock = clock;
        this.self = join.self().uuid().toString();
        loop.execute(() -> {
            try {
                pkiWatch = zeus.watch(PkiDocument.DOCUMENT, d -> submit());
                clusterWatch = zeus.watch(ClusterConfig.DOCUMENT, d -> submit());
            } catch (RuntimeException e) {
                logger.warn("cannot watch {} yet ({}); polling every {} s", PkiDocument.DOCUMENT, e.getMessage(), POLL_SECONDS);
            }
            schedule();
        });
    }

    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC,
            policyOption = org.osgi.service.component.annotations.ReferencePolicyOption.GREEDY)
    void setAlerts(io.cairn.common.alerts.AlertService a) {
        alerts = a;
    }

    void unsetAlerts(io.cairn.common.alerts.AlertService a) {
        if (alerts == a) {
            alerts = null;
        }
    }

    private void raise(io.cairn.common.alerts.Severity severity, String title, String message) {
        io.cairn.common.alerts.AlertService a = alerts;
        logger.warn("{}: {}", title, message);
        if (a != null) {
            try {
                a.raise("genesis.pki", severity, title, message);
            } catch (RuntimeException e) {
                logger.warn("cannot raise the alert '{}': {}", title, e.toString());
            }
        }
    }

    @Deactivate
    void deactivate() {
        closed = true;
        loop.execute(() -> {
            if (poll != null) {
                poll.cancel();
            }
            close(pkiWatch);
            close(clusterWatch);
        });
        loop.shutdown();
    }

    private void schedule() {
        if (!closed) {
            poll = clock.schedule(Duration.ofSeconds(POLL_SECONDS), () -> {
                submit();
                loop.execute(this::schedule);
            });
        }
    }

    private void submit() {
        if (!closed) {
            try {
                loop.execute(this::pass);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping
            }
        }
    }

    /** One pass: record, revoke, reissue the CRL if due, write (compare-and-set), apply. */
    private void pass() {
        if (closed) {
            return;
        }
        try {
            if (zeus.cluster().node(java.util.UUID.fromString(self)).isPresent()) {
                renewer.check(trust, clock.now(), this::raise);
            }
        } catch (RuntimeException e) {
            logger.warn("node certificate renewal check failed: {}", e.toString());
        }
        try {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                Optional<VersionedDocument> read = zeus.read(PkiDocument.DOCUMENT);
                PkiDocument current = read.map(d -> Codec.read(Codec.tree(d.data(), PkiDocument.DOCUMENT), PkiDocument.class,
                        "the cluster PKI document")).orElse(PkiDocument.EMPTY);
                PkiDocument next = update(trust, self, current, zeus.cluster(), clock.now());
                if (next.equals(current)) {
                    apply(current);
                    return;
                }
                try {
                    zeus.write(PkiDocument.DOCUMENT, Codec.write(next), read.map(VersionedDocument::version).orElse(VersionedDocument.ABSENT));
                    if (next.crlNumber() > current.crlNumber()) {
                        logger.info("issued cluster CRL number {} ({} revoked serials, next update {})", next.crlNumber(),
                                next.revoked().size(), Instant.parse(next.crlIssued()).plus(PkiDocument.NEXT_UPDATE));
                    }
                    if (next.revoked().size() > current.revoked().size()) {
                        logger.info("revoked {} certificate serial(s) of nodes no longer in the cluster: {}",
                                next.revoked().size() - current.revoked().size(), diff(next.revoked(), current.revoked()));
                    }
                    apply(next);
                    return;
                } catch (CairnException e) {
                    if (e.code() != ErrorCode.CONFLICT) {
                        throw e;
                    }
                    // another member wrote meanwhile: read again, merge again
                }
            }
            logger.info("{} kept changing during {} attempts; trying again within {} s", PkiDocument.DOCUMENT, ATTEMPTS, POLL_SECONDS);
        } catch (RuntimeException e) {
            logger.warn("cluster PKI pass failed ({}); retrying within {} s", e.toString(), POLL_SECONDS);
        }
    }

    /** {@code current} with this member's serials recorded, removed nodes' serials revoked and, if due and able, a new CRL. */
    static PkiDocument update(NodeTrust trust, String self, PkiDocument current, ClusterConfig cluster, Instant now) {
        Set<String> members = cluster.nodes().stream().map(NodeIdentity::uuid).map(Object::toString).collect(Collectors.toSet());
        PkiDocument next = current;
        boolean member = members.contains(self);
        if (member) {
            Set<String> mine = new TreeSet<>();
            trust.credentials().ifPresent(c -> mine.add(hex(c.certificate().getSerialNumber())));
            trust.issuedHere().forEach(s -> mine.add(hex(s)));
            if (!current.issued().getOrDefault(self, new java.util.TreeSet<>()).containsAll(mine)) {
                next = next.withIssued(self, mine);
            }
        }
        next = next.revokeAllBut(members);
        Optional<ClusterCa> ca = member ? trust.authority() : Optional.empty();
        if (ca.isPresent()) {
            Set<String> listed = next.crl() == null ? Set.of() : serialsOf(next.crl());
            if (next.crlDue(listed, now)) {
                Set<BigInteger> serials = next.revoked().stream().map(s -> new BigInteger(s, 16)).collect(Collectors.toSet());
                long number = next.crlNumber() + 1;
                X509CRL crl = ca.get().issueCrl(serials, number, now, now.plus(PkiDocument.NEXT_UPDATE));
                next = next.withCrl(ClusterCa.crlPem(crl), number, now);
            }
        }
        return next;
    }

    private void apply(PkiDocument d) {
        if (d.crl() == null || !trust.clustered()) {
            return;
        }
        try {
            trust.applyCrl(ClusterCa.parseCrl(d.crl(), PkiDocument.DOCUMENT + " crl"));
        } catch (CairnException e) {
            logger.warn("the cluster CRL in {} is not applied: {}", PkiDocument.DOCUMENT, e.getMessage());
        }
    }

    private static Set<String> serialsOf(String pem) {
        try {
            return ClusterCa.revokedSerials(ClusterCa.parseCrl(pem, "crl")).stream().map(PkiKeeper::hex).collect(Collectors.toSet());
        } catch (CairnException e) {
            return Set.of();
        }
    }

    static String hex(BigInteger serial) {
        return serial.toString(16);
    }

    private static Set<String> diff(Set<String> a, Set<String> b) {
        Set<String> d = new TreeSet<>(a);
        d.removeAll(b);
        return d;
    }

    private static void close(Registration r) {
        if (r != null) {
            try {
                r.close();
            } catch (RuntimeException e) {
                // Zeus already gone
            }
        }
    }
}
