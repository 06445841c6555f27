package io.cairn.iscsi.internal.scsi;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import io.cairn.storage.api.iscsi.ReservationStore;

/**
 * What every {@link SbcTarget} of one engine shares about one logical unit (by luId): the range
 * lock, the cached persistent-reservation state with its store version, and the per-I_T-nexus
 * state (capacity last reported, pending unit attentions).
 */
final class SharedLu {

    /** Attempts at a compare-and-set before answering BUSY. */
    static final int CAS_ATTEMPTS = 32;

    /** A decoded state and the store version it was read at (-1: absent). */
    record Pr(long version, PrState state) {
    }

    /** Per I_T nexus: the capacity it was last told about and its unit attentions. */
    static final class NexusState {
        private long capacity;
        private final Deque<Integer> uas = new ArrayDeque<>();

        NexusState(long capacity) {
            this.capacity = capacity;
        }

        synchronized void observeCapacity(long now) {
            if (now != capacity) {
                capacity = now;
                add(Sense.UA_CAPACITY_CHANGED);
            }
        }

        synchronized void add(int ua) {
            if (!uas.contains(ua) && uas.size() < 8) {
                uas.add(ua);
            }
        }

        synchronized Integer poll() {
            return uas.poll();
        }
    }

    final String luId;
    final RangeLock ranges = new RangeLock();
    final ConcurrentMap<Nexus, NexusState> nexuses = new ConcurrentHashMap<>();
    final AtomicInteger users = new AtomicInteger();
    private volatile Pr cached = new Pr(-1, PrState.EMPTY);

    SharedLu(String luId) {
        this.luId = luId;
    }

    NexusState nexus(Nexus n, long capacity) {
        return nexuses.computeIfAbsent(n, k -> new NexusState(capacity));
    }

    /** The state in {@code store} now, decoding only when its version moved. */
    Pr load(ReservationStore store) {
        Optional<ReservationStore.Versioned> v = store.load(luId);
        if (v.isEmpty()) {
            return new Pr(-1, PrState.EMPTY);
        }
        Pr c = cached;
        if (c.version == v.get().version() && c.version >= 0) {
            return c;
        }
        Pr fresh = new Pr(v.get().version(), PrState.decode(v.get().state()));
        cached = fresh;
        return fresh;
    }

    /**
     * Applies {@code change} to a copy of the current state and stores it by compare-and-set,
     * reloading and retrying when another writer got there first. {@code change} returns null when
     * nothing is to be stored; it may throw {@link ScsiError}.
     *
     * @return the state stored, or the unchanged current state
     */
    PrState update(ReservationStore store, UnaryOperator<PrState> change) {
        for (int i = 0; i < CAS_ATTEMPTS; i++) {
            Pr cur = load(store);
            PrState next = change.apply(cur.state().copy());
            if (next == null) {
                return cur.state();
            }
            Optional<Long> version = store.compareAndSet(luId, cur.version(), next.encode());
            if (version.isPresent()) {
                cached = new Pr(version.get(), next);
                return next;
            }
            Thread.onSpinWait();
        }
        throw ScsiError.busy();
    }
}
