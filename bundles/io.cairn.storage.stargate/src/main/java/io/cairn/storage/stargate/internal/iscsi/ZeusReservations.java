package io.cairn.storage.stargate.internal.iscsi;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.iscsi.ReservationStore;

/**
 * Persistent reservations in Zeus documents {@code iscsi/pr/<luId>} (spec 50 §1: "state in
 * Zeus-backed metadata"). The SCSI layer loads the state on every command, so each document is
 * mirrored here by a watch once first read: loads are local; a change made through this store is
 * seen at once, one made on another node when its watch fires (milliseconds). Changes are
 * compare-and-set on the document's version, so concurrent changes from two nodes never both win.
 * Registered as the node's {@link ReservationStore} service: every portal of the node (the Stargate
 * portal, Volumes) keeps its logical units' reservations here, one mirror per node.
 */
@Component(service = ReservationStore.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class ZeusReservations implements ReservationStore, AutoCloseable {

    static final String PREFIX = "iscsi/pr/";

    private final Logger logger = LoggerFactory.getLogger(ZeusReservations.class);
    private final Zeus zeus;
    /** The newest state seen per logical unit (empty: none yet); only ever moves to a higher version. */
    private final Map<String, Optional<Versioned>> states = new ConcurrentHashMap<>();
    private final Map<String, Registration> watches = new ConcurrentHashMap<>();
    private volatile boolean closed;

    @Activate
    public ZeusReservations(@Reference Zeus zeus) {
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
        Optional<Versioned> known = states.get(luId);
        if (known != null) {
            return known;
        }
        String doc = document(luId);
        if (!closed) {
            // the watch first, so no change between the read below and the watch's start is missed; events and the read
            // merge by version, whichever lands first
            watches.computeIfAbsent(luId, k -> zeus.watch(doc, d -> merge(k, d.map(ZeusReservations::versioned))));
            if (closed) {
                Registration late = watches.remove(luId);
                if (late != null) {
                    late.close();
                }
            }
        }
        return merge(luId, zeus.read(doc).map(ZeusReservations::versioned));
    }

    /**
     * Keeps the newer of what is known and {@code seen}: a higher version wins; "absent" never
     * replaces a known state (the documents are never deleted, so an absent read is an old one).
     */
    private Optional<Versioned> merge(String luId, Optional<Versioned> seen) {
        return states.merge(luId, seen, (cur, next) -> {
            if (next.isEmpty()) {
                return cur;
            }
            return cur.isEmpty() || next.get().version() > cur.get().version() ? next : cur;
        });
    }

    @Override
    public Optional<Long> compareAndSet(String luId, long expectedVersion, byte[] state) {
        String doc = document(luId);
        VersionedDocument written;
        try {
            written = zeus.write(doc, state, (int) expectedVersion);
        } catch (CairnException e) {
            if (e.code() == ErrorCode.CONFLICT) {
                merge(luId, zeus.read(doc).map(ZeusReservations::versioned)); // the next load sees the winner
                return Optional.empty();
            }
            throw e;
        }
        Versioned v = versioned(written);
        merge(luId, Optional.of(v));
        return Optional.of(v.version());
    }

    private static Versioned versioned(VersionedDocument d) {
        return new Versioned(d.data(), d.version());
    }

    @Override
    @Deactivate
    public void close() {
        closed = true;
        watches.values().forEach(w -> {
            try {
                w.close();
            } catch (RuntimeException e) {
                logger.debug("closing a reservation watch: {}", e.toString());
            }
        });
        watches.clear();
        states.clear();
    }
}
