package io.cairn.iscsi.internal.scsi;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.storage.api.iscsi.ReservationStore;

/** A ReservationStore in memory with a real compare-and-set. */
public final class MemoryReservationStore implements ReservationStore {

    private final Map<String, Versioned> states = new HashMap<>();
    final AtomicInteger casCount = new AtomicInteger();
    final AtomicInteger loadCount = new AtomicInteger();

    @Override
    public synchronized Optional<Versioned> load(String luId) {
        loadCount.incrementAndGet();
        Versioned v = states.get(luId);
        return v == null ? Optional.empty() : Optional.of(new Versioned(v.state().clone(), v.version()));
    }

    @Override
    public synchronized Optional<Long> compareAndSet(String luId, long expectedVersion, byte[] state) {
        casCount.incrementAndGet();
        Versioned v = states.get(luId);
        long current = v == null ? -1 : v.version();
        if (current != expectedVersion) {
            return Optional.empty();
        }
        long next = current + 1;
        states.put(luId, new Versioned(state.clone(), next));
        return Optional.of(next);
    }
}
