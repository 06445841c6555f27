package io.cairn.storage.stargate.internal.iscsi;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.storage.api.iscsi.ReservationStore;

/**
 * Persistent reservations in Zeus documents {@code iscsi/pr/<luId>} (spec 50 §1: "state in
 * Zeus-backed metadata"). The SCSI layer loads the state on every command, so each document is
 * mirrored here by a watch once first read: loads are local; a change made through this store is
 * seen at once, one made on another node when its watch fires (milliseconds). Changes are
 * compare-and-set on the document's version, so concurrent changes from two nodes never both win.
 */
public final class ZeusReservations implements ReservationStore, AutoCloseable {

    static final String PREFIX = "iscsi/pr/";

    private record Mirror(Optional<Versioned> state, Registration watch) {
    }

    private final Logger logger = LoggerFactory.getLogger(ZeusReservations.class);
    private final Zeus zeus;
    private final Map<String, Mirror> mirrors = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ZeusReservations(Zeus zeus) {
        this.zeus = zeus;
    }

    static String document(String luId) {
        if (!luId.matches("[a-z0-9][a-z0-9._-]*")) {
            throw new IllegalArgumentException("logical unit id '" + luId + "' cannot name a Zeus document");
        }
        return PREFIX + luId;
    }

    @Override
    public Optional<Versioned> load(String luId) {
        Mirror m = mirrors.get(luId);
        if (m != null) {
            return m.state();
        }
        String doc = document(luId);
        Optional<Versioned> now = zeus.read(doc).map(ZeusReservations::versioned);
        if (closed) {
            return now;
        }
        mirrors.computeIfAbsent(luId, k -> new Mirror(now, zeus.watch(doc, d -> {
            Mirror old = mirrors.get(k);
            if (old != null) {
                Optional<Versioned> next = d.map(ZeusReservations::versioned);
                // never step back to an older version a late watch event carries
                if (next.isEmpty() || old.state().isEmpty() || next.get().version() >= old.state().get().version()) {
                    mirrors.replace(k, old, new Mirror(next, old.watch()));
                }
            }
        })));
        return mirrors.get(luId).state();
    }

    @Override
    public Optional<Long> compareAndSet(String luId, long expectedVersion, byte[] state) {
        String doc = document(luId);
        VersionedDocument written;
        try {
            written = zeus.write(doc, state, (int) expectedVersion);
        } catch (CairnException e) {
            if (e.code() == ErrorCode.CONFLICT) {
                Mirror stale = mirrors.remove(luId); // read it fresh next time
                if (stale != null) {
                    stale.watch().close();
                }
                return Optional.empty();
            }
            throw e;
        }
        Versioned v = versioned(written);
        mirrors.computeIfPresent(luId, (k, m) -> new Mirror(Optional.of(v), m.watch()));
        return Optional.of(v.version());
    }

    private static Versioned versioned(VersionedDocument d) {
        return new Versioned(d.data(), d.version());
    }

    @Override
    public void close() {
        closed = true;
        mirrors.values().forEach(m -> {
            try {
                m.watch().close();
            } catch (RuntimeException e) {
                logger.debug("closing a reservation watch: {}", e.toString());
            }
        });
        mirrors.clear();
    }
}
