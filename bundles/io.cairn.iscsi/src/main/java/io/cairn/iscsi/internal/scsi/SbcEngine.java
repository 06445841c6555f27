package io.cairn.iscsi.internal.scsi;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.cairn.storage.api.iscsi.LogicalUnit;
import io.cairn.storage.api.iscsi.ReservationStore;

/**
 * The SBC-3/SPC-4 engine: makes {@link SbcTarget}s and keeps what their sessions share per logical
 * unit (by luId): the COMPARE AND WRITE range lock, the persistent-reservation cache and the
 * per-I_T-nexus unit attentions. Persistent reservations themselves live in the
 * {@link ReservationStore}, so engines on other nodes see the same state.
 */
public final class SbcEngine implements ScsiEngine {

    private final ConcurrentMap<String, SharedLu> lus = new ConcurrentHashMap<>();

    public SbcEngine() {
    }

    @Override
    public ScsiTarget target(String targetName, List<LogicalUnit> luns, ReservationStore reservations) {
        List<SharedLu> shared = new ArrayList<>(luns.size());
        for (LogicalUnit lu : luns) {
            shared.add(lus.compute(lu.luId(), (id, s) -> {
                SharedLu r = s == null ? new SharedLu(id) : s;
                r.users.incrementAndGet();
                return r;
            }));
        }
        return new SbcTarget(this, targetName, luns, shared, reservations);
    }

    /** A target closed: forget logical units no target uses any more. */
    void release(SharedLu lu) {
        lus.computeIfPresent(lu.luId, (id, s) -> s.users.decrementAndGet() <= 0 ? null : s);
    }

    /** Number of logical units with shared state (for tests). */
    int sharedCount() {
        return lus.size();
    }
}
