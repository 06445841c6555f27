package io.cairn.cluster.genesis.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The Zeus document {@value #DOCUMENT} (spec 30 §2): the serials (lower-case hex) of the certificates issued to each
 * member ({@code issued}: its node certificate and what its copy of the cluster CA issued, e.g. Prism's), the revoked
 * serials ({@code revoked}: only ever grows; concurrent updates are merged as a union) and the cluster CRL that lists
 * them ({@code crl}, PEM, with its {@code crlNumber} and issue time {@code crlIssued}, ISO-8601).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record PkiDocument(SortedMap<String, SortedSet<String>> issued, SortedSet<String> revoked, String crl, long crlNumber, String crlIssued) {

    static final String DOCUMENT = "security/pki";
    /** The CRL is reissued at least this often (spec 30 §2: daily). */
    static final Duration REISSUE = Duration.ofDays(1);
    /** A CRL's next update (spec 30 §2: 7 days). */
    static final Duration NEXT_UPDATE = Duration.ofDays(7);

    static final PkiDocument EMPTY = new PkiDocument(new TreeMap<>(), new TreeSet<>(), null, 0, null);

    PkiDocument {
        SortedMap<String, SortedSet<String>> i = new TreeMap<>();
        if (issued != null) {
            issued.forEach((k, v) -> i.put(k, v == null ? new TreeSet<>() : new TreeSet<>(v)));
        }
        issued = i;
        revoked = revoked == null ? new TreeSet<>() : new TreeSet<>(revoked);
    }

    /** {@code node}'s serials added to those recorded. */
    PkiDocument withIssued(String node, Collection<String> serials) {
        SortedMap<String, SortedSet<String>> i = new TreeMap<>(issued);
        SortedSet<String> mine = new TreeSet<>(i.getOrDefault(node, new TreeSet<>()));
        mine.addAll(serials);
        i.put(node, mine);
        return new PkiDocument(i, revoked, crl, crlNumber, crlIssued);
    }

    /** Every serial issued to a node that is not in {@code members} (a removed node) revoked. */
    PkiDocument revokeAllBut(Set<String> members) {
        SortedSet<String> r = new TreeSet<>(revoked);
        issued.forEach((node, serials) -> {
            if (!members.contains(node)) {
                r.addAll(serials);
            }
        });
        return new PkiDocument(issued, r, crl, crlNumber, crlIssued);
    }

    /** This and {@code other} merged: the union of issued and revoked serials, the CRL with the higher number. */
    PkiDocument merge(PkiDocument other) {
        PkiDocument d = this;
        for (Map.Entry<String, SortedSet<String>> e : other.issued.entrySet()) {
            d = d.withIssued(e.getKey(), e.getValue());
        }
        SortedSet<String> r = new TreeSet<>(d.revoked);
        r.addAll(other.revoked);
        PkiDocument newer = other.crlNumber > crlNumber ? other : this;
        return new PkiDocument(d.issued, r, newer.crl, newer.crlNumber, newer.crlIssued);
    }

    /** Whether the CRL must be (re)issued at {@code now}: none yet, it misses a revoked serial, or it is a day old. */
    boolean crlDue(Set<String> crlSerials, Instant now) {
        if (crl == null || crlIssued == null || !crlSerials.containsAll(revoked)) {
            return true;
        }
        try {
            return !now.isBefore(Instant.parse(crlIssued).plus(REISSUE));
        } catch (java.time.format.DateTimeParseException e) {
            return true;
        }
    }

    PkiDocument withCrl(String pem, long number, Instant issuedAt) {
        return new PkiDocument(issued, revoked, pem, number, issuedAt.toString());
    }
}
